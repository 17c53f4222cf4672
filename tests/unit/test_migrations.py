"""One migration list for every table: upgrades keep the data, a newer database is refused."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest

import gp_guard
from gp_guard.store import MIGRATIONS, Store, StoreError

PACKAGE = Path(gp_guard.__file__).parent
CREATE = re.compile(r"\bCREATE\s+(TABLE|INDEX|VIEW|TRIGGER)\b", re.I)


def test_no_table_is_created_outside_the_store_migrations():
    """A feature that made its own table had no version and no upgrade path."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "store.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CREATE.search(node.value):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not found, found


# What a database of each earlier version holds, made the way those versions made it (version 1
# plus the feature tables that the vault, the register and the checklist created themselves,
# with the journal's first columns only).
OLD_FEATURE_TABLES = """
CREATE TABLE IF NOT EXISTS vault_journal (id INTEGER PRIMARY KEY, op TEXT NOT NULL, folder TEXT NOT NULL,
    src TEXT NOT NULL, dst TEXT NOT NULL, tmp TEXT NOT NULL, state TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vault_folder (path TEXT PRIMARY KEY, added_at TEXT NOT NULL,
    last_action TEXT NOT NULL DEFAULT '', last_run_at TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS breach (id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, exercise INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open', aware_at TEXT NOT NULL DEFAULT '', deadline TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL DEFAULT '', notified INTEGER NOT NULL DEFAULT 0, informed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, sealed BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checklist_snapshot (day TEXT PRIMARY KEY, done INTEGER NOT NULL, total INTEGER NOT NULL);
"""


def _database_of_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    for number in range(version):
        step = MIGRATIONS[number]
        if callable(step):
            step(conn)
        else:
            conn.executescript(step)
    if version >= 1:
        if version < 3:
            conn.executescript(OLD_FEATURE_TABLES)
        conn.execute("INSERT INTO setting VALUES('language', 'fr')")
        conn.execute("INSERT INTO vault_folder VALUES('/srv/radios', '2026-01-02', 'lock', '2026-01-02')")
        conn.execute("INSERT INTO vault_journal(op, folder, src, dst, tmp, state, size, mtime_ns, started_at) "
                     "VALUES('lock', '/srv/radios', 'a.dcm', 'a.dcm.age', 'a.dcm.age.tmp', 'intent', 3, 1, 'x')")
        conn.execute("INSERT INTO breach(ref, created_at, updated_at, sealed) VALUES('V-1', 'x', 'x', x'00')")
        conn.execute("INSERT INTO checklist_snapshot VALUES('2026-01-02', 3, 40)")
    conn.execute(f"PRAGMA user_version={version}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", range(len(MIGRATIONS)))
def test_a_database_of_each_earlier_version_is_upgraded_with_its_data(tmp_path, version):
    path = tmp_path / "gp_guard.db"
    _database_of_version(path, version)
    store = Store(path)
    assert store.version() == len(MIGRATIONS)
    tables = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"audit_run", "setting", "guardian_policy", "vault_journal", "vault_folder", "vault_failure",
            "breach", "checklist_attestation", "checklist_snapshot"} <= tables
    columns = {r["name"] for r in store.query("PRAGMA table_info(vault_journal)")}
    assert {"ino", "ctime_ns", "dir_ino"} <= columns
    if version >= 1:
        assert store.get_setting("language") == "fr"
        assert store.query("SELECT src FROM vault_journal")[0]["src"] == "a.dcm"
        assert store.query("SELECT ref FROM breach")[0]["ref"] == "V-1"
        assert store.query("SELECT done FROM checklist_snapshot")[0]["done"] == 3
    assert store.recovered_from is None  # an upgrade is not a repair
    store.close()


def test_audit_results_saved_before_step_4_are_shown_again_with_their_titles(tmp_path):
    """Step 4 stores a finding's outcome; the rows of older runs are still rebuilt (title,
    status, evidence), without the message whose parameters were not kept."""
    from gp_guard.audit import history
    from gp_guard.i18n import set_language

    path = tmp_path / "gp_guard.db"
    _database_of_version(path, 3)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO audit_run VALUES(1, '2026-06-01T08:00:00+00:00', 1.0, 40, 'D', 'windows')")
    conn.execute("INSERT INTO audit_result VALUES(1, 'FW-01', 'high', 'fail', "
                 "'The firewall is off for these networks: {profiles}.', "
                 "'[{\"source\": \"netsh\", \"value\": \"off\"}]')")
    conn.commit()
    conn.close()
    store = Store(path)
    columns = {r["name"] for r in store.query("PRAGMA table_info(audit_result)")}
    assert "outcome" in columns
    set_language("en")
    last = history.last_run(store)
    assert last is not None and last.platform == "windows"
    (finding,) = last.findings
    assert finding.id == "FW-01" and finding.status.value == "fail"
    assert finding.title() == finding.meta.problem  # the title of a failure
    assert finding.message() == ""  # no "{profiles}" left to the reader
    assert [e.value for e in finding.outcome.evidence] == ["off"]
    store.close()


def test_every_feature_works_on_an_upgraded_database(tmp_path):
    from gp_guard.breach import register
    from gp_guard.checklist import progress
    from gp_guard.vault.journal import Journal

    path = tmp_path / "gp_guard.db"
    _database_of_version(path, 1)
    store = Store(path)
    assert register.open_count(store) == 1
    assert progress.timeline(store)[-1].done == 3
    journal = Journal(store)
    assert [e.src for e in journal.pending()] == ["a.dcm"]
    store.close()


def test_a_database_from_a_newer_version_is_refused_clearly(tmp_path):
    path = tmp_path / "gp_guard.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as refused:
        Store(path)
    assert "newer version of gp_guard" in str(refused.value)
    assert path.read_bytes() == before  # left as it is
