"""Every audit run is stored; the dashboard shows the trend and what changed since last time."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from gp_guard.audit.model import Finding
from gp_guard.i18n import Plural
from gp_guard.store import RETENTION_DAYS, Store


@dataclass(frozen=True)
class RunSummary:
    id: int
    started_at: str
    score: int
    grade: str


@dataclass(frozen=True)
class Change:
    check_id: str
    before: str | None  # None: new check
    after: str | None  # None: check no longer run


def message_id(message: str | Plural) -> str:
    """The English source of a message as stored: the singular of a message with plural forms."""
    return message.singular if isinstance(message, Plural) else message


def save_run(store: Store, started_at: dt.datetime, duration_s: float, score: int, grade: str,
             platform: str, findings: list[Finding]) -> int:
    cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=RETENTION_DAYS)).isoformat()
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO audit_run(started_at, duration_s, score, grade, platform) VALUES(?,?,?,?,?)",
            (started_at.isoformat(timespec="seconds"), duration_s, score, grade, platform),
        )
        run_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO audit_result(run_id, check_id, severity, status, message, evidence) "
            "VALUES(?,?,?,?,?,?)",
            [
                (run_id, f.id, str(f.severity), str(f.status), message_id(f.outcome.message),
                 json.dumps([e.render() for e in f.outcome.evidence]))
                for f in findings
            ],
        )
        conn.execute("DELETE FROM audit_run WHERE started_at < ?", (cutoff,))
    return run_id


def replace_results(store: Store, run_id: int, findings: list[Finding], score: int, grade: str) -> None:
    """Replace these findings' rows of ``run_id`` and its score: an answered question counts at
    once, in the run the dashboard and the report show."""
    with store.transaction() as conn:
        for f in findings:
            conn.execute("DELETE FROM audit_result WHERE run_id=? AND check_id=?", (run_id, f.id))
        conn.executemany(
            "INSERT INTO audit_result(run_id, check_id, severity, status, message, evidence) VALUES(?,?,?,?,?,?)",
            [(run_id, f.id, str(f.severity), str(f.status), message_id(f.outcome.message),
              json.dumps([e.render() for e in f.outcome.evidence])) for f in findings],
        )
        conn.execute("UPDATE audit_run SET score=?, grade=? WHERE id=?", (score, grade, run_id))


def runs(store: Store, limit: int = 30) -> list[RunSummary]:
    """The latest runs, oldest first (for a trend line)."""
    rows = store.query(
        "SELECT id, started_at, score, grade FROM audit_run ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [RunSummary(r["id"], r["started_at"], r["score"], r["grade"]) for r in reversed(rows)]


def statuses(store: Store, run_id: int) -> dict[str, str]:
    rows = store.query("SELECT check_id, status FROM audit_result WHERE run_id=?", (run_id,))
    return {r["check_id"]: r["status"] for r in rows}


def changes(store: Store, run_id: int) -> list[Change]:
    """What changed between ``run_id`` and the run before it."""
    previous = store.query("SELECT id FROM audit_run WHERE id < ? ORDER BY id DESC LIMIT 1", (run_id,))
    if not previous:
        return []
    before = statuses(store, previous[0]["id"])
    after = statuses(store, run_id)
    result = []
    for check_id in sorted(set(before) | set(after)):
        if before.get(check_id) != after.get(check_id):
            result.append(Change(check_id, before.get(check_id), after.get(check_id)))
    return result
