"""The breach walkthrough: keyboard only, every answer saved at once, decisions, texts, PDF dossier."""

from __future__ import annotations

import datetime as dt
import subprocess

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from gp_guard.breach.register import Register
from gp_guard.gui.app import apply_language
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages import breach as breach_page
from gp_guard.gui.pages.breach import BreachPage, countdown_text
from gp_guard.paths import database_path
from gp_guard.store import Store
from tests.conftest import require_tool
from tests.gui.test_accessibility import unnamed_actionable
from tests.helpers import recorded


@pytest.fixture
def make_page(qtbot, store):
    controllers: list[AuditController] = []

    def make(lang: str = "en", on_store: Store | None = None) -> BreachPage:
        apply_language(lang)
        the_store = on_store or store
        audit = AuditController(the_store, recorded("win10_fr_weak"))
        controllers.append(audit)
        page = BreachPage(PageContext(the_store, audit, lambda key: None, lambda lang: None, lambda check: None))
        qtbot.addWidget(page)
        return page

    yield make
    for audit in controllers:
        audit.cancel()
        assert audit.wait(15.0)
    apply_language("en")


def focus_by_tab(qtbot, page: BreachPage, target: QWidget, limit: int = 150) -> None:
    """Press Tab until ``target`` has the focus: proves the keyboard reaches it."""
    for _press in range(limit):
        if QApplication.focusWidget() is target:
            return
        QTest.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.accessibleName()!r}")


def choose(qtbot, page, combo, value) -> None:
    focus_by_tab(qtbot, page, combo)
    for _press in range(combo.count()):
        if combo.currentData() == value:
            return
        QTest.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == value


def step_to(qtbot, page: BreachPage, step: int) -> None:
    """The wizard's Next (or Previous) button, reached and pressed with the keyboard alone."""
    while page.body.currentIndex() != step:
        button = page.next_button if page.body.currentIndex() < step else page.back_button
        focus_by_tab(qtbot, page, button)
        QTest.keyClick(button, Qt.Key.Key_Space)


def shown(qtbot, page: BreachPage) -> BreachPage:
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    page.new_button.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.new_button)
    return page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_actionable_widget_is_named(make_page, memory_keyring, lang):
    page = make_page(lang)
    page._new(False)
    assert unnamed_actionable(page) == []


