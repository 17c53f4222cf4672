"""The content of the report, gathered once and rendered as HTML or PDF.

Only catalogue texts (titles, fix steps), states, dates, counts, the practice's identity and the
doctor's own attestation notes are gathered. Audit evidence and messages are never read: they may
name files or hold values seen on the machine. Vault and breach data go through
``report.sources``, which keeps only counts, dates and known words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from gp_guard.audit import history, questions
from gp_guard.audit.model import CheckMeta, Severity, Status
from gp_guard.audit.registry import all_checks
from gp_guard.checklist import progress, scoring
from gp_guard.checklist.items import Theme
from gp_guard.i18n import _, current_language
from gp_guard.report import identity, sources
from gp_guard.store import Store
from gp_guard.version import __version__


@dataclass(frozen=True)
class FindingLine:
    id: str
    title: str
    severity: Severity
    status: Status
    steps: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistLine:
    id: str
    title: str
    state: progress.State
    detail: str  # where the state comes from, with its date
    note: str


@dataclass
class ReportData:
    lang: str
    generated_at: dt.datetime
    identity: identity.PracticeIdentity
    runs: list[history.RunSummary]  # oldest first
    platform: str
    findings: dict[Severity, list[FindingLine]]  # to fix or review, by severity (most severe first)
    passed: list[FindingLine]
    unchecked: list[FindingLine]  # skipped (not applicable, needs rights, not answered) or failed to run
    checklist: list[tuple[Theme, list[ChecklistLine]]]
    checklist_progress: scoring.Completion
    checklist_timeline: list[progress.Snapshot]
    next_actions: list[str]  # titles
    vault: sources.VaultSummary | None
    breaches: sources.BreachSummary | None
    version: str = __version__
    notes: list[str] = field(default_factory=list)

    @property
    def latest(self) -> history.RunSummary | None:
        return self.runs[-1] if self.runs else None

    @property
    def trend(self) -> int | None:
        """Score change since the run before the latest one."""
        return self.runs[-1].score - self.runs[-2].score if len(self.runs) >= 2 else None


def _metas() -> dict[str, CheckMeta]:
    metas = {c.id: c.meta for c in all_checks()}
    metas.update({q.id: q.meta for q in questions.QUESTIONS})
    return metas


def _steps(meta: CheckMeta, platform: str) -> tuple[str, ...]:
    steps = meta.fix.get(platform) or meta.fix.get("all") or ()
    return tuple(_(step) for step in steps)


_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2, Status.SKIPPED: 3, Status.PASS: 4}


def build(store: Store, *, now: dt.datetime | None = None) -> ReportData:
    """Everything the report shows, in the current language."""
    runs = history.runs(store, limit=10)
    latest = runs[-1] if runs else None
    platform = ""
    findings: dict[Severity, list[FindingLine]] = {s: [] for s in Severity}
    passed: list[FindingLine] = []
    unchecked: list[FindingLine] = []
    if latest is not None:
        rows = store.query("SELECT platform FROM audit_run WHERE id=?", (latest.id,))
        platform = rows[0]["platform"] if rows else ""
        metas = _metas()
        lines = []
        for check_id, raw in history.statuses(store, latest.id).items():
            meta = metas.get(check_id)
            try:
                status = Status(raw)
            except ValueError:
                continue
            if meta is None or meta.severity is Severity.INFO:
                continue
            actionable = status in (Status.FAIL, Status.WARN)
            lines.append(FindingLine(check_id, _(meta.title_for(status)), meta.severity, status,
                                     _steps(meta, platform) if actionable else ()))
        lines.sort(key=lambda f: (_ORDER[f.status], f.severity.rank, f.id))
        for line in lines:
            if line.status is Status.PASS:
                passed.append(line)
            elif line.status in (Status.FAIL, Status.WARN):
                findings[line.severity].append(line)
            else:
                unchecked.append(line)
    vault = sources.vault_summary(store)
    statuses = progress.statuses(store, vault=vault)
    by_theme: dict[Theme, list[ChecklistLine]] = {t: [] for t in Theme}
    for s in statuses:
        by_theme[s.item.theme].append(ChecklistLine(s.item.id, _(s.item.title), s.state, s.describe(), s.note))
    return ReportData(
        lang=current_language(),
        generated_at=now or dt.datetime.now().astimezone(),
        identity=identity.load(store),
        runs=runs,
        platform=platform,
        findings={k: v for k, v in findings.items() if v},
        passed=passed,
        unchecked=unchecked,
        checklist=[(t, lines) for t, lines in by_theme.items() if lines],
        checklist_progress=scoring.progress(statuses),
        checklist_timeline=progress.timeline(store),
        next_actions=[_(s.item.title) for s in scoring.next_actions(statuses)],
        vault=vault,
        breaches=sources.breach_summary(store),
    )
