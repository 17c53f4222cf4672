"""Protecting a folder with its policy (gp_guard/guardian/protect.py), with a controllable clock."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from gp_guard.guardian import policy, protect
from gp_guard.store import open_default
from gp_guard.vault import agefile, keys

DAY = 86400.0


@pytest.fixture
def recipients(monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    keys.create_keys(b"a long passphrase for tests")
    return keys.recipients()


def archive(tmp_path, ages_in_days: dict[str, float], now: float):
    root = tmp_path / "Archive"
    root.mkdir()
    for name, age in ages_in_days.items():
        path = root / name
        path.write_bytes(os.urandom(4096))
        stamp = now - age * DAY
        os.utime(path, (stamp, stamp))
    return root


def test_untouched_for_n_days_encrypts_only_the_old_files_and_says_when_the_next_one_is(tmp_path, recipients):
    now = time.time()
    root = archive(tmp_path, {"old.dcm": 45, "month.dcm": 31, "recent.dcm": 10, "today.dcm": 0}, now)
    done = protect.protect(root, 30, recipients, clock=lambda: now)
    assert sorted(done.report.done) == ["month.dcm", "old.dcm"]
    assert sorted(p.name for p in root.iterdir()) == ["month.dcm.age", "old.dcm.age", "recent.dcm", "today.dcm"]
    assert done.waiting.count == 2
    assert done.waiting.next_at == pytest.approx(now - 10 * DAY + 30 * DAY, abs=2)
    assert policy.get(open_default(), root).after_days == 30
    # twenty days later (the clock moves, nobody touched the files): recent.dcm is due, today.dcm not
    later = now + 21 * DAY
    plan = protect.overview(open_default(), [root], clock=lambda: later)[root]
    assert plan.policy.after_days == 30 and plan.waiting.count == 1
    again = protect.protect(root, 30, recipients, clock=lambda: later)
    assert again.report.done == ["recent.dcm"] and again.waiting.count == 1


def test_as_soon_as_finished_encrypts_everything_and_nothing_waits(tmp_path, recipients):
    now = time.time()
    root = archive(tmp_path, {"a.pdf": 0, "b.pdf": 400}, now)
    done = protect.protect(root, 0, recipients)
    assert sorted(done.report.done) == ["a.pdf", "b.pdf"] and done.waiting.count == 0
    assert policy.get(open_default(), root).immediate
    plan = protect.overview(open_default(), [root, tmp_path / "gone"])
    assert list(plan) == [root] and plan[root].waiting.count == 0
    identity = keys.unlock(b"a long passphrase for tests")
    with open(root / "a.pdf.age", "rb") as handle:  # public keys only, and it decrypts
        assert len(agefile.decrypt_bytes(handle.read(), [identity])) == 4096


def test_programs_using_names_the_writer(tmp_path):
    root = tmp_path / "Scans"
    root.mkdir()
    (root / "scan.pdf").write_bytes(b"%PDF")
    (root / "done.pdf").write_bytes(b"%PDF")
    code = ("import sys; w = open(sys.argv[1], 'ab'); r = open(sys.argv[2], 'rb'); print('ready', flush=True); "
            "sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code, str(root / "scan.pdf"), str(root / "done.pdf")],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        [use] = [u for u in protect.programs_using(root) if u.pid == child.pid]
        assert (use.files, use.writing) == (2, 1) and use.name
    finally:
        child.communicate("")
    assert [u for u in protect.programs_using(root) if u.pid == child.pid] == []
