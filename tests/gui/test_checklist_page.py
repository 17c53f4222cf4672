"""The checklist page: themes, states, attesting with a date and a note, next actions, first hour."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from gp_guard import i18n
from gp_guard.checklist import progress
from gp_guard.checklist.items import FIRST_HOUR, ITEMS, Theme
from gp_guard.gui.app import apply_language
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages.checklist import ChecklistPage
from tests.gui.test_accessibility import unnamed_actionable
from tests.helpers import recorded


@pytest.fixture
def make_page(qtbot, store):
    opened: list[str] = []
    controllers: list[AuditController] = []

    def make(lang: str = "en") -> ChecklistPage:
        apply_language(lang)
        audit = AuditController(store, recorded("win10_fr_weak"))
        controllers.append(audit)
        ctx = PageContext(store, audit, lambda key: None, lambda lang: None, opened.append)
        page = ChecklistPage(ctx)
        page.opened = opened  # type: ignore[attr-defined]
        qtbot.addWidget(page)
        return page

    yield make
    for audit in controllers:
        audit.cancel()
        assert audit.wait(15.0)
    apply_language("en")


def _child_texts(page: ChecklistPage) -> dict[str, str]:
    found = {}
    for index in range(page.tree.topLevelItemCount()):
        parent = page.tree.topLevelItem(index)
        for row in range(parent.childCount()):
            child = parent.child(row)
            found[child.data(0, Qt.ItemDataRole.UserRole)] = child.text(1)
    return found


def test_items_are_grouped_by_theme_with_their_state(make_page):
    page = make_page()
    assert page.tree.topLevelItemCount() == len(Theme)
    assert page.tree.topLevelItem(0).text(0) == Theme.GOVERNANCE.label
    states = _child_texts(page)
    assert set(states) == {i.id for i in ITEMS}
    assert states["BKP-RESTORE"].endswith("To do")
    assert states["PC-DISK"].endswith("Not checked yet")  # linked, no audit yet
    assert "0 of" in page.progress_label.text()


def test_attest_with_a_date_and_a_note_survives_a_new_page(make_page, store):
    page = make_page()
    page.select("BKP-RESTORE")
    assert page.current == "BKP-RESTORE"
    assert page.attest_box.isVisibleTo(page)
    day = dt.date.today() - dt.timedelta(days=3)
    page.date_edit.setDate(QDate(day.year, day.month, day.day))
    page.note_edit.setText("restored by the IT provider")
    page.attest_button.click()
    assert "Attested on" in page.saved_label.text()
    assert _child_texts(page)["BKP-RESTORE"].endswith("Done")
    again = make_page()
    again.select("BKP-RESTORE")
    assert again.statuses["BKP-RESTORE"].note == "restored by the IT provider"
    assert again.statuses["BKP-RESTORE"].evidence_date == day
    assert i18n.format_date(day) in again.detail_state.text()
    assert day.isoformat() not in again.detail_state.text()  # written as a reader writes dates
    assert "restored by the IT provider" in again.detail_state.text()


def test_withdraw_asks_then_keeps_history(make_page, store, seams):
    progress.attest(store, "AWR-PHISHING")
    page = make_page()
    page.select("AWR-PHISHING")
    assert page.withdraw_button.isEnabled()
    seams.answer = False
    page.withdraw_button.click()
    assert page.statuses["AWR-PHISHING"].state is progress.State.DONE
    seams.answer = True
    page.withdraw_button.click()
    assert page.statuses["AWR-PHISHING"].state is progress.State.TODO
    assert len(progress.attestations(store, "AWR-PHISHING")) == 2


def test_linked_items_offer_the_findings_not_an_attestation(make_page):
    page = make_page()
    page.select("PC-DISK")
    assert not page.attest_box.isVisibleTo(page)
    assert page.audit_box.isVisibleTo(page)
    page.finding_buttons[0].click()
    assert page.opened == ["CRY-01"]  # type: ignore[attr-defined]


def test_audit_ticks_linked_items_with_its_date(qtbot, make_page):
    page = make_page()
    with qtbot.waitSignal(page.later.settled, timeout=20000):  # the page redraws after the audit
        page.ctx.audit.start()
    status = page.statuses["PC-DISK"]
    assert status.source == "audit"
    assert status.evidence_date == dt.date.today()
    assert status.state in (progress.State.DONE, progress.State.TODO)
    assert _child_texts(page)["PC-DISK"].endswith(status.state.label)


def test_next_actions_and_first_hour(make_page):
    page = make_page()
    visible = [b for b in page.next_buttons if b.isVisibleTo(page)]
    assert len(visible) == 3
    visible[1].click()
    assert page.current == visible[1].property("item_id")
    assert len(page.first_labels) == len(FIRST_HOUR)


def test_a_future_date_cannot_be_chosen(make_page):
    page = make_page()
    page.select("BKP-KIT")
    future = QDate.currentDate().addDays(5)
    page.date_edit.setDate(future)
    assert page.date_edit.date() == QDate.currentDate()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_accessible_names_and_keyboard(qtbot, make_page, lang):
    page = make_page(lang)
    page.show()
    qtbot.waitExposed(page)
    page.select("BKP-RESTORE")
    assert unnamed_actionable(page) == []
    page.tree.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.tree)
    qtbot.keyClick(page.tree, Qt.Key.Key_Down)
    assert page.current != "BKP-RESTORE" or page.tree.currentItem() is not None
    page.select("BKP-RESTORE")
    for _ in range(6):
        if QApplication.focusWidget() is page.attest_button:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.attest_button
    qtbot.keyClick(page.attest_button, Qt.Key.Key_Space)
    assert page.statuses["BKP-RESTORE"].state is progress.State.DONE


def test_french_texts(make_page):
    page = make_page("fr")
    assert page.tree.topLevelItem(0).text(0) == "Organisation"
    assert "éléments" in page.progress_label.text() or "sur" in page.progress_label.text()
    page.select("BKP-RESTORE")
    assert "Attester" in page.attest_button.text()


def test_a_deleted_page_is_not_refreshed_by_a_later_audit(qtbot, make_page):
    page = make_page()
    audit = page.ctx.audit
    page.deleteLater()
    qtbot.waitUntil(lambda: not _alive(page))
    audit.finished.emit(None)  # a page rebuilt after a language switch must not be called


def _alive(widget) -> bool:
    from shiboken6 import isValid

    return isValid(widget)


@pytest.fixture
def wired(monkeypatch):
    """The two pages in the main window, as the PAGES lines given to the lead put them."""
    from gp_guard.gui import main_window
    from gp_guard.gui.pages.report import ReportPage

    pages = list(main_window.PAGES)
    at = [p.key for p in pages].index("settings")
    pages[at:at] = [main_window.PageSpec("checklist", "Checklist", ChecklistPage),
                    main_window.PageSpec("report", "Security report", ReportPage)]
    monkeypatch.setattr(main_window, "PAGES", pages)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_in_the_main_window_names_french_and_buttons(qtbot, wired, make_window, lang):
    from PySide6.QtWidgets import QPushButton

    from tests.gui.conftest import run_audit_and_wait
    from tests.gui.test_i18n_gui import english_leftovers, visible_texts

    window = make_window(lang)
    window.resize(1180, 760)
    window.show()
    qtbot.waitExposed(window)
    run_audit_and_wait(qtbot, window)
    for key in ("checklist", "report"):
        window.navigate(key)
        page = window.pages[key]
        assert unnamed_actionable(page) == [], key
        if lang == "fr":
            assert english_leftovers(visible_texts(page)) == [], key
        cut = [b.text() for b in page.findChildren(QPushButton)
               if b.isVisible() and b.width() < b.sizeHint().width()]
        assert cut == [], key
    assert window.pages["checklist"].statuses["PC-DISK"].source == "audit"


def test_stretched_texts_cut_no_button(qtbot, wired, make_window, monkeypatch):
    from PySide6.QtWidgets import QPushButton

    from gp_guard import i18n
    from tests.unit.test_i18n import marked_strings

    window = make_window("en")
    stretched = {m: m + " " + "x" * (len(m) * 2 // 5) for m in marked_strings() if "{" not in m}
    monkeypatch.setitem(i18n._state, "catalog", stretched)
    window.build(window.current_key())
    window.resize(1180, 760)
    window.show()
    qtbot.waitExposed(window)
    cut = []
    for key in ("checklist", "report"):
        window.navigate(key)
        cut += [(key, b.text()) for b in window.pages[key].findChildren(QPushButton)
                if b.isVisible() and b.width() < b.sizeHint().width()]
    assert cut == []
