"""The one SQLite database: audit history, answers, settings, the vault journal, the breach register, the checklist.

WAL journal, ``user_version`` migrations, file mode 0600. Only a damaged file (SQLITE_CORRUPT,
SQLITE_NOTADB, a failed quick_check) is moved aside, never deleted, and a fresh one is created;
the kept file is announced at every start until the user acknowledges it (``kept_aside``). Any
other error (disk full, read-only, busy, I/O) raises StoreUnavailable and leaves the file alone.
Retention: audit runs older than 3 years are deleted (RETENTION_DAYS).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from gp_guard.errors import UserError
from gp_guard.i18n import N_

log = logging.getLogger(__name__)

RETENTION_DAYS = 3 * 365
KEPT_MARK = ".corrupt-"  # gp_guard.db.corrupt-<stamp>: a damaged database, kept aside untouched
ACKNOWLEDGED_KEY = "store.kept_aside_acknowledged"  # JSON list of the kept files' names

# Every table of every feature is created here, one numbered step at a time (``user_version``);
# a feature never creates a table itself (tests/unit/test_migrations.py fails if one does). A step
# is SQL, or a function for what SQL cannot say conditionally (a column added to a table that may
# or may not have it). Steps never change once released: a new column is a new step.
Migration = str | Callable[[sqlite3.Connection], None]


def _feature_tables(conn: sqlite3.Connection) -> None:
    """Step 3: the tables that the vault, the breach register and the checklist used to create
    themselves (CREATE TABLE IF NOT EXISTS, so a database made by those versions keeps its rows),
    and the columns the vault journal gained on the way."""
    _exec_script(conn, """
    CREATE TABLE IF NOT EXISTS vault_journal (
        id INTEGER PRIMARY KEY,
        op TEXT NOT NULL,             -- 'lock' or 'unlock'
        folder TEXT NOT NULL,         -- absolute path of the protected folder
        src TEXT NOT NULL,            -- path relative to folder: the file being replaced
        dst TEXT NOT NULL,            -- its new name
        tmp TEXT NOT NULL,            -- the temporary file written beside it
        state TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sha256 TEXT NOT NULL DEFAULT '',  -- of the plaintext, once known (small files)
        started_at TEXT NOT NULL,
        ino INTEGER NOT NULL DEFAULT 0,   -- with size, mtime and ctime: the original's fingerprint
        ctime_ns INTEGER NOT NULL DEFAULT 0,
        dir_ino INTEGER NOT NULL DEFAULT 0  -- the inode of src's folder: found again if it is renamed
    );
    CREATE INDEX IF NOT EXISTS vault_journal_folder ON vault_journal(folder);
    CREATE TABLE IF NOT EXISTS vault_folder (
        path TEXT PRIMARY KEY,
        added_at TEXT NOT NULL,
        last_action TEXT NOT NULL DEFAULT '',
        last_run_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE IF NOT EXISTS vault_failure (
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        message TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (folder, name)
    );
    CREATE TABLE IF NOT EXISTS breach (
        id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        exercise INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'open',
        aware_at TEXT NOT NULL DEFAULT '',
        deadline TEXT NOT NULL DEFAULT '',
        severity TEXT NOT NULL DEFAULT '',
        notified INTEGER NOT NULL DEFAULT 0,
        informed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sealed BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS breach_open ON breach(exercise, status);
    CREATE TABLE IF NOT EXISTS checklist_attestation (
        id INTEGER PRIMARY KEY,
        item_id TEXT NOT NULL,
        attested_on TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        withdrawn INTEGER NOT NULL DEFAULT 0,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS checklist_attestation_item ON checklist_attestation(item_id, id);
    CREATE TABLE IF NOT EXISTS checklist_snapshot (
        day TEXT PRIMARY KEY,
        done INTEGER NOT NULL,
        total INTEGER NOT NULL
    )
    """)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(vault_journal)")}
    for name in ("ino", "ctime_ns", "dir_ino"):  # journals made before these columns existed
        if name not in columns:
            conn.execute(f"ALTER TABLE vault_journal ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0")


MIGRATIONS: list[Migration] = [
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
    # 2: when the folder watcher encrypts the files of each protected folder (gp_guard/guardian/policy.py)
    """
    CREATE TABLE guardian_policy (
        path TEXT PRIMARY KEY,
        after_days INTEGER NOT NULL DEFAULT 0,
        set_at TEXT NOT NULL
    );
    """,
    # 3: the vault journal and folders, the breach register, the checklist
    _feature_tables,
    # 4: what a finding needs to be shown again after a restart (gp_guard/audit/history.py):
    # its kind, duration, the message's plural form and parameters, as JSON
    """
    ALTER TABLE audit_result ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
    """,
]


class StoreError(UserError):
    """The database cannot be used."""


class StoreNewer(StoreError):
    """The file was written by a newer gp_guard (its ``user_version`` is unknown here)."""


class StoreUnavailable(StoreError, sqlite3.OperationalError):
    """A passing condition (disk full, read-only, busy, I/O error). The file was left as it is.

    Still an ``sqlite3.OperationalError`` for code that catches that; ``reason`` is one of
    ``full``, ``readonly``, ``busy``, ``io``.
    """

    MESSAGES = {
        "full": N_("The disk that holds gp_guard's data ({folder}) is full, so gp_guard cannot use its database. Nothing was lost and nothing was changed: free some space on that disk, then try again."),
        "readonly": N_("gp_guard cannot write to its data folder {folder} (the disk is read-only, or your session may not write there). Nothing was lost and nothing was changed: check the folder's permissions, or ask your IT provider, then try again."),
        "busy": N_("gp_guard's database is in use by another program (often another gp_guard window or command) that did not let go of it within a few seconds. Nothing was changed: wait until it finishes, or close it, then try again."),
        "io": N_("gp_guard's database {path} could not be read or written ({detail}). The file was left as it is and nothing was lost: check the disk, then try again."),
    }

    def __init__(self, reason: str, path: Path, detail: str = "") -> None:
        super().__init__(self.MESSAGES[reason], folder=str(path.parent), path=str(path), detail=detail)
        self.reason = reason


# SQLite's primary result codes (sqlite3.h) that decide what an error means.
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB: the only ones that make a file "damaged"
_REASON_OF_CODE = {13: "full", 5: "busy", 6: "busy", 8: "readonly", 3: "readonly", 14: "readonly", 23: "readonly"}
_REASON_OF_ERRNO = {errno.ENOSPC: "full", errno.EDQUOT: "full", errno.EACCES: "readonly",
                    errno.EPERM: "readonly", errno.EROFS: "readonly"}
LOW_SPACE = 1 << 20  # an I/O error with less free space than this is a full disk


class _Damaged(Exception):
    """The file is not a usable SQLite database (corrupt, not a database, failed quick_check)."""


def is_damage(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, _Damaged) or (
        isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in _DAMAGED)


def unavailable(exc: BaseException, path: Path) -> StoreUnavailable:
    """The StoreUnavailable that explains ``exc`` (an sqlite3.Error or OSError met on ``path``)."""
    if isinstance(exc, StoreUnavailable):
        return exc
    if isinstance(exc, OSError):
        reason = _REASON_OF_ERRNO.get(exc.errno or 0, "io")
        detail = exc.strerror or type(exc).__name__
    else:
        code = getattr(exc, "sqlite_errorcode", None)
        reason = _REASON_OF_CODE.get(code & 0xFF, "io") if code is not None else "io"
        detail = str(exc)
    if reason == "io":
        with contextlib.suppress(OSError):
            if shutil.disk_usage(path.parent).free < LOW_SPACE:
                reason = "full"
    return StoreUnavailable(reason, path, detail)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.recovered_from: Path | None = None  # set when this process moved a damaged file aside
        self._lock = threading.RLock()
        self._conn = self._open()

    # -- opening ----------------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        """Connect; only a damaged file is moved aside. Anything else leaves the file alone."""
        try:
            return self._connect()
        except StoreError:
            raise
        except (sqlite3.Error, OSError, _Damaged) as exc:
            if not is_damage(exc):
                log.warning("database %s unavailable (%s); left as it is", self.path.name, exc)
                raise unavailable(exc, self.path) from exc
            log.warning("database %s damaged (%s); moving it aside", self.path.name, exc)
        try:
            self.recovered_from = self._move_aside()
            return self._connect()
        except StoreError:
            raise
        except (sqlite3.Error, OSError, _Damaged) as exc:
            raise unavailable(exc, self.path) from exc

    def _move_aside(self) -> Path:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}{KEPT_MARK}{stamp}")
        number = 1
        while aside.exists():  # never overwrite an earlier kept file
            number += 1
            aside = self.path.with_name(f"{self.path.name}{KEPT_MARK}{stamp}-{number}")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            if src.exists():
                os.replace(src, Path(str(aside) + suffix))
                with contextlib.suppress(OSError):
                    os.chmod(Path(str(aside) + suffix), 0o600)  # it may hold patient data
        return aside

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(self.path, 0o600)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5)
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            self._refuse_newer(conn)  # before anything writes to a file of a newer version
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.info("journal mode is %s", mode)
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise _Damaged(f"quick_check: {check}")
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        for suffix in ("-wal", "-shm"):
            side = Path(str(self.path) + suffix)
            if side.exists() and os.name == "posix":  # Windows has no such mode: the profile folder is the user's
                os.chmod(side, 0o600)
        return conn

    # -- files kept aside -------------------------------------------------------------------
    def kept_aside(self) -> list[Path]:
        """Damaged files of this database kept aside, that the user has not acknowledged yet.

        Found on disk (not remembered), so a file moved aside by a process that then failed is
        announced too.
        """
        prefix = self.path.name + KEPT_MARK
        try:
            found = sorted(p for p in self.path.parent.iterdir()
                           if p.name.startswith(prefix) and not p.name.endswith(("-wal", "-shm")))
        except OSError:
            return []
        seen = set(json.loads(self.get_setting(ACKNOWLEDGED_KEY) or "[]"))
        return [p for p in found if p.name not in seen]

    def acknowledge_kept_aside(self) -> list[Path]:
        """Stop announcing the files kept aside so far; returns them."""
        kept = self.kept_aside()
        if kept:
            seen = set(json.loads(self.get_setting(ACKNOWLEDGED_KEY) or "[]"))
            self.set_setting(ACKNOWLEDGED_KEY, json.dumps(sorted(seen | {p.name for p in kept})))
        return kept

    @staticmethod
    def _refuse_newer(conn: sqlite3.Connection) -> int:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > len(MIGRATIONS):
            raise StoreNewer(N_("This database was written by a newer version of gp_guard. It was left as it is: use that newer version, or ask your IT provider."))
        return version

    @classmethod
    def _migrate(cls, conn: sqlite3.Connection) -> None:
        version = cls._refuse_newer(conn)
        for number in range(version, len(MIGRATIONS)):
            conn.execute("BEGIN")
            try:
                step = MIGRATIONS[number]
                if callable(step):
                    step(conn)
                else:
                    _exec_script(conn, step)
                conn.execute(f"PRAGMA user_version={number + 1}")
                conn.execute("COMMIT")
            except Exception:
                conn.execute("ROLLBACK")
                raise

    # -- access -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT. A full disk, a busy or read-only database raises
        StoreUnavailable (an sqlite3.OperationalError too) and the transaction is rolled back."""
        with self._lock:
            with self._unavailable():
                self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException as exc:
                try:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    log.warning("rollback failed after %s", type(exc).__name__)
                if isinstance(exc, sqlite3.OperationalError) and not isinstance(exc, StoreUnavailable):
                    raise unavailable(exc, self.path) from exc
                raise
            else:
                with self._unavailable():
                    try:
                        self._conn.execute("COMMIT")
                    except sqlite3.Error:
                        if self._conn.in_transaction:
                            with contextlib.suppress(sqlite3.Error):
                                self._conn.execute("ROLLBACK")
                        raise

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock, self._unavailable():
            self._conn.row_factory = sqlite3.Row
            return list(self._conn.execute(sql, params).fetchall())

    @contextlib.contextmanager
    def _unavailable(self) -> Iterator[None]:
        try:
            yield
        except StoreUnavailable:
            raise
        except sqlite3.OperationalError as exc:
            raise unavailable(exc, self.path) from exc

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


def peek_setting(path: Path, key: str) -> str | None:
    """Read one setting without opening the store: read-only, no repair, no file created.

    For what is needed before the store may be opened (the language of ``--help``); None when
    the file is missing, unreadable or damaged.
    """
    if not path.is_file():
        return None
    # Without a -wal file every row is in the main file: immutable=1 reads it without creating
    # the -wal and -shm files a read-only WAL connection would leave behind.
    wal = Path(str(path) + "-wal").exists()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{'mode=ro' if wal else 'immutable=1'}",
                               uri=True, timeout=1)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM setting WHERE key=?", (key,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None


_default: Store | None = None
_default_lock = threading.Lock()
_open_hooks: list[Callable[[Store], None]] = []


def add_open_hook(hook: Callable[[Store], None]) -> None:
    """Call ``hook(store)`` each time open_default() opens the database (the CLI announces the
    files kept aside there, before a command can ask anything)."""
    if hook not in _open_hooks:
        _open_hooks.append(hook)


def remove_open_hook(hook: Callable[[Store], None]) -> None:
    with contextlib.suppress(ValueError):
        _open_hooks.remove(hook)


def open_default() -> Store:
    """The store of this user (one per process)."""
    global _default
    from gp_guard.paths import database_path

    with _default_lock:
        try:
            path = database_path()
        except OSError as exc:  # the data folder cannot be created
            raise unavailable(exc, Path(exc.filename or ".") / "gp_guard.db") from exc
        if _default is None or _default.path != path:
            _default = Store(path)
            opened = _default
        else:
            return _default
    for hook in list(_open_hooks):
        hook(opened)
    return opened
