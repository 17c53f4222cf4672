"""No keyring (passphrase mode): an open breach survives a restart and a language switch, and a
record made by mistake can be deleted, shown as deleted."""

from __future__ import annotations

import pytest

from gp_guard.breach import open_breaches
from gp_guard.gui.app import apply_language
from gp_guard.gui.main_window import MainWindow
from gp_guard.gui.pages import breach as breach_page
from gp_guard.paths import database_path
from gp_guard.store import Store
from tests.helpers import recorded

PASSPHRASE = "cheval agrafe batterie"


@pytest.fixture
def asked(monkeypatch):
    """Every passphrase request of the breach page (True: first use, asks to choose one)."""
    requests: list[bool] = []
    monkeypatch.setattr(breach_page, "ask_passphrase", lambda parent, first: requests.append(first) or PASSPHRASE)
    return requests


@pytest.fixture
def start(qtbot):
    """Start gp_guard as after a reboot: a new connection to the database and a new window."""
    started: list[tuple[MainWindow, Store]] = []

    def make(lang: str = "en") -> MainWindow:
        apply_language(lang)
        store = Store(database_path())
        window = MainWindow(store, recorded("win10_fr_weak"), apply_language=apply_language)
        qtbot.addWidget(window)
        started.append((window, store))
        return window

    yield make
    for window, store in started:
        window.audit.cancel()
        assert window.audit.wait(15.0)
        store.close()
    apply_language("en")


def test_open_breach_is_found_unlocked_and_continued_after_a_restart(no_keyring, asked, start, seams):
    first = start()
    page = first.pages["breach"]
    page._new(False)
    record_id = page.record.id
    page.what.setPlainText("Ordinateur portable volé dans la voiture")
    assert asked == [True]

    again = start("fr")  # the next morning, inside the 72 hours
    page = again.pages["breach"]
    assert page.record is None and asked == [True]  # nothing asked before the doctor acts
    assert "1 violation en cours — ouvrir le registre" in page.countdown.text()
    assert page.unlock_button.isVisibleTo(page) and page.unlock_button.text() == "Ouvrir le registre…"
    clock = again.pages["dashboard"].breach_clock
    assert not clock.isHidden()
    clock.button.click()  # the dashboard's button opens the guide with the register open
    assert asked == [True, False] and again.current_key() == "breach"
    assert page.record is not None and page.record.id == record_id and page.body.isEnabled()
    assert page.what.toPlainText() == "Ordinateur portable volé dans la voiture"
    assert not page.unlock_button.isVisibleTo(page) and "heures" in page.countdown.text()
    page.answers["incident_type"].setCurrentIndex(page.answers["incident_type"].findData("stolen_device"))
    assert [b.id for b in open_breaches(again.store)] == [record_id]  # no phantom record on the way

    third = start()
    third.pages["breach"].unlock()
    assert third.pages["breach"].record.facts["incident_type"] == "stolen_device"


def test_new_breach_while_locked_shows_the_open_one_first(no_keyring, asked, start, seams):
    start().pages["breach"]._new(False)
    page = start().pages["breach"]
    seams.answer = False  # "Show the open breach"
    page.new_button.click()
    assert page.record is not None and len(open_breaches(page.ctx.store)) == 1
    assert seams.asked[-1][0] == "Record a new breach"
    seams.answer = True  # "Record another breach": a second, different breach
    page.new_button.click()
    assert len(open_breaches(page.ctx.store)) == 2


def test_a_mistaken_record_is_deleted_and_shown_as_deleted(no_keyring, asked, start, seams):
    window = start()
    page = window.pages["breach"]
    page._new(False)
    real = page.record.id
    page._new(False)  # the phantom
    phantom = page.record
    seams.answer = False
    page.delete_button.click()
    assert page.record.status == "open"  # "Keep it"
    seams.answer = True
    page.delete_button.click()
    assert page.record.status == "deleted" and page.record.deleted_by and page.record.deleted_at
    assert "This record was deleted on" in page.countdown.text() and page.record.deleted_by in page.countdown.text()
    assert not page.body.isEnabled()
    assert page.picker.currentText().endswith("· deleted")
    assert [b.id for b in open_breaches(window.store)] == [real]
    window.pages["dashboard"].breach_clock.refresh()
    assert window.pages["dashboard"].breach_clock.label.text().count("Breach ") == 1
    # after a restart, the deleted record is still in the history, marked deleted
    again = start()
    again.pages["breach"].unlock()
    texts = [again.pages["breach"].picker.itemText(i) for i in range(again.pages["breach"].picker.count())]
    assert any(phantom.ref in t and t.endswith("· deleted") for t in texts)
    assert "1 breach in progress" not in again.pages["breach"].countdown.text()


