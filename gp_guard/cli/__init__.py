"""Command line: ``gp-guard`` (no sub-command opens the window), ``gp-guard audit``, ..."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence

from gp_guard import hardening, logs
from gp_guard.cli.common import (  # noqa: F401 - re-exported for the tests and older callers
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    add_global_options,
    announce_kept_aside,
    kept_aside_message,
    log_location,
    print_error,
    print_json,
    printable,
)
from gp_guard.i18n import _, ngettext, resolve_language, set_language
from gp_guard.version import __version__

log = logging.getLogger(__name__)

# Modules that add sub-commands: each has register(subparsers) and run(args) -> int.
PLUGINS = (
    "gp_guard.cli.checklist", "gp_guard.cli.report", "gp_guard.cli.vault", "gp_guard.cli.breach",
    "gp_guard.cli.export", "gp_guard.cli.monitoring", "gp_guard.cli.guardian",
)
_plugin_of: dict[str, str] = {}


def _pre_lang(argv: Sequence[str]) -> str | None:
    """--lang must be known before the help texts are built."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _saved_language() -> str | None:
    """The language saved in the settings, read without opening (or repairing) the store."""
    from gp_guard.paths import database_path
    from gp_guard.store import peek_setting

    return peek_setting(database_path(), "language")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gp-guard",
        description=_("Security assistant for general practitioners. Without a command, opens the window."),
    )
    parser.add_argument("--version", action="version", version=f"gp_guard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar=_("command"))

    audit = sub.add_parser("audit", help=_("check this computer and print the findings"))
    audit.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    audit.add_argument("--only", metavar="IDS", help=_("comma-separated check ids to run, e.g. FW-01,CRY-01"))
    audit.add_argument("--no-network", action="store_true",
                       help=_("skip every probe that leaves this computer (also GP_GUARD_NO_NETWORK=1)"))
    audit.add_argument("--replay", metavar="DIR",
                       help=_("audit recorded outputs of another computer instead of this one"))
    audit.add_argument("--no-save", action="store_true", help=_("do not store this run in the history"))

    sub.add_parser("checks", help=_("list every check and question"))

    answer = sub.add_parser("answer", help=_("record the answer to a question the computer cannot check"))
    answer.add_argument("question", help=_("question id, e.g. Q-BOX-01"))
    answer.add_argument("value", help=_("answer value, as listed by 'gp-guard checks'"))
    conf = sub.add_parser("settings", help=_("show or change a setting, e.g. backup.target"))
    conf.add_argument("key", nargs="?", help=_("setting name; without it, every setting is listed"))
    conf.add_argument("value", nargs="?", help=_("new value; without it, the current value is printed"))
    database = sub.add_parser("database", help=_("show where gp_guard keeps its database, and any damaged copy kept aside"))
    database.add_argument("--acknowledge", action="store_true",
                          help=_("stop the reminder about the damaged copies kept aside so far"))

    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a feature not in this build
        before = set(sub.choices)
        module.register(sub)
        for command in set(sub.choices) - before:
            _plugin_of[command] = name
    add_global_options(parser)
    return parser


def _utf8_output() -> None:
    """UTF-8 on stdout and stderr whatever the console: ``gp-guard audit --json > file`` on a
    Windows PC would otherwise write cp1252 and stop at the first "⋮" of a fix step."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")


def _localise_argparse() -> None:
    """argparse's own words ("usage:", "options", "error: …") through gp_guard's catalogues
    (argparse.po): argparse looks them up through these two module-level names."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    hardening.harden()  # no core dump may hold a passphrase or a key
    _utf8_output()
    argv = list(sys.argv[1:] if argv is None else argv)
    set_language(resolve_language(_pre_lang(argv), _saved_language))
    _localise_argparse()
    args = build_parser().parse_args(argv)
    logs.setup()
    if args.command is None:
        from gp_guard.gui.app import run_gui

        return run_gui(lang=args.lang)
    from gp_guard import store

    if args.command != "database":
        store.add_open_hook(announce_kept_aside)
    try:
        return _dispatch(args)
    except store.StoreError as exc:
        log.warning("%s: %s", args.command, type(exc).__name__)
        print_error(str(exc))
    except sqlite3.OperationalError as exc:  # met outside the store's own methods
        from gp_guard.paths import database_path

        log.warning("%s: %s", args.command, type(exc).__name__, exc_info=True)
        print_error(str(store.unavailable(exc, database_path())))
    except BrokenPipeError:  # `gp-guard checks | head`: the reader has what it wanted
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        log.warning("%s: %s", args.command, type(exc).__name__, exc_info=True)
        print_error(_("gp_guard could not use {path}: {detail}. Nothing more was done; check that the disk is there, not full, and that your session may use it.").format(
            path=exc.filename or "?", detail=exc.strerror or type(exc).__name__))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        print_error(_("Stopped at your request."))
        return 130
    except Exception as exc:  # noqa: BLE001 - never a traceback on the user's terminal
        log.error("%s failed", args.command, exc_info=True)
        print_error(_("gp_guard stopped because of an internal error ({kind}). The details are in the log file {path}; send it to your IT provider.").format(
            kind=type(exc).__name__, path=log_location()))
    finally:
        store.remove_open_hook(announce_kept_aside)
    return EXIT_ERROR


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "audit":
        from gp_guard.cli.audit import audit_command

        return audit_command(args)
    if args.command == "checks":
        from gp_guard.cli.audit import checks_command

        return checks_command(args)
    if args.command == "answer":
        from gp_guard.cli.audit import answer_command

        return answer_command(args)
    if args.command in _plugin_of:
        return int(importlib.import_module(_plugin_of[args.command]).run(args))
    if args.command == "settings":
        from gp_guard.cli.settings import settings_command

        return settings_command(args)
    if args.command == "database":
        from gp_guard.cli.settings import database_command

        return database_command(args)
    return EXIT_ERROR  # pragma: no cover - argparse rejects unknown commands
