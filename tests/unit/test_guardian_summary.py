"""The weekly summary (gp_guard/guardian/summary.py), with a controllable clock."""

from __future__ import annotations

import datetime as dt
import os
import time

from gp_guard.guardian import activity, summary
from gp_guard.store import open_default

DAY = 86400.0


def add_run(store, at: float, status: str, score: int) -> int:
    with store.transaction() as conn:
        run = conn.execute("INSERT INTO audit_run(started_at, duration_s, score, grade, platform) VALUES(?,?,?,?,?)",
                           (dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="seconds"), 1.0, score,
                            "B" if status == "pass" else "D", "windows")).lastrowid
        conn.execute("INSERT INTO audit_result(run_id, check_id, severity, status) VALUES(?,?,?,?)",
                     (run, "FW-01", "critical", status))
    return int(run)


def test_the_week_counts_audits_what_got_worse_and_files_protected(tmp_path, monkeypatch):
    from gp_guard.guardian import policy, protect
    from gp_guard.vault import keys

    store = open_default()
    now = time.time()
    add_run(store, now - 10 * DAY, "fail", 40)  # before the week
    add_run(store, now - 3 * DAY, "pass", 80)
    add_run(store, now - 1 * DAY, "fail", 55)  # the firewall was turned off
    activity.record_protected(store, 2, clock=lambda: now - 8 * DAY)  # before the week
    activity.record_protected(store, 3, clock=lambda: now - 2 * DAY)
    activity.record_protected(store, 4, clock=lambda: now)
    activity.record_protected(store, 1, clock=lambda: now)
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    keys.create_keys(b"a long passphrase for tests")
    archive = tmp_path / "Archive"
    archive.mkdir()
    (archive / "recent.dcm").write_bytes(os.urandom(100))
    old = now - 60 * DAY
    (archive / "old.dcm").write_bytes(os.urandom(100))
    os.utime(archive / "old.dcm", (old, old))
    protect.protect(archive, 30, keys.recipients(), clock=lambda: now)  # old.dcm protected: 1 more today
    assert policy.get(store, archive).after_days == 30

    week = summary.week(store, clock=lambda: now)
    assert week.audits == 2 and (week.last_score, week.last_grade) == (55, "D")
    [worse] = week.worse
    assert worse.startswith("The firewall was turned off since ") and not any(c.isdigit() and "-" in worse for c in worse)
    assert week.protected == 3 + 4 + 1 + 1
    assert (week.folders, week.waiting, week.open_breaches) == (1, 1, 0)
    a_week_later = summary.week(store, clock=lambda: now + 8 * DAY)  # the clock moves on
    assert (a_week_later.audits, a_week_later.protected, a_week_later.worse) == (0, 0, [])


def test_old_daily_counters_are_dropped(tmp_path):
    store = open_default()
    now = time.time()
    activity.record_protected(store, 5, clock=lambda: now - 70 * DAY)
    activity.record_protected(store, 0, clock=lambda: now)  # nothing done: nothing written
    assert len(store.query("SELECT key FROM setting WHERE key LIKE 'guardian.protected.%'")) == 1
    activity.record_protected(store, 1, clock=lambda: now)
    keys = [r["key"] for r in store.query("SELECT key FROM setting WHERE key LIKE 'guardian.protected.%'")]
    assert keys == [activity.PROTECTED_KEY + dt.datetime.fromtimestamp(now).date().isoformat()]
