"""What the guardian did this week (Qt-free; the window shows it, gui/dialogs/weekly.py).

- Audits run in the last seven days, with the last score, and what got worse between consecutive
  runs (the same rule as the notifications: ``Scheduler.regressions``).
- Files protected: counted per day by whoever encrypted them in the background or from the window
  (``activity.record_protected``: the folder watcher and ``guardian.protect``).
- Files kept readable for now by an "untouched for N days" policy, and the open breaches.

Only counts and check titles: no file name, no patient data.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from gp_guard.guardian import activity
from gp_guard.guardian.policy import Clock
from gp_guard.store import Store

DAYS = 7


@dataclass
class Week:
    start: dt.datetime
    end: dt.datetime
    audits: int = 0
    last_score: int | None = None
    last_grade: str = ""
    worse: list[str] = field(default_factory=list)  # what got worse, in words (latest first, once per check)
    protected: int = 0
    waiting: int = 0  # files kept readable for now by an "untouched for N days" policy
    folders: int = 0
    open_breaches: int = 0


def week(store: Store, clock: Clock = time.time) -> Week:
    from gp_guard.breach.register import open_breaches
    from gp_guard.guardian import protect
    from gp_guard.guardian.scheduler import Scheduler, _timestamp
    from gp_guard.vault.journal import Journal

    now = clock()
    start = now - DAYS * 86400
    result = Week(dt.datetime.fromtimestamp(start, dt.UTC), dt.datetime.fromtimestamp(now, dt.UTC))
    runs = [r for r in store.query("SELECT id, started_at, score, grade FROM audit_run ORDER BY id")
            if start <= _timestamp(r["started_at"]) <= now]
    result.audits = len(runs)
    if runs:
        result.last_score, result.last_grade = int(runs[-1]["score"]), str(runs[-1]["grade"])
    scheduler = Scheduler(store, clock)
    seen: set[str] = set()
    for run in reversed(runs):
        for notification in scheduler.regressions(int(run["id"])):
            if notification.check_id not in seen:
                seen.add(notification.check_id)
                result.worse.append(notification.body)
    result.protected = activity.protected_since(store, DAYS, clock)
    plans = protect.overview(store, Journal(store).folders(), clock)
    result.folders = len(plans)
    result.waiting = sum(plan.waiting.count for plan in plans.values())
    result.open_breaches = len(open_breaches(store, dt.datetime.fromtimestamp(now, dt.UTC)))
    return result
