"""The score formula (documented in gp_guard/audit/score.py and the README)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gp_guard.audit.model import Area, CheckMeta, Finding, Outcome, Severity, Status
from gp_guard.audit.score import compute, grade_for


def finding(severity: Severity, status: Status, n: int = 0) -> Finding:
    meta = CheckMeta(id=f"X-{severity}-{n}", area=Area.NETWORK, severity=severity, title="t",
                     why="w", fix={"all": ()}, platforms=("linux",))
    return Finding(meta, Outcome(status), "linux")


def test_all_pass_is_100_A():
    score = compute([finding(Severity.HIGH, Status.PASS), finding(Severity.LOW, Status.PASS)])
    assert (score.value, score.grade) == (100, "A")


def test_one_critical_failure_cannot_hide_behind_many_passes():
    findings = [finding(Severity.HIGH, Status.PASS, i) for i in range(60)]
    findings.append(finding(Severity.CRITICAL, Status.FAIL))
    score = compute(findings)
    assert score.value == 39 and score.grade == "E" and score.capped_by == "critical"


def test_one_high_failure_caps_at_69():
    findings = [finding(Severity.MEDIUM, Status.PASS, i) for i in range(60)]
    findings.append(finding(Severity.HIGH, Status.FAIL))
    score = compute(findings)
    assert score.value == 69 and score.capped_by == "high"


def test_weights_and_warn_half_credit():
    # critical pass (10) + medium warn (3 x 0.5) + low fail (0 of 1): 11.5 / 14 = 82
    score = compute([finding(Severity.CRITICAL, Status.PASS), finding(Severity.MEDIUM, Status.WARN),
                     finding(Severity.LOW, Status.FAIL)])
    assert score.value == 82 and score.grade == "B" and score.capped_by is None


def test_skipped_and_errors_neither_earn_nor_cost():
    base = [finding(Severity.HIGH, Status.PASS), finding(Severity.MEDIUM, Status.FAIL)]
    extra = base + [finding(Severity.CRITICAL, Status.SKIPPED), finding(Severity.HIGH, Status.ERROR, 1)]
    assert compute(base).value == compute(extra).value
    assert compute(extra).not_evaluated == 2


def test_installing_a_tool_earns_nothing_by_itself():
    """Inventory findings (information) weigh nothing, whatever their status."""
    base = [finding(Severity.HIGH, Status.PASS), finding(Severity.MEDIUM, Status.FAIL)]
    with_inventory = base + [finding(Severity.INFO, Status.PASS, i) for i in range(10)]
    assert compute(base).value == compute(with_inventory).value


def test_nothing_evaluated_is_zero():
    assert compute([finding(Severity.HIGH, Status.SKIPPED)]).value == 0


def test_grades():
    assert [grade_for(v) for v in (100, 90, 89, 75, 74, 60, 59, 40, 39, 0)] == list("AABBCCDDEE")


statuses = st.sampled_from([Status.PASS, Status.WARN, Status.FAIL, Status.SKIPPED, Status.ERROR])
severities = st.sampled_from(list(Severity))


@given(st.lists(st.tuples(severities, statuses), min_size=1, max_size=40), st.data())
def test_fixing_a_problem_never_lowers_the_score(items, data):
    findings = [finding(sev, status, i) for i, (sev, status) in enumerate(items)]
    index = data.draw(st.integers(0, len(findings) - 1))
    if findings[index].status not in (Status.FAIL, Status.WARN):
        return
    fixed = list(findings)
    fixed[index] = finding(findings[index].severity, Status.PASS, index)
    assert compute(fixed).value >= compute(findings).value


@given(st.lists(st.tuples(severities, statuses), max_size=40))
def test_score_is_within_bounds(items):
    score = compute([finding(sev, status, i) for i, (sev, status) in enumerate(items)])
    assert 0 <= score.value <= 100
    assert score.grade == grade_for(score.value)
