"""`gp-guard capture --out DIR [--no-network]`: record what every check reads on this computer,
scrubbed, for an IT provider to send (gp_guard/capture/). `gp-guard audit --replay DIR` replays it."""

from __future__ import annotations

import argparse
from pathlib import Path

from gp_guard.cli.common import EXIT_OK, fail
from gp_guard.i18n import _
from gp_guard.paths import no_network

COMMANDS = ("capture",)


def register(sub: argparse._SubParsersAction) -> None:
    capture = sub.add_parser(
        "capture", help=_("record what the checks read on this computer, scrubbed, for your IT provider to send"))
    capture.add_argument("--out", metavar="DIR", required=True,
                         help=_("new folder to write the capture to (a .zip of it is written next to it)"))
    capture.add_argument("--no-network", action="store_true",
                         help=_("skip every probe that leaves this computer (also GP_GUARD_NO_NETWORK=1)"))


def run(args: argparse.Namespace) -> int:
    from gp_guard.capture import CaptureError, capture

    print(_("Running every check once and recording what each one reads; this takes as long as an audit."))
    try:
        result = capture(Path(args.out).expanduser(), no_network=args.no_network or no_network())
    except CaptureError as exc:
        return fail(exc.text())
    print(_("Capture written: {count} recordings in {folder}.").format(count=result.recordings, folder=result.folder))
    print(_("Read {readme} before sending {archive}; replay it with: gp-guard audit --replay {folder}").format(
        readme=result.folder / "README.txt", archive=result.archive, folder=result.folder))
    return EXIT_OK
