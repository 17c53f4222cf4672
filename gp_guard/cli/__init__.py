"""Command line: ``gp-guard`` (no sub-command opens the window), ``gp-guard audit``, ..."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from types import ModuleType

from gp_guard import hardening, logs
from gp_guard.cli import (
    audit,
    breach,
    capture,
    checklist,
    export,
    guardian,
    monitoring,
    report,
    settings,
    vault,
)
from gp_guard.cli.common import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_global_options,
    announce_kept_aside,
    chosen_language,
    log_location,
    print_error,
)
from gp_guard.errors import UserError
from gp_guard.i18n import _, ngettext, resolve_language, set_language
from gp_guard.version import __version__

log = logging.getLogger(__name__)

# One module per command group, each with COMMANDS (the sub-commands it adds), register(subparsers)
# and run(args) -> int. In this order in the help; audit comes before monitoring, which adds its
# --prom and --json-lines options to the audit command.
GROUPS: tuple[ModuleType, ...] = (audit, settings, checklist, report, vault, breach, export, monitoring, guardian,
                                  capture)
_GROUP_OF = {command: group for group in GROUPS for command in group.COMMANDS}


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
    for group in GROUPS:
        group.register(sub)
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
    set_language(resolve_language(chosen_language(argv), _saved_language))
    _localise_argparse()
    args = build_parser().parse_args(argv)
    logs.setup()
    if args.command is None:
        from gp_guard.gui.app import run_gui

        return run_gui(lang=args.lang)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Run a parsed command. The one place where an error becomes what the user reads: a
    ``UserError`` its message and exit code, anything else a plain sentence; never a traceback."""
    from gp_guard import store

    if args.command != "database":
        store.add_open_hook(announce_kept_aside)
    try:
        return int(_GROUP_OF[args.command].run(args))
    except UserError as exc:  # the store's own errors too (full disk, newer version…)
        log.warning("%s: %s", args.command, type(exc).__name__)
        print_error(exc.text())
        return exc.exit_code
    except sqlite3.OperationalError as exc:  # met outside the store's own methods
        from gp_guard.paths import database_path

        log.warning("%s: %s", args.command, type(exc).__name__, exc_info=True)
        print_error(store.unavailable(exc, database_path()).text())
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
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - never a traceback on the user's terminal
        log.error("%s failed", args.command, exc_info=True)
        print_error(_("gp_guard stopped because of an internal error ({kind}). The details are in the log file {path}; send it to your IT provider.").format(
            kind=type(exc).__name__, path=log_location()))
    finally:
        store.remove_open_hook(announce_kept_aside)
    return EXIT_ERROR
