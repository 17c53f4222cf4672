"""The audit as the window sees it: one running audit at most, its progress and its last report.

It outlives the pages (they are rebuilt when the language changes) and holds no widget. The work
itself is ``gp_guard.audit.service.run_audit``, run through ``tasks.run_task``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from gp_guard.audit import service
from gp_guard.audit.runner import CancelToken, Progress
from gp_guard.audit.service import AuditReport
from gp_guard.gui import tasks
from gp_guard.host import Host, LocalHost
from gp_guard.i18n import _
from gp_guard.paths import no_network
from gp_guard.store import Store, StoreError

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> str:
    """Plain words for an error met while auditing; the detail goes to the log."""
    if isinstance(exc, StoreError):
        return _("The audit could not be saved: {detail}").format(detail=exc.text())
    if isinstance(exc, OSError):
        return _("The audit could not read this computer ({detail}). Try again; if it happens again, restart gp_guard.").format(detail=exc.strerror or type(exc).__name__)
    return _("The audit stopped because of an internal error ({kind}). Nothing was changed on this computer. Try again; if it happens again, send the log file to your IT provider.").format(kind=type(exc).__name__)


class AuditController(QObject):
    started = Signal()
    progress = Signal(int, int, str)  # done, total, check id
    finished = Signal(object)  # AuditReport (cancelled audits too)
    failed = Signal(str)  # a message in plain words
    answers_changed = Signal()

    def __init__(self, store: Store, host: Host | None = None,
                 host_factory: Callable[[], Host] = LocalHost) -> None:
        super().__init__()
        self.store = store
        self._host = host
        self._host_factory = host_factory
        self.task: tasks.Task | None = None
        self.cancel_token: CancelToken | None = None
        self.report: AuditReport | None = None
        self.cancelled = False

    @property
    def host(self) -> Host:
        if self._host is None:
            self._host = self._host_factory()
        return self._host

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.is_finished

    def start(self) -> bool:
        """Start an audit; False when one is already running."""
        if self.running:
            return False
        token = CancelToken()
        host, store, offline = self.host, self.store, no_network()
        self.cancel_token = token
        self.cancelled = False

        def work(report: Callable[[object], None]) -> AuditReport:
            return service.run_audit(host, store, progress=report, cancel=token, no_network=offline)

        self.task = tasks.run_task(work, on_done=self._done, on_error=self._error,
                                   on_progress=self._progress)
        self.started.emit()
        return True

    def cancel(self) -> None:
        """Ask the running audit to stop; its checks end as 'not checked'. Safe at any time."""
        if self.cancel_token is not None and self.running:
            self.cancelled = True
            self.cancel_token.cancel()

    def wait(self, timeout: float = 10.0) -> bool:
        """Join the worker thread (on exit)."""
        return self.task.wait(timeout) if self.task is not None else True

    def _progress(self, value: object) -> None:
        if isinstance(value, Progress):
            self.progress.emit(value.done, value.total, value.check_id)

    def _done(self, report: object) -> None:
        assert isinstance(report, AuditReport)
        self.report = report
        self.finished.emit(report)

    def _error(self, exc: BaseException) -> None:
        log.error("audit failed: %s", type(exc).__name__)
        self.failed.emit(error_text(exc))
