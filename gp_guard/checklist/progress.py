"""Where each checklist item stands: ticked by the latest audit, attested by the doctor, or to do.

Attestations are kept in the one SQLite store, in tables made by the store's migrations
(gp_guard/store.py). Rows are only ever added: a
withdrawal is a new row, so the history of every item survives. One progress snapshot per day
(items done / total) gives the trend over time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from gp_guard.audit import history
from gp_guard.checklist.facts import VaultFacts, vault_facts
from gp_guard.checklist.items import ITEMS, Item, by_id
from gp_guard.errors import UserError
from gp_guard.i18n import N_, _, format_date
from gp_guard.store import Store

NOTE_MAX = 500


class ChecklistError(UserError, ValueError):
    """A request the checklist cannot honour (an unknown item, a date in the future…)."""


class State(StrEnum):
    DONE = "done"
    TODO = "todo"
    EXPIRED = "expired"  # attested, but the review date has passed
    UNKNOWN = "unknown"  # linked to checks the latest audit did not evaluate

    @property
    def label(self) -> str:
        return _(_STATE_LABELS[self])


_STATE_LABELS = {
    State.DONE: N_("Done"),
    State.TODO: N_("To do"),
    State.EXPIRED: N_("To review again"),
    State.UNKNOWN: N_("Not checked yet"),
}


@dataclass(frozen=True)
class Attestation:
    item_id: str
    attested_on: dt.date
    note: str
    withdrawn: bool
    recorded_at: str


@dataclass(frozen=True)
class ItemStatus:
    item: Item
    state: State
    source: str  # "audit", "attestation", "vault" or "" (nothing yet)
    evidence_date: dt.date | None  # date of the audit run or of the attestation
    due: dt.date | None = None  # attested items: when to review again
    note: str = ""
    check_statuses: tuple[tuple[str, str], ...] = ()  # (check id, status) from the latest audit

    def describe(self) -> str:
        """One line saying where the state comes from, in the current language."""
        when = format_date(self.evidence_date)
        if self.source == "audit":
            return _("Checked by the audit of {date}").format(date=when)
        if self.source == "vault":
            return _("Seen by the vault on {date}").format(date=when)
        if self.source == "attestation":
            if self.state is State.EXPIRED:
                return _("Attested on {date}; to review again since {due}").format(
                    date=when, due=format_date(self.due))
            if self.due:
                return _("Attested on {date}; review by {due}").format(date=when, due=format_date(self.due))
            return _("Attested on {date}").format(date=when)
        if self.item.linked and all(c.startswith("Q-") for c in self.item.checks):
            return _("Answer the question in gp_guard, then run an audit")
        if self.item.linked:
            return _("Run an audit to check this item")
        return _("Not attested yet")


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _today() -> dt.date:
    return dt.date.today()


def attest(store: Store, item_id: str, *, on: dt.date | None = None, note: str = "") -> Attestation:
    """Record that the doctor did ``item_id`` on ``on`` (default: today)."""
    item = by_id().get(item_id.upper())
    if item is None:
        raise ChecklistError(N_("Unknown checklist item: {id}."), id=item_id)
    if item.linked:
        raise ChecklistError(N_("{id} is ticked by the audit itself: run an audit instead of attesting it."),
                             id=item.id)
    day = on or _today()
    if day > _today():
        raise ChecklistError(N_("The date cannot be in the future."))
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ChecklistError(N_("The note is too long ({max} characters at most)."), max=NOTE_MAX)
    return _insert(store, item.id, day, note, withdrawn=False)


def withdraw(store: Store, item_id: str) -> Attestation:
    """Cancel the current attestation of ``item_id`` (kept in the history)."""
    item = by_id().get(item_id.upper())
    if item is None or item.linked:
        raise ChecklistError(N_("Unknown checklist item: {id}."), id=item_id)
    return _insert(store, item.id, _today(), "", withdrawn=True)


def _insert(store: Store, item_id: str, day: dt.date, note: str, *, withdrawn: bool) -> Attestation:
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO checklist_attestation(item_id, attested_on, note, withdrawn, recorded_at) "
            "VALUES(?,?,?,?,?)", (item_id, day.isoformat(), note, int(withdrawn), stamp))
    return Attestation(item_id, day, note, withdrawn, stamp)


def attestations(store: Store, item_id: str | None = None) -> list[Attestation]:
    """Every attestation (and withdrawal), oldest first."""
    sql = "SELECT item_id, attested_on, note, withdrawn, recorded_at FROM checklist_attestation"
    params: tuple = ()
    if item_id is not None:
        sql += " WHERE item_id=?"
        params = (item_id,)
    rows = store.query(sql + " ORDER BY id", params)
    return [Attestation(r["item_id"], dt.date.fromisoformat(r["attested_on"]), r["note"],
                        bool(r["withdrawn"]), r["recorded_at"]) for r in rows]


def latest_attestations(store: Store) -> dict[str, Attestation]:
    latest: dict[str, Attestation] = {}
    for row in attestations(store):
        latest[row.item_id] = row
    return {k: v for k, v in latest.items() if not v.withdrawn}


def _linked_status(item: Item, run: tuple[dt.date, Mapping[str, str]] | None) -> ItemStatus:
    if run is None:
        return ItemStatus(item, State.UNKNOWN, "", None)
    day, statuses = run
    seen = tuple((c, statuses[c]) for c in item.checks if c in statuses)
    evaluated = [s for _c, s in seen if s in ("pass", "warn", "fail")]
    if not evaluated:
        return ItemStatus(item, State.UNKNOWN, "", None, check_statuses=seen)
    state = State.DONE if all(s == "pass" for s in evaluated) else State.TODO
    return ItemStatus(item, state, "audit", day, check_statuses=seen)


def _attested_status(item: Item, att: Attestation | None, today: dt.date) -> ItemStatus:
    if att is None:
        return ItemStatus(item, State.TODO, "", None)
    due = add_months(att.attested_on, item.review_months) if item.review_months else None
    state = State.EXPIRED if due is not None and today >= due else State.DONE
    return ItemStatus(item, state, "attestation", att.attested_on, due, att.note)


def _vault_status(item: Item, vault: VaultFacts) -> ItemStatus | None:
    if item.vault == "folders" and vault.folders_protected > 0:
        return ItemStatus(item, State.DONE, "vault", vault.last_verified)
    if item.vault == "recovery_kit" and vault.recovery_kit_confirmed is not None:
        return ItemStatus(item, State.DONE, "vault", vault.recovery_kit_confirmed)
    return None


def latest_run(store: Store) -> tuple[dt.date, dict[str, str]] | None:
    runs = history.runs(store, limit=1)
    if not runs:
        return None
    run = runs[-1]
    return dt.datetime.fromisoformat(run.started_at).date(), history.statuses(store, run.id)


__all__ = ["VaultFacts"]  # re-exported: callers name progress.VaultFacts

_GATHER = object()


def statuses(store: Store, *, vault: VaultFacts | None | object = _GATHER, today: dt.date | None = None,
             record: bool = True) -> list[ItemStatus]:
    """The state of every item, in catalogue order. ``record`` keeps today's progress snapshot.

    The vault's facts are read from the vault itself unless given (tests give them).
    """
    if vault is _GATHER:
        vault = vault_facts(store)
    assert vault is None or isinstance(vault, VaultFacts)
    today = today or _today()
    run = latest_run(store)
    attested = latest_attestations(store)
    result = []
    for item in ITEMS:
        status = None
        if item.vault and vault is not None:
            status = _vault_status(item, vault)
        if status is None:
            status = (_linked_status(item, run) if item.linked
                      else _attested_status(item, attested.get(item.id), today))
        result.append(status)
    if record:
        _snapshot(store, today, result)
    return result


def _snapshot(store: Store, today: dt.date, result: list[ItemStatus]) -> None:
    done = sum(1 for s in result if s.state is State.DONE)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO checklist_snapshot(day, done, total) VALUES(?,?,?) "
            "ON CONFLICT(day) DO UPDATE SET done=excluded.done, total=excluded.total",
            (today.isoformat(), done, len(result)))


@dataclass(frozen=True)
class Snapshot:
    day: dt.date
    done: int
    total: int


def timeline(store: Store, limit: int = 60) -> list[Snapshot]:
    """Progress by day, oldest first."""
    rows = store.query("SELECT day, done, total FROM checklist_snapshot ORDER BY day DESC LIMIT ?", (limit,))
    return [Snapshot(dt.date.fromisoformat(r["day"]), r["done"], r["total"]) for r in reversed(rows)]


def timeline_text(points: list[Snapshot], limit: int = 5) -> str:
    """"2026-01-02: 3 → 2026-02-10: 9" for the latest ``limit`` days with a change; "" if too few."""
    changed: list[Snapshot] = []
    for point in points:
        if not changed or changed[-1].done != point.done:
            changed.append(point)
    if len(points) < 2:
        return ""
    if changed[-1] is not points[-1]:
        changed.append(points[-1])
    return " → ".join(f"{format_date(p.day)}: {p.done}" for p in changed[-limit:])