def test_language_switch_keeps_the_register_and_the_vault_key_open(qtbot, no_keyring, asked, start, seams):
    window = start()
    page = window.pages["breach"]
    page._new(False)
    record_id = page.record.id
    key = object()  # stands for the vault identity opened with the passphrase
    window.pages["encryption"].session_key = key
    with qtbot.waitSignal(window.language_changed, timeout=10000):
        window.set_language("fr")
    page = window.pages["breach"]
    assert page.register is not None and page.record is not None and page.record.id == record_id
    assert asked == [True]  # not asked again
    assert page.body.isEnabled() and "heures" in page.countdown.text()
    encryption = window.pages["encryption"]
    assert encryption.session_key is key and encryption.session_timer.isActive()
    assert encryption.forget_key_button.isVisibleTo(encryption)


def test_notification_is_recorded_only_with_its_receipt_number(no_keyring, asked, start, seams):
    page = start("fr").pages["breach"]
    page._new(False)
    page.done_buttons["cnil"].click()
    assert seams.informed[-1][2] is True and "accusé de réception" in seams.informed[-1][1]
    assert page.record.cnil.notified_at == "" and page.record.cnil_state() != "notified"
    page.receipt.setText("CNIL-2026-0042")
    page.receipt.textEdited.emit("CNIL-2026-0042")
    page.done_buttons["cnil"].click()
    assert page.record.cnil_state() == "notified" and page.record.notify.decided is True
    assert "Notification à la CNIL enregistrée" in page.record.events[-1].text


def test_dossier_and_letter_are_private_and_say_where(no_keyring, asked, start, seams, tmp_path, monkeypatch):
    page = start("fr").pages["breach"]
    page._new(False)
    page.letter.setPlainText("Madame, Monsieur, texte de la lettre.")
    targets = {"pdf": tmp_path / "dossier.pdf", "txt": tmp_path / "lettre.txt"}
    monkeypatch.setattr(breach_page, "save_path", lambda parent, suggested, kind="pdf": str(targets[kind]))
    page.pdf_button.click()
    assert seams.informed[-1] == ("Enregistrer le dossier PDF…", f"Fichier écrit (lisible par vous seul) : {targets['pdf']}", False)
    next(b for b in page.findChildren(type(page.pdf_button)) if b.text() == "Enregistrer la lettre…").click()
    assert targets["txt"].read_text(encoding="utf-8") == "Madame, Monsieur, texte de la lettre."
    assert f"Fichier écrit (lisible par vous seul) : {targets['txt']}" == seams.informed[-1][1]
    for path in targets.values():
        assert path.stat().st_mode & 0o777 == 0o600


def test_dates_the_register_cannot_hold_cannot_be_typed(no_keyring, asked, start, seams):
    page = start().pages["breach"]
    page._new(False)
    assert page.aware.maximumDateTime().date().year() == 2999 and page.aware.minimumDateTime().date().year() == 1900
    assert all(edit.maximumDateTime().date().year() == 2999 for edit in page.optional_times.values())
    page.aware.setDateTime(page.aware.maximumDateTime())  # the last minute allowed is still saved
    assert page.record.timeline.aware_at.startswith("2999-12-31") and not seams.informed


def test_patient_count_takes_plain_digits_only(no_keyring, asked, start, seams):
    page = start().pages["breach"]
    page._new(False)
    page.count.textEdited.emit("8²5" + "9" * 5000)  # pasted junk: no exception, a bounded number
    assert page.count.text().isascii() and len(page.count.text()) <= 12
    assert page.record.facts.get("subjects_count") is None and seams.informed[-1][2] is True  # over the limit: said
    page.count.setText("850")
    page.count.textEdited.emit("850")
    assert page.record.facts["subjects_count"] == 850


