"""The 72-hour clock of open data breaches, shown on the dashboard (hidden when there is none)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QWidget

from gp_guard.i18n import _
from gp_guard.store import Store

REFRESH_MS = 30_000


def deadline_text(due: dt.datetime, now: dt.datetime | None = None) -> str:
    """What is left of the 72 hours (the walkthrough's words, the deadline written in words)."""
    from gp_guard.breach.walkthrough import deadline_text as words

    return words(due, now)


def clock_text(ref: str, due: dt.datetime, now: dt.datetime | None = None) -> str:
    return _("Breach {ref}: {countdown}").format(ref=ref, countdown=deadline_text(due, now))


class BreachClock(QGroupBox):
    def __init__(self, store: Store, open_walkthrough: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(_("Data breach: the 72-hour clock"), parent)
        self.store = store
        row = QHBoxLayout(self)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.button = QPushButton(_("Open the breach walkthrough"))
        self.button.setAccessibleName(_("Open the breach walkthrough"))
        self.button.clicked.connect(open_walkthrough)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self, now: dt.datetime | None = None) -> None:
        from gp_guard.breach import open_breaches

        try:
            breaches = open_breaches(self.store)
        except Exception:  # noqa: BLE001 - the dashboard must open even if the register cannot be read
            breaches = []
        self.setVisible(bool(breaches))
        self.label.setText("\n".join(clock_text(b.ref, b.deadline, now) for b in breaches))
        self.label.setAccessibleName(self.label.text())
