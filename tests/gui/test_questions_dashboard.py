"""Questions saved from the window count at the next audit; the dashboard shows score and trend."""

from __future__ import annotations

from gp_guard.audit import questions
from gp_guard.audit.model import Status
from tests.gui.conftest import run_audit_and_wait


def test_answers_are_saved_and_scored_at_the_next_audit(qtbot, window):
    page = window.pages["questions"]
    dashboard = window.pages["dashboard"]
    assert str(len(questions.QUESTIONS)) in dashboard.questions_label.text()
    page.buttons["Q-BOX-01"]["no"].click()
    page.buttons["Q-BKP-01"]["no"].click()
    page.save_button.click()
    assert window.store.answers()["Q-BOX-01"][0] == "no"
    assert window.store.answers()["Q-BKP-01"][0] == "no"
    assert "Saved" in page.saved_label.text()
    assert f": {len(questions.QUESTIONS) - 2}." in dashboard.questions_label.text()
    run_audit_and_wait(qtbot, window)
    by_id = {f.id: f for f in window.audit.report.findings}
    assert by_id["Q-BOX-01"].status is Status.PASS
    assert by_id["Q-BKP-01"].status is Status.FAIL


def test_saving_without_change_says_so(window):
    page = window.pages["questions"]
    page.save_button.click()
    assert "Nothing to save" in page.saved_label.text()


def test_stored_answers_are_preselected(store, make_window):
    store.set_answer("Q-ACC-01", "yes")
    window = make_window("en")
    assert window.pages["questions"].buttons["Q-ACC-01"]["yes"].isChecked()
    assert window.pages["questions"].choice("Q-ACC-01") == "yes"


def test_dashboard_before_any_audit(window):
    page = window.pages["dashboard"]
    assert page.score_label.text() == "–"
    assert "No audit yet" in page.grade_label.text()
    assert page.chart.scores == []


def test_dashboard_shows_score_grade_words_trend_and_changes(qtbot, window):
    run_audit_and_wait(qtbot, window)
    window.store.set_answer("Q-BOX-01", "yes")
    run_audit_and_wait(qtbot, window)
    page = window.pages["dashboard"]
    report = window.audit.report
    assert page.score_label.text() == f"{report.score.value}/100"
    assert page.grade_label.text().startswith(f"Grade {report.score.grade}: ")
    assert len(page.grade_label.text()) > len("Grade X: ") + 4  # the grade in words too
    assert len(page.chart.scores) == 2
    changes = [page.changes.item(i).text() for i in range(page.changes.count())]
    assert any("No port forwarding or DMZ" in c and "Not checked → To fix" in c for c in changes)


def test_dashboard_run_button_starts_an_audit(qtbot, window):
    with qtbot.waitSignal(window.audit.finished, timeout=15000):
        window.pages["dashboard"].run_button.click()
    assert window.current_key() == "audit"


def test_dashboard_lists_what_to_fix_first(qtbot, window):
    window.store.set_answer("Q-BOX-01", "yes")  # a critical failure
    run_audit_and_wait(qtbot, window)
    page = window.pages["dashboard"]
    first = page.priorities.item(0).text()
    assert first.startswith("Critical · To fix · ")
    assert 1 <= page.priorities.count() <= 5
    from gp_guard.audit import history
    from gp_guard.gui.pages.dashboard import _metas, priorities

    statuses = history.statuses(window.store, history.runs(window.store)[-1].id)
    every = [text for _id, text in priorities(statuses, _metas(), limit=100)]
    assert any("The internet box has a DMZ or ports forwarded by hand" in line for line in every)
    assert not any("No port forwarding or DMZ" in line for line in every)  # the title of the good state
    ranks = [["Critical", "High", "Medium", "Low", "Information"].index(line.split(" · ")[0])
             for line in every if " · To fix · " in line]
    assert ranks == sorted(ranks)


def test_a_priority_opens_its_finding(qtbot, window):
    window.store.set_answer("Q-BOX-01", "yes")
    run_audit_and_wait(qtbot, window)
    page = window.pages["dashboard"]
    item = page.priorities.item(0)
    page.priorities.itemActivated.emit(item)
    assert window.current_key() == "audit"
    shown = window.pages["audit"].detail.finding
    assert shown is not None and shown.id == item.data(0x0100)


def test_dashboard_explains_a_capped_score(qtbot, window):
    from gp_guard.audit.score import CAP_CRITICAL

    window.store.set_answer("Q-BOX-01", "yes")  # a critical failure caps the score
    run_audit_and_wait(qtbot, window)
    label = window.pages["dashboard"].cap_label.text()
    if window.audit.report.score.capped_by == "critical":
        assert f"at {CAP_CRITICAL} at most" in label
    else:
        assert window.audit.report.score.value <= CAP_CRITICAL


def test_cap_text_is_empty_without_failures():
    from gp_guard.gui.pages.dashboard import _metas, cap_text

    assert cap_text(39, {"Q-BOX-01": "pass"}, _metas()) == ""
    assert "critical" in cap_text(39, {"Q-BOX-01": "fail"}, _metas())


def test_dashboard_tiles_and_gauge_tell_the_state_in_words(qtbot, window):
    from gp_guard.audit.areas import Tone

    run_audit_and_wait(qtbot, window)
    page = window.pages["dashboard"]
    page.refresh()
    tiles = page.tiles.tiles
    assert tiles and tiles[0].state.tone is Tone.ACTION  # the most urgent area first
    for tile in tiles:
        assert tile.state.area.label in tile.text()
        assert tile.state.sentence() in tile.text() or tile.state.tone is Tone.UNKNOWN
        assert tile.accessibleName() and not tile.icon().isNull()  # words and a mark, not colour alone
    assert page.gauge.score is not None and "out of 100" in page.gauge.accessibleDescription()
    tiles[0].click()
    assert window.current_key() == "audit"
    assert window.pages["audit"].detail.finding.id == tiles[0].state.first_check
