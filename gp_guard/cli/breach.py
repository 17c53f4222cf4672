"""`gp-guard breach assess|list|show|export|dossier|notified|delete`: the breach decision aid and register.

Commands that only read the register never create it: with no register yet, ``list`` lists nothing
and no passphrase is asked. Every file written holds patient data and is 0600; its full path is
printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path

from gp_guard.cli.common import EXIT_OK, fail, print_json
from gp_guard.i18n import N_, _


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
    notified = inner.add_parser("notified", help=_("record that the CNIL notification was sent (date and receipt number)"))
    notified.add_argument("id", type=int, help=_("breach number, as listed by 'gp-guard breach list'"))
    notified.add_argument("--receipt", required=True, metavar="NUMBER", help=_("the number the CNIL gave when the notification was sent"))
    notified.add_argument("--at", metavar="ISO", help=_("when it was sent (ISO 8601; default: now)"))
    notified.add_argument("--kind", choices=("initial", "complementary", "complete"), help=_("initial, complementary or complete notification"))
    delete = inner.add_parser("delete", help=_("mark a breach recorded by mistake as deleted (it stays in the history)"))
    delete.add_argument("id", type=int, help=_("breach number, as listed by 'gp-guard breach list'"))
    delete.add_argument("--reason", default="", metavar="TEXT", help=_("why it is deleted, e.g. 'recorded twice'"))


def _ask_passphrase(first: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")  # like the vault: a CRLF line (Windows) is fine
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
        from gp_guard.breach.register import Register, exists
        from gp_guard.store import open_default

        store = open_default()
        if not exists(store):  # nothing recorded yet: nothing to open, no passphrase to ask
            if args.breach_command == "list":
                print(_("No breach recorded."))
                return EXIT_OK
            if args.breach_command != "export":
                raise RegisterError(N_("No breach with number {id} in the register."), id=args.id)
            return _export(None, args)
        register = Register.open(store, _ask_passphrase)
        if args.breach_command == "list":
            return _list(register, args.exercises)
        if args.breach_command == "show":
            return _show(register, args.id, args.json)
        if args.breach_command == "dossier":
            from gp_guard.breach.dossier import breach_dossier

            return _written(breach_dossier(register.get(args.id), Path(args.pdf)))
        if args.breach_command == "notified":
            at = args.at or dt.datetime.now().astimezone().isoformat(timespec="minutes")
            record = register.record_notification(args.id, at, args.receipt, args.kind)
            print(_("Breach {ref}: the notification to the CNIL is recorded (no. {receipt}).").format(
                ref=record.ref, receipt=record.cnil.receipt_number))
            return EXIT_OK
        if args.breach_command == "delete":
            record = register.delete(args.id, reason=args.reason)
            print(_("Breach {ref} is marked as deleted by {who}; it stays in the register's history.").format(
                ref=record.ref, who=record.deleted_by or "?"))
            return EXIT_OK
        return _export(register, args)
    except InputError as exc:
        return fail(exc.translated())
    except RegisterError as exc:
        return fail(exc.translated())
    except OSError as exc:
        return fail(_("Cannot read or write {path}: {reason}").format(path=exc.filename or "", reason=exc.strerror or exc))


def _assess(args: argparse.Namespace) -> int:
    from gp_guard.breach.assess import Num, assess, band_word
    from gp_guard.breach.input import parse, parse_time

    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    data = read_json(raw)
    now = parse_time("--now", args.now) if args.now else dt.datetime.now(dt.UTC)
    result = assess(parse(data), now)
    if args.json:
        print_json(result.to_json())
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


def read_json(raw: bytes) -> object:
    """The JSON of a breach description, with a clear message for what Notepad and others produce."""
    from gp_guard.breach.input import InputError

    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", errors="replace")  # Notepad's "Unicode": read as it was meant
    elif b"\x00" in raw:
        raise InputError("", N_("The file is not UTF-8 text (it looks like UTF-16 without its mark): save it as UTF-8 and try again."))
    else:
        try:
            text = raw.decode("utf-8-sig")  # a UTF-8 mark at the start (Notepad) is fine
        except UnicodeDecodeError:
            raise InputError("", N_("The file is not UTF-8 text (perhaps Latin-1 or Windows-1252): save it as UTF-8 and try again.")) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("", N_("The file is not valid JSON (line {line}, column {column})."), line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise InputError("", N_("The file nests lists or objects too deeply to be a breach description.")) from None
    except ValueError:  # an integer of thousands of digits
        raise InputError("", N_("The file holds a number too long to be read.")) from None


def _state_words(r) -> str:
    from gp_guard.breach.notification import fr_date

    state = r.cnil_state()
    if state == "notified":
        return _("CNIL notified on {when} (no. {receipt})").format(when=fr_date(r.cnil.notified_at), receipt=r.cnil.receipt_number)
    return {"to_notify": _("decision: notify the CNIL (notification not recorded yet)"),
            "not_notified": _("decision: CNIL not notified"), "undecided": _("CNIL: to decide")}[state]


def _list(register, exercises: bool) -> int:
    from gp_guard.breach.notification import fr_date

    records = register.list(exercise=exercises)
    if not records:
        print(_("No breach recorded."))
    for r in records:
        line = _("{id}  {ref}  aware {aware}  {state}  {title}").format(
            id=r.id, ref=r.ref, aware=fr_date(r.timeline.aware_at) if r.timeline.aware_at else "?",
            state=_state_words(r), title=r.title)
        if r.status == "deleted":
            line += "  " + _("[deleted on {when} by {who}]").format(when=fr_date(r.deleted_at), who=r.deleted_by or "?")
        print(line)
    return EXIT_OK


def _written(path: Path) -> int:
    print(_("Written (readable by you only): {path}").format(path=path.absolute()))
    return EXIT_OK


def _show(register, breach_id: int, as_json: bool) -> int:
    from gp_guard.breach.notification import as_text

    record = register.get(breach_id)
    if as_json:
        print_json(record.to_dict())
    else:
        if record.status == "deleted":
            from gp_guard.breach.notification import fr_date

            print(_("[deleted on {when} by {who}]").format(when=fr_date(record.deleted_at), who=record.deleted_by or "?") + "\n")
        print(as_text(record))
    return EXIT_OK


def _export(register, args: argparse.Namespace) -> int:
    records = register.list() if register is not None else []
    if args.csv:
        from gp_guard.breach.register import export_csv

        return _written(export_csv(records, Path(args.csv)))
    from gp_guard.breach.dossier import register_pdf

    return _written(register_pdf(records, Path(args.pdf)))
