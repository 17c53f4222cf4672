"""What every command of the command line shares: exit codes, messages, JSON output, the options
every sub-command accepts. The dispatcher (``gp_guard.cli``) and each command module import this
module; it imports none of them, so no command imports the dispatcher back."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from gp_guard import logs
from gp_guard.i18n import LANGUAGES, N_, _
from gp_guard.text import printable

EXIT_OK = 0  # done, nothing to report
EXIT_FINDINGS = 1  # done, and something needs attention (findings, a risk, files not handled)
EXIT_ERROR = 2  # not done: bad input, or a problem the message explains
EXIT_INTERRUPTED = 130  # stopped with Ctrl+C (128 + SIGINT, as shells report it)


def exit_after_signal(signum: int) -> int:
    """The exit code of a command ended by signal ``signum`` (128 + its number, as shells do)."""
    return 128 + int(signum)

LANG_HELP = N_("language of the messages (default: the system's)")


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """``--lang`` on ``parser`` and on every sub-command under it, however deep, so that it may
    stand before or after a sub-command's own arguments (``gp-guard vault status --lang en``). The
    language itself is chosen before the parser is built (``chosen_language``); a sub-command's
    ``--lang`` never resets one given earlier (SUPPRESS)."""
    pending = [parser]
    first = True
    while pending:
        current = pending.pop()
        if not any("--lang" in action.option_strings for action in current._actions):
            current.add_argument("--lang", choices=LANGUAGES, help=_(LANG_HELP),
                                 default=None if first else argparse.SUPPRESS)
        first = False
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())


def chosen_language(argv: Sequence[str]) -> str | None:
    """The language asked with ``--lang`` anywhere in ``argv`` (the last one wins, as argparse
    does), known before the parser is built because the help texts are translated."""
    chosen = None
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            chosen = argv[index + 1]
        elif arg.startswith("--lang="):
            chosen = arg.split("=", 1)[1]
    return chosen


def log_location() -> str:
    try:
        return str(logs.log_file())
    except OSError:
        return "?"


def announce_kept_aside(store: object) -> None:
    """Each command that opens the database first says where a damaged copy was kept."""
    for path in store.kept_aside():  # type: ignore[attr-defined]
        print(kept_aside_message(path), file=sys.stderr)


def kept_aside_message(path: object) -> str:
    return _("Note: gp_guard's database was damaged, so it was kept aside, untouched, as {path}, and a new one was started. The audit history, answers, breach register and list of protected folders recorded before are in the kept file; your patient files are not affected. Show this file to your IT provider. To stop this reminder: gp-guard database --acknowledge").format(path=path)


def print_error(message: str) -> None:
    print(_("Error: {message}").format(message=message), file=sys.stderr)


def fail(message: str) -> int:
    """Print ``message`` as an error line and return the exit code of a command not done."""
    print_error(message)
    return EXIT_ERROR


def _clean(data: object) -> object:
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, dict):
        return {_clean(k): _clean(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_clean(v) for v in data]
    return data


def print_json(data: object) -> None:
    json.dump(_clean(data), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
