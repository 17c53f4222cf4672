"""JSON lines: one compact event per finding, and one per change of the vault's or the breach
clock's state, appended to a file that a log shipper follows.

The shape suits the readers a provider already has:

- Wazuh: ``<localfile><log_format>json</log_format>``; the JSON decoder turns every key into a
  field, so a rule can match ``gp_guard.status`` = ``fail`` and ``gp_guard.severity`` = ``critical``;
- Filebeat / Fluent Bit / Elastic Agent, and Elastic or OpenSearch ``_bulk``: ECS names
  (``@timestamp``, ``event.*``, ``rule.*``, ``labels.*``) and a stable ``event.id`` to use as the
  document ``_id``, so shipping the same line twice does not count it twice.

Every event carries ``gp_guard.id``, ``gp_guard.status`` and ``gp_guard.severity`` (ids and words
as in ``audit --json``, never translated) and ``@timestamp``. Nothing identifying: no message, no
evidence, no file, folder or user name; the practice only as the provider's label, if set.

The file is rotated like a log: past ``max_bytes`` it becomes ``FILE.1`` (``FILE.1`` becomes
``FILE.2`` ...), ``backups`` old files kept. Lines are never split across two files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gp_guard.monitoring.state import State

log = logging.getLogger(__name__)

FILE_NAME = "gp_guard-events.jsonl"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 3
VAULT_ID, BREACH_ID = "VAULT", "BREACH"
VAULT_SEVERITY, BREACH_SEVERITY = "high", "critical"
_OUTCOME = {"pass": "success", "warn": "failure", "fail": "failure"}  # skipped, error: unknown


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _event_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _event(state: State, moment: dt.datetime, kind: str, check_id: str, status: str, severity: str,
           area: str, details: Mapping[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = {
        "@timestamp": _iso(moment),
        "event": {
            "kind": "state",
            "category": ["configuration"],
            "type": ["info"] if kind == "finding" else ["change"],
            "dataset": f"gp_guard.{kind}",
            "action": f"gp_guard-{kind}",
            "outcome": _OUTCOME.get(status, "unknown"),
            "id": _event_id(state.practice, moment.isoformat(), kind, check_id),
        },
        "rule": {"id": check_id, "category": area, "ruleset": "gp_guard"},
        "gp_guard": {
            "type": kind,
            "id": check_id,
            "status": status,
            "severity": severity,
            "area": area,
            "score": state.score,
            "grade": state.grade,
            "audit_started_at": _iso(state.audited_at),
            "platform": state.platform,
            "version": state.version,
            **details,
        },
    }
    if state.practice:
        event["labels"] = {"practice": state.practice}
    return event


def vault_snapshot(state: State) -> dict[str, Any]:
    v = state.vault
    return {"status": v.status, "configured": v.configured, "readable": v.readable, "folders": v.folders,
            "folders_protected": v.folders_protected, "folders_with_problems": v.folders_with_problems,
            "files_encrypted": v.files_encrypted, "files_in_clear": v.files_in_clear,
            "kit_confirmed": v.kit_confirmed}


def breach_snapshot(state: State) -> dict[str, Any]:
    overdue = sum(1 for b in state.breaches if b.hours_left(state.at) <= 0)
    return {"status": state.breach_status, "readable": state.readable_breaches, "open": len(state.breaches),
            "overdue": overdue, "refs": [b.ref for b in state.breaches]}


def snapshot(state: State) -> dict[str, Any]:
    """What a state change is measured on (the breach clock's hours left are not: they always move)."""
    return {"vault": vault_snapshot(state), "breach": breach_snapshot(state)}


def events(state: State, previous: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The events of one audit: every finding, then the vault and the breach clock if they changed
    since ``previous`` (a ``snapshot()``; None: first time, both are sent)."""
    out = [
        _event(state, state.audited_at, "finding", c.id, c.status, c.severity, c.area, {"kind": c.kind})
        for c in state.checks
    ]
    now = snapshot(state)
    previous = previous or {}
    if now["vault"] != previous.get("vault"):
        details = {k: v for k, v in now["vault"].items() if k != "status"}
        out.append(_event(state, state.at, "vault", VAULT_ID, now["vault"]["status"], VAULT_SEVERITY,
                          "encryption", {"vault": details}))
    if now["breach"] != previous.get("breach"):
        details = {k: v for k, v in now["breach"].items() if k != "status"}
        if state.breaches:
            details["soonest_deadline"] = _iso(state.breaches[0].deadline)
            details["soonest_hours_left"] = round(state.breaches[0].hours_left(state.at), 2)
        out.append(_event(state, state.at, "breach", BREACH_ID, now["breach"]["status"], BREACH_SEVERITY,
                          "practice", {"breach": details}))
    return out


def encode(items: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
                   for item in items)


def _rotate(path: Path, backups: int) -> None:
    for index in range(backups - 1, 0, -1):
        older = path.with_name(f"{path.name}.{index}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{index + 1}"))
    if backups > 0:
        os.replace(path, path.with_name(f"{path.name}.1"))
    else:
        path.unlink()


def append(path: Path, items: Iterable[Mapping[str, Any]], *, max_bytes: int = MAX_BYTES,
           backups: int = BACKUPS) -> int:
    """Append the events as lines (one write, then fsync); rotate first if the file would pass
    ``max_bytes``. Returns the number of lines written."""
    text = encode(items)
    if not text:
        return 0
    data = text.encode("utf-8")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = 0
    if size and size + len(data) > max_bytes:
        try:
            _rotate(path, backups)
        except OSError as exc:  # e.g. a shipper holds the file open on Windows: append, rotate next time
            log.warning("monitoring events file not rotated: %s", type(exc).__name__)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    return text.count("\n")
