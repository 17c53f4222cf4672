"""The tray icon and the background work of the window (thin: the decisions are in gp_guard.guardian).

- Where the system has a tray (``QSystemTrayIcon.isSystemTrayAvailable()``), closing the window
  keeps gp_guard running there, with a state icon (green, orange, red) and a menu: open, audit now,
  protected folders, breach clock, this week's summary, quit. Where there is none (stock GNOME), the window is never
  hidden: closing it quits, as before. (An icon may claim to be visible without a tray: only
  ``isSystemTrayAvailable()`` is trusted.)
- Every minute the scheduler is asked for breach reminders and whether the daily re-audit is due
  (the window counts as idle once nobody has used it for a while); a re-audit notifies only what got
  worse. Notifications go through the tray icon (a toast on Windows, a notification elsewhere);
  without a tray, through the desktop's notification server (gp_guard/guardian/notify.py: D-Bus,
  else ``notify-send``), and when none answers they are kept and shown in the window the next
  time it is shown (``deliver_pending``).
- The folder watcher (``gp-guard vault watch``) runs as its own process, started and restarted by
  this object when there is a protected folder; when autostart already runs one, the one started here
  says so and exits (one watcher per session).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QProcess, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from gp_guard.guardian import notify as desktop_notify
from gp_guard.guardian.scheduler import Notification, Scheduler
from gp_guard.i18n import N_, _
from gp_guard.store import Store

log = logging.getLogger(__name__)

TICK_MS = 60_000
IDLE_AFTER = 5 * 60.0  # the window unused this long (or hidden): the computer counts as idle
RESTARTS_PER_HOUR = 5
COLOURS = {"green": "#2e7d32", "orange": "#ef6c00", "red": "#c62828"}
STATE_WORDS = {
    "green": N_("gp_guard: nothing needs your attention"),
    "orange": N_("gp_guard: something is worth a look"),
    "red": N_("gp_guard: something needs your attention"),
}


def state(store: Store) -> str:
    """'red' (an open breach, or a failed check in the last audit), 'orange' (a warning, or no audit
    yet), or 'green'."""
    from gp_guard.breach import open_breaches

    if open_breaches(store):
        return "red"
    runs = store.query("SELECT id FROM audit_run ORDER BY id DESC LIMIT 1")
    if not runs:
        return "orange"
    statuses = {r["status"] for r in store.query("SELECT status FROM audit_result WHERE run_id=?", (runs[0]["id"],))}
    if "fail" in statuses:
        return "red"
    return "orange" if "warn" in statuses else "green"


def icon(colour: str) -> QIcon:
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(COLOURS[colour]))
    painter.setPen(QColor("#ffffff"))
    painter.drawEllipse(2, 2, 28, 28)
    painter.end()
    return QIcon(pixmap)


class Guardian(QObject):
    """The window's tray icon, its timer and its watcher process."""

    def __init__(self, window: Any, store: Store, available: Callable[[], bool] | None = None,
                 watcher: bool = True, clock: Callable[[], float] = time.time) -> None:
        super().__init__(window)
        self.window, self.store = window, store
        self.scheduler = Scheduler(store, clock)
        self.active = bool((available or QSystemTrayIcon.isSystemTrayAvailable)())
        self.quitting = False
        self.told_hidden = False
        self.last_used = time.monotonic()
        self.shown: list[Notification] = []  # what was notified (the tests read it)
        self.tray: QSystemTrayIcon | None = None
        self.process: QProcess | None = None
        self.restarts: list[float] = []
        self.output: list[str] = []
        self.want_watcher = watcher
        self.reaudit = False
        if self.active:
            self._make_tray()
            app = QApplication.instance()
            if isinstance(app, QApplication):
                app.setQuitOnLastWindowClosed(False)
        window.audit.finished.connect(self._audited)
        self.pending = desktop_notify.Pending(store)
        window.installEventFilter(self)  # shown again: what could not be notified is said there
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        if watcher:
            QTimer.singleShot(0, self.supervise)

    # -- the tray ---------------------------------------------------------------------------
    def _make_tray(self) -> None:
        self.tray = QSystemTrayIcon(self)
        menu = QMenu()
        self.menu = menu
        self.actions: dict[str, QAction] = {}
        for key, text, slot in (("open", N_("Open gp_guard"), self.show_window),
                                ("audit", N_("Run an audit now"), self.audit_now),
                                ("folders", N_("Protected folders"), lambda: self.show_page("encryption")),
                                ("breach", N_("Breach clock"), self.show_breach),
                                ("week", N_("This week…"), self.show_week),
                                ("quit", N_("Quit gp_guard"), self.quit)):
            action = menu.addAction(_(text))
            action.triggered.connect(slot)
            self.actions[key] = action
        self.tray.setContextMenu(menu)
        self.tray.activated.connect(self._activated)
        self.tray.messageClicked.connect(self.open_last)
        self.refresh()
        self.tray.show()

    def refresh(self) -> str:
        colour = state(self.store)
        if self.tray is not None:
            self.tray.setIcon(icon(colour))
            self.tray.setToolTip(_(STATE_WORDS[colour]))
        return colour

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.show_window()

    def keep_in_tray(self) -> bool:
        """Closing the window hides it (True) only where a tray icon shows gp_guard is still there."""
        return self.active and not self.quitting

    def hidden(self) -> None:
        """The window was closed into the tray."""
        self.last_used = -1e18
        if not self.told_hidden and self.tray is not None:
            self.told_hidden = True
            self.tray.showMessage("gp_guard", _("gp_guard keeps watching in the background. Its icon is here; "
                                                "choose Quit in its menu to stop it."))

    def show_window(self) -> None:
        from gp_guard.gui.desktop import bring_to_front

        self.last_used = time.monotonic()
        bring_to_front(self.window)

    def show_page(self, key: str) -> None:
        self.show_window()
        self.window.navigate(key)

    def show_breach(self) -> None:
        self.show_window()
        self.window.open_breach()

    def show_week(self) -> Any:
        """The weekly summary (gui/dialogs/weekly.py), over the window."""
        from gp_guard.gui.dialogs.weekly import WeeklyDialog

        self.show_window()
        dialog = WeeklyDialog(self.store, self.window, self.scheduler.clock)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def audit_now(self) -> None:
        self.window.audit.start()

    def quit(self) -> None:
        self.quitting = True
        if self.window.close():
            self.stop()
            QApplication.quit()
        else:
            self.quitting = False

    # -- the scheduler ----------------------------------------------------------------------
    def idle_seconds(self) -> float:
        if self.window.isVisible() and self.window.isActiveWindow():
            self.last_used = time.monotonic()
        return time.monotonic() - self.last_used

    def tick(self) -> None:
        for notification in self.scheduler.breach_reminders():
            self.notify(notification)
        if not self.window.audit.running and self.scheduler.audit_due(self.idle_seconds()):
            self.reaudit = self.window.audit.start()
        if self.tray is not None:
            self.refresh()

    def _audited(self, report: Any) -> None:
        if self.reaudit and getattr(report, "run_id", None) is not None:
            for notification in self.scheduler.regressions(report.run_id):
                self.notify(notification)
        self.reaudit = False
        if self.tray is not None:
            self.refresh()

    def notify(self, notification: Notification) -> None:
        self.shown.append(notification)
        log.info("notification: %s", notification.key)
        if self.tray is not None:
            self.tray.showMessage(notification.title, notification.body)
            return
        from gp_guard.gui import tasks

        tasks.run_task(lambda _r: desktop_notify.send(notification.title, notification.body),
                       on_done=lambda sent: self._sent(notification, bool(sent)))

    def _sent(self, notification: Notification, sent: bool) -> None:
        """No notification server answered: keep it for the window (now, if she is looking at it)."""
        if sent or not shiboken6.isValid(self.window):
            return
        self.pending.add(notification.key, notification.title, notification.body)
        if self.window.isVisible() and not self.window.isMinimized():
            QTimer.singleShot(0, self.deliver_pending)

    def open_last(self) -> None:
        """The last notification was clicked: open what it is about (the finding, the breach)."""
        last = self.shown[-1] if self.shown else None
        if last is not None and last.breach_id:
            self.show_breach()
        elif last is not None and last.check_id:
            self.show_window()
            self.window.open_finding(last.check_id)
        else:
            self.show_window()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.window and event.type() in (QEvent.Type.Show, QEvent.Type.WindowActivate):
            QTimer.singleShot(0, self.deliver_pending)  # once the window is on screen
        return False

    def deliver_pending(self) -> int:
        """Show in the window what could not be notified; each message once."""
        from gp_guard.gui import dialogs

        items = self.pending.take()
        if not items:
            return 0
        text = "\n\n".join(f"{item['title']}\n{item['body']}" for item in items)
        dialogs.inform(self.window, _("Messages gp_guard could not show you earlier"), text)
        return len(items)

    # -- the watcher process ----------------------------------------------------------------
    def watcher_command(self) -> list[str]:
        from gp_guard.guardian.autostart import command

        return command()

    def supervise(self) -> None:
        """Start the watcher when there is something to watch and it is not running."""
        from gp_guard.vault import keys
        from gp_guard.vault.journal import Journal

        if self.quitting or (self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning):
            return
        if not keys.has_keys() or not Journal(self.store).folders():
            return
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < 3600]
        if len(self.restarts) >= RESTARTS_PER_HOUR:
            log.warning("the folder watcher keeps stopping; not started again for now")
            return
        self.restarts.append(now)
        argv = self.watcher_command()
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(lambda: self._output(process))
        process.finished.connect(self._watcher_ended)
        process.start(argv[0], argv[1:])
        self.process = process

    def _output(self, process: QProcess) -> None:
        """The watcher's lines (counts and folders, no file names), the last few kept."""
        text = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        self.output = (self.output + text.splitlines())[-20:]

    def _watcher_ended(self, code: int, status: QProcess.ExitStatus) -> None:
        if self.quitting:
            return
        if status == QProcess.ExitStatus.CrashExit or code != 0:
            log.warning("the folder watcher ended (code %s); starting it again", code)
            QTimer.singleShot(5000, self.supervise)

    def stop(self) -> None:
        """Stop the timer and the watcher this window started (SIGTERM: it stops at a safe point)."""
        self.timer.stop()
        process, self.process = self.process, None
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            process.finished.disconnect(self._watcher_ended)
            process.terminate()
            if not process.waitForFinished(30000):
                process.kill()
                process.waitForFinished(5000)
        if self.tray is not None:
            self.tray.hide()


def install(window: Any, store: Store) -> Guardian:
    """What app.py calls once the window exists."""
    guardian = Guardian(window, store)
    window.guardian = guardian
    return guardian
