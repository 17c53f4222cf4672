"""An answered question counts in the score at once, in the run the dashboard and report show."""

from __future__ import annotations

from gp_guard import cli
from gp_guard.audit import history
from gp_guard.audit.service import record_answer, run_audit
from gp_guard.report import model
from gp_guard.store import open_default
from tests.helpers import recorded


def _report_states(store) -> dict[str, str]:
    data = model.build(store)
    states = {line.id: str(line.status) for lines in data.findings.values() for line in lines}
    states.update({line.id: str(line.status) for line in data.passed + data.unchecked})
    return states


def test_an_answer_changes_the_latest_score_and_the_report_at_once(capsys):
    store = open_default()
    assert record_answer(store, "Q-BKP-01", "yes") is None  # no audit yet: kept for the first one
    report = run_audit(recorded("win11_fr_hardened"), store, no_network=True)
    before = report.score.value
    assert history.statuses(store, report.run_id)["Q-BOX-01"] == "skipped"
    assert _report_states(store)["Q-BOX-01"] == "skipped"

    after = record_answer(store, "Q-BOX-01", "yes")  # a DMZ on the box: a critical failure
    assert after is not None and after <= 39 < before
    latest = history.runs(store)[-1]
    assert latest.id == report.run_id and latest.score == after  # the same run, no new one
    assert history.statuses(store, latest.id)["Q-BOX-01"] == "fail"
    assert _report_states(store)["Q-BOX-01"] == "fail"

    assert cli.main(["answer", "Q-BOX-01", "no"]) == 0
    out = capsys.readouterr().out
    final = history.runs(store)[-1].score
    assert f"{final}/100" in out and final > after
    assert history.statuses(store, latest.id)["Q-BOX-01"] == "pass"
    assert len(history.runs(store)) == 1
