""""This week": what the guardian did in the last seven days (gp_guard/guardian/summary.py).

Reached from the encryption page and from the tray menu. The figures are worked out off the GUI
thread (the "untouched for N days" folders are walked), then shown as short sentences.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from gp_guard.guardian import summary
from gp_guard.gui import tasks
from gp_guard.gui.widgets import wrapped
from gp_guard.i18n import _, format_date, ngettext
from gp_guard.store import Store


def lines(week: summary.Week) -> list[str]:
    """The summary as sentences, most important first."""
    out = []
    if week.open_breaches:
        out.append(ngettext("{count} data breach is open: see the Data breach page.",
                            "{count} data breaches are open: see the Data breach page.",
                            week.open_breaches).format(count=week.open_breaches))
    if week.audits:
        text = ngettext("Audits of this computer: {count}.", "Audits of this computer: {count}.",
                        week.audits).format(count=week.audits)
        if week.last_score is not None:
            text += " " + _("The last one gave {score}/100 (grade {grade}).").format(score=week.last_score,
                                                                                 grade=week.last_grade)
        out.append(text)
    else:
        out.append(_("No audit this week: run one from the Audit page."))
    if week.worse:
        out.append(ngettext("What got worse: {count} point.", "What got worse: {count} points.",
                            len(week.worse)).format(count=len(week.worse)))
        out += ["• " + text for text in week.worse[:10]]
    elif week.audits > 1:
        out.append(_("Nothing got worse between the audits."))
    out.append(ngettext("Files protected by encryption: {count}.", "Files protected by encryption: {count}.",
                        week.protected).format(count=week.protected))
    if week.waiting:
        out.append(ngettext("{count} recent file stays readable for now, as its folder's rule says; it will be "
                            "protected once untouched long enough.",
                            "{count} recent files stay readable for now, as their folder's rule says; each will be "
                            "protected once untouched long enough.", week.waiting).format(count=week.waiting))
    return out


class WeeklyDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("This week"))
        self.setAccessibleName(_("What gp_guard did this week"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        title = QLabel(_("What gp_guard did this week"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.period = QLabel()
        layout.addWidget(self.period)
        self.text = QLabel(_("Counting…"))
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox()
        close = buttons.addButton(_("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAccessibleName(_("Close"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.week: summary.Week | None = None
        self.task = tasks.run_task(lambda _r: summary.week(store, clock), on_done=self._show,
                                   on_error=self._failed)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        QTimer.singleShot(0, lambda: wrapped.fit(self) if shiboken6.isValid(self) else None)

    def _show(self, week: summary.Week) -> None:
        if not shiboken6.isValid(self.text):
            return
        self.week = week
        self.period.setText(_("From {start} to {end}").format(start=format_date(week.start), end=format_date(week.end)))
        self.text.setText("\n".join(lines(week)))
        if self.isVisible():
            wrapped.fit(self)

    def _failed(self, _exc: BaseException) -> None:
        if shiboken6.isValid(self.text):
            self.text.setText(_("The summary could not be worked out; the details are in the log."))
