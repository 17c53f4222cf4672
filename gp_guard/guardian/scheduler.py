"""The daily re-audit and the breach reminders: what to tell the doctor, and when (Qt-free).

The window (or any host process) asks ``Scheduler`` on a timer; it answers with ``Notification``
objects and never shows anything itself, so it runs the same with a controllable clock in tests.

- Re-audit: due once a day (setting ``guardian.daily_audit``), when the computer has been idle for
  ``IDLE_SECONDS`` (the caller says how long; unknown counts as idle). After a run, ``regressions``
  compares it with the run before (``audit.history.changes``) and notifies only what got *worse*:
  pass → warn or fail, warn → fail. A check that was skipped, failed to run, or is new says nothing
  (background runs have no administrator rights: flapping there is not news). Consecutive runs are
  compared, so one regression is told once.
- Breach reminders: for each open breach (``breach.open_breaches``, readable without the register's
  key), one reminder at 24 h, 48 h and 66 h after awareness. When the app was closed across several
  of them, only the latest is told. What was told is kept in the store, so a restart says nothing twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gp_guard import settings
from gp_guard.audit import history
from gp_guard.i18n import N_, _, format_date
from gp_guard.store import Store

Clock = Callable[[], float]

AUDIT_EVERY = 24 * 3600.0
IDLE_SECONDS = 5 * 60.0
REMINDER_HOURS = (24, 48, 66)
REMINDED_KEY = "guardian.breach_reminded.{id}"  # the last reminder told (hours), per breach
_RANK = {"pass": 0, "warn": 1, "fail": 2}

# How a regression reads for the checks where plain words say it best; the others use GENERIC.
WORSE = {
    "FW-01": N_("The firewall was turned off {since}."),
    "AV-01": N_("The antivirus no longer protects this computer in real time {since}."),
    "CRY-01": N_("The disk encryption was turned off {since}."),
    "REM-01": N_("Someone elsewhere can now take control of the screen without identifying first, {since}."),
}
GENERIC = N_("Something got worse {since}: {problem}")
SINCE_YESTERDAY = N_("since yesterday")
SINCE_DATE = N_("since {date}")
TITLE_WORSE = N_("gp_guard: something got worse")
BREACH_TITLE = N_("Data breach {ref}: {hours} h since you learnt of it")
BREACH_BODY = N_("If it must be notified, the CNIL must receive it by {deadline}: {left} h left. Open gp_guard, "
                 "Data breach page, to finish the dossier.")
BREACH_LATE = N_("The 72-hour deadline has passed ({deadline}). Notify the CNIL as soon as possible and say why it "
                 "is late; open gp_guard, Data breach page.")


@dataclass(frozen=True)
class Notification:
    key: str  # what it is about: "regression:FW-01", "breach:3:48"
    title: str  # translated
    body: str  # translated
    check_id: str = ""  # a regression: the finding to open when clicked
    breach_id: int = 0


class Scheduler:
    def __init__(self, store: Store, clock: Clock = time.time) -> None:
        self.store, self.clock = store, clock

    # -- re-audit ----------------------------------------------------------------------------
    def last_audit(self) -> float | None:
        runs = history.runs(self.store, limit=1)
        if not runs:
            return None
        return _timestamp(runs[-1].started_at)

    def audit_due(self, idle_seconds: float | None = None) -> bool:
        """Time for the daily re-audit: on, a day since the last run, and the computer idle."""
        if not settings.get(self.store, settings.GUARDIAN_DAILY_AUDIT.key):
            return False
        last = self.last_audit()
        if last is not None and self.clock() - last < AUDIT_EVERY:
            return False
        return idle_seconds is None or idle_seconds >= IDLE_SECONDS

    def next_audit_in(self) -> float:
        """Seconds until the re-audit may be due (0: now, if idle)."""
        last = self.last_audit()
        return 0.0 if last is None else max(0.0, last + AUDIT_EVERY - self.clock())

    def regressions(self, run_id: int) -> list[Notification]:
        """What got worse in ``run_id`` compared with the run before it."""
        previous = self.store.query("SELECT started_at FROM audit_run WHERE id < ? ORDER BY id DESC LIMIT 1", (run_id,))
        if not previous:
            return []
        since = self._since(_timestamp(previous[0]["started_at"]))
        metas = _metas()
        out = []
        for change in history.changes(self.store, run_id):
            if change.before not in _RANK or change.after not in _RANK or _RANK[change.after] <= _RANK[change.before]:
                continue
            meta = metas.get(change.check_id)
            if change.check_id in WORSE:
                body = _(WORSE[change.check_id]).format(since=since)
            else:
                from gp_guard.audit.model import Status

                problem = _(meta.title_for(Status(change.after))) if meta is not None else change.check_id
                body = _(GENERIC).format(since=since, problem=problem)
            out.append(Notification(f"regression:{change.check_id}", _(TITLE_WORSE), body, check_id=change.check_id))
        return out

    def _since(self, then: float) -> str:
        hours = (self.clock() - then) / 3600
        if 12 <= hours <= 48:
            return _(SINCE_YESTERDAY)
        return _(SINCE_DATE).format(date=format_date(dt.datetime.fromtimestamp(then, dt.UTC)))

    # -- breach reminders --------------------------------------------------------------------
    def breach_reminders(self) -> list[Notification]:
        """The reminders due now and not told yet; each is recorded as told."""
        from gp_guard.breach import register

        now = dt.datetime.fromtimestamp(self.clock(), dt.UTC)
        out = []
        for breach in register.open_breaches(self.store, now):
            aware = breach.aware_at if breach.aware_at.tzinfo else breach.aware_at.replace(tzinfo=dt.UTC)
            deadline = breach.deadline if breach.deadline.tzinfo else breach.deadline.replace(tzinfo=dt.UTC)
            elapsed = (now - aware).total_seconds() / 3600
            reached = [h for h in REMINDER_HOURS if elapsed >= h]
            key = REMINDED_KEY.format(id=breach.id)
            told = int(self.store.get_setting(key) or 0)
            if not reached or reached[-1] <= told:
                continue
            hours = reached[-1]
            left = (deadline - now).total_seconds() / 3600
            when = format_date(deadline.astimezone()) + " " + deadline.astimezone().strftime("%H:%M")
            body = (_(BREACH_BODY).format(deadline=when, left=int(left)) if left > 0
                    else _(BREACH_LATE).format(deadline=when))
            out.append(Notification(f"breach:{breach.id}:{hours}", _(BREACH_TITLE).format(ref=breach.ref, hours=hours),
                                    body, breach_id=breach.id))
            self.store.set_setting(key, str(hours))
        return out


def _timestamp(text: str) -> float:
    stamp = dt.datetime.fromisoformat(text)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.timestamp()


def _metas() -> dict[str, Any]:
    from gp_guard.audit.registry import all_checks

    return {c.id: c.meta for c in all_checks()}
