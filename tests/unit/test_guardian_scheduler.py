"""The daily re-audit and the breach reminders, with a controllable clock: told only when
something got worse, and each breach reminder once, at 24 h, 48 h and 66 h."""

from __future__ import annotations

import datetime as dt

import pytest

from gp_guard import i18n, settings
from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import Register
from gp_guard.guardian.scheduler import Scheduler
from gp_guard.store import open_default

HOUR = 3600.0


@pytest.fixture
def store():
    return open_default()


def save_run(store, when: dt.datetime, statuses: dict[str, str]) -> int:
    with store.transaction() as conn:
        run = conn.execute("INSERT INTO audit_run(started_at, duration_s, score, grade, platform) VALUES(?,?,?,?,?)",
                           (when.isoformat(timespec="seconds"), 1.0, 80, "B", "linux")).lastrowid
        conn.executemany("INSERT INTO audit_result(run_id, check_id, severity, status) VALUES(?,?,?,?)",
                         [(run, check, "high", status) for check, status in statuses.items()])
    return int(run or 0)


def test_only_what_got_worse_is_told_once(store):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    now = [monday.timestamp()]
    scheduler = Scheduler(store, clock=lambda: now[0])
    assert scheduler.audit_due(idle_seconds=None)  # never audited: due
    save_run(store, monday, {"FW-01": "pass", "UPD-01": "warn", "CRY-01": "fail", "AV-01": "pass", "REM-01": "skipped"})
    assert not scheduler.audit_due(idle_seconds=3600)  # a run less than a day ago
    now[0] += 25 * HOUR
    assert not scheduler.audit_due(idle_seconds=10)  # due, but the doctor is working
    assert scheduler.audit_due(idle_seconds=600)
    tuesday = monday + dt.timedelta(hours=25)
    # the firewall is off, updates got worse, the disk got better, an antivirus check could not run
    run = save_run(store, tuesday, {"FW-01": "fail", "UPD-01": "fail", "CRY-01": "pass", "AV-01": "error",
                                    "REM-01": "fail", "NEW-01": "fail"})
    told = scheduler.regressions(run)
    assert [n.check_id for n in told] == ["FW-01", "UPD-01"]
    assert told[0].body == "The firewall was turned off since yesterday."
    assert "System updates are waiting" in told[1].body
    i18n.set_language("fr")
    assert scheduler.regressions(run)[0].body == "Le pare-feu a été désactivé depuis hier."
    i18n.set_language("en")
    now[0] += 24 * HOUR
    same = save_run(store, tuesday + dt.timedelta(days=1), {"FW-01": "fail", "UPD-01": "fail"})
    assert scheduler.regressions(same) == []  # still off: not told again


def test_the_daily_audit_can_be_turned_off(store):
    settings.set(store, "guardian.daily_audit", False)
    assert not Scheduler(store).audit_due(idle_seconds=None)


def test_breach_reminders_at_24_48_66_hours(store, memory_keyring):
    register = Register.open(store)
    record = BreachRecord(title="Vol de l'ordinateur portable")
    record.set_answer("aware_at", "2026-03-02T09:00:00+01:00")  # deadline 2026-03-05 09:00 +01:00
    register.save(record)
    aware = dt.datetime.fromisoformat("2026-03-02T09:00:00+01:00").timestamp()
    now = [aware + 23 * HOUR]
    scheduler = Scheduler(store, clock=lambda: now[0])
    assert scheduler.breach_reminders() == []
    now[0] = aware + 24 * HOUR
    (first,) = scheduler.breach_reminders()
    assert first.key.endswith(":24") and "24 h" in first.title and "48 h left" in first.body
    assert scheduler.breach_reminders() == []  # told once
    assert Scheduler(store, clock=lambda: now[0]).breach_reminders() == []  # even after a restart
    now[0] = aware + 70 * HOUR  # the app was closed across 48 h and 66 h: only the latest
    (late,) = scheduler.breach_reminders()
    assert late.key.endswith(":66") and "2 h left" in late.body
    now[0] = aware + 80 * HOUR
    assert scheduler.breach_reminders() == []
