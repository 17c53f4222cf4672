"""One user-error base (gp_guard/errors.py), and the CLI's one handler for it: every error a user can
meet is shown as its message, in the language of the moment it is shown, with its exit code and no
traceback."""

from __future__ import annotations

import argparse
import importlib
import string
from pathlib import Path

import pytest

from gp_guard import cli, i18n
from gp_guard.cli import settings as cli_settings
from gp_guard.errors import EXIT_ERROR, UserError
from tests.unit.test_layers import non_gui_modules


def _all_user_errors() -> list[type[UserError]]:
    for name in non_gui_modules():
        importlib.import_module(name)
    found, pending = [], [UserError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _placeholders(message: str) -> dict[str, str]:
    return {name: f"<{name}>" for _text, name, _spec, _conv in string.Formatter().parse(message) if name}


def _example(cls: type[UserError]) -> UserError:
    """One instance of ``cls``, raised as its feature raises it."""
    from gp_guard.audit.service import UnknownCheck
    from gp_guard.breach.input import InputError
    from gp_guard.breach.walkthrough import NotReady
    from gp_guard.report.identity import IdentityError
    from gp_guard.store import StoreUnavailable
    from gp_guard.vault.agefile import AgeError
    from gp_guard.vault.keys import KeysError

    if issubclass(cls, StoreUnavailable):
        return cls("full", Path("/data/gp_guard/gp_guard.db"))
    if issubclass(cls, UnknownCheck):
        return cls(["FW-99"], ["FW-01", "FW-02"])
    if issubclass(cls, IdentityError | InputError):
        return cls("name", cls.message)
    if issubclass(cls, KeysError | AgeError):
        return cls("technical detail for the log")
    if issubclass(cls, NotReady):
        return cls([i18n.N_("Confirm your decisions, with your reasoning, before closing the breach.")])
    return cls(**_placeholders(cls.message))


ERRORS = _all_user_errors()


def test_the_features_errors_share_the_base():
    names = {c.__name__ for c in ERRORS}
    assert {"StoreError", "StoreUnavailable", "VaultError", "DiskFull", "KeysError", "WrongPassphrase",
            "AgeError", "RegisterError", "WrongRegisterPassphrase", "InputError", "ExportError",
            "ChecklistError", "IdentityError", "UnknownCheck", "AutostartError", "ViewError"} <= names


def test_the_message_is_translated_when_shown_not_when_raised():
    from gp_guard.vault.keys import WrongPassphrase

    error = WrongPassphrase()  # raised while the language is English
    i18n.set_language("fr")
    assert error.text() == i18n._(WrongPassphrase.message) != WrongPassphrase.message
    assert error.text().startswith("Cette phrase secrète")
    assert str(UserError()) == "Cela n’a pas pu être fait."


def test_a_forgotten_parameter_leaves_its_name_visible_instead_of_failing():
    error = UserError("The disk is full: {done} files were handled.")
    assert error.text() == "The disk is full: {done} files were handled."


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_cli_shows_every_user_error_as_its_message_and_exit_code(cls, lang, monkeypatch, capsys):
    error = _example(cls)

    def command(args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(cli_settings, "run", command)  # the real dispatcher, a command that fails
    i18n.set_language(lang)
    code = cli.run(argparse.Namespace(command="settings"))
    out = capsys.readouterr()
    assert code == error.exit_code == EXIT_ERROR
    assert out.out == ""
    assert out.err == i18n._("Error: {message}").format(message=error.text()) + "\n"
    assert "Traceback" not in out.err and "technical detail" not in out.err
    if lang == "fr":  # in French, every one of them
        assert out.err.startswith("Erreur : ")
        assert i18n._(error.message) != error.message, f"{cls.__name__}: no French for {error.message!r}"