def test_a_new_register_passphrase_is_typed_twice(qtbot, no_keyring, start, seams, monkeypatch):
    from PySide6.QtWidgets import QDialog, QDialogButtonBox

    from gp_guard.breach.register import exists
    from gp_guard.gui.pages.breach_widgets import NewPassphraseDialog

    shown: list[NewPassphraseDialog] = []
    typed = [("cheval agrafe batterie", "cheval agrafe baterie")]  # a typo the second time, then gives up

    def run(dialog: NewPassphraseDialog) -> int:  # the doctor types in the dialog and presses OK
        shown.append(dialog)
        for first, second in typed:
            dialog.first.setText(first)
            dialog.second.setText(second)
            dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
            if dialog.result() == QDialog.DialogCode.Accepted:
                return dialog.result()
        assert dialog.problem.text() == "The two passphrases differ." and dialog.second.text() == ""
        return QDialog.DialogCode.Rejected  # "Cancel"

    monkeypatch.setattr(NewPassphraseDialog, "exec", run)
    page = start().pages["breach"]
    page._new(False)
    assert page.register is None and page.record is None
    assert seams.informed[-1] == ("Breach register", "The breach register stays closed: no passphrase was given.", True)
    assert not exists(page.ctx.store)  # nothing was set up with the mistyped passphrase
    loss = shown[0].findChild(type(shown[0].problem), "passphraseLoss").text()
    assert "If this passphrase is lost, nobody can open the register again" in loss
    typed[:] = [("court", "court"), ("cheval agrafe batterie", "cheval agrafe batterie")]  # too short, then right
    page._new(False)
    assert shown[-1].problem.text() == "The passphrase must have at least 8 characters."
    assert page.register is not None and page.record is not None and exists(page.ctx.store)


def test_the_mouse_wheel_scrolls_the_form_without_changing_answers(qtbot, no_keyring, asked, start, seams):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window = start()
    window.navigate("breach")
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    page = window.pages["breach"]
    page._new(False)
    combo, date = page.discovered_by, page.optional_times["discovered_at"]
    page.now_button.setFocus()
    qtbot.waitUntil(page.now_button.hasFocus)

    def wheel(widget) -> None:
        centre = QPointF(widget.rect().center())
        event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(widget, event)

    wheel(combo)
    wheel(date)
    assert combo.currentIndex() == 0 and page.record.timeline.discovered_by == ""
    assert date.dateTime() == breach_page.NOT_KNOWN_TIME and page.record.timeline.discovered_at == ""
    combo.setFocus()  # once the doctor has chosen the list, the wheel changes it as usual
    qtbot.waitUntil(combo.hasFocus)
    wheel(combo)
    assert combo.currentIndex() == 1 and page.record.timeline.discovered_by == "controller"


def test_unknown_dates_open_their_calendar_on_the_awareness_month(qtbot, no_keyring, asked, start, seams):
    from PySide6.QtCore import QDate, QDateTime, Qt, QTime
    from PySide6.QtTest import QTest

    window = start()
    window.navigate("breach")
    window.show()
    qtbot.waitExposed(window)
    page = window.pages["breach"]
    page._new(False)
    page.aware.setDateTime(QDateTime(QDate(2026, 3, 2), QTime(9, 0)))
    edit = page.optional_times["occurred_from"]
    QTest.mousePress(edit, Qt.MouseButton.LeftButton, pos=edit.rect().center())  # the doctor reaches for it
    QTest.mouseRelease(edit, Qt.MouseButton.LeftButton, pos=edit.rect().center())
    calendar = edit.calendarWidget()
    popup = calendar.window()  # the popup that the field's arrow opens
    assert popup is not window
    popup.show()
    qtbot.waitUntil(calendar.isVisible)
    assert (calendar.yearShown(), calendar.monthShown()) == (2026, 3)
    assert edit.dateTime() == breach_page.NOT_KNOWN_TIME and page.record.timeline.occurred_from == ""
