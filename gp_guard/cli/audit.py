"""The audit commands of the CLI: audit, checks, answer."""

from __future__ import annotations

import argparse
import sys

from gp_guard.audit import questions
from gp_guard.audit.model import Severity, Status
from gp_guard.audit.registry import all_checks
from gp_guard.audit.service import (
    AuditReport,
    UnknownCheck,
    known_ids,
    record_answer,
    run_audit,
    sort_findings,
)
from gp_guard.cli import monitoring as cli_monitoring
from gp_guard.cli.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    print_error,
    print_json,
    printable,
)
from gp_guard.host import Host, LocalHost
from gp_guard.i18n import _
from gp_guard.paths import no_network
from gp_guard.store import StoreError, open_default


def register(sub: argparse._SubParsersAction) -> None:
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


def run(args: argparse.Namespace) -> int:
    if args.command == "checks":
        return checks_command(args)
    if args.command == "answer":
        return answer_command(args)
    return audit_command(args)


def _host(replay: str | None) -> Host:
    if replay:
        from gp_guard.host.recorded import RecordedHost

        return RecordedHost(replay)
    return LocalHost()


def audit_command(args: argparse.Namespace) -> int:
    only = [part.strip() for part in args.only.split(",") if part.strip()] if args.only is not None else None
    if only == []:  # an empty variable in a script must not turn into a full audit
        print_error(_("--only needs at least one check id, e.g. --only FW-01,CRY-01."))
        return EXIT_ERROR
    try:
        host = _host(args.replay)
    except (OSError, KeyError, ValueError) as exc:
        print_error(_("cannot read the recorded computer in {path}: {detail}").format(path=args.replay, detail=exc))
        return EXIT_ERROR
    try:
        store = open_default()
        report = run_audit(host, store, only=only, no_network=args.no_network or no_network(),
                           save=not args.no_save and not args.replay, monitor=cli_monitoring.targets(args))
    except UnknownCheck as exc:
        print_error(_(UnknownCheck.message).format(ids=", ".join(exc.unknown), known=", ".join(exc.known)))
        return EXIT_ERROR
    except StoreError as exc:
        print_error(_(str(exc)))
        return EXIT_ERROR
    if args.json:
        print_json(report.to_dict())
    else:
        print_text(report)
    return EXIT_FINDINGS if report.blocking else EXIT_OK


class _Printable:
    """sys.stdout that never fails on (or passes on) a file name that is not valid UTF-8."""

    def write(self, text: str) -> None:
        sys.stdout.write(printable(text))


def print_text(report: AuditReport) -> None:
    out = _Printable()
    out.write(_("Security score: {score}/100 (grade {grade})").format(score=report.score.value, grade=report.score.grade) + "\n")
    if report.score.capped_by == "critical":
        out.write(_("The score is held at 39 because a critical point needs fixing.") + "\n")
    elif report.score.capped_by == "high":
        out.write(_("The score is held at 69 because an important point needs fixing.") + "\n")
    out.write("\n")
    for finding in sort_findings(report.findings):
        if finding.status is Status.PASS:
            continue
        out.write(f"[{finding.status.label}] {finding.severity.label} {finding.id}: {finding.title()}\n")
        if finding.message():
            out.write(f"    {finding.message()}\n")
        for number, step in enumerate(finding.fix_steps(), 1) if finding.status is Status.FAIL else ():
            out.write(f"    {number}. {step}\n")
    passed = sum(1 for f in report.findings if f.status is Status.PASS)
    out.write("\n" + _("Points in order: {count}.").format(count=passed) + "\n")
    for change in report.changes:
        out.write(_("Changed since the last audit: {id} {before} -> {after}").format(
            id=change.check_id, before=change.before or "-", after=change.after or "-") + "\n")


def checks_command(args: argparse.Namespace) -> int:
    for check in all_checks():
        meta = check.meta
        out = f"{meta.id:10} {Severity(meta.severity).label:12} {_(meta.title)}  [{', '.join(meta.platforms)}]"
        print(out)
    for question in questions.QUESTIONS:
        print(f"{question.id:10} {question.meta.severity.label:12} {_(question.text)}")
        for option in question.options:
            print(f"{'':23}{option.value}: {_(option.label)}")
    return EXIT_OK


def answer_command(args: argparse.Namespace) -> int:
    question = questions.by_id().get(args.question.upper())
    if question is None:
        print_error(_("Unknown question id: {ids}. Known ids: {known}.").format(
            ids=args.question, known=", ".join(q for q in known_ids() if q.startswith("Q-"))))
        return EXIT_ERROR
    if question.option(args.value) is None:
        print_error(_("Unknown answer {value}. Possible answers: {options}.").format(
            value=args.value, options=", ".join(o.value for o in question.options)))
        return EXIT_ERROR
    new_score = record_answer(open_default(), question.id, args.value)
    print(_("Answer recorded.") if new_score is None else
          _("Answer recorded. The score of the last audit is now {score}/100.").format(score=new_score))
    return EXIT_OK
