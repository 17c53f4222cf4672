"""The Prometheus textfile: node_exporter (``--collector.textfile.directory``) or windows_exporter
(``--collector.textfile.directories``) read ``*.prom`` files from a folder and serve them.

Gauges only, in the text exposition format. Metric names, label names and label values are the
same in every language (ids, statuses and severities as in ``audit --json``). The file is written
atomically (temporary file in the same folder, fsync, rename, fsync of the folder), so a scrape
never sees half a file; node_exporter adds ``node_textfile_mtime_seconds`` for staleness.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from gp_guard.monitoring.state import State

FILE_NAME = "gp_guard.prom"
STATUS_CODE = {"pass": 0, "warn": 1, "fail": 2, "skipped": -1, "error": -2}
STATUSES = ("pass", "warn", "fail", "skipped", "error")
SEVERITIES = ("critical", "high", "medium", "low", "info")

# name -> help text (English, fixed: a provider's dashboards and rules rely on it)
METRICS: dict[str, str] = {
    "gp_guard_info": "gp_guard version and platform of this computer (always 1).",
    "gp_guard_score": "Security score of the last audit, 0 to 100 (grade and cap as labels).",
    "gp_guard_last_audit_timestamp_seconds": "When the last audit started, Unix time.",
    "gp_guard_audit_duration_seconds": "How long the last audit took.",
    "gp_guard_check_status": "One series per check and question: 0 pass, 1 warn, 2 fail, -1 skipped, -2 error.",
    "gp_guard_findings": "Number of findings of the last audit by status and severity.",
    "gp_guard_vault_configured": "1 when the vault's keys exist on this computer.",
    "gp_guard_vault_state_readable": "0 when the vault's state could not be read (see gp_guard's log).",
    "gp_guard_vault_folders": "Folders the vault protects.",
    "gp_guard_vault_folders_protected": "Protected folders whose files are all encrypted.",
    "gp_guard_vault_folders_with_problems": "Protected folders missing, or with files that failed or were left unfinished.",
    "gp_guard_vault_files_encrypted": "Encrypted files in the protected folders.",
    "gp_guard_vault_files_in_clear": "Files left in clear in the protected folders.",
    "gp_guard_vault_recovery_kit_confirmed": "1 when the doctor confirmed the paper recovery kit.",
    "gp_guard_breach_register_readable": "0 when the breach register could not be read.",
    "gp_guard_breaches_open": "Open data breaches (exercises excluded).",
    "gp_guard_breach_deadline_timestamp_seconds": "End of the 72-hour notification clock of an open breach, Unix time.",
    "gp_guard_breach_clock_seconds_left": "Time left on an open breach's 72-hour clock when the file was written (negative: overdue).",
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(str(value))}"' for key, value in labels.items()) + "}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _epoch(moment: dt.datetime) -> float:
    return round(moment.timestamp(), 3)


def series(state: State) -> list[tuple[str, dict[str, str], float]]:
    """Every (metric, labels, value) of ``state``, in the order of METRICS."""
    base = {"practice": state.practice} if state.practice else {}
    out: list[tuple[str, dict[str, str], float]] = []

    def add(name: str, value: float, **labels: str) -> None:
        out.append((name, {**base, **labels}, value))

    add("gp_guard_info", 1, version=state.version, platform=state.platform)
    add("gp_guard_score", state.score, grade=state.grade, capped_by=state.capped_by)
    add("gp_guard_last_audit_timestamp_seconds", _epoch(state.audited_at))
    add("gp_guard_audit_duration_seconds", round(state.duration_s, 3))
    for check in state.checks:
        add("gp_guard_check_status", STATUS_CODE[check.status], id=check.id, area=check.area,
            severity=check.severity, kind=check.kind, status=check.status)
    counts: dict[tuple[str, str], int] = {}
    for check in state.checks:
        counts[(check.status, check.severity)] = counts.get((check.status, check.severity), 0) + 1
    for status in STATUSES:
        for severity in SEVERITIES:
            add("gp_guard_findings", counts.get((status, severity), 0), status=status, severity=severity)
    vault = state.vault
    add("gp_guard_vault_configured", int(vault.configured))
    add("gp_guard_vault_state_readable", int(vault.readable))
    if vault.configured and vault.readable:
        add("gp_guard_vault_folders", vault.folders)
        add("gp_guard_vault_folders_protected", vault.folders_protected)
        add("gp_guard_vault_folders_with_problems", vault.folders_with_problems)
        add("gp_guard_vault_files_encrypted", vault.files_encrypted)
        add("gp_guard_vault_files_in_clear", vault.files_in_clear)
        add("gp_guard_vault_recovery_kit_confirmed", int(vault.kit_confirmed))
    add("gp_guard_breach_register_readable", int(state.readable_breaches))
    add("gp_guard_breaches_open", len(state.breaches))
    for breach in state.breaches:
        add("gp_guard_breach_deadline_timestamp_seconds", _epoch(breach.deadline), ref=breach.ref)
    for breach in state.breaches:
        add("gp_guard_breach_clock_seconds_left", round(breach.hours_left(state.at) * 3600), ref=breach.ref)
    return out


def render(state: State) -> str:
    """The textfile's content: each metric's HELP and TYPE, then its series."""
    by_name: dict[str, list[str]] = {}
    for name, labels, value in series(state):
        by_name.setdefault(name, []).append(f"{name}{_labels(labels)} {_number(value)}")
    lines: list[str] = []
    for name, help_text in METRICS.items():
        if name in by_name:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *by_name[name]]
    return "\n".join(lines) + "\n"


REPLACE_ATTEMPTS, REPLACE_PAUSE = 5, 0.1  # seconds, growing: 0.1 + 0.2 + 0.3 + 0.4 at most


def _replace(tmp: str, path: Path) -> None:
    """os.replace, retried a little: on Windows it is refused while the exporter reads the file
    (Go opens files without FILE_SHARE_DELETE), which lasts a few milliseconds per scrape."""
    for attempt in range(1, REPLACE_ATTEMPTS + 1):
        try:
            os.replace(tmp, path)
            return
        except PermissionError:
            if attempt == REPLACE_ATTEMPTS:
                raise
            time.sleep(REPLACE_PAUSE * attempt)


def write_atomic(path: Path, text: str | Iterable[str], mode: int = 0o644) -> None:
    """Replace ``path`` in one step: temporary file beside it, fsync, rename, fsync the folder.

    0644: the exporter runs as another user, and the file holds no patient data.
    """
    folder = path.parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text if isinstance(text, str) else "".join(text))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        _replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write(state: State, path: Path) -> None:
    write_atomic(path, render(state))
