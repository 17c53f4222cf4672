"""SQLite store: WAL, migrations, 0600, corrupt files kept aside, history."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat

import pytest

from gp_guard.audit import history
from gp_guard.audit.model import Area, CheckMeta, Finding, Outcome, Severity, Status
from gp_guard.store import MIGRATIONS, Store, StoreError


def test_new_database_is_private_wal_and_migrated(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert store.version() == len(MIGRATIONS)
    store.set_setting("language", "fr")
    store.close()
    again = Store(tmp_path / "db.sqlite")
    assert again.get_setting("language") == "fr"
    assert again.recovered_from is None


def test_corrupt_database_is_kept_aside_and_recreated(tmp_path):
    path = tmp_path / "db.sqlite"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    store = Store(path)
    assert store.recovered_from is not None
    assert store.recovered_from.read_bytes() == garbage  # nothing lost
    assert store.version() == len(MIGRATIONS)
    store.set_answer("Q-BOX-01", "no")
    assert store.answers()["Q-BOX-01"][0] == "no"


def test_truncated_database_is_kept_aside(tmp_path):
    path = tmp_path / "db.sqlite"
    store = Store(path)
    store.set_setting("k", "v")
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\x00" * 50)  # header damaged
    recovered = Store(path)
    assert recovered.recovered_from is not None
    assert recovered.get_setting("k") is None


def test_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as error:
        Store(path)
    assert "newer version" in str(error.value)
    assert path.read_bytes() == before  # never deleted, not even switched to WAL
    assert [p.name for p in tmp_path.iterdir()] == ["db.sqlite"]


def _finding(check_id: str, status: Status) -> Finding:
    meta = CheckMeta(id=check_id, area=Area.FIREWALL, severity=Severity.HIGH, title="t", why="w",
                     fix={"all": ()}, platforms=("linux",))
    return Finding(meta, Outcome(status), "linux")


def test_history_keeps_runs_and_reports_changes(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    now = dt.datetime.now(dt.UTC)
    first = history.save_run(store, now, 1.0, 40, "D", "linux",
                             [_finding("FW-01", Status.FAIL), _finding("CRY-01", Status.PASS)])
    assert history.changes(store, first) == []
    second = history.save_run(store, now, 1.0, 80, "B", "linux",
                              [_finding("FW-01", Status.PASS), _finding("CRY-01", Status.PASS),
                               _finding("NET-01", Status.FAIL)])
    changes = {c.check_id: (c.before, c.after) for c in history.changes(store, second)}
    assert changes == {"FW-01": ("fail", "pass"), "NET-01": (None, "fail")}
    assert [r.score for r in history.runs(store)] == [40, 80]


def test_old_runs_are_deleted_after_the_retention_period(tmp_path):
    store = Store(tmp_path / "db.sqlite")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=4 * 365)
    history.save_run(store, old, 1.0, 10, "E", "linux", [_finding("FW-01", Status.FAIL)])
    history.save_run(store, dt.datetime.now(dt.UTC), 1.0, 90, "A", "linux", [_finding("FW-01", Status.PASS)])
    assert [r.score for r in history.runs(store)] == [90]
    assert store.query("SELECT COUNT(*) FROM audit_result")[0][0] == 1  # cascade


def test_the_private_file_check_sees_what_gp_guard_writes(tmp_path, monkeypatch):
    """tests/private_files.py, which checks every file of the run at the end, can fail."""
    from gp_guard.report import model, pdf
    from gp_guard.store import open_default
    from tests import private_files

    if not private_files.enabled:
        pytest.skip("GP_GUARD_MODE_CHECK=0 switched the check off")
    monkeypatch.setattr(private_files, "written", {})
    monkeypatch.setattr(private_files, "KNOWN", {})
    report = pdf.write(model.build(open_default()), tmp_path / "rapport.pdf")  # the umask's mode
    os.chmod(report, 0o644)
    (tmp_path / "mine.pdf").write_bytes(b"%PDF written by the test, not by gp_guard")
    store = Store(tmp_path / "private.db")
    store.set_setting("k", "v")
    wrong, _stale = private_files.check(children=False)
    assert wrong == [f"0o644 {report}  (written by gp_guard/report/pdf.py:write)"]
    assert str(tmp_path / "private.db") in private_files.written
    assert str(tmp_path / "mine.pdf") not in private_files.written
    os.chmod(report, 0o600)
    assert private_files.check(children=False) == ([], [])
    store.close()
