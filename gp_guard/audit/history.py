"""Every audit run is stored; the dashboard shows the trend and what changed since last time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from gp_guard.audit.model import CheckMeta, Evidence, Finding, Outcome, Status
from gp_guard.i18n import Plural
from gp_guard.store import RETENTION_DAYS, Store

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class LastRun:
    """The latest saved run with its findings, rebuilt to be shown again (after a restart)."""

    summary: RunSummary
    platform: str
    findings: list[Finding]


# A message's parameters are often values that translate themselves when shown (a str subclass
# such as LocalDate, NameList, PortList, or a dataclass such as exposure's Link): they are stored
# with their class, and rebuilt only when that class is one of gp_guard's own.
def _encode(value: Any) -> Any:
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, str) and type(value) is str:
        return value
    if isinstance(value, (tuple, list)):
        return {"$tuple": [_encode(v) for v in value]}
    kind = type(value)
    name = f"{kind.__module__}:{kind.__qualname__}"
    if isinstance(value, str):
        state = {k: _encode(v) for k, v in getattr(value, "__dict__", {}).items()}
        return {"$str": name, "value": str(value), "state": state}
    if dataclasses.is_dataclass(value):
        return {"$data": name, "fields": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    return str(value)


def _own_class(name: str) -> type | None:
    module, _sep, qualname = name.partition(":")
    if not module.startswith("gp_guard.") or "." in qualname:
        return None
    try:
        found = getattr(importlib.import_module(module), qualname, None)
    except ImportError:
        return None
    return found if isinstance(found, type) else None


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "$tuple" in value:
        return tuple(_decode(v) for v in value["$tuple"])
    if "$str" in value:
        kind = _own_class(value["$str"])
        if kind is None or not issubclass(kind, str):
            return str(value.get("value", ""))
        obj = str.__new__(kind, value.get("value", ""))
        for key, item in (value.get("state") or {}).items():
            setattr(obj, key, _decode(item))
        return obj
    if "$data" in value:
        kind = _own_class(value["$data"])
        fields = {k: _decode(v) for k, v in (value.get("fields") or {}).items()}
        try:
            return kind(**fields) if kind is not None and dataclasses.is_dataclass(kind) else ""
        except TypeError:
            return ""
    return value


def _outcome_json(finding: Finding) -> str:
    message = finding.outcome.message
    plural = {"plural": message.plural, "key": message.key} if isinstance(message, Plural) else {}
    return json.dumps({
        "kind": finding.kind,
        "duration_s": round(finding.duration_s, 3),
        "params": {k: _encode(v) for k, v in finding.outcome.params.items()},
        **plural,
    })


def _rows(run_id: int, findings: list[Finding]) -> list[tuple]:
    return [(run_id, f.id, str(f.severity), str(f.status), message_id(f.outcome.message),
             json.dumps([e.render() for e in f.outcome.evidence]), _outcome_json(f))
            for f in findings]


_INSERT = ("INSERT INTO audit_result(run_id, check_id, severity, status, message, evidence, outcome) "
           "VALUES(?,?,?,?,?,?,?)")


def save_run(store: Store, started_at: dt.datetime, duration_s: float, score: int, grade: str,
             platform: str, findings: list[Finding]) -> int:
    cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=RETENTION_DAYS)).isoformat()
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO audit_run(started_at, duration_s, score, grade, platform) VALUES(?,?,?,?,?)",
            (started_at.isoformat(timespec="seconds"), duration_s, score, grade, platform),
        )
        run_id = int(cur.lastrowid or 0)
        conn.executemany(_INSERT, _rows(run_id, findings))
        conn.execute("DELETE FROM audit_run WHERE started_at < ?", (cutoff,))
    return run_id


def replace_results(store: Store, run_id: int, findings: list[Finding], score: int, grade: str) -> None:
    """Replace these findings' rows of ``run_id`` and its score: an answered question counts at
    once, in the run the dashboard and the report show."""
    with store.transaction() as conn:
        for f in findings:
            conn.execute("DELETE FROM audit_result WHERE run_id=? AND check_id=?", (run_id, f.id))
        conn.executemany(_INSERT, _rows(run_id, findings))
        conn.execute("UPDATE audit_run SET score=?, grade=? WHERE id=?", (score, grade, run_id))


def runs(store: Store, limit: int = 30) -> list[RunSummary]:
    """The latest runs, oldest first (for a trend line)."""
    rows = store.query(
        "SELECT id, started_at, score, grade FROM audit_run ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [RunSummary(r["id"], r["started_at"], r["score"], r["grade"]) for r in reversed(rows)]


def last_run(store: Store) -> LastRun | None:
    """The latest run and its findings as they were shown, or None before the first audit.

    A check that no longer exists is left out; a row saved before its outcome was stored
    (before migration 4) is shown with its title and evidence, without its message."""
    latest = runs(store, limit=1)
    if not latest:
        return None
    summary = latest[-1]
    from gp_guard.audit import questions
    from gp_guard.audit.registry import all_checks

    metas: dict[str, CheckMeta] = {c.id: c.meta for c in all_checks()}
    metas.update({q.id: q.meta for q in questions.QUESTIONS})
    platform_rows = store.query("SELECT platform FROM audit_run WHERE id=?", (summary.id,))
    platform = platform_rows[0]["platform"] if platform_rows else ""
    findings = []
    for row in store.query("SELECT check_id, status, message, evidence, outcome FROM audit_result "
                           "WHERE run_id=?", (summary.id,)):
        meta = metas.get(row["check_id"])
        if meta is None or row["status"] not in Status._value2member_map_:
            continue
        try:
            extra = json.loads(row["outcome"]) if row["outcome"] else {}
            evidence = tuple(Evidence(e["source"], e["value"]) for e in json.loads(row["evidence"] or "[]"))
        except (ValueError, KeyError, TypeError):
            log.warning("stored result of %s unreadable; shown without its details", row["check_id"])
            extra, evidence = {}, ()
        message: str | Plural = row["message"] if extra else ""
        if extra.get("plural"):
            message = Plural(row["message"], extra["plural"], extra.get("key", "count"))
        params = {k: _decode(v) for k, v in (extra.get("params") or {}).items()}
        outcome = Outcome(Status(row["status"]), message, params, evidence)
        findings.append(Finding(meta, outcome, platform, float(extra.get("duration_s", 0.0)),
                                kind=extra.get("kind", "question" if row["check_id"] in questions.by_id() else "check")))
    return LastRun(summary, platform, findings)


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
