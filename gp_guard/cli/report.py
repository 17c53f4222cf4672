"""`gp-guard report --pdf FILE | --html FILE` and `gp-guard practice` (the identity on the report)."""

from __future__ import annotations

import argparse
from pathlib import Path

from gp_guard.cli.common import EXIT_ERROR, EXIT_OK, print_error
from gp_guard.i18n import _
from gp_guard.report import identity
from gp_guard.store import StoreError, open_default


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help=_("write the practice's security report (PDF or HTML)"))
    report.add_argument("--pdf", metavar="FILE", help=_("write the report as a PDF file"))
    report.add_argument("--html", metavar="FILE", help=_("write the report as an HTML page, e.g. for an IT provider's ticket"))

    practice = sub.add_parser("practice", help=_("show or change the practice's identity printed on the report"))
    practice.add_argument("--name", help=_("name of the practice or of the doctor"))
    practice.add_argument("--address", help=_("postal address (use \\n between lines)"))
    practice.add_argument("--rpps", help=_("RPPS number, 11 digits (optional)"))
    practice.add_argument("--siren", help=_("SIREN number, 9 digits (optional)"))


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "practice":
            return _practice(args)
        return _report(args)
    except StoreError as exc:
        print_error(_(str(exc)))
        return EXIT_ERROR


def _target(value: str) -> Path | None:
    path = Path(value).expanduser()
    if path.is_dir() or not path.parent.is_dir():
        print_error(_("Cannot write the report to {path}: choose a file in an existing folder.").format(path=value))
        return None
    return path


def _report(args: argparse.Namespace) -> int:
    if not args.pdf and not args.html:
        print_error(_("Say where to write the report: --pdf FILE, --html FILE, or both."))
        return EXIT_ERROR
    targets = {kind: _target(value) for kind, value in (("pdf", args.pdf), ("html", args.html)) if value}
    if any(path is None for path in targets.values()):
        return EXIT_ERROR
    from gp_guard.report import html, model, pdf

    data = model.build(open_default())
    for kind, path in targets.items():
        assert path is not None
        try:
            (pdf if kind == "pdf" else html).write(data, path)
        except OSError as exc:
            print_error(_("Cannot write the report to {path}: {detail}").format(path=path, detail=exc.strerror or exc))
            return EXIT_ERROR
        print(_("Report written: {path}").format(path=path))
    return EXIT_OK


def _practice(args: argparse.Namespace) -> int:
    store = open_default()
    current = identity.load(store)
    changes = {k: getattr(args, k) for k in ("name", "address", "rpps", "siren") if getattr(args, k) is not None}
    if changes:
        if "address" in changes:
            changes["address"] = changes["address"].replace("\\n", "\n")
        try:
            current = identity.save(store, identity.PracticeIdentity(**{**current.__dict__, **changes}))
        except identity.IdentityError as exc:
            print_error(exc.user_message())
            return EXIT_ERROR
        print(_("Practice identity saved."))
    labels = (("name", _("Practice")), ("address", _("Address")), ("rpps", _("RPPS number")), ("siren", _("SIREN number")))
    for key, label in labels:
        value = getattr(current, key) or "-"
        print(f"{label}: {value}".replace("\n", ", "))
    return EXIT_OK
