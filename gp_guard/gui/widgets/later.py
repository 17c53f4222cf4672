"""A page's redraw after an audit, in later turns of the event loop.

When an audit ends, every page that shows its results redraws. Done in one go, on the GUI thread,
that is a stall the doctor sees (tests/gui/test_responsiveness.py: no gap over 50 ms). ``Later``
runs each step in its own turn, one after the other, so the window repaints and answers clicks
in between; the audit page shows its findings first. A second audit ending while steps are still
queued runs them all again. ``pending`` says whether steps are still queued (tests wait
on it, or on ``settled``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal


class Later(QObject):
    settled = Signal()  # every queued step has run

    def __init__(self, owner: QObject, *steps: Callable[[], None]) -> None:
        super().__init__(owner)
        # weak: the page owns this object, which must not keep the page alive once Qt deleted it
        self._steps = tuple(weakref.WeakMethod(step) for step in steps)  # type: ignore[arg-type]
        self.pending = 0

    def start(self, _report: object = None) -> None:
        """Queue the steps (the page calls it from its own slot on ``AuditController.finished``)."""
        self.pending += len(self._steps)
        if self.pending == len(self._steps):  # not already running: start the chain
            self._queue(0)

    def _queue(self, index: int) -> None:
        # a 1 ms timer, not 0: a zero timer is a posted event, and posted events all run in one
        # batch, before the timers and the repaints that should come between two steps
        QTimer.singleShot(1, self, lambda: self._run(index))

    def _run(self, index: int) -> None:
        try:
            step = self._steps[index % len(self._steps)]()
            if step is not None:
                step()
        finally:
            self.pending -= 1
            if self.pending:
                self._queue(index + 1)
            else:
                self.settled.emit()


def pending(widgets: object) -> bool:
    """True while a ``Later`` of one of ``widgets`` (an iterable of pages) still has steps queued
    (a deleted page has none: its timers went with it)."""
    from shiboken6 import isValid

    found = (getattr(w, "later", None) for w in widgets)  # type: ignore[attr-defined]
    return any(later is not None and isValid(later) and later.pending for later in found)
