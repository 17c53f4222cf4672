"""The report page: identity form, the PDF written through the file-dialog seam, keyboard and names."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gp_guard.gui import tasks
from gp_guard.gui.app import apply_language
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages import report as report_page
from gp_guard.report import identity
from tests.gui.test_accessibility import unnamed_actionable
from tests.helpers import recorded


@pytest.fixture
def chosen(monkeypatch, tmp_path):
    """The file-dialog seam: records the calls, answers with ``target`` (None: cancelled)."""
    state = {"target": tmp_path / "report.pdf", "calls": []}

    def choose(parent, title, suggested, pattern):
        state["calls"].append((title, suggested, pattern))
        return state["target"]

    monkeypatch.setattr(report_page, "choose_file", choose)
    return state


@pytest.fixture
def make_page(qtbot, store):
    controllers: list[AuditController] = []

    def make(lang: str = "en") -> report_page.ReportPage:
        apply_language(lang)
        audit = AuditController(store, recorded("win10_fr_weak"))
        controllers.append(audit)
        page = report_page.ReportPage(PageContext(store, audit, lambda key: None, lambda lang: None, lambda i: None))
        qtbot.addWidget(page)
        return page

    yield make
    assert tasks.wait_all(15.0)
    apply_language("en")


def _generate(qtbot, page, button):
    button.click()
    assert page.task is not None
    qtbot.waitUntil(lambda: page.task.is_finished, timeout=20000)


def test_identity_is_saved_and_reloaded(make_page, store):
    page = make_page()
    page.name_edit.setText("  Cabinet du Dr Martin ")
    page.address_edit.setPlainText("12 rue de la République\n69003 Lyon")
    page.rpps_edit.setText("101 0123 4567")
    page.save_button.click()
    assert page.identity_label.text() == "Saved."
    assert identity.load(store) == identity.PracticeIdentity(
        "Cabinet du Dr Martin", "12 rue de la République\n69003 Lyon", "10101234567", "")
    again = make_page()
    assert again.name_edit.text() == "Cabinet du Dr Martin"
    assert again.rpps_edit.text() == "10101234567"


def test_a_wrong_number_is_refused_with_the_focus_on_it(qtbot, make_page, store):
    page = make_page()
    page.show()
    qtbot.waitExposed(page)
    page.siren_edit.setText("123")
    page.save_button.click()
    assert "9 digits" in page.identity_label.text()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.siren_edit)
    assert identity.load(store).siren == ""


def test_generate_pdf_through_the_file_dialog_seam(qtbot, make_page, chosen, tmp_path):
    page = make_page()
    page.name_edit.setText("Cabinet du Dr Martin")
    _generate(qtbot, page, page.pdf_button)
    target = tmp_path / "report.pdf"
    assert target.read_bytes().startswith(b"%PDF-")
    assert chosen["calls"][0][1].name.endswith(".pdf")
    assert str(target) in page.status_label.text()
    assert page.open_button.isEnabled()
    assert identity.load(page.ctx.store).name == "Cabinet du Dr Martin"  # saved before writing


def test_html_gets_its_extension_and_cancel_writes_nothing(qtbot, make_page, chosen, tmp_path):
    page = make_page()
    chosen["target"] = tmp_path / "for-the-provider"
    _generate(qtbot, page, page.html_button)
    written = tmp_path / "for-the-provider.html"
    assert "<html" in written.read_text(encoding="utf-8")
    chosen["target"] = None
    page.task = None
    page.pdf_button.click()
    assert page.task is None
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".pdf", ".html")) == ["for-the-provider.html"]


def test_a_failure_is_told_in_plain_words(qtbot, make_page, chosen, tmp_path, seams):
    page = make_page()
    chosen["target"] = tmp_path / "missing-folder" / "report.pdf"
    _generate(qtbot, page, page.pdf_button)
    assert "could not be written" in page.status_label.text()
    assert seams.informed and seams.informed[-1][2] is True
    assert page.pdf_button.isEnabled()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_keyboard_and_accessible_names(qtbot, make_page, chosen, lang):
    page = make_page(lang)
    page.show()
    qtbot.waitExposed(page)
    assert unnamed_actionable(page) == []
    page.name_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.name_edit)
    for _ in range(8):
        if QApplication.focusWidget() is page.pdf_button:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is page.pdf_button
    qtbot.keyClick(page.pdf_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.task is not None and page.task.is_finished, timeout=20000)
    assert chosen["target"].exists()
    if lang == "fr":
        assert page.pdf_button.text() == "Générer le rapport PDF"


def test_the_page_says_what_the_report_will_show_and_stays_in_sync(qtbot, make_page):
    page = make_page("fr")
    assert "Aucun audit" in page.contents_label.text()
    with qtbot.waitSignal(page.ctx.audit.finished, timeout=20000):
        page.ctx.audit.start()
    page.show()  # shown again: read again
    qtbot.waitExposed(page)
    text = page.contents_label.text()
    assert f"note {page.ctx.audit.report.score.value}/100" in text and "Liste de contrôle" in text
    assert not __import__("re").search(r"\d{4}-\d{2}-\d{2}", text)