def test_walkthrough_with_the_keyboard_alone(qtbot, make_page, memory_keyring, seams, tmp_path, monkeypatch):
    page = shown(qtbot, make_page())
    QTest.keyClick(page.new_button, Qt.Key.Key_Space)
    assert page.record is not None and page.record.timeline.aware_at  # the clock starts at once
    assert page.body.currentIndex() == 0 and page.stepper.where.text() == "Step 1 of 6: When"
    step_to(qtbot, page, 1)
    choose(qtbot, page, page.answers["incident_type"], "stolen_device")
    focus_by_tab(qtbot, page, page.what)
    QTest.keyClicks(page.what, "Ordinateur portable vole dans la voiture")
    choose(qtbot, page, page.answers["malicious"], True)
    choose(qtbot, page, page.answers["confidentiality"], "unknown_if_accessed")
    choose(qtbot, page, page.answers["data_unintelligible"], False)
    focus_by_tab(qtbot, page, page.categories["health"])
    QTest.keyClick(page.categories["health"], Qt.Key.Key_Space)
    focus_by_tab(qtbot, page, page.count)
    QTest.keyClicks(page.count, "850")
    step_to(qtbot, page, 2)
    assert "Notify the CNIL: yes" in page.proposal.text() and page.proposal.isVisible()
    assert page.verdict.text().startswith("Notify the CNIL before ")
    step_to(qtbot, page, 3)
    assert page.proposed_short.text() == "gp_guard proposes: notify the CNIL: yes; inform the patients: yes. You decide."
    choose(qtbot, page, page.notify_choice, True)
    choose(qtbot, page, page.inform_choice, False)
    # "No" without reasoning is refused
    focus_by_tab(qtbot, page, page.confirm_button)
    QTest.keyClick(page.confirm_button, Qt.Key.Key_Space)
    assert seams.informed[-1][2] is True and "Write why the patients are not informed." in seams.informed[-1][1]
    # the app drafts the reasoning; the doctor completes it
    focus_by_tab(qtbot, page, page.inform_draft)
    QTest.keyClick(page.inform_draft, Qt.Key.Key_Space)
    assert "Le risque est élevé" in page.inform_reason.toPlainText()
    assert "[Complétez ou corrigez avec vos propres mots.]" in page.inform_reason.toPlainText()  # the record's language
    # the draft's instruction in brackets is still there: confirming is refused until it is replaced
    focus_by_tab(qtbot, page, page.confirm_button)
    QTest.keyClick(page.confirm_button, Qt.Key.Key_Space)
    assert seams.informed[-1][2] is True and "square brackets" in seams.informed[-1][1]
    focus_by_tab(qtbot, page, page.inform_reason)
    QTest.keyClick(page.inform_reason, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(page.inform_reason, "Le risque est eleve. Patients informes apres l enquete de police.")
    focus_by_tab(qtbot, page, page.confirm_button)
    QTest.keyClick(page.confirm_button, Qt.Key.Key_Space)
    assert seams.informed[-1][2] is False
    assert page.record.notify.confirmed_at and page.record.cnil.texts_sent
    assert "Ordinateur portable vole" in page.cnil_text.toPlainText()
    # the PDF dossier
    target = tmp_path / "dossier.pdf"
    monkeypatch.setattr(breach_page, "save_path", lambda parent, suggested: str(target))
    focus_by_tab(qtbot, page, page.pdf_button)
    QTest.keyClick(page.pdf_button, Qt.Key.Key_Space)
    assert target.exists()
    tool = require_tool("pdftotext", "to read back the dossier")
    text = " ".join(subprocess.run([tool, str(target), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Patients informes apres l enquete de police." in text and "Décisions du médecin" in text


def test_each_answer_is_saved_at_once_and_survives_a_restart(qtbot, make_page, memory_keyring):
    page = make_page()
    page._new(False)
    page.answers["incident_type"].setCurrentIndex(page.answers["incident_type"].findData("ransomware"))
    page.what.setPlainText("Écran de rançon au cabinet")
    page.categories["health"].setChecked(True)
    started = QDateTime(QDate(2026, 3, 1), QTime(22, 30))
    page.optional_times["occurred_from"].setDateTime(started)
    page.discovered_by.setCurrentIndex(page.discovered_by.findData("data_subject"))
    # an app killed now: another connection reads what was committed, without any "save" or close
    other = Store(database_path())
    record = Register.open(other).get(page.record.id)
    other.close()
    assert record.facts["incident_type"] == "ransomware"
    assert record.facts["data_categories"] == ["health"]
    assert record.nature.what_happened == "Écran de rançon au cabinet"
    assert dt.datetime.fromisoformat(record.timeline.occurred_from).astimezone().replace(tzinfo=None) == dt.datetime(2026, 3, 1, 22, 30)
    assert record.timeline.discovered_by == "data_subject" and record.timeline.discovered_at == ""
    # a restart: a new store and a new page show the same answers
    again = Store(database_path())
    restarted = make_page(on_store=again)
    assert restarted.record is not None and restarted.record.id == page.record.id
    assert restarted.answers["incident_type"].currentData() == "ransomware"
    assert restarted.categories["health"].isChecked()
    assert restarted.what.toPlainText() == "Écran de rançon au cabinet"
    assert restarted.optional_times["occurred_from"].dateTime() == started
    assert restarted.optional_times["discovered_at"].text() == "Not known yet"
    restarted.optional_times["occurred_from"].setDateTime(breach_page.NOT_KNOWN_TIME)
    assert restarted.record.timeline.occurred_from == ""
    again.close()


def test_exercise_is_kept_apart(make_page, memory_keyring, store):
    page = make_page()
    page._new(True)
    register = Register.open(store)
    assert register.list() == [] and len(register.list(exercise=True)) == 1
    assert "Exercise" in page.picker.currentText()
    assert page.countdown.text().startswith("EXERCISE: a fictitious breach, outside the register.")  # never mistaken for a real one


def test_passphrase_when_no_keyring(make_page, monkeypatch, store):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        asked = []
        monkeypatch.setattr(breach_page, "ask_passphrase", lambda parent, first: asked.append(first) or "une phrase assez longue")
        page = make_page()
        assert page.record is None and asked == []  # nothing asked before the doctor acts
        page._new(False)
        assert asked == [True] and page.record is not None
        page.what.setPlainText("texte")
        restarted = make_page()  # on start, no keyring: the page waits for the doctor
        assert restarted.record is None
        restarted._open(page.record.id)
        assert asked == [True, False] and restarted.what.toPlainText() == "texte"
    finally:
        keyring.set_keyring(previous)


def test_french_texts(make_page, memory_keyring):
    page = make_page("fr")
    page._new(False)
    page.answers["incident_type"].setCurrentIndex(page.answers["incident_type"].findData("misdirected_mail"))
    assert "Notifier la CNIL" in page.proposal.text()
    assert "Madame, Monsieur" in page.letter.toPlainText()
    assert "Portez plainte" not in page.steps.text().split("<br><br>")[0]  # a mis-sent letter: the vendor first
    assert "heures" in page.countdown.text()


def test_countdown_text():
    from gp_guard.breach.model import BreachRecord

    record = BreachRecord()
    assert "Enter when you became aware" in countdown_text(record)
    record.set_answer("aware_at", "2026-03-02T09:00:00+00:00")
    assert countdown_text(record, dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)).startswith("23 h 30 min left")
    assert "ended" in countdown_text(record, dt.datetime(2026, 3, 6, tzinfo=dt.UTC))


def test_marking_what_was_sent(make_page, memory_keyring, store):
    page = make_page("fr")
    page._new(False)
    page.letter.setPlainText("Madame, Monsieur, texte envoyé.")
    page.kind.setCurrentIndex(page.kind.findData("complementary"))
    page.receipt.setText("CNIL-123")
    page.receipt.textEdited.emit("CNIL-123")
    page.done_buttons["cnil"].click()
    page.done_buttons["patients"].click()
    filed = QDateTime(QDate(2026, 3, 2), QTime(11, 30))  # the complaint was filed earlier: its real time
    page.done_when.setDateTime(filed)
    page.done_buttons["police"].click()
    assert page.done_when.text() == "Maintenant"  # back to 'now' for the next step
    record = Register.open(store).get(page.record.id)
    assert dt.datetime.fromisoformat(record.other.police_complaint_at).astimezone().replace(tzinfo=None) == dt.datetime(2026, 3, 2, 11, 30)
    assert record.cnil.notified_at and record.cnil.kind == "complementary" and record.cnil.receipt_number == "CNIL-123"
    assert record.patients.informed_at and record.patients.letter_text == "Madame, Monsieur, texte envoyé."
    assert "CNIL notifiée" in page.done_list.text() and "Patients informés" in page.done_list.text()
    assert "Notification complémentaire" in page.cnil_text.toPlainText()


def test_closing_needs_confirmed_decisions(make_page, memory_keyring, store, seams):
    from gp_guard.breach import open_breaches

    page = make_page()
    page._new(False)
    assert [b.id for b in open_breaches(store)] == [page.record.id]  # the dashboard countdown sees it
    page.close_button.click()
    assert seams.informed[-1][2] is True and page.record.status == "open"
    page.notify_choice.setCurrentIndex(page.notify_choice.findData(False))
    page.inform_choice.setCurrentIndex(page.inform_choice.findData(False))
    page.notify_reason.setPlainText("Ordinateur chiffré, clé en sécurité.")
    page.inform_reason.setPlainText("Ordinateur chiffré, clé en sécurité.")
    page.confirm_button.click()
    page.close_button.click()
    assert seams.asked and page.record.status == "closed"
    assert open_breaches(store) == []
    assert Register.open(store).get(page.record.id).notify.reasoning == "Ordinateur chiffré, clé en sécurité."


def test_copy_one_section_of_the_cnil_form(make_page, memory_keyring):
    page = make_page()
    page._new(False)
    page.siren.setText("123456789")
    page.siren.textEdited.emit("123456789")
    page.section_choice.setCurrentIndex(page.section_choice.findText("Organisme"))
    page.copy_section.click()
    copied = QApplication.clipboard().text()
    assert copied.startswith("Nom :") and "SIREN : 123456789" in copied and "Type de notification" not in copied
    assert page.copied.text() == "Copied: paste it where it goes (Ctrl+V)."  # the doctor sees that it worked
