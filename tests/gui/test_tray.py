"""The tray (offscreen, both ways): with a tray, closing the window keeps gp_guard there; without
one, the window is never hidden. The timer's reminders and the re-audit's regressions notify."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QApplication

from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import Register
from gp_guard.gui import tray as tray_module
from gp_guard.gui.tray import Guardian
from gp_guard.gui.widgets.findings_tree import FINDING_ROLE


@pytest.fixture(autouse=True)
def quit_on_close_restored():
    app = QApplication.instance()
    yield
    if isinstance(app, QApplication):
        app.setQuitOnLastWindowClosed(True)


def attach(window, store, available: bool, **kw) -> Guardian:
    guardian = Guardian(window, store, available=lambda: available, watcher=False, **kw)
    window.guardian = guardian
    return guardian


def firewall_was_on_yesterday(store) -> None:
    """Yesterday's audit, in which the firewall was on (today's recorded machine has it off)."""
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)).isoformat(timespec="seconds")
    with store.transaction() as conn:
        run = conn.execute("INSERT INTO audit_run(started_at, duration_s, score, grade, platform) VALUES(?,?,?,?,?)",
                           (yesterday, 1.0, 90, "A", "windows")).lastrowid
        conn.execute("INSERT INTO audit_result(run_id, check_id, severity, status) VALUES(?,?,?,?)",
                     (run, "FW-01", "critical", "pass"))


def test_without_a_tray_the_window_is_never_hidden(qtbot, window, store):
    guardian = attach(window, store, available=False)
    window.show()
    qtbot.waitExposed(window)
    assert guardian.tray is None and not guardian.keep_in_tray()
    assert QApplication.instance().quitOnLastWindowClosed()
    assert window.close() is True  # a real close: the program ends with its window, as before
    guardian.stop()


def test_with_a_tray_closing_keeps_gp_guard_there(qtbot, window, store, memory_keyring):
    guardian = attach(window, store, available=True)
    assert guardian.tray is not None and guardian.tray.isVisible()
    assert not QApplication.instance().quitOnLastWindowClosed()
    names = [a.text() for a in guardian.menu.actions()]
    assert names == ["Open gp_guard", "Run an audit now", "Protected folders", "Breach clock", "This week…", "Quit gp_guard"]
    assert guardian.refresh() == "orange"  # no audit yet
    window.show()
    qtbot.waitExposed(window)
    assert window.close() is False and not window.isVisible()  # hidden into the tray, still running
    guardian.actions["folders"].trigger()
    assert window.isVisible() and window.current_key() == "encryption"
    record = BreachRecord(title="Vol")
    record.set_answer("aware_at", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    Register.open(store).save(record)
    assert guardian.refresh() == "red"
    assert "needs your attention" in guardian.tray.toolTip()
    guardian.actions["quit"].trigger()  # a real close this time
    assert not window.isVisible() and not guardian.timer.isActive()


def test_the_timer_notifies_breach_reminders_and_what_got_worse(qtbot, window, store, memory_keyring):
    aware = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    record = BreachRecord(title="Vol")
    record.set_answer("aware_at", aware.isoformat(timespec="seconds"))
    Register.open(store).save(record)
    firewall_was_on_yesterday(store)
    guardian = attach(window, store, available=True)
    guardian.last_used = -1e18  # nobody used the window for a long time
    with qtbot.waitSignal(window.audit.finished, timeout=30000):
        guardian.tick()  # the recorded Windows 10 machine has its firewall off today
    keys = [n.key for n in guardian.shown]
    assert keys[0].startswith("breach:") and keys[0].endswith(":24")
    assert "regression:FW-01" in keys
    assert any(n.body == "The firewall was turned off since yesterday." for n in guardian.shown)
    guardian.tick()  # nothing new: nothing told twice
    assert len(guardian.shown) == len(keys)
    guardian.tray.messageClicked.emit()  # the doctor clicks the last notification: its finding opens
    assert window.isVisible() and window.current_key() == "audit"
    assert window.pages["audit"].tree.currentItem().data(0, FINDING_ROLE).id == "FW-01"
    guardian.stop()


def test_the_window_starts_the_watcher_only_when_there_is_something_to_watch(qtbot, window, store, monkeypatch):
    guardian = attach(window, store, available=False)
    guardian.supervise()
    assert guardian.process is None  # no keys, no protected folder
    guardian.stop()
    assert tray_module.state(store) == "orange"


def test_the_window_supervises_a_real_watcher_process(qtbot, window, store, monkeypatch, tmp_path):
    from PySide6.QtCore import QProcess

    from gp_guard.vault import folder, keys

    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    keys.create_keys(b"correct horse battery staple")
    (tmp_path / "Imagerie").mkdir()
    folder.lock(tmp_path / "Imagerie", keys.recipients())
    guardian = attach(window, store, available=False)
    guardian.supervise()
    process = guardian.process
    assert process is not None
    qtbot.waitUntil(lambda: any("watched: 1" in line for line in guardian.output), timeout=30000)
    guardian.supervise()
    assert guardian.process is process  # not a second one
    guardian.stop()  # SIGTERM: the watcher stops at a safe point
    assert process.exitStatus() == QProcess.ExitStatus.NormalExit and process.exitCode() == 0


# -- notifications without a tray (stock GNOME) ------------------------------------------------
class Clock:
    """A clock the test moves (seconds since the epoch, like time.time)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def notification_server(monkeypatch):
    from tests import notification_server as server_module
    from tests.conftest import require_tool

    server, thread = server_module.start(require_tool("dbus-daemon", "apt-get install dbus"))
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", server.address)
    yield server
    server_module.stop(server, thread)


