"""`gp-guard checklist [list | next | attest ID [--date D] [--note N] | withdraw ID]`."""

from __future__ import annotations

import argparse
import datetime as dt

from gp_guard.checklist import progress, scoring
from gp_guard.checklist.items import Theme
from gp_guard.cli.common import EXIT_ERROR, EXIT_OK, print_error
from gp_guard.i18n import _
from gp_guard.store import StoreError, open_default


def register(sub: argparse._SubParsersAction) -> None:
    checklist = sub.add_parser("checklist", help=_("the practice's checklist: list, next actions, attest an item"))
    actions = checklist.add_subparsers(dest="action", metavar=_("action"))
    actions.add_parser("list", help=_("every item with its state (the default)"))
    actions.add_parser("next", help=_("the next three actions, and the first-hour path"))
    attest = actions.add_parser("attest", help=_("record that you did an item"))
    attest.add_argument("item", help=_("item id, e.g. BKP-RESTORE"))
    attest.add_argument("--date", help=_("date it was done, YYYY-MM-DD (default: today)"))
    attest.add_argument("--note", default="", help=_("optional note (no patient names, no passwords)"))
    withdraw = actions.add_parser("withdraw", help=_("cancel the attestation of an item"))
    withdraw.add_argument("item", help=_("item id, e.g. BKP-RESTORE"))


def run(args: argparse.Namespace) -> int:
    try:
        store = open_default()
        action = getattr(args, "action", None) or "list"
        if action in ("attest", "withdraw"):
            return _attest(store, args)
        statuses = progress.statuses(store)
        if action == "next":
            _next(statuses)
        else:
            _list(statuses)
        return EXIT_OK
    except StoreError as exc:
        print_error(_(str(exc)))
        return EXIT_ERROR


def _line(status: progress.ItemStatus) -> str:
    return f"  [{status.state.label}] {status.item.id:14} {_(status.item.title)}\n      {status.describe()}" + (
        "\n      " + _("Note: {note}").format(note=status.note) if status.note else "")


def _list(statuses: list[progress.ItemStatus]) -> None:
    done = scoring.progress(statuses)
    print(_("{done} of {total} items done ({percent}%)").format(done=done.done, total=done.total, percent=done.percent))
    for theme in Theme:
        print("\n" + theme.label)
        for status in statuses:
            if status.item.theme is theme:
                print(_line(status))


def _next(statuses: list[progress.ItemStatus]) -> None:
    print(_("The next three actions with the best protection for the effort:"))
    for number, status in enumerate(scoring.next_actions(statuses), 1):
        item = status.item
        print(f"{number}. {_(item.title)} ({item.id})")
        print("   " + _("Effort: {effort}. Who can help: {helpers}.").format(
            effort=item.effort.label, helpers=", ".join(h.label for h in item.helpers)))
        for step_number, step in enumerate(item.steps, 1):
            print(f"   {step_number}) {_(step)}")
    print("\n" + _("First hour after installing gp_guard:"))
    for status in scoring.first_hour(statuses):
        print(_line(status))


def _attest(store, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    try:
        if args.action == "withdraw":
            progress.withdraw(store, args.item)
            print(_("Attestation withdrawn."))
            return EXIT_OK
        day = None
        if args.date:
            try:
                day = dt.date.fromisoformat(args.date)
            except ValueError:
                print_error(_("Not a date: {value}. Write it as YYYY-MM-DD.").format(value=args.date))
                return EXIT_ERROR
        row = progress.attest(store, args.item, on=day, note=args.note)
    except progress.ChecklistError as exc:
        print_error(exc.user_message())
        return EXIT_ERROR
    print(_("Attested on {date}.").format(date=row.attested_on.isoformat()))
    return EXIT_OK
