"""How a status, a checklist state or a severity is shown, on screen and on paper alike: always
its word, plus a mark whose *shape* tells it apart (✓ ✕ ! – for a status, 0 to 4 filled bars for
a severity), plus a colour. Never colour alone (STYLE.md, "Words in the interface").

Colours come in two shades, for a light and a dark background; no Qt here (the report uses them).
"""

from __future__ import annotations

from gp_guard.audit.model import Severity, Status
from gp_guard.checklist.progress import State

STATUS_MARKS = {Status.FAIL: "✕", Status.ERROR: "!", Status.WARN: "!", Status.SKIPPED: "–", Status.PASS: "✓"}

STATUS_SHADES = {  # (on a light background, on a dark background)
    Status.FAIL: ("#c62828", "#ef9a9a"),
    Status.ERROR: ("#8e24aa", "#ce93d8"),
    Status.WARN: ("#b26a00", "#ffcc80"),
    Status.SKIPPED: ("#616161", "#bdbdbd"),
    Status.PASS: ("#2e7d32", "#a5d6a7"),
}

# a checklist state reads like the status it stands for
STATE_STATUS = {State.DONE: Status.PASS, State.TODO: Status.FAIL, State.EXPIRED: Status.WARN,
                State.UNKNOWN: Status.SKIPPED}
STATE_MARKS = {State.DONE: "✓", State.TODO: "✕", State.EXPIRED: "↻", State.UNKNOWN: "?"}

SEVERITY_LEVELS = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}
SEVERITY_BARS = 4
SEVERITY_SHADES = {
    Severity.CRITICAL: ("#b71c1c", "#ef9a9a"),
    Severity.HIGH: ("#d84315", "#ffab91"),
    Severity.MEDIUM: ("#9a6700", "#ffe082"),
    Severity.LOW: ("#1565c0", "#90caf9"),
    Severity.INFO: ("#616161", "#bdbdbd"),
}


def severity_text_mark(severity: Severity) -> str:
    """The bars as text, for plain-text places: ``▮▮▮▯`` for high."""
    level = SEVERITY_LEVELS[severity]
    return "▮" * level + "▯" * (SEVERITY_BARS - level)


def status_text(status: Status) -> str:
    """``✕ To fix``: the mark and the word."""
    return f"{STATUS_MARKS[status]} {status.label}"


def state_text(state: State) -> str:
    return f"{STATE_MARKS[state]} {state.label}"
