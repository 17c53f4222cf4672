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
    assert names == ["Open gp_guard", "Run an audit now", "Protected folders", "Breach clock", "Quit gp_guard"]
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
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)).isoformat(timespec="seconds")
    with store.transaction() as conn:  # yesterday the firewall was on
        run = conn.execute("INSERT INTO audit_run(started_at, duration_s, score, grade, platform) VALUES(?,?,?,?,?)",
                           (yesterday, 1.0, 90, "A", "windows")).lastrowid
        conn.execute("INSERT INTO audit_result(run_id, check_id, severity, status) VALUES(?,?,?,?)",
                     (run, "FW-01", "critical", "pass"))
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
