"""The vault's journal and folder list, in the one SQLite store (WAL, each step one commit).

A row is written *before* each step that touches a file and removed once the file is finished, so
after a crash every unfinished file is known and ``folder.recover()`` can finish or roll it back.
States, in order: ``intent`` (the temporary file may be partial), ``verified`` (the temporary
file is complete, durable and checked; it may already carry its final name), ``conflict`` (the
final name was taken by someone else: only the temporary file is ours). The tables are made by
the store's migrations (gp_guard/store.py).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gp_guard.store import Store, open_default

INTENT, VERIFIED, CONFLICT = "intent", "verified", "conflict"



def _store(name: str) -> str | bytes:
    """A path as SQLite keeps it: text, or the raw bytes of a name that is not valid UTF-8 (files
    copied from old Windows or CD media: Latin-1 ``radio_été.dcm``), which Python carries as
    surrogates and SQLite text cannot hold."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name)


def _load(value: str | bytes) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else value


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Entry:
    id: int
    op: str
    folder: str
    src: str
    dst: str
    tmp: str
    state: str
    size: int
    mtime_ns: int
    sha256: str
    ino: int
    ctime_ns: int
    dir_ino: int = 0


class Journal:
    """The vault tables of one store. Every method is one durable transaction."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store or open_default()  # its tables come from the store's migrations

    # -- journal ---------------------------------------------------------------------------
    def begin(self, op: str, folder: str, items: Iterable[tuple[Any, ...]]) -> list[int]:
        """Record the intent for each (src, dst, tmp, size, mtime_ns[, ino, ctime_ns[, dir_ino]]); the
        row ids."""
        ids = []
        stamp = _now()
        with self.store.transaction() as conn:
            for item in items:
                src, dst, tmp, size, mtime_ns = item[:5]
                ino, ctime_ns, dir_ino = (tuple(item[5:8]) + (0, 0, 0))[:3]
                cur = conn.execute(
                    "INSERT INTO vault_journal(op, folder, src, dst, tmp, state, size, mtime_ns, started_at, "
                    "ino, ctime_ns, dir_ino) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (op, _store(folder), _store(src), _store(dst), _store(tmp), INTENT, size, mtime_ns, stamp, ino,
                     ctime_ns, dir_ino),
                )
                ids.append(int(cur.lastrowid or 0))
        return ids

    def mark(self, updates: Iterable[tuple[int, str, str]]) -> None:
        """Set (id, state, sha256) for several rows in one commit."""
        with self.store.transaction() as conn:
            conn.executemany("UPDATE vault_journal SET state=?, sha256=? WHERE id=?",
                             [(state, sha, row) for row, state, sha in updates])

    def finish(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        with self.store.transaction() as conn:
            conn.executemany("DELETE FROM vault_journal WHERE id=?", [(i,) for i in ids])

    def pending(self, folder: str | None = None) -> list[Entry]:
        sql = ("SELECT id, op, folder, src, dst, tmp, state, size, mtime_ns, sha256, ino, ctime_ns, dir_ino "
               "FROM vault_journal")
        rows = (self.store.query(sql + " WHERE folder=? ORDER BY id", (_store(folder),)) if folder
                else self.store.query(sql + " ORDER BY id"))
        out = []
        for r in rows:
            row = list(r)
            row[2:6] = [_load(v) for v in row[2:6]]
            out.append(Entry(*row))
        return out

    # -- folders ---------------------------------------------------------------------------
    def add_folder(self, path: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO vault_folder(path, added_at) VALUES(?, ?)", (_store(path), _now()))

    def remove_folder(self, path: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM vault_folder WHERE path=?", (_store(path),))
            conn.execute("DELETE FROM vault_failure WHERE folder=?", (_store(path),))

    def folders(self) -> list[str]:
        return [_load(r["path"]) for r in self.store.query("SELECT path FROM vault_folder ORDER BY path")]

    def last_runs(self) -> dict[str, tuple[str, str]]:
        """Each listed folder's last action and when it ran: path -> (action, ISO time), "" if none."""
        return {_load(r["path"]): (r["last_action"], r["last_run_at"]) for r in
                self.store.query("SELECT path, last_action, last_run_at FROM vault_folder")}

    def ran(self, path: str, action: str, failures: dict[str, str]) -> None:
        """Remember the last action on ``path`` and the files that failed in it."""
        stamp = _now()
        with self.store.transaction() as conn:
            conn.execute("UPDATE vault_folder SET last_action=?, last_run_at=? WHERE path=?",
                         (action, stamp, _store(path)))
            conn.execute("DELETE FROM vault_failure WHERE folder=?", (_store(path),))
            conn.executemany("INSERT OR REPLACE INTO vault_failure(folder, name, message, at) VALUES(?, ?, ?, ?)",
                             [(_store(path), _store(name), message, stamp) for name, message in failures.items()])

    def failures(self, path: str) -> dict[str, str]:
        return {_load(r["name"]): r["message"] for r in
                self.store.query("SELECT name, message FROM vault_failure WHERE folder=? ORDER BY name", (_store(path),))}
