"""The audit as one call, for the CLI and the GUI alike."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gp_guard.audit import history, questions
from gp_guard.audit.model import Finding, Outcome, Severity, Status
from gp_guard.audit.registry import all_checks
from gp_guard.audit.runner import CancelToken, Progress, run_checks
from gp_guard.audit.score import Score, compute
from gp_guard.errors import UserError
from gp_guard.host import Host
from gp_guard.i18n import N_
from gp_guard.store import Store
from gp_guard.version import __version__

if TYPE_CHECKING:
    from gp_guard.monitoring.service import Targets

log = logging.getLogger(__name__)


class UnknownCheck(UserError, ValueError):
    """An id given with --only does not exist."""

    message = N_("Unknown check id: {ids}. Known ids: {known}.")

    def __init__(self, unknown: Sequence[str], known: Sequence[str]) -> None:
        super().__init__(ids=", ".join(unknown), known=", ".join(known))
        self.unknown = list(unknown)
        self.known = list(known)


@dataclass
class AuditReport:
    started_at: dt.datetime
    duration_s: float
    findings: list[Finding]
    score: Score
    platform: str
    run_id: int | None = None
    changes: list[history.Change] = field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        """Critical or high findings that fail: they make the CLI exit with status 1."""
        return [
            f for f in self.findings
            if f.status is Status.FAIL and f.severity in (Severity.CRITICAL, Severity.HIGH)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": __version__,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "duration_s": round(self.duration_s, 3),
            "platform": self.platform,
            "score": self.score.value,
            "grade": self.score.grade,
            "score_capped_by": self.score.capped_by,
            "findings": [f.to_dict() for f in sort_findings(self.findings)],
            "changes_since_last_run": [
                {"id": c.check_id, "before": c.before, "after": c.after} for c in self.changes
            ],
        }


_STATUS_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.SKIPPED: 3, Status.PASS: 4}


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Failures first, most severe first: a critical failure is never buried."""
    return sorted(findings, key=lambda f: (_STATUS_ORDER[f.status], f.severity.rank, f.id))


def known_ids() -> list[str]:
    return [c.id for c in all_checks()] + [q.id for q in questions.QUESTIONS]


def run_audit(
    host: Host,
    store: Store | None = None,
    *,
    only: Sequence[str] | None = None,
    no_network: bool = False,
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    save: bool = True,
    monitor: Targets | None = None,
) -> AuditReport:
    checks = [c for c in all_checks() if host.platform in c.meta.platforms]
    wanted = {i.upper() for i in only} if only else None
    if wanted is not None:
        known = set(known_ids())
        unknown = sorted(wanted - known)
        if unknown:
            raise UnknownCheck(unknown, sorted(known))
        checks = [c for c in checks if c.id in wanted]
    started = dt.datetime.now(dt.UTC)
    begin = time.monotonic()
    findings = run_checks(checks, host, progress=progress, cancel=cancel, no_network=no_network)
    answers = store.answers() if store else {}
    asked = questions.findings(answers, host.platform)
    if wanted is not None:
        asked = [f for f in asked if f.id in wanted]
    findings += asked
    duration = time.monotonic() - begin
    score = compute(findings)
    report = AuditReport(started, duration, findings, score, host.platform)
    cancelled = cancel is not None and cancel.cancelled
    if store is not None and save and not cancelled:
        report.run_id = history.save_run(store, started, duration, score.value, score.grade,
                                         host.platform, findings)
        report.changes = history.changes(store, report.run_id)
    if not cancelled:
        _after_audit(report, store, monitor, whole=wanted is None)
    return report


def _after_audit(report: AuditReport, store: Store | None, monitor: Targets | None, whole: bool) -> None:
    """The provider's monitoring outputs (gp_guard/monitoring): a failure there never spoils the audit.

    The provider's folder follows only whole, saved audits of this computer.
    """
    from gp_guard.monitoring.service import after_audit

    try:
        after_audit(report, store, monitor, to_folder=whole and report.run_id is not None)
    except Exception as exc:  # noqa: BLE001 - the audit is done and saved; the log says what failed
        log.warning("monitoring outputs failed after the audit: %s", type(exc).__name__)


def record_answer(store: Store, question_id: str, value: str) -> int | None:
    """Store the doctor's answer and count it at once: the latest audit run takes the answered
    questions and its score is computed again (the dashboard, the report and the checklist read
    that run). Returns the new score, or None when no audit has run yet."""
    store.set_answer(question_id, value)
    latest = history.runs(store, limit=1)
    if not latest:
        return None
    run = latest[-1]
    rows = store.query("SELECT platform FROM audit_run WHERE id=?", (run.id,))
    platform = rows[0]["platform"] if rows else ""
    stored = history.statuses(store, run.id)
    asked = [f for f in questions.findings(store.answers(), platform) if f.id in stored]  # the run's scope
    metas = {c.id: c.meta for c in all_checks()}
    kept = [Finding(metas[i], Outcome(Status(s)), platform)
            for i, s in stored.items() if i in metas and s in Status._value2member_map_]
    new = compute(kept + asked)
    history.replace_results(store, run.id, asked, new.value, new.grade)
    return new.value

