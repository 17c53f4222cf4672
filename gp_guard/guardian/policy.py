"""When the folder watcher encrypts the files of a protected folder: its policy, per folder.

- "as soon as finished" (``after_days == 0``, the default, ``gp-guard vault lock DIR``): a scan
  or export drop folder; each new file is encrypted once no program writes it any more.
- "once untouched for N days" (``vault lock DIR --after-days N``): an imaging archive, whose
  software keeps reading this month's studies; a file is encrypted once it has been neither
  changed nor read for N days.

"Untouched" is the later of the modification time and the access time. The access time is what
the system keeps: Linux updates it at most once a day by default (``relatime``) and never under
``noatime``; Windows keeps it on NTFS only where "last access" updates are on (system-managed since
Windows 10 1803: often on for system disks, off on big data disks); macOS (APFS) keeps it like
``relatime``. Where it is not kept, "untouched" means "not changed". The clock is a parameter so
that tests can move time.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gp_guard.store import Store
from gp_guard.vault.journal import _load, _store

Clock = Callable[[], float]  # seconds since the epoch, like time.time
DAY = 86400.0


@dataclass(frozen=True)
class Policy:
    after_days: int = 0  # 0: as soon as finished

    @property
    def immediate(self) -> bool:
        return self.after_days <= 0

    def due_at(self, st: os.stat_result) -> float:
        """When a file with this status may be encrypted (seconds since the epoch)."""
        if self.immediate:
            return 0.0
        return touched(st) + self.after_days * DAY

    def due(self, st: os.stat_result, now: float) -> bool:
        return self.due_at(st) <= now


def touched(st: os.stat_result) -> float:
    """The last time the file was changed or (where the system keeps it) read."""
    return max(st.st_mtime, st.st_atime)


def get(store: Store, path: str | os.PathLike[str]) -> Policy:
    rows = store.query("SELECT after_days FROM guardian_policy WHERE path=?", (_store(str(path)),))
    return Policy(int(rows[0]["after_days"])) if rows else Policy()


def every(store: Store) -> dict[str, Policy]:
    return {_load(r["path"]): Policy(int(r["after_days"]))
            for r in store.query("SELECT path, after_days FROM guardian_policy")}


def set_policy(store: Store, path: str | os.PathLike[str], after_days: int) -> None:
    """Remember the policy of ``path`` (its real path, as the vault's folder list keeps it)."""
    if after_days < 0:
        raise ValueError("after_days must be 0 or more")
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with store.transaction() as conn:
        conn.execute("INSERT INTO guardian_policy(path, after_days, set_at) VALUES(?, ?, ?) "
                     "ON CONFLICT(path) DO UPDATE SET after_days=excluded.after_days, set_at=excluded.set_at",
                     (_store(str(path)), int(after_days), stamp))


def forget(store: Store, path: str | os.PathLike[str]) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM guardian_policy WHERE path=?", (_store(str(path)),))


@dataclass(frozen=True)
class Waiting:
    """Files of a folder not encrypted yet because of its policy, and when the first one will be."""

    count: int = 0
    next_at: float | None = None  # seconds since the epoch


def waiting(candidates: list[tuple[str, os.stat_result]], policy: Policy, clock: Clock = time.time) -> Waiting:
    """Among plaintext files (``(rel, stat)``), those the policy keeps readable for now."""
    now = clock()
    times = [policy.due_at(st) for _rel, st in candidates if not policy.due(st, now)]
    return Waiting(len(times), min(times) if times else None)


def real(path: str | os.PathLike[str]) -> str:
    return str(Path(os.path.realpath(path)))
