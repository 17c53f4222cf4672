"""Start-up: single instance, crash dialog, repaired database, first paint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from gp_guard import paths
from gp_guard.gui.app import recovered_message
from gp_guard.gui.dialogs import crash
from gp_guard.gui.single_instance import SingleInstance

ROOT = Path(__file__).resolve().parents[2]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, GP_GUARD_HOME=str(home), QT_QPA_PLATFORM="offscreen", **extra)
    env.pop("GP_GUARD_BENCH_FIRST_PAINT", None) if "GP_GUARD_BENCH_FIRST_PAINT" not in extra else None
    return env


def test_second_instance_signals_the_first(qtbot):
    first = SingleInstance(paths.runtime_name())
    assert first.listen()
    try:
        with qtbot.waitSignal(first.activated, timeout=5000):
            assert SingleInstance(paths.runtime_name()).notify_running()
    finally:
        first.close()
    assert not SingleInstance(paths.runtime_name()).notify_running(100)


def test_second_start_of_the_program_exits_zero(qtbot, _private_home):
    first = SingleInstance(paths.runtime_name())
    assert first.listen()
    try:
        with qtbot.waitSignal(first.activated, timeout=20000):
            result = subprocess.run(
                [sys.executable, "-c", "import sys; from gp_guard.gui.app import run_gui; sys.exit(run_gui())"],
                cwd=ROOT, env=_env(_private_home), capture_output=True, text=True, timeout=60)
    finally:
        first.close()
    assert result.returncode == 0, result.stderr


def test_stale_server_name_is_taken_over():
    first = SingleInstance(paths.runtime_name())
    assert first.listen()
    second = SingleInstance(paths.runtime_name())  # the first "crashed" without closing
    assert second.listen()
    second.close()
    first.close()


def test_first_paint_hook_prints_and_quits(_private_home):
    result = subprocess.run([sys.executable, "-m", "gp_guard"], cwd=ROOT, capture_output=True, text=True,
                            env=_env(_private_home, GP_GUARD_BENCH_FIRST_PAINT="1"), timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("first-paint "))
    assert 0 < float(line.split()[1]) < 30


def test_crash_report_strips_home_and_file_names():
    home = str(Path.home())
    name = "".join(["Dup", "ont Jeanne.pdf"])  # not written whole in this source line
    try:
        open(os.path.join(home, "Patients", name))  # noqa: SIM115
    except OSError as exc:
        report = crash.build_report(type(exc), exc, exc.__traceback__)
    assert home not in report
    assert "Dupont" not in report
    assert "FileNotFoundError" in report
    assert "~/<path>" in report
    assert "tests/gui/test_app.py" in report or "test_app.py" in report


def test_scrub_handles_windows_and_other_paths():
    text = r'File "C:\Users\marie\AppData\x.py" and C:\Users\marie\Docs\dossier.pdf, /srv/data/patient.txt'
    scrubbed = crash.scrub(text, home=r"C:\Users\marie")
    assert "marie" not in scrubbed and "dossier" not in scrubbed and "patient" not in scrubbed
    assert crash.scrub("/opt/x/site-packages/gp_guard/gui/app.py", home="/home/bob") == "gp_guard/gui/app.py"
    assert crash.scrub("and/or 3/4", home="/home/bob") == "and/or 3/4"


def test_crash_dialog_copies_the_report(qtbot):
    dialog = crash.CrashDialog("the report")
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == "the report"
    assert dialog.text.isReadOnly()


def test_excepthook_shows_the_dialog(qtbot, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(crash.CrashDialog, "exec", lambda self: shown.append(self.text.toPlainText()))
    try:
        raise ValueError("boom")
    except ValueError as exc:
        crash.show_crash(type(exc), exc, exc.__traceback__)
    assert shown and "ValueError: boom" in shown[0]


def test_repaired_database_is_reported_calmly(_private_home):
    from gp_guard.store import Store

    db = _private_home / "broken.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    store = Store(db)
    try:
        assert store.recovered_from is not None
        message = recovered_message(store)
    finally:
        store.close()
    assert "kept" in message and "broken.db.corrupt-" in message


def _restart(monkeypatch) -> int:
    """One start of the window up to its first paint, as after a reboot (a new store object)."""
    from gp_guard import store
    from gp_guard.gui import app

    if store._default is not None:
        store._default.close()
        store._default = None
    monkeypatch.setenv("GP_GUARD_BENCH_FIRST_PAINT", "1")
    return app.run_gui(lang="fr")


def test_a_damaged_database_is_announced_at_every_start_until_noted(monkeypatch, seams, capsys):
    from gp_guard import settings
    from gp_guard.store import open_default

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    db = paths.database_path()
    db.write_bytes(b"not a database" * 500)
    seams.answer = False  # "Remind me next time"
    assert _restart(monkeypatch) == 0
    assert "first-paint " in capsys.readouterr().out
    kept = open_default().recovered_from
    assert kept is not None and kept.read_bytes() == b"not a database" * 500
    assert [t for t, _text in seams.asked] == ["La base de données a été remise en état"]
    assert kept.name in seams.asked[0][1]
    assert settings.get(open_default(), "language") == "system"  # --lang is not stored
    assert _restart(monkeypatch) == 0  # the next start says it again
    assert len(seams.asked) == 2 and kept.name in seams.asked[1][1]
    seams.answer = True  # "I have noted where it is"
    assert _restart(monkeypatch) == 0
    assert len(seams.asked) == 3
    assert _restart(monkeypatch) == 0
    assert len(seams.asked) == 3  # noted: no more reminder
    assert kept.exists()


def test_run_gui_explains_an_unusable_database(monkeypatch, seams):
    from gp_guard.gui import app
    from gp_guard.store import StoreError

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)

    def refuse():
        raise StoreError("This database was written by a newer version of gp_guard.")

    monkeypatch.setattr(app, "open_default", refuse)
    assert app.run_gui(lang="en") == app.EXIT_ERROR
    assert seams.informed == [("gp_guard cannot start",
                               "This database was written by a newer version of gp_guard.", True)]
    assert not SingleInstance(paths.runtime_name()).notify_running(100)  # the name was freed


def test_an_error_inside_the_crash_dialog_is_not_stacked(qtbot, monkeypatch):
    shown: list[str] = []

    def exec_(self):
        shown.append("dialog")
        try:
            raise RuntimeError("again")
        except RuntimeError as exc:
            crash.show_crash(type(exc), exc, exc.__traceback__)

    monkeypatch.setattr(crash.CrashDialog, "exec", exec_)
    try:
        raise ValueError("first")
    except ValueError as exc:
        crash.show_crash(type(exc), exc, exc.__traceback__)
    assert shown == ["dialog"]


def test_run_gui_explains_an_unwritable_data_folder(monkeypatch, seams):
    import errno

    from gp_guard.gui import app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)

    def refuse():
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(app, "open_default", refuse)
    assert app.run_gui(lang="en") == app.EXIT_ERROR
    title, text, error = seams.informed[0]
    assert error and "Permission denied" in text and str(Path.home()) not in text


def test_run_gui_explains_a_database_from_a_newer_version_and_leaves_it(monkeypatch, seams):
    import sqlite3

    from gp_guard.gui import app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    db = paths.database_path()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    before = db.read_bytes()
    monkeypatch.setenv("GP_GUARD_LANG", "fr")
    assert app.run_gui() == app.EXIT_ERROR
    title, text, error = seams.informed[0]
    assert error and title == "gp_guard ne peut pas démarrer"
    assert "version plus récente de gp_guard" in text
    assert db.read_bytes() == before
    assert not [p for p in db.parent.iterdir() if ".corrupt-" in p.name]
