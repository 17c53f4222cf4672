"""The breach walkthrough as a wizard (issue 13, item 7): steps, verdict, boxes that apply, dates, wheel."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from PySide6.QtCore import QDateTime, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QWidget,
)

from gp_guard.breach import walkthrough
from gp_guard.gui.pages import breach as breach_page
from gp_guard.gui.pages.breach import BreachPage
from tests.gui.test_breach_page import make_page as make_page_hidden  # noqa: F401 - the fixture


@pytest.fixture
def make_page(qtbot, make_page_hidden):  # noqa: F811 - the imported fixture, asked by name
    """The page of test_breach_page, shown: what is visible is what a step shows."""

    def make(lang: str = "en") -> BreachPage:
        page = make_page_hidden(lang)
        page.resize(1000, 700)
        page.show()
        qtbot.waitExposed(page)
        return page

    return make


def aware(page: BreachPage, when: dt.datetime) -> None:
    page.aware.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp())))


def test_one_step_per_screen_with_previous_and_next(make_page, memory_keyring):
    page = make_page("fr")
    assert page.stepper.isHidden() and page.next_button.isHidden()  # nothing to walk through yet
    page._new(False)
    assert page.body.count() == 6 and page.body.currentIndex() == 0
    assert page.stepper.where.text() == "Étape 1 sur 6 : Quand"
    assert not page.back_button.isEnabled() and page.next_button.text() == "Suivant"
    assert page.aware.isVisible() and not page.answers["incident_type"].isVisible()
    page.next_button.click()
    assert page.body.currentIndex() == 1 and page.answers["incident_type"].isVisible() and not page.aware.isVisible()
    assert page.stepper.buttons[1].isChecked() and not page.stepper.buttons[0].isChecked()
    page.stepper.buttons[5].click()  # the stepper jumps to a step
    assert page.body.currentIndex() == 5 and not page.next_button.isEnabled() and page.done_buttons["cnil"].isVisible()
    page.back_button.click()
    assert page.body.currentIndex() == 4 and page.back_button.text() == "Précédent"


def test_the_verdict_in_large_type_with_a_french_date(make_page, memory_keyring):
    page = make_page("fr")
    page._new(False)
    start = (dt.datetime.now() - dt.timedelta(hours=1)).replace(second=0, microsecond=0).astimezone()
    aware(page, start)
    due = start + dt.timedelta(hours=72)
    assert page.verdict.text() == "Notifiez la CNIL avant le " + walkthrough.day_and_time(due, "fr") + "."
    assert re.fullmatch(r"Notifiez la CNIL avant le \w+ \d{1,2}(er)? \w+ \d{4} à \d{1,2} h \d{2}\.", page.verdict.text())
    assert page.verdict.font().pointSizeF() >= 1.5 * page.font().pointSizeF() and page.verdict.font().bold()
    page.notify_choice.setCurrentIndex(page.notify_choice.findData(False))
    assert page.verdict.text() == "Vous avez décidé de ne pas notifier la CNIL : votre justification reste dans le registre."


def test_boxes_that_do_not_apply_are_hidden(make_page, memory_keyring):
    page = make_page()
    page._new(False)
    page.go_to(1)
    trusted = page.answers["recipients_trusted"]
    assert not trusted.isVisible()  # only asked when the recipients are known
    page.answers["confidentiality"].setCurrentIndex(page.answers["confidentiality"].findData("known_recipients"))
    assert trusted.isVisible()
    page.go_to(3)
    for combo, reason, draft in ((page.notify_choice, page.notify_reason, page.notify_draft),
                                 (page.inform_choice, page.inform_reason, page.inform_draft)):
        assert not reason.isVisible() and not draft.isVisible()  # not decided: no reasoning asked
        combo.setCurrentIndex(combo.findData(True))
        assert not reason.isVisible()  # "yes": no reasoning required, the box stays out of the way
        combo.setCurrentIndex(combo.findData(False))
        assert reason.isVisible() and draft.isVisible()  # "no": the reasoning is required
    assert not page.lateness.isVisible()  # the 72 hours are not over
    page.notify_choice.setCurrentIndex(page.notify_choice.findData(True))
    page.go_to(0)
    aware(page, dt.datetime.now().astimezone() - dt.timedelta(hours=80))
    page.go_to(3)
    assert page.lateness.isVisible()


def test_unknown_dates_start_at_the_awareness_moment(make_page, memory_keyring):
    page = make_page("fr")
    page._new(False)
    moment = dt.datetime(2026, 12, 7, 12, 0).astimezone()
    aware(page, moment)
    edit = page.optional_times["discovered_at"]
    assert edit.text() == "Pas encore connu"
    edit.setFocus()
    QTest.keyClick(edit, Qt.Key.Key_Up)  # the doctor starts adjusting the date
    assert edit.dateTime() == page.aware.dateTime()  # from the awareness moment, not January 2000
    assert dt.datetime.fromisoformat(page.record.timeline.discovered_at) == moment
    assert edit.text() == "7 décembre 2026 12:00" and page.aware.locale().language() == page.aware.locale().Language.French


def wheel(widget: QWidget) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_never_changes_an_answer_while_scrolling(qtbot, make_page, memory_keyring):
    page = make_page()
    page._new(False)
    page.activateWindow()
    page.go_to(1)
    page.next_button.setFocus()
    qtbot.waitUntil(page.next_button.hasFocus)
    fields = [w for w in page.findChildren(QWidget) if isinstance(w, QComboBox | QAbstractSpinBox)]
    assert len(fields) > 15
    # a wheel never gives these fields the focus (Qt's default for spin boxes and date fields does)
    assert [w.accessibleName() for w in fields if w.focusPolicy() != Qt.FocusPolicy.StrongFocus] == []
    answers = [page.answers[name] for name in ("incident_type", "malicious", "confidentiality", "identifiable")]
    for combo in answers:
        wheel(combo)
    assert [c.currentIndex() for c in answers] == [0, 0, 0, 0] and page.record.facts == {}
    page.go_to(0)
    before = page.aware.dateTime()
    wheel(page.aware)
    assert page.aware.dateTime() == before


def visible_texts(root: QWidget) -> list[str]:
    """Every text the doctor can see on the page: labels, buttons, fields, list items, table cells."""
    out = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root):
            continue
        if isinstance(widget, QLabel | QPushButton):
            out.append(widget.text())
        elif isinstance(widget, QDateTimeEdit | QLineEdit):
            out.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):  # the CNIL text and the letter, as they will be sent
            out.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            out += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QTableWidget):
            out += [widget.item(r, c).text() for r in range(widget.rowCount()) for c in range(widget.columnCount())
                    if widget.item(r, c) is not None]
    return out


NUMERIC_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_dates_on_the_breach_page_are_written_in_words(make_page, memory_keyring, seams, lang):
    page = make_page(lang)
    page._new(False)
    aware(page, dt.datetime(2026, 12, 7, 17, 18).astimezone())
    page.optional_times["occurred_from"].setDateTime(page.aware.dateTime().addSecs(-4 * 3600))
    page.receipt.setText("CNIL-2026-0042")
    page.receipt.textEdited.emit("CNIL-2026-0042")
    for key in ("cnil", "police", "patients"):
        page.done_buttons[key].click()
    seen = []
    for step in range(page.body.count()):
        page.go_to(step)
        seen += visible_texts(page)
    shown = "\n".join(seen)
    assert ("7 décembre 2026" if lang == "fr" else "7 December 2026") in shown  # dates are there, in words
    assert ("✓ CNIL notifiée — " if lang == "fr" else "✓ CNIL notified — ") in shown
    assert "Date à laquelle j'en ai eu connaissance : 7 décembre 2026 à 17 h 18" in shown  # the CNIL text
    assert NUMERIC_DATE.findall(shown) == []
    page._delete()  # the deleted record's line, too
    assert NUMERIC_DATE.findall(page.countdown.text()) == [] and page.record.status == "deleted"


def test_a_pasted_count_or_setting_with_unicode_digits_is_not_a_number(make_page, memory_keyring, store, seams):
    page = make_page()
    page._new(False)
    page.count.textEdited.emit("٨٥٠")  # Arabic-Indic digits: str.isdigit() says yes, int() would accept them
    assert page.count.text() == "" and "subjects_count" not in page.record.facts
    page.count.textEdited.emit("8²5")
    assert page.count.text() == "85" and page.record.facts["subjects_count"] == 85
    store.set_setting(breach_page.CURRENT, "١")  # a remembered breach number in Arabic-Indic digits
    again = make_page()
    assert again.record is None  # ignored, no exception


def test_before_any_breach_the_awareness_date_shows_today_not_the_year_2000(make_page):
    """The page with no breach open shows its (disabled) fields: the date reads as today."""
    page = make_page("fr")
    shown = page.aware.dateTime().toPython()
    assert abs((shown - dt.datetime.now()).total_seconds()) < 3600, shown
    assert "2000" not in page.aware.text()