def open_breach(store, aware: dt.datetime) -> None:
    record = BreachRecord(title="Vol")
    record.set_answer("aware_at", aware.isoformat(timespec="seconds"))
    Register.open(store).save(record)


def test_without_a_tray_breach_reminders_reach_the_desktop_over_dbus(qtbot, window, store, memory_keyring,
                                                                   notification_server):
    from gp_guard.guardian.notify import Pending

    aware = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    open_breach(store, aware)
    clock = Clock(aware.timestamp() + 3600)
    guardian = attach(window, store, available=False, clock=clock)
    guardian.tick()
    assert guardian.shown == []  # one hour after: nothing to say yet
    clock.now = aware.timestamp() + 25 * 3600
    guardian.tick()
    qtbot.waitUntil(lambda: len(notification_server.received) == 1, timeout=10000)
    got = notification_server.received[0]
    assert got.signature == "susssasa{sv}i" and got.app == "gp_guard"  # what GNOME Shell accepts
    assert got.title.endswith(": 24 h since you learnt of it") and "47 h left" in got.body
    clock.now = aware.timestamp() + 49 * 3600
    guardian.tick()
    qtbot.waitUntil(lambda: len(notification_server.received) == 2, timeout=10000)
    assert notification_server.received[1].title.endswith(": 48 h since you learnt of it")
    guardian.tick()
    assert len(guardian.shown) == 2 and Pending(store).all() == []  # each told once, nothing left over
    guardian.stop()


def test_without_a_tray_a_regression_reaches_the_desktop_through_notify_send(qtbot, window, store, monkeypatch,
                                                                           notification_server):
    from gp_guard.guardian import notify
    from tests.conftest import require_tool

    require_tool("notify-send", "apt-get install libnotify-bin")
    monkeypatch.setattr(notify, "BACKENDS", [notify.notify_send])  # no D-Bus library: the command
    firewall_was_on_yesterday(store)
    guardian = attach(window, store, available=False)
    guardian.last_used = -1e18  # nobody used the window for a long time
    with qtbot.waitSignal(window.audit.finished, timeout=30000):
        guardian.tick()  # the recorded Windows 10 machine has its firewall off today
    qtbot.waitUntil(lambda: any(r.body == "The firewall was turned off since yesterday."
                                for r in notification_server.received), timeout=10000)
    assert {r.app for r in notification_server.received} == {"gp_guard"}
    guardian.stop()


def test_without_any_notification_server_the_window_says_it_when_next_shown(qtbot, window, store, memory_keyring,
                                                                           monkeypatch, seams, tmp_path):
    from gp_guard.guardian import notify

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    monkeypatch.setattr(notify, "notify_send_path", lambda: None)
    aware = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    open_breach(store, aware)
    clock = Clock(aware.timestamp() + 67 * 3600)  # the app was closed through 24 h and 48 h
    guardian = attach(window, store, available=False, clock=clock)
    assert not window.isVisible()
    guardian.tick()
    qtbot.waitUntil(lambda: len(notify.Pending(store).all()) == 1, timeout=10000)
    assert seams.informed == []  # kept: nobody is looking at the window
    window.show()
    qtbot.waitUntil(lambda: bool(seams.informed), timeout=10000)
    [(title, text, error)] = seams.informed
    assert title == "Messages gp_guard could not show you earlier" and not error
    assert ": 66 h since you learnt of it" in text and "24 h" not in text  # only the latest reminder
    assert notify.Pending(store).all() == []
    window.hide()
    window.show()
    QApplication.processEvents()
    assert guardian.deliver_pending() == 0 and len(seams.informed) == 1  # said once
    guardian.stop()


def test_this_weeks_summary_from_the_tray_and_the_vault_page(qtbot, window, store):
    from gp_guard.guardian.activity import record_protected

    firewall_was_on_yesterday(store)
    record_protected(store, 12)
    guardian = attach(window, store, available=True)
    dialog = guardian.show_week()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.week is not None, timeout=10000)
    text = dialog.text.text()
    assert "Audits of this computer: 1." in text and "Files protected by encryption: 12." in text
    assert dialog.period.text().startswith("From ") and "-" not in dialog.period.text()  # dates in words
    page = window.pages["encryption"]
    page.week_button.click()
    qtbot.waitUntil(lambda: page.week_dialog.week is not None, timeout=10000)
    assert page.week_dialog.week.protected == 12
    page.week_dialog.close()
    guardian.stop()
