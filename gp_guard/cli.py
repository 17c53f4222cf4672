"""Command line: ``gp-guard`` (no sub-command opens the window), ``gp-guard audit``, ..."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence

from gp_guard import logs
from gp_guard.i18n import LANGUAGES, _, set_language
from gp_guard.version import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# Modules that add sub-commands: each has register(subparsers) and run(args) -> int.
PLUGINS = ("gp_guard.cli_checklist", "gp_guard.cli_report", "gp_guard.cli_vault", "gp_guard.cli_breach", "gp_guard.cli_monitoring")
_plugin_of: dict[str, str] = {}


def _pre_lang(argv: Sequence[str]) -> str | None:
    """--lang must be known before the help texts are built."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return os.environ.get("GP_GUARD_LANG") or None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gp-guard",
        description=_("Security assistant for general practitioners. Without a command, opens the window."),
    )
    parser.add_argument("--version", action="version", version=f"gp_guard {__version__}")
    parser.add_argument("--lang", choices=LANGUAGES, help=_("language of the messages (default: the system's)"))
    sub = parser.add_subparsers(dest="command", metavar=_("command"))

    audit = sub.add_parser("audit", help=_("check this computer and print the findings"))
    audit.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    audit.add_argument("--lang", choices=LANGUAGES, help=_("language of the messages (default: the system's)"))
    audit.add_argument("--only", metavar="IDS", help=_("comma-separated check ids to run, e.g. FW-01,CRY-01"))
    audit.add_argument("--no-network", action="store_true",
                       help=_("skip every probe that leaves this computer (also GP_GUARD_NO_NETWORK=1)"))
    audit.add_argument("--replay", metavar="DIR",
                       help=_("audit recorded outputs of another computer instead of this one"))
    audit.add_argument("--no-save", action="store_true", help=_("do not store this run in the history"))

    checks = sub.add_parser("checks", help=_("list every check and question"))
    checks.add_argument("--lang", choices=LANGUAGES, help=_("language of the messages (default: the system's)"))

    answer = sub.add_parser("answer", help=_("record the answer to a question the computer cannot check"))
    answer.add_argument("question", help=_("question id, e.g. Q-BOX-01"))
    answer.add_argument("value", help=_("answer value, as listed by 'gp-guard checks'"))
    answer.add_argument("--lang", choices=LANGUAGES, help=_("language of the messages (default: the system's)"))
    conf = sub.add_parser("settings", help=_("show or change a setting, e.g. backup.target"))
    conf.add_argument("key", nargs="?", help=_("setting name; without it, every setting is listed"))
    conf.add_argument("value", nargs="?", help=_("new value; without it, the current value is printed"))
    conf.add_argument("--lang", choices=LANGUAGES, help=_("language of the messages (default: the system's)"))

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        set_language(_pre_lang(argv) if _pre_lang(argv) in LANGUAGES else None)
    except ValueError:
        set_language("en")
    args = build_parser().parse_args(argv)
    logs.setup()
    if args.command is None:
        from gp_guard.gui.app import run_gui

        return run_gui(lang=args.lang)
    if args.command == "audit":
        from gp_guard.cli_audit import audit_command

        return audit_command(args)
    if args.command == "checks":
        from gp_guard.cli_audit import checks_command

        return checks_command(args)
    if args.command == "answer":
        from gp_guard.cli_audit import answer_command

        return answer_command(args)
    if args.command in _plugin_of:
        return int(importlib.import_module(_plugin_of[args.command]).run(args))
    if args.command == "settings":
        from gp_guard.cli_settings import settings_command

        return settings_command(args)
    return EXIT_ERROR  # pragma: no cover - argparse rejects unknown commands


def print_error(message: str) -> None:
    print(_("Error: {message}").format(message=message), file=sys.stderr)


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
