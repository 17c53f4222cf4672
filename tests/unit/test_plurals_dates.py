"""Real plural forms and dates as a French reader writes them."""

from __future__ import annotations

import ast
import datetime as dt
import re
import string
from pathlib import Path

import pytest

import gp_guard
from gp_guard import i18n
from gp_guard.audit.model import Finding, Outcome, Status
from gp_guard.audit.registry import all_checks

PACKAGE = Path(gp_guard.__file__).parent


def plural_marks() -> dict[str, tuple[str, str]]:
    """Every Np_(singular, plural) and ngettext(singular, plural, n) literal: {where: (s, p)}."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("Np_", "ngettext"):
                args = node.args[:2]
                if len(args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                    found[f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"] = (args[0].value, args[1].value)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_plural_message_has_both_french_forms():
    marks = plural_marks()
    assert len(marks) >= 7
    catalog = i18n.plural_catalog("fr")
    for where, (singular, plural) in marks.items():
        forms = catalog.get(singular)
        assert forms and len(forms) == 2, f"{where}: no French plural forms for {singular!r}"
        assert placeholders(forms[0]) == placeholders(forms[1]) == placeholders(singular) == placeholders(plural), where


def test_no_message_writes_a_count_with_parentheses():
    """"1 programme(s) accepte(nt)" is what plural forms are for."""
    pattern = re.compile(r"\w\((s|es|nt|x)\)")
    bad = []
    for po in (PACKAGE / "resources" / "locale" / "fr" / "LC_MESSAGES").glob("*.po"):
        bad += [f"{po.name}: {line}" for line in po.read_text(encoding="utf-8").splitlines()
                if line.startswith(("msgstr", "msgid")) and pattern.search(line)]
    assert not bad, bad


@pytest.mark.parametrize(("lang", "n", "expected"), [
    ("fr", 0, "il y a 0 jour."), ("fr", 1, "il y a 1 jour."), ("fr", 2, "il y a 2 jours."),
    ("en", 0, "0 days ago."), ("en", 1, "1 day ago."), ("en", 5, "5 days ago."),
])
def test_a_finding_with_a_count_takes_the_right_form(lang, n, expected):
    meta = next(c.meta for c in all_checks() if c.id == "AV-02")
    message = i18n.Np_("Last ClamAV signature update: {days} day ago.",
                       "Last ClamAV signature update: {days} days ago.", "days")
    i18n.set_language(lang)
    text = Finding(meta, Outcome(Status.PASS, message, {"days": n}), "linux").message()
    assert text.endswith(expected), text


def test_french_dates():
    i18n.set_language("fr")
    assert i18n.format_date(dt.date(2026, 12, 7)) == "7 décembre 2026"
    assert i18n.format_date(dt.date(2026, 12, 1)) == "1er décembre 2026"
    assert i18n.format_datetime(dt.datetime(2026, 12, 7, 17, 42)) == "7 décembre 2026 à 17 h 42"
    assert i18n.format_datetime(dt.datetime(2026, 1, 3, 9, 5)) == "3 janvier 2026 à 9 h 05"
    assert i18n.format_datetime("not a date") == "" and i18n.format_date(None) == ""


def test_english_dates_and_time_zones():
    i18n.set_language("en")
    assert i18n.format_date("2026-12-07") == "7 December 2026"
    assert i18n.format_datetime(dt.datetime(2026, 12, 7, 17, 42)) == "7 December 2026 at 17:42"
    aware = dt.datetime(2026, 12, 7, 16, 42, tzinfo=dt.UTC)
    local = aware.astimezone()
    assert i18n.format_datetime(aware) == i18n.format_datetime(local.replace(tzinfo=None))
