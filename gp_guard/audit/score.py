"""The practice's security score: 0-100 and a grade.

Formula (documented in the README, tested in tests/unit/test_score.py):

1. Each finding that was evaluated (pass, warn, fail; answered questions alike) weighs by its
   severity: critical 10, high 5, medium 3, low 1, information 0. Skipped and error findings are
   left out: what was not seen earns nothing and costs nothing, and is listed apart.
2. Credit: pass 1, warn 0.5, fail 0. Base = 100 x sum(weight x credit) / sum(weight).
3. Caps, so that one serious problem cannot hide behind many passes: any critical failure caps
   the score at 39 (grade E), any high failure at 69 (grade C at best).
4. Grade: A >= 90, B >= 75, C >= 60, D >= 40, E below.

Installing tools earns nothing by itself: checks pass on a protective *outcome* (real-time
protection on and signatures fresh, not "an antivirus is installed"), and inventory findings
(severity information) weigh 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gp_guard.audit.model import Finding, Severity, Status

WEIGHTS = {Severity.CRITICAL: 10, Severity.HIGH: 5, Severity.MEDIUM: 3, Severity.LOW: 1, Severity.INFO: 0}
CREDIT = {Status.PASS: 1.0, Status.WARN: 0.5, Status.FAIL: 0.0}
CAP_CRITICAL = 39
CAP_HIGH = 69
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"), (0, "E"))


@dataclass(frozen=True)
class Score:
    value: int
    grade: str
    evaluated: int
    not_evaluated: int
    capped_by: str | None  # "critical" | "high" | None


def grade_for(value: int) -> str:
    return next(letter for floor, letter in GRADES if value >= floor)


def compute(findings: Iterable[Finding]) -> Score:
    total = earned = 0.0
    evaluated = not_evaluated = 0
    critical_fail = high_fail = False
    for finding in findings:
        status = finding.status
        if status not in CREDIT:
            not_evaluated += 1
            continue
        evaluated += 1
        weight = WEIGHTS[finding.severity]
        total += weight
        earned += weight * CREDIT[status]
        if status is Status.FAIL:
            critical_fail |= finding.severity is Severity.CRITICAL
            high_fail |= finding.severity is Severity.HIGH
    value = round(100 * earned / total) if total else 0
    capped_by = None
    if critical_fail and value > CAP_CRITICAL:
        value, capped_by = CAP_CRITICAL, "critical"
    elif high_fail and value > CAP_HIGH:
        value, capped_by = CAP_HIGH, "high"
    return Score(value, grade_for(value), evaluated, not_evaluated, capped_by)
