"""`gp-guard breach assess|list|show|export`: the breach decision aid and register on the command line."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path

from gp_guard.i18n import LANGUAGES, N_, _

EXIT_OK, EXIT_ERROR = 0, 2


def register(sub: argparse._SubParsersAction) -> None:
    breach = sub.add_parser("breach", help=_("data breach: assess one, or read the breach register"))
    inner = breach.add_subparsers(dest="breach_command", metavar=_("action"), required=True)
    assess = inner.add_parser("assess", help=_("assess a breach described in a JSON file (see docs/breach.md)"))
    assess.add_argument("file", metavar="FILE.json", help=_("breach description, or - for standard input"))
    assess.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    assess.add_argument("--now", metavar="ISO", help=_("assess as if it were this moment (ISO 8601), e.g. for a rehearsal"))
    listing = inner.add_parser("list", help=_("list the breaches of the register"))
    listing.add_argument("--exercises", action="store_true", help=_("list the rehearsals instead of the register"))
    show = inner.add_parser("show", help=_("show one breach of the register"))
    show.add_argument("id", type=int, help=_("breach number, as listed by 'gp-guard breach list'"))
    show.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    export = inner.add_parser("export", help=_("export the register as CSV or PDF"))
    group = export.add_mutually_exclusive_group(required=True)
    group.add_argument("--csv", metavar="FILE", help=_("write the register as CSV"))
    group.add_argument("--pdf", metavar="FILE", help=_("write the register as PDF"))
    dossier = inner.add_parser("dossier", help=_("write the PDF dossier of one breach"))
    dossier.add_argument("id", type=int, help=_("breach number, as listed by 'gp-guard breach list'"))
    dossier.add_argument("pdf", metavar="FILE.pdf", help=_("where to write the PDF"))
    for parser in (assess, listing, show, export, dossier):
        parser.add_argument("--lang", choices=LANGUAGES, help=_("language of the messages (default: the system's)"))


def _error(message: str) -> int:
    print(_("Error: {message}").format(message=message), file=sys.stderr)
    return EXIT_ERROR


def _ask_passphrase(first: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    secret = getpass.getpass(_("Passphrase of the breach register: "))
    if first and getpass.getpass(_("Type it again: ")) != secret:
        from gp_guard.breach.register import RegisterError

        raise RegisterError(N_("The two passphrases differ."))
    return secret


def run(args: argparse.Namespace) -> int:
    from gp_guard.breach.input import InputError
    from gp_guard.breach.register import RegisterError

    try:
        if args.breach_command == "assess":
            return _assess(args)
        from gp_guard.breach.register import Register
        from gp_guard.store import open_default

        register = Register.open(open_default(), _ask_passphrase)
        if args.breach_command == "list":
            return _list(register, args.exercises)
        if args.breach_command == "show":
            return _show(register, args.id, args.json)
        if args.breach_command == "dossier":
            from gp_guard.breach.dossier import breach_dossier

            breach_dossier(register.get(args.id), Path(args.pdf))
            print(_("Written: {path}").format(path=args.pdf))
            return EXIT_OK
        return _export(register, args)
    except InputError as exc:
        return _error(exc.translated())
    except RegisterError as exc:
        return _error(exc.translated())
    except OSError as exc:
        return _error(_("Cannot read or write {path}: {reason}").format(path=exc.filename or "", reason=exc.strerror or exc))


def _assess(args: argparse.Namespace) -> int:
    from gp_guard.breach.assess import Num, assess, band_word
    from gp_guard.breach.input import InputError, parse, parse_time

    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("", N_("The file is not valid JSON (line {line}, column {column})."), line=exc.lineno, column=exc.colno) from None
    now = parse_time("--now", args.now) if args.now else dt.datetime.now(dt.UTC)
    result = assess(parse(data), now)
    if args.json:
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    s = result.severity
    print(_("Severity: {score:g} ({band}) = {dpc:g} × {ei:g} + {cb:g}").format(
        score=Num(s.score), band=band_word(s.band), dpc=Num(s.dpc), ei=Num(s.ei), cb=Num(s.cb)))
    for reason in s.explanation:
        print("  - " + reason.text())
    yes, no = _("yes"), _("no")
    print(_("Notify the CNIL: {answer}").format(answer=yes if result.notify_authority else no))
    print(_("Inform the patients: {answer}").format(answer=yes if result.inform_data_subjects else no))
    if result.art34_exemption:
        from gp_guard.breach.labels import EXEMPTIONS

        print(_(EXEMPTIONS[result.art34_exemption]))
    print(_("Deadline (72 hours after awareness): {when}").format(when=result.deadline.astimezone().strftime("%Y-%m-%d %H:%M")))
    for reason in result.reasons:
        print("  - " + reason.text())
    print(_("This is a proposal: you decide, and you write down your reasons."))
    return EXIT_OK


def _list(register, exercises: bool) -> int:
    records = register.list(exercise=exercises)
    if not records:
        print(_("No breach recorded."))
    for r in records:
        notified = {None: _("to decide"), True: _("yes"), False: _("no")}[r.notify.decided]
        print(_("{id}  {ref}  aware {aware}  CNIL notified: {notified}  {title}").format(
            id=r.id, ref=r.ref, aware=r.timeline.aware_at or "?", notified=notified, title=r.title))
    return EXIT_OK


def _show(register, breach_id: int, as_json: bool) -> int:
    from gp_guard.breach.notification import as_text

    record = register.get(breach_id)
    if as_json:
        json.dump(record.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(as_text(record))
    return EXIT_OK


def _export(register, args: argparse.Namespace) -> int:
    records = register.list()
    if args.csv:
        from gp_guard.breach.register import export_csv

        export_csv(records, Path(args.csv))
        path = args.csv
    else:
        from gp_guard.breach.dossier import register_pdf

        register_pdf(records, Path(args.pdf))
        path = args.pdf
    print(_("Written: {path}").format(path=path))
    return EXIT_OK
