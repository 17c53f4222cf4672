"""`gp-guard vault watch` (the folder watcher) and `gp-guard autostart on|off|status`.

``vault watch`` is a verb of ``gp-guard vault`` (gp_guard/cli/vault.py delegates to ``watch``);
``autostart`` is this plug-in's own command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from gp_guard.cli.common import EXIT_ERROR, EXIT_OK, print_error
from gp_guard.guardian import QUIET_SECONDS
from gp_guard.i18n import _

COMMANDS = ("autostart",)  # `vault watch` is registered by cli/vault.py


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet-seconds", type=float, default=QUIET_SECONDS, metavar="N",
                        help=_("a file is encrypted once unchanged for N seconds and closed by every program "
                               "(default: {n})").format(n=f"{QUIET_SECONDS:g}"))
    parser.add_argument("--once", action="store_true",
                        help=_("encrypt what is finished now, then stop (instead of watching)"))


def register(sub: Any) -> None:
    auto = sub.add_parser("autostart", help=_("start the folder watcher when you log in (per user, no administrator)"))
    auto.add_argument("state", choices=("on", "off", "status"), help=_("on, off, or status"))


def run(args: argparse.Namespace) -> int:
    if args.command == "autostart":
        return _autostart(args)
    return EXIT_ERROR  # pragma: no cover - argparse rejects unknown commands


def watch(args: argparse.Namespace) -> int:
    """Run the watcher until SIGTERM/SIGINT (exit 0), or one pass with --once."""
    import os

    from gp_guard.guardian.watcher import M_ALREADY, AlreadyRunning, Watcher

    if args.quiet_seconds < 0:
        print_error(_("--quiet-seconds must be 0 or more."))
        return EXIT_ERROR
    if hasattr(os, "nice"):
        try:
            os.nice(10)  # a background helper: the doctor's programs come first
        except OSError:
            pass
    watcher = Watcher(quiet_seconds=args.quiet_seconds, say=_say)
    previous = {}
    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, lambda _n, _f: watcher.stop())
    try:
        totals = watcher.once() if args.once else watcher.run()
    except AlreadyRunning:
        print(_(M_ALREADY))
        return EXIT_OK
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if args.once:
        print(_("Files protected: {count}").format(count=totals.protected))
    return EXIT_OK


def _say(text: str) -> None:
    """A line of what the watcher did; started at login there may be no console at all."""
    if sys.stdout is None:
        return
    try:
        print(text, flush=True)
    except (OSError, ValueError):  # the reading end went away (the window quit)
        pass


def _autostart(args: argparse.Namespace) -> int:
    from gp_guard.guardian import autostart

    if args.state == "on":
        autostart.enable()
        print(_("The folder watcher will start when you log in."))
    elif args.state == "off":
        autostart.disable()
        print(_("The folder watcher will no longer start when you log in."))
    entry = autostart.status()
    if args.state == "status":
        print(_("Start at login: on ({where})").format(where=entry) if entry else _("Start at login: off"))
    return EXIT_OK


MAX_DAYS = 3650


def remember_policy(root: Any, after_days: int) -> None:
    from gp_guard.guardian import policy
    from gp_guard.store import open_default

    policy.set_policy(open_default(), policy.real(root), after_days)


def lock_after_days(args: argparse.Namespace, identity: Any, report: Callable[[Any], int],
                    progress: Callable[[Any], None], warn_before: Callable[[Any], None]) -> int:
    """``vault lock DIR --after-days N``: the folder's files untouched for N days are encrypted now,
    the others by the watcher once they are. ``cli.vault`` hands over its own report, progress
    line and warning (this module never imports it back)."""
    from gp_guard.guardian import policy, watcher
    from gp_guard.i18n import format_datetime
    from gp_guard.vault import folder, keys

    if not 1 <= args.after_days <= MAX_DAYS:
        print_error(_("--after-days must be a number of days between 1 and {most}.").format(most=MAX_DAYS))
        return EXIT_ERROR
    root = folder.check_folder(args.folder)
    recipients = keys.recipients()
    warn_before(root)
    chosen = policy.Policy(args.after_days)
    files = watcher.plaintext_files(root)
    due = [rel for rel, st in files if chosen.due(st, time.time())]
    result = folder.lock(root, recipients, [identity] if identity else None, progress=progress, only=due)
    remember_policy(root, args.after_days)
    left = policy.waiting(files, chosen)
    if left.count and left.next_at is not None:
        print(_("Files opened or changed less than {days} days ago: {count}. They stay readable; the watcher "
                "encrypts each one once untouched for {days} days (the first on {when}).").format(
            count=left.count, days=args.after_days,
            when=format_datetime(dt.datetime.fromtimestamp(left.next_at, dt.UTC))))
    return report(result)
