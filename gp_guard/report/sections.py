"""The report as a list of neutral blocks, so the HTML and the PDF say exactly the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from gp_guard.audit.model import Severity, Status
from gp_guard.checklist import progress
from gp_guard.checklist.progress import State
from gp_guard.i18n import N_, _, format_date, format_datetime
from gp_guard.marks import state_text, status_text
from gp_guard.report.model import ReportData

GRADE_WORDS = {
    "A": N_("Well protected"),
    "B": N_("Good, a few points to improve"),
    "C": N_("Fair: important points to fix"),
    "D": N_("Weak: several serious gaps"),
    "E": N_("At risk: start with the critical points"),
}

# tone of a mark: used for colour, always next to a word (never colour alone)
TONE = {Status.FAIL: "bad", Status.ERROR: "neutral", Status.WARN: "warn", Status.SKIPPED: "neutral",
        Status.PASS: "good", State.DONE: "good", State.TODO: "bad", State.EXPIRED: "warn",
        State.UNKNOWN: "neutral"}


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 title, 2 section, 3 sub-section
    severity: Severity | None = None  # a severity's group: drawn with its bars and colour


@dataclass(frozen=True)
class Para:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Facts:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Entry:
    """A finding or a checklist item: a status (its mark and word), a title, details, numbered
    steps."""

    mark: str  # "✕ To fix": the mark and the word, on the tone's colour
    tone: str
    title: str
    detail: str = ""
    steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Para | Facts | Entry | Bullets | Table


def _date(value: object) -> str:
    """A date as the reader writes it ("7 décembre 2026"), never ISO."""
    return (format_date(value) or _("unknown")) if value is not None else _("unknown")


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _notified(entry: object) -> str:
    """'yes' only once the notification is recorded; a decision alone reads as a decision."""
    if getattr(entry, "notified_authority", False):
        return _("yes")
    return _("decision: notify the CNIL") if getattr(entry, "notify_decided", False) else _("no")


def blocks(data: ReportData) -> list[Block]:
    out: list[Block] = [Heading(_("Security report of the practice"), 1)]
    who = data.identity
    if who.empty:
        out.append(Para(_("Practice identity not filled in (gp_guard, Report page).")))
    else:
        rows = [(_("Practice"), who.name or "-")]
        if who.address:
            rows.append((_("Address"), who.address))
        if who.rpps:
            rows.append((_("RPPS number"), who.rpps))
        if who.siren:
            rows.append((_("SIREN number"), who.siren))
        out.append(Facts(tuple(rows)))
    facts = [(_("Report date"), format_datetime(data.generated_at))]
    latest = data.latest
    if latest is None:
        facts.append((_("Score"), _("no audit yet: run an audit in gp_guard first")))
    else:
        facts.append((_("Latest audit"), format_datetime(latest.started_at)))
        facts.append((_("Score"), _("{score}/100, grade {grade}: {words}").format(
            score=latest.score, grade=latest.grade, words=_(GRADE_WORDS.get(latest.grade, "")))))
        if data.trend is not None:
            trend = _("{change:+d} points since the previous audit").format(change=data.trend) if data.trend else _("unchanged since the previous audit")
            facts.append((_("Trend"), trend))
        if len(data.runs) >= 2:
            facts.append((_("Latest scores"), " → ".join(str(r.score) for r in data.runs)))
    facts.append((_("Checklist"), _("{done} of {total} items done ({percent}%)").format(
        done=data.checklist_progress.done, total=data.checklist_progress.total,
        percent=data.checklist_progress.percent)))
    history_text = progress.timeline_text(data.checklist_timeline)
    if history_text:
        facts.append((_("Items done over time"), history_text))
    out.append(Facts(tuple(facts)))

    out.append(Heading(_("Findings of the latest audit, by severity"), 2))
    if latest is None:
        out.append(Para(_("No audit has been run on this computer yet.")))
    elif not data.findings:
        out.append(Para(_("Every point checked is in order.")))
    for severity in Severity:
        lines = data.findings.get(severity)
        if not lines:
            continue
        out.append(Heading(_("Severity {severity} ({count})").format(severity=severity.label.lower(),
                                                                      count=len(lines)), 3, severity))
        for f in lines:
            out.append(Entry(status_text(f.status), TONE[f.status], f.title, f.id, f.steps))
    if data.passed:
        out.append(Heading(_("In order ({count})").format(count=len(data.passed)), 3))
        out.append(Bullets(tuple(f"{f.title} ({f.id})" for f in data.passed)))
    if data.unchecked:
        out.append(Heading(_("Not checked ({count})").format(count=len(data.unchecked)), 3))
        out.append(Para(_("Not applicable to this computer, needing administrator rights, or questions not answered yet.")))
        out.append(Bullets(tuple(f"{f.title} ({f.id})" for f in data.unchecked)))

    out.append(Heading(_("Protected folders (vault)"), 2))
    if data.vault is None:
        out.append(Para(_("Not set up yet.")))
    else:
        out.append(Facts((
            (_("Folders protected"), str(data.vault.folders_protected)),
            (_("Last verification"), _date(data.vault.last_verified)),
            (_("Recovery kit"), _("confirmed stored on {date}").format(date=_date(data.vault.recovery_kit_confirmed))
             if data.vault.recovery_kit_confirmed else _("not confirmed yet")),
        )))

    out.append(Heading(_("Data breach register"), 2))
    if data.breaches is None:
        out.append(Para(_("Not set up yet.")))
    elif not data.breaches.entries:
        out.append(Para(_("No breach recorded.")))
    else:
        summary = _("Breaches recorded: {total}; still open: {open}; notified to the CNIL: {notified}.").format(
            total=data.breaches.total, open=data.breaches.open, notified=data.breaches.notified)
        if data.breaches.to_notify:
            summary += " " + _("Decided to notify, notification not recorded yet: {count}.").format(count=data.breaches.to_notify)
        out.append(Para(summary))
        out.append(Table(
            (_("Known since"), _("Severity"), _("Notified to the CNIL"), _("People informed"), _("Closed")),
            tuple((_date(e.aware_on), e.severity_label, _notified(e), _yes(e.people_informed),
                   _yes(e.closed)) for e in data.breaches.entries),
        ))
    out.append(Heading(_("Checklist"), 2))
    if data.next_actions:
        out.append(Para(_("The next three actions with the best protection for the effort:")))
        out.append(Bullets(tuple(data.next_actions)))
    for theme, items in data.checklist:
        out.append(Heading(theme.label, 3))
        for line in items:
            detail = line.detail + (" · " + _("Note: {note}").format(note=line.note) if line.note else "")
            out.append(Entry(state_text(line.state), TONE[line.state], line.title, detail))

    out.append(Para(_("This report was made by gp_guard {version} on this computer. It contains no patient data and no passwords: only the state of the security measures.").format(version=data.version), small=True))
    return out
