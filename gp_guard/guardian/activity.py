"""Counts of what the guardian did, per day, for the weekly summary (gp_guard/guardian/summary.py).

Kept in the store's settings (``guardian.protected.YYYY-MM-DD``), added atomically: the folder
watcher and the window are two processes writing the same database. Counters older than
``KEEP_DAYS`` are dropped as new ones are written. Counts only: no file name.
"""

from __future__ import annotations

import datetime as dt
import time

from gp_guard.guardian.policy import Clock
from gp_guard.store import Store

PROTECTED_KEY = "guardian.protected."
KEEP_DAYS = 60


def _day(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment).date().isoformat()  # the doctor's day, local time


def record_protected(store: Store, count: int, clock: Clock = time.time) -> None:
    """Add ``count`` files protected today (safe against the other gp_guard process)."""
    if count <= 0:
        return
    now = clock()
    oldest = _day(now - KEEP_DAYS * 86400)
    with store.transaction() as conn:
        conn.execute("INSERT INTO setting(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET "
                     "value = CAST(CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT)",
                     (PROTECTED_KEY + _day(now), str(int(count))))
        conn.execute("DELETE FROM setting WHERE key LIKE ? AND key < ?", (PROTECTED_KEY + "%", PROTECTED_KEY + oldest))


def protected_since(store: Store, days: int, clock: Clock = time.time) -> int:
    """Files protected today and in the ``days - 1`` days before."""
    now = clock()
    wanted = {_day(now - offset * 86400) for offset in range(days)}
    total = 0
    for row in store.query("SELECT key, value FROM setting WHERE key LIKE ?", (PROTECTED_KEY + "%",)):
        if row["key"][len(PROTECTED_KEY):] in wanted:
            try:
                total += int(row["value"])
            except ValueError:
                continue
    return total
