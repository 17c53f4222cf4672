"""The one way to run core work off the GUI thread.

``run_task(fn, on_done=..., on_error=..., on_progress=...)`` calls ``fn(report)`` on a worker of a
``QThreadPool``; ``report(value)`` may be called from the worker (it is the core's progress
callback). Results, errors and progress values cross back to the GUI thread as queued signals, so
every callback runs on the GUI thread and may touch widgets. A worker never touches a widget.

Why a relay object: a Python function connected to a signal emitted from a worker thread would run
in that worker. The relay lives on the GUI thread and its slots are methods of a QObject, so Qt
queues the calls to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_running: set[Task] = set()  # keeps each Task alive until its results reached the GUI thread


class _Relay(QObject):
    """Emitted from the worker; connected to the Task's slots on the GUI thread (queued)."""

    progress = Signal(object)
    result = Signal(object)
    error = Signal(object)


class Task(QObject):
    """A handle on one piece of running work. Signals are always emitted on the GUI thread."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)  # the exception
    finished = Signal()  # after done or failed

    def __init__(self, fn: Callable[[Callable[[Any], None]], Any]) -> None:
        super().__init__()
        self._fn = fn
        self._joined = threading.Event()
        self.is_finished = False
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress)
        self._relay.result.connect(self._on_result)
        self._relay.error.connect(self._on_error)

    # -- worker side (never touches a widget) ---------------------------------------------------
    def _work(self) -> None:
        try:
            result = self._fn(self._relay.progress.emit)
        except BaseException as exc:  # noqa: BLE001 - every error is handed to the GUI thread
            log.exception("background task failed")
            self._relay.error.emit(exc)
        else:
            self._relay.result.emit(result)
        finally:
            self._joined.set()

    # -- GUI side ----------------------------------------------------------------------------
    @Slot(object)
    def _on_progress(self, value: object) -> None:
        if not self.is_finished:
            self.progress.emit(value)

    @Slot(object)
    def _on_result(self, value: object) -> None:
        self._finish(self.done, value)

    @Slot(object)
    def _on_error(self, exc: object) -> None:
        self._finish(self.failed, exc)

    def _finish(self, signal: Any, value: object) -> None:
        self.is_finished = True
        try:
            signal.emit(value)
        finally:
            self.finished.emit()
            _running.discard(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Join the worker (not its queued signals); True when it has returned."""
        return self._joined.wait(timeout)


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self._task._work()


def pool() -> QThreadPool:
    return QThreadPool.globalInstance()


def run_task(
    fn: Callable[[Callable[[Any], None]], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[Any], None] | None = None,
) -> Task:
    """Start ``fn(report)`` on a worker thread; callbacks run on the GUI thread."""
    task = Task(fn)
    if on_progress is not None:
        task.progress.connect(on_progress)
    if on_done is not None:
        task.done.connect(on_done)
    if on_error is not None:
        task.failed.connect(on_error)
    _running.add(task)
    pool().start(_Runnable(task))
    return task


def running() -> list[Task]:
    return list(_running)


def wait_all(timeout: float = 10.0) -> bool:
    """Join every worker (used on exit and by tests)."""
    return pool().waitForDone(int(timeout * 1000))
