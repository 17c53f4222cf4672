"""`gp-guard export check FILE`: is this export really anonymous? (docs/export.md)

Exit status: 0 when no risk was found, 1 otherwise (identifying or pseudonymised data), 2 when the
file cannot be read (missing, empty, not a table) or an option is wrong. With ``--write`` the
status is that of the written file's check.
"""

from __future__ import annotations

import argparse
import sys

from gp_guard.cli.common import EXIT_FINDINGS, EXIT_OK, print_json
from gp_guard.i18n import _

COMMANDS = ("export",)


def register(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser("export", help=_("check a data export before it leaves the practice"))
    inner = export.add_subparsers(dest="export_command", metavar=_("action"), required=True)
    check = inner.add_parser("check", help=_("is this export really anonymous? (CSV or XLSX)"))
    check.add_argument("file", metavar="FILE", help=_("the export to check (CSV or XLSX)"))
    check.add_argument("--compare", metavar="EARLIER", help=_("an earlier export: share of identifiers found in both"))
    check.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    check.add_argument("--role", action="append", metavar="COLUMN=ROLE",
                       help=_("set a column's role: direct, linkable, quasi, sensitive, free_text or other (repeatable)"))
    check.add_argument("--write", metavar="SAFER.csv", help=_("apply the recommended fix, write this file and check it again"))
    check.add_argument("--proposal", metavar="ID", help=_("with --write: apply this proposal instead of the recommended one"))


def run(args: argparse.Namespace) -> int:
    from gp_guard.export import service

    roles = service.parse_roles(args.role)
    result = service.check(args.file, compare=args.compare, roles=roles)
    written = service.write_safer(result, args.write, args.proposal) if args.write else None
    if args.json:
        data = result.to_json()
        if written is not None:
            data["written"] = {"file": str(written.file), "verdict": written.verdict.key,
                               "k_anonymity": written.risk.k, "l_diversity": dict(written.risk.l_diversity)}
        print_json(data)
    else:
        print_text(result)
        if written is not None:
            print()
            print(_("Written: {path}").format(path=args.write))
            print(_("Check of the written file:"))
            print_text(written, short=True)
    final = written or result
    return EXIT_OK if final.verdict.key == "no_risk_found" else EXIT_FINDINGS


def print_text(result, short: bool = False) -> None:  # type: ignore[no-untyped-def]
    from gp_guard.export.generalise import LABELS
    from gp_guard.export.proposals import TITLES
    from gp_guard.export.roles import ROLE_WORDS
    from gp_guard.export.verdict import KIND_WORDS, explanation, kind_words

    out = sys.stdout
    out.write(_("{file}: {rows} rows, {persons} patients").format(file=result.file.name, rows=result.rows, persons=result.persons) + "\n")
    out.write(_("Verdict: {title}").format(title=result.verdict.title()) + "\n")
    out.write(explanation(result.verdict, result.risk) + "\n")
    words = {"singling_out": _("Singling out"), "linkability": _("Linkability"), "inference": _("Inference")}
    for key, label in words.items():
        present = result.verdict.criteria[key]
        out.write("\n" + _("{label}: {answer}").format(label=label, answer=_("yes") if present else _("no")) + "\n")
        for line in result.verdict.evidence[key]:
            out.write(f"  - {line}\n")
    if short:
        return
    out.write("\n" + _("Columns:") + "\n")
    width = max(len(c.name) for c in result.columns)
    for column in result.columns:
        role, kind = _(ROLE_WORDS[column.role]), kind_words(column.role, column.kind)
        out.write(f"  {column.name:<{width}}  {role}{f' ({kind})' if kind != role else ''}\n")
    if result.direct:
        out.write("\n" + _("Direct identifiers:") + "\n")
        for item in result.direct:
            where = _("in free text") if item.in_free_text else _("whole column")
            out.write("  " + _("{column}: {kind}, rows: {rows} ({where}), e.g. {example}").format(
                column=item.column, kind=_(KIND_WORDS.get(item.kind, item.kind)), rows=item.rows, where=where,
                example=item.example or "-") + "\n")
    if result.compare is not None and result.compare.shared_ids_ratio is None:
        out.write("\n" + _("No identifier column to compare with {file}.").format(file=result.compare.file) + "\n")
    if result.proposals:
        out.write("\n" + _("Fixes:") + "\n")
    for number, proposal in enumerate(result.proposals, 1):
        mark = "  " + _("(recommended)") if proposal.recommended else ""
        l_text = str(proposal.l_min) if proposal.risk.l_diversity else "-"
        head = _("{label}: {answer}").format(label=f"[{proposal.id}] {_(TITLES[proposal.id])}", answer=f"k = {proposal.risk.k}, l = {l_text}")
        out.write(f"  {number}. {head}{mark}\n")
        for action in proposal.actions:
            out.write("     - " + _("{label}: {answer}").format(label=action.column, answer=_(LABELS[action.to or "drop"])) + "\n")
