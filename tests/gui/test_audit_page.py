"""Running an audit from the page: progress, findings by severity, details, cancel, errors."""

from __future__ import annotations

import threading

from gp_guard.audit import service
from gp_guard.audit.model import Severity, Status
from gp_guard.audit.runner import Progress
from gp_guard.gui import audit_controller
from gp_guard.gui.widgets.findings_tree import FINDING_ROLE
from tests.gui.conftest import run_audit_and_wait

REAL_RUN_AUDIT = service.run_audit
STATUS_ORDER = [Status.FAIL, Status.ERROR, Status.WARN, Status.SKIPPED, Status.PASS]


def test_audit_shows_findings_grouped_by_severity(qtbot, window):
    run_audit_and_wait(qtbot, window)
    page = window.pages["audit"]
    tree = page.tree
    assert tree.topLevelItemCount() >= 1
    groups = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        findings = [top.child(j).data(0, FINDING_ROLE) for j in range(top.childCount())]
        assert len({f.severity for f in findings}) == 1
        groups.append(findings[0].severity.rank)
        ranks = [STATUS_ORDER.index(f.status) for f in findings]
        assert ranks == sorted(ranks), "failures first inside a group"
        for j, finding in enumerate(findings):
            assert top.child(j).text(1) == finding.status.label  # status in words
    assert groups == sorted(groups), "critical first"
    assert page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    assert page.progress.value() == page.progress.maximum()
    assert "/100" in page.status.text()


def test_detail_pane_shows_why_steps_and_settings_button(qtbot, window, seams):
    run_audit_and_wait(qtbot, window)
    page = window.pages["audit"]
    items = page.tree.finding_items()
    target = next(i for i in items if i.data(0, FINDING_ROLE).id == "FW-01")
    page.tree.setCurrentItem(target)
    finding = target.data(0, FINDING_ROLE)
    html = page.detail.browser.toHtml()
    text = page.detail.browser.toPlainText()
    assert finding.message() in text
    assert "Why it matters" in text and "How to fix it" in text
    assert finding.fix_steps()[0] in text
    assert "<ol" in html or "list-style-type:decimal" in html
    assert not page.detail.settings_button.isHidden()
    page.detail.settings_button.click()
    assert seams.opened == ["windowsdefender://network"]


def test_question_finding_offers_to_answer(qtbot, window):
    run_audit_and_wait(qtbot, window)
    page = window.pages["audit"]
    item = next(i for i in page.tree.finding_items() if i.data(0, FINDING_ROLE).kind == "question")
    page.tree.setCurrentItem(item)
    assert not page.detail.answer_button.isHidden()
    page.detail.answer_button.click()
    assert window.current_key() == "questions"


def test_cancel_stops_a_running_audit(qtbot, window, monkeypatch):
    reached = threading.Event()

    def slow_audit(host, store, *, progress, cancel, no_network):
        progress(Progress(1, 4, "FW-01"))
        reached.set()
        cancel._event.wait(5)  # the worker waits for the cancel button
        return REAL_RUN_AUDIT(host, store, only=["FW-01"], cancel=cancel)

    monkeypatch.setattr(audit_controller.service, "run_audit", slow_audit)
    page = window.pages["audit"]
    window.navigate("audit")
    page.run_button.click()
    assert window.audit.running and not page.run_button.isEnabled()
    qtbot.waitUntil(lambda: page.progress.maximum() == 4 and page.progress.value() == 1, timeout=5000)
    assert page.cancel_button.isEnabled()
    with qtbot.waitSignal(window.audit.finished, timeout=10000):
        page.cancel_button.click()
    assert not window.audit.running
    assert page.run_button.isEnabled()
    assert "cancelled" in page.status.text()
    assert all(f.status is Status.SKIPPED for f in window.audit.report.findings if f.kind == "check")


