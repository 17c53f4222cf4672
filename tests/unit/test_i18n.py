"""Every user-facing string is translated into French; placeholders survive translation."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

import gp_guard
from gp_guard import i18n

PACKAGE = Path(gp_guard.__file__).parent


def marked_strings() -> dict[str, str]:
    """Every literal passed to _() or N_() in the package: {message: 'file:line'}."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
                and node.args
            ):
                arg = node.args[0]
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.setdefault(arg.value, where)
                elif isinstance(arg, ast.JoinedStr):
                    raise AssertionError(f"f-string passed to {node.func.id}() at {where}")
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_marked_string_has_a_french_translation():
    catalog = i18n.load_catalog("fr")
    missing = [f"{where}: {msg!r}" for msg, where in marked_strings().items() if not catalog.get(msg)]
    assert not missing, "untranslated strings:\n" + "\n".join(missing)


def test_translations_keep_the_placeholders():
    catalog = i18n.load_catalog("fr")
    wrong = [
        msg for msg in marked_strings()
        if msg in catalog and placeholders(msg) != placeholders(catalog[msg])
    ]
    assert not wrong, wrong


def test_many_strings_are_marked():
    assert len(marked_strings()) > 50


def test_language_switch_changes_output():
    i18n.set_language("fr")
    assert i18n._("OK") == "Conforme"
    i18n.set_language("en")
    assert i18n._("OK") == "OK"


@pytest.mark.parametrize(("env", "expected"), [("fr_FR.UTF-8", "fr"), ("en_US.UTF-8", "en"), ("de_DE", "en")])
def test_system_language_follows_locale(monkeypatch, env, expected):
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", env)
    assert i18n.system_language() == expected


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        i18n.set_language("xx")


def test_french_texts_are_not_english_copies():
    """A French 'translation' identical to a long English sentence is a forgotten string."""
    catalog = i18n.load_catalog("fr")
    copies = [m for m in marked_strings() if len(m) > 30 and catalog.get(m) == m and not re.search(r"https?://|sudo |\w+\.\w+\(", m)]
    assert not copies, copies


def test_catalogues_agree_when_they_share_a_message():
    """Each area keeps its own .po file; a message in two files must read the same in both."""
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, str]] = {}
    conflicts = []
    for po in sorted(i18n.locale_dir("fr").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                if not message.id or not message.string:
                    continue
                if message.id in seen and seen[message.id][1] != message.string:
                    conflicts.append(f"{message.id!r}: {seen[message.id][0]} vs {po.name}")
                seen.setdefault(message.id, (po.name, message.string))
    assert not conflicts, conflicts


@pytest.mark.parametrize(("argv", "env", "saved", "expected"), [
    ((), None, None, "en"),  # the system's: C.UTF-8 is not French
    ((), None, "fr", "fr"),  # the saved setting beats the locale
    ((), "en", "fr", "en"),  # GP_GUARD_LANG beats the setting
    (("--lang", "fr"), "en", "en", "fr"),  # --lang beats everything
])
def test_the_cli_follows_one_language_order(tmp_path, argv, env, saved, expected):
    from tests.unit.test_cli_errors import gp

    home = tmp_path / "home"
    if saved:
        assert gp(home, "settings", "language", saved).returncode == 0
    proc = gp(home, "answer", "Q-NOPE", "yes", *argv, lang=env)
    assert proc.returncode == 2
    words = {"fr": "Identifiant de question inconnu", "en": "Unknown question id"}
    assert words[expected] in proc.stderr, proc.stderr
    help_text = gp(home, *argv, "--help", lang=env).stdout
    assert ("Assistant de sécurité" in help_text) == (expected == "fr")


def test_resolve_language_order(monkeypatch):
    monkeypatch.delenv("GP_GUARD_LANG", raising=False)
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    assert i18n.resolve_language() == "fr"
    assert i18n.resolve_language(saved=lambda: "en") == "en"
    assert i18n.resolve_language(saved=lambda: "system") == "fr"
    monkeypatch.setenv("GP_GUARD_LANG", "de")  # not supported: passed over
    assert i18n.resolve_language(saved=lambda: "en") == "en"
    monkeypatch.setenv("GP_GUARD_LANG", "EN")
    assert i18n.resolve_language(saved=lambda: "fr") == "en"
    assert i18n.resolve_language("fr", saved=lambda: 1 / 0) == "fr"
    monkeypatch.delenv("GP_GUARD_LANG")

    def unreadable() -> str:
        raise OSError("disk gone")

    assert i18n.resolve_language(saved=unreadable) == "fr"  # an unreadable setting: the system's
