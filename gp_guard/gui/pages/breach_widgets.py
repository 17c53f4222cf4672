"""The pieces of the breach walkthrough page that are only widgets: a date field and a list the
mouse wheel never changes while the doctor scrolls, the stepper of the wizard, and the dialog that
sets the register's passphrase (typed twice, with what its loss means)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QDateTime, QEvent, QLocale, QObject, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gp_guard.i18n import _, current_language

NOT_KNOWN_TIME = QDateTime(QDate(2000, 1, 1), QTime(0, 0))  # shown as "Not known yet"
LAST_TIME = QDateTime(QDate(2999, 12, 31), QTime(23, 59))  # the core refuses later years (binput.MAX_YEAR)
FIRST_TIME = QDateTime(QDate(1900, 1, 1), QTime(0, 0))
# a date as a reader writes it, month in words ("10 décembre 2026 17:18"), never dd/mm/yyyy nor ISO
DISPLAY_FORMAT = "d MMMM yyyy HH:mm"


def ui_locale() -> QLocale:
    """The locale of the interface's language: month names and the calendar follow it, also after
    a language switch (the system locale may be another)."""
    return QLocale(QLocale.Language.French, QLocale.Country.France) if current_language() == "fr" \
        else QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def wheel_only_when_focused(widget: QWidget, event: QWheelEvent, handle: Callable[[QWheelEvent], None]) -> None:
    """Over a field the doctor has not chosen, the wheel scrolls the page, never the answer."""
    if widget.hasFocus():
        handle(event)
    else:
        event.ignore()  # the scroll area gets it


class DateTimeEdit(QDateTimeEdit):
    """Tab leaves the field (arrows move between day, month, year...): no keyboard trap. The
    mouse wheel scrolls the page unless the field has the focus (and a wheel never gives it the
    focus): scrolling never changes a date. A field 'Not known yet' starts from the moment of
    awareness (or now), never from January 2000."""

    opens_on: Callable[[], QDateTime] | None = None  # where a 'Not known yet' field starts

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # QAbstractSpinBox's default takes focus on a wheel
        self.setCalendarPopup(True)
        self.setDisplayFormat(DISPLAY_FORMAT)
        self.setLocale(ui_locale())

    def setAccessibleName(self, name: str) -> None:  # noqa: N802 - Qt's name
        """The field and the text box inside it carry the same name for a screen reader."""
        super().setAccessibleName(name)
        inner = self.findChild(QLineEdit)
        if inner is not None:
            inner.setAccessibleName(name)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        return QWidget.focusNextPrevChild(self, next)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        wheel_only_when_focused(self, event, super().wheelEvent)

    def open_calendar_on(self, moment: Callable[[], QDateTime]) -> None:
        """While the value is 'Not known yet' (the minimum, year 2000), the calendar opens on
        ``moment``'s month and the arrow keys start from ``moment``; the value itself is left alone
        until the doctor changes it. The calendar is made only when the doctor reaches for it."""
        self.opens_on = moment

    def _unknown(self) -> bool:
        return self.opens_on is not None and self.dateTime() == self.minimumDateTime()

    def _watch_calendar(self) -> None:
        if self.opens_on is not None and self.calendarPopup():
            calendar = self.calendarWidget()
            calendar.setLocale(self.locale())
            calendar.installEventFilter(self)  # once: Qt ignores a second install

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._watch_calendar()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        self._watch_calendar()
        if self._unknown() and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            assert self.opens_on is not None
            self.setDateTime(self.opens_on())  # the first arrow gives the moment of awareness, then adjust
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        calendar = self.calendarWidget()
        if event.type() == QEvent.Type.Show and watched is calendar and self._unknown():
            assert self.opens_on is not None
            day = self.opens_on().date()
            calendar.setCurrentPage(day.year(), day.month())
        return super().eventFilter(watched, event)


class ComboBox(QComboBox):
    """Over a closed, unfocused list the wheel scrolls the page instead of changing (and saving)
    the answer; a wheel never gives it the focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        wheel_only_when_focused(self, event, super().wheelEvent)


class Stepper(QWidget):
    """The wizard's steps as a row of buttons ("1 When", "2 What happened"…) and "Step 2 of 6":
    the current one is checked; a click goes to that step."""

    chosen = Signal(int)

    def __init__(self, titles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.buttons: list[QPushButton] = []
        self.titles = titles
        for index, title in enumerate(titles):
            button = QPushButton(f"{index + 1}  {title}")
            button.setCheckable(True)
            button.setFlat(True)
            button.setAccessibleName(_("Step {number}: {title}").format(number=index + 1, title=title))
            button.clicked.connect(lambda _c, i=index: self.chosen.emit(i))
            self.buttons.append(button)
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        self.where = QLabel()
        self.where.setObjectName("breachStep")
        column.addWidget(self.where)

    def set_current(self, index: int) -> None:
        for number, button in enumerate(self.buttons):
            button.setChecked(number == index)
            font = button.font()
            font.setBold(number == index)
            button.setFont(font)
        self.where.setText(_("Step {number} of {total}: {title}").format(
            number=index + 1, total=len(self.titles), title=self.titles[index]))


class NewPassphraseDialog(QDialog):
    """The register's passphrase, chosen once: typed twice in one dialog, with what its loss means.
    A mismatch or a short passphrase is said in the dialog; nothing is set up until both agree."""

    MIN_LENGTH = 8  # the register's rule (breach.register.load_key)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Breach register"))
        column = QVBoxLayout(self)
        intro = QLabel(_("Choose a passphrase for the breach register (at least 8 characters). It protects what you write about the breach."))
        intro.setWordWrap(True)
        column.addWidget(intro)
        lost = QLabel(_("If this passphrase is lost, nobody can open the register again, not gp_guard nor your IT provider: the breaches recorded in it are lost. Write it on paper and keep it with the vault's recovery kit."))
        lost.setWordWrap(True)
        lost.setObjectName("passphraseLoss")
        column.addWidget(lost)
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName(_("Passphrase of the breach register"))
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName(_("The same passphrase again"))
        for label, field in ((_("Passphrase:"), self.first), (_("Type it again:"), self.second)):
            text = QLabel(label)
            text.setBuddy(field)
            column.addWidget(text)
            column.addWidget(field)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setObjectName("passphraseProblem")
        self.problem.setAccessibleName(_("Problem with the passphrase"))
        column.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        for role, text in ((QDialogButtonBox.StandardButton.Ok, _("Create the register")),
                           (QDialogButtonBox.StandardButton.Cancel, _("Cancel"))):
            button = buttons.button(role)
            button.setText(text)
            button.setAccessibleName(text)
        buttons.accepted.connect(self.check)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)

    def check(self) -> None:
        """Accept only two equal passphrases long enough; else say why and keep the dialog open."""
        if len(self.first.text()) < self.MIN_LENGTH:
            self.problem.setText(_("The passphrase must have at least 8 characters."))
        elif self.first.text() != self.second.text():
            self.problem.setText(_("The two passphrases differ."))
            self.second.clear()
            self.second.setFocus()
        else:
            self.accept()

    def passphrase(self) -> str:
        return self.first.text()
