"""The one SQLite database: audit history, answers, settings (later: vault, breach register).

WAL journal, ``user_version`` migrations, file mode 0600. A database that cannot be opened is
moved aside (never deleted), a fresh one is created, and the caller is told so it can report it.
Retention: audit runs older than 3 years are deleted (RETENTION_DAYS).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from gp_guard.i18n import N_

log = logging.getLogger(__name__)

RETENTION_DAYS = 3 * 365

MIGRATIONS: list[str] = [
    # 1: audit history, questionnaire answers, settings
    """
    CREATE TABLE audit_run (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        duration_s REAL NOT NULL,
        score INTEGER NOT NULL,
        grade TEXT NOT NULL,
        platform TEXT NOT NULL
    );
    CREATE TABLE audit_result (
        run_id INTEGER NOT NULL REFERENCES audit_run(id) ON DELETE CASCADE,
        check_id TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        evidence TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (run_id, check_id)
    );
    CREATE TABLE answer (
        question_id TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        answered_at TEXT NOT NULL
    );
    CREATE TABLE setting (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
]


class StoreError(Exception):
    """The database cannot be used; the message is translatable."""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered_from: Path | None = None  # set when a corrupt file was moved aside
        self._lock = threading.RLock()
        self._conn = self._open()

    # -- opening ----------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            log.warning("database %s unusable (%s); moving it aside", self.path.name, exc)
            aside = self.path.with_name(
                f"{self.path.name}.corrupt-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}"
            )
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(self.path) + suffix)
                if src.exists():
                    os.replace(src, Path(str(aside) + suffix))
            self.recovered_from = aside
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(self.path, 0o600)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.info("journal mode is %s", mode)
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check}")
            self._migrate(conn)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        for suffix in ("-wal", "-shm"):
            side = Path(str(self.path) + suffix)
            if side.exists():
                os.chmod(side, 0o600)
        return conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(N_("This database was written by a newer version of gp_guard."))
        for number in range(version, len(MIGRATIONS)):
            conn.execute("BEGIN")
            try:
                _exec_script(conn, MIGRATIONS[number])
                conn.execute(f"PRAGMA user_version={number + 1}")
                conn.execute("COMMIT")
            except Exception:
                conn.execute("ROLLBACK")
                raise

    # -- access -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            self._conn.row_factory = sqlite3.Row
            return list(self._conn.execute(sql, params).fetchall())

    def version(self) -> int:
        return int(self.query("PRAGMA user_version")[0][0])

    # -- settings and answers ---------------------------------------------------------------
    def get_setting(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM setting WHERE key=?", (key,))
        return rows[0]["value"] if rows else None

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO setting(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    def answers(self) -> dict[str, tuple[str, str]]:
        return {
            r["question_id"]: (r["value"], r["answered_at"])
            for r in self.query("SELECT question_id, value, answered_at FROM answer")
        }

    def set_answer(self, question_id: str, value: str, when: dt.datetime | None = None) -> None:
        stamp = (when or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO answer(question_id, value, answered_at) VALUES(?, ?, ?) "
                "ON CONFLICT(question_id) DO UPDATE SET value=excluded.value, answered_at=excluded.answered_at",
                (question_id, value, stamp),
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _exec_script(conn: sqlite3.Connection, script: str) -> None:
    """Run the statements of a migration inside the caller's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


_default: Store | None = None
_default_lock = threading.Lock()


def open_default() -> Store:
    """The store of this user (one per process)."""
    global _default
    from gp_guard.paths import database_path

    with _default_lock:
        if _default is None or _default.path != database_path():
            _default = Store(database_path())
        return _default