def test_failing_core_shows_a_message_not_a_crash(qtbot, window, seams, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the core failed")

    monkeypatch.setattr(audit_controller.service, "run_audit", broken)
    page = window.pages["audit"]
    with qtbot.waitSignal(window.audit.failed, timeout=5000):
        page.run_button.click()
    assert seams.informed and seams.informed[0][2] is True
    assert "RuntimeError" in seams.informed[0][1]
    assert page.run_button.isEnabled()
    assert page.status.text() == seams.informed[0][1]


def test_close_during_audit_asks_and_waits(qtbot, window, seams, monkeypatch):
    release = threading.Event()

    def slow_audit(host, store, *, progress, cancel, no_network):
        release.wait(5)
        return REAL_RUN_AUDIT(host, store, only=["FW-01"], cancel=cancel)

    monkeypatch.setattr(audit_controller.service, "run_audit", slow_audit)
    window.show()
    window.audit.start()
    seams.answer = False
    assert not window.close()
    assert seams.asked and window.isVisible()
    seams.answer = True
    release.set()
    assert window.close()
    assert window.audit.task.wait(0)


def test_severity_groups_use_words(qtbot, window):
    run_audit_and_wait(qtbot, window)
    top = window.pages["audit"].tree.topLevelItem(0)
    assert any(s.label in top.text(0) for s in Severity)


def test_audit_of_this_computer(qtbot, make_window):
    from gp_guard.host import LocalHost

    window = make_window("en", host=LocalHost())
    run_audit_and_wait(qtbot, window, timeout=60000)
    assert window.pages["audit"].tree.finding_items()
    assert window.audit.report.platform == LocalHost().platform


def test_theme_change_redraws_the_window(qtbot, window):
    from PySide6.QtCore import Qt

    run_audit_and_wait(qtbot, window)
    old_page = window.pages["audit"]
    window._scheme_changed(Qt.ColorScheme.Dark)  # what QStyleHints.colorSchemeChanged calls
    assert window.pages["audit"] is not old_page
    assert window.current_key() == "audit"
    assert window.pages["audit"].tree.finding_items()


def test_language_switch_during_an_audit(qtbot, window, monkeypatch):
    started = threading.Event()

    def slow_audit(host, store, *, progress, cancel, no_network):
        started.set()
        cancel._event.wait(5)
        return REAL_RUN_AUDIT(host, store, only=["FW-01"], cancel=cancel)

    monkeypatch.setattr(audit_controller.service, "run_audit", slow_audit)
    window.navigate("audit")
    window.pages["audit"].run_button.click()
    with qtbot.waitSignal(window.language_changed, timeout=5000):
        window.set_language("fr")
    page = window.pages["audit"]  # rebuilt, still aware of the running audit
    assert not page.run_button.isEnabled() and page.cancel_button.isEnabled()
    with qtbot.waitSignal(window.audit.finished, timeout=10000):
        page.cancel_button.click()
    assert page.run_button.isEnabled()
    assert "annulé" in page.status.text()


def test_only_what_needs_action_by_default_and_everything_on_request(qtbot, window):
    from gp_guard.gui.widgets.findings_tree import needs_action

    run_audit_and_wait(qtbot, window)
    page = window.pages["audit"]
    assert page.only_action.isChecked()
    items = page.tree.finding_items()
    shown = [i.data(0, FINDING_ROLE) for i in items if not i.isHidden()]
    hidden = [i.data(0, FINDING_ROLE) for i in items if i.isHidden()]
    assert shown and hidden
    assert all(needs_action(f) for f in shown) and not any(needs_action(f) for f in hidden)
    assert all(f.status in (Status.PASS, Status.SKIPPED) and f.kind == "check" for f in hidden)
    page.only_action.setChecked(False)
    assert not any(i.isHidden() for i in page.tree.finding_items())
    page.only_action.setChecked(True)
    assert page.select(hidden[0].id)  # the dashboard can still open a point that needs nothing
    assert not page.only_action.isChecked()


def test_the_detail_has_a_part_for_the_it_provider_with_a_copy_button(qtbot, window):
    from PySide6.QtGui import QGuiApplication

    run_audit_and_wait(qtbot, window)
    page = window.pages["audit"]
    assert page.select("FW-01")
    text = page.detail.browser.toPlainText()
    doctor, provider = text.split("For your IT provider", 1)
    assert "How to fix it" in doctor and "What was seen" in provider
    page.detail.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    finding = page.detail.finding
    assert copied.startswith("gp_guard · FW-01")
    assert finding.title() in copied and finding.fix_steps()[0] in copied
    assert all(e.value in copied for e in finding.outcome.evidence)


def test_after_a_restart_the_page_lists_the_last_audit(qtbot, make_window, store):
    """A new window on the same data folder shows the last audit's findings, same titles."""
    first = make_window("fr")
    run_audit_and_wait(qtbot, first)

    def listed(window):
        tree = window.pages["audit"].tree
        return sorted((i.data(0, FINDING_ROLE).id, i.text(0), i.text(1)) for i in tree.finding_items())

    before = listed(first)
    assert before
    second = make_window("fr")
    second.show()
    second.navigate("audit")  # listed once the page is shown (after the window's first paint)
    qtbot.waitExposed(second)
    assert listed(second) == before
    page = second.pages["audit"]
    assert "/100" in page.status.text() and "dernier audit" in page.status.text()
    page.tree.setCurrentItem(page.tree.finding_items()[0])
    assert page.tree.finding_items()[0].data(0, FINDING_ROLE).title() in page.detail.browser.toPlainText()
