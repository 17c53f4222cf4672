"""The folder watcher (`gp-guard vault watch`), for real: inotify, real writer processes, kill -9.

The watcher runs as its own process, as in use. The test waits on what it prints (a line per batch)
and on conditions checked after each line, always with a deadline; nothing sleeps. The writer is a
child process that writes with pauses (its pauses are the point: a stalled export). Keys are made
with a passphrase; the watcher uses only the public keys, and the encrypted files are opened with
the paper recovery key, by the stock ``age`` tool where the test says so.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gp_guard.guardian import policy
from gp_guard.guardian.watcher import Watcher, ignored, waiting
from gp_guard.store import open_default
from gp_guard.vault import agefile, folder, keys
from gp_guard.vault.journal import Journal
from tests.conftest import require_tool

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = b"correct horse battery staple"
QUIET = 1.0
MiB = 1024 * 1024


@pytest.fixture
def vault(tmp_path, monkeypatch):
    """Keys (the recovery key kept in a 0600 file) and one empty protected folder."""
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    created = keys.create_keys(PASSPHRASE)
    key_file = tmp_path / "recovery-key.txt"
    keys.write_recovery_key_file(key_file, created.recovery_secret)
    root = tmp_path / "Imagerie"
    root.mkdir()
    folder.lock(root, keys.recipients())  # now in the list of protected folders
    return root, key_file, agefile.X25519Identity.from_string(created.recovery_secret)


class WatcherProcess:
    """``gp-guard vault watch`` in a child process; its output lines wake ``until``."""

    def __init__(self, *extra: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen([sys.executable, "-m", "gp_guard", "vault", "watch", "--quiet-seconds", str(QUIET),
                                      *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.until(lambda: any("watched" in line for line in self.lines), 60, "the watcher did not start")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def until(self, condition, timeout: float, what: str, every: float = 0.2, check=None) -> float:  # type: ignore[no-untyped-def]
        """Wait until ``condition()`` (looked at after each output line, or every ``every`` s);
        ``check()`` runs at each look too. Returns the time it took."""
        start = time.monotonic()
        deadline = start + timeout
        with self.changed:
            while True:
                if check is not None:
                    check()
                if condition():
                    return time.monotonic() - start
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{what} (after {timeout} s); watcher said: {self.lines[-10:]}")
                self.changed.wait(min(every, left))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(timeout=30)
        self.reader.join(timeout=10)
        return code


@pytest.fixture
def watcher():
    started: list[WatcherProcess] = []

    def start(*extra: str) -> WatcherProcess:
        started.append(WatcherProcess(*extra))
        return started[-1]

    yield start
    for proc in started:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait(timeout=30)


def block(index: int) -> bytes:
    return (hashlib.sha256(index.to_bytes(4, "big")).digest() * (MiB // 32))


def age_decrypt(path: Path, key_file: Path) -> bytes:
    tool = require_tool("age", "the reference age implementation reads what the watcher wrote")
    return subprocess.run([tool, "-d", "-i", str(key_file), str(path)], check=True, capture_output=True).stdout


WRITER = r"""
import hashlib, sys, time
path = sys.argv[1]
pauses = [0.5, 0.5, 2.6, 0.5, 0.5, 2.4, 0.5, 0.5]  # about 8 s; two stalls longer than the quiet period
MiB = 1024 * 1024
with open(path, "wb", buffering=0) as out:
    for index, pause in enumerate(pauses):
        out.write(hashlib.sha256(index.to_bytes(4, "big")).digest() * (MiB // 32))
        print("wrote", index, flush=True)
        time.sleep(pause)
print("closed", flush=True)
"""


def test_a_file_written_slowly_is_encrypted_only_once_closed_and_whole(vault, watcher, tmp_path):
    root, key_file, _recovery = vault
    watch = watcher()
    target = root / "scanner-export.dcm"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    closed = threading.Event()

    def follow() -> None:
        assert writer.stdout is not None
        for line in writer.stdout:
            if line.startswith("closed"):
                closed.set()
                with watch.changed:
                    watch.changed.notify_all()

    threading.Thread(target=follow, daemon=True).start()
    age_file = root / "scanner-export.dcm.age"

    def never_while_open() -> None:
        if not closed.is_set():
            assert not age_file.exists(), "encrypted while the writer still had it open"
            assert not (root / "scanner-export.dcm.age.tmp").exists() or not age_file.exists()

    watch.until(closed.is_set, 60, "the writer did not finish", every=0.05, check=never_while_open)
    assert target.stat().st_size == 8 * MiB  # all there, still readable, at the moment it closed
    took = watch.until(lambda: age_file.exists() and not target.exists(), QUIET + 5,
                       "not encrypted within the quiet period + 5 s after the writer closed it", every=0.05)
    assert took <= QUIET + 5
    assert writer.wait(timeout=30) == 0
    assert age_decrypt(age_file, key_file) == b"".join(block(i) for i in range(8))
    assert sorted(p.name for p in root.iterdir()) == ["scanner-export.dcm.age"]
    second = subprocess.run([sys.executable, "-m", "gp_guard", "vault", "watch"], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=60)
    assert second.returncode == 0 and "already running" in second.stdout  # one watcher per session
    assert watch.stop() == 0  # SIGTERM: stops at the next safe point, exit 0
    assert "The watcher stopped." in watch.lines


def test_ignored_names():
    for name in ("a.dcm.age", "a.dcm.age.tmp", "b.part", "c.crdownload", "d.TMP", "~$lettre.docx", ".~lock.cr.odt#"):
        assert ignored(name), name
    for name in ("IMG0001.dcm", "compte-rendu.pdf", "partie.dcm", "tmp.dcm"):
        assert not ignored(name), name


def test_300_files_copied_at_once_are_all_encrypted_within_a_minute(vault, watcher, tmp_path):
    root, _key_file, recovery = vault
    source = tmp_path / "cd-rom"
    expected: dict[str, str] = {}
    for index in range(300):
        rel = f"serie{index % 3}/IMG{index:04d}.dcm"
        data = os.urandom(1000 + (index * 7919) % 200_000)
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_bytes(data)
        expected[rel] = hashlib.sha256(data).hexdigest()
    (source / "copie.part").write_bytes(b"a partial download stays as it is")
    watch = watcher()
    subprocess.run(["cp", "-r", f"{source}/.", str(root / "patient")], check=True)

    def done() -> bool:
        return all((root / "patient" / (rel + ".age")).exists() and not (root / "patient" / rel).exists()
                   for rel in expected)

    watch.until(done, 60, "not every copied file was encrypted within 60 s", every=0.5)
    for rel, sha in expected.items():
        out = io.BytesIO()
        with open(root / "patient" / (rel + ".age"), "rb") as handle:
            agefile.decrypt(handle, out, [recovery])
        assert hashlib.sha256(out.getvalue()).hexdigest() == sha, rel
    assert (root / "patient" / "copie.part").read_bytes() == b"a partial download stays as it is"
    assert watch.stop() == 0


def test_kill_9_during_a_300_mib_arrival_then_restart_completes_it_bit_exact(vault, watcher, tmp_path):
    root, _key_file, recovery = vault
    outside = tmp_path / "incoming.dcm"
    digest = hashlib.sha256()
    with open(outside, "wb") as out:
        for index in range(300):
            data = block(index)
            digest.update(data)
            out.write(data)
    watch = watcher()
    target = root / "etude-scanner.dcm"
    os.rename(outside, target)  # the whole study arrives at once (moved in)
    tmp_copy = root / ("etude-scanner.dcm" + folder.LOCK_TMP)
    watch.until(lambda: tmp_copy.exists() and tmp_copy.stat().st_size > 8 * MiB, 60,
                "the watcher did not start encrypting the big file", every=0.01)
    watch.proc.kill()  # kill -9, mid-file
    assert watch.proc.wait(timeout=30) == -9
    with open(target, "rb") as handle:  # the original is untouched
        assert hashlib.file_digest(handle, "sha256").hexdigest() == digest.hexdigest()

    again = watcher()
    # finished: the .age in place, the original gone, and (a moment after the unlink) the journal closed
    again.until(lambda: (root / "etude-scanner.dcm.age").exists() and not target.exists()
                and Journal(open_default()).pending() == [], 180,
                "the restarted watcher did not finish the big file", every=0.5)
    assert sorted(p.name for p in root.iterdir()) == ["etude-scanner.dcm.age"]  # no stray temporary file
    plain = hashlib.sha256()

    class Sink:
        def write(self, data: bytes) -> int:
            plain.update(data)
            return len(data)

    with open(root / "etude-scanner.dcm.age", "rb") as handle:
        agefile.decrypt(handle, Sink(), [recovery])
    assert plain.hexdigest() == digest.hexdigest()
    assert again.stop() == 0


# -- policies, in this process, with a controllable clock ------------------------------------------
DAY = 86400


def aged(path: Path, data: bytes, days_ago: float, now: float) -> None:
    path.write_bytes(data)
    when = now - days_ago * DAY
    os.utime(path, (when, when))


def test_untouched_for_n_days_with_a_controllable_clock(vault):
    root, _key_file, _recovery = vault
    store = open_default()
    now = [time.time()]
    policy.set_policy(store, root, 30)
    aged(root / "2024-01.dcm", b"old study", 40, now[0])
    aged(root / "2024-06.dcm", b"this month's study", 10, now[0])

    totals = Watcher(store, quiet_seconds=0, clock=lambda: now[0]).once()
    assert totals.protected == 1
    assert sorted(p.name for p in root.iterdir()) == ["2024-01.dcm.age", "2024-06.dcm"]
    chosen, left = waiting(store, root, clock=lambda: now[0])  # what the vault page shows
    assert chosen.after_days == 30 and left.count == 1
    assert left.next_at == pytest.approx(now[0] + 20 * DAY, abs=5)

    now[0] += 19 * DAY  # 29 days untouched: still readable
    assert Watcher(store, quiet_seconds=0, clock=lambda: now[0]).once().protected == 0
    now[0] += 2 * DAY  # 31 days
    assert Watcher(store, quiet_seconds=0, clock=lambda: now[0]).once().protected == 1
    assert sorted(p.name for p in root.iterdir()) == ["2024-01.dcm.age", "2024-06.dcm.age"]


def test_a_folder_opened_for_consultation_is_left_alone_until_the_unlock_times_out(vault):
    root, _key_file, _recovery = vault
    store = open_default()
    (root / "a.dcm").write_bytes(b"image")
    folder.lock(root, keys.recipients())
    folder.unlock(root, [keys.unlock(PASSPHRASE)])
    (root / "b.dcm").write_bytes(b"new image while consulting")
    now = [time.time()]
    assert Watcher(store, quiet_seconds=0, clock=lambda: now[0]).once().protected == 0
    assert sorted(p.name for p in root.iterdir()) == ["a.dcm", "b.dcm"]
    now[0] += 13 * 3600  # the default timeout is 12 hours
    assert Watcher(store, quiet_seconds=0, clock=lambda: now[0]).once().protected == 2
    assert sorted(p.name for p in root.iterdir()) == ["a.dcm.age", "b.dcm.age"]


def run_vault(*argv: str) -> int:
    from gp_guard import cli
    from gp_guard.cli import vault as cli_vault

    parser = argparse.ArgumentParser(prog="gp-guard")
    cli_vault.register(parser.add_subparsers(dest="command"))
    return cli.run(parser.parse_args(["vault", *argv]))


def test_vault_lock_after_days_encrypts_only_the_old_files_and_remembers_it(vault, capsys, monkeypatch):
    root, _key_file, _recovery = vault
    now = time.time()
    aged(root / "old.dcm", b"old", 45, now)
    aged(root / "recent.dcm", b"recent", 3, now)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert run_vault("lock", str(root), "--after-days", "30") == 0
    out = capsys.readouterr().out
    assert "Files encrypted: 1" in out and "less than 30 days ago: 1" in out
    assert sorted(p.name for p in root.iterdir()) == ["old.dcm.age", "recent.dcm"]
    assert policy.get(open_default(), folder.check_folder(root)).after_days == 30
    assert run_vault("lock", str(root), "--after-days", "0") == 2
    assert "between 1 and" in capsys.readouterr().err
    assert run_vault("lock", str(root)) == 0  # without --after-days: as soon as finished again
    assert policy.get(open_default(), folder.check_folder(root)).immediate
    assert sorted(p.name for p in root.iterdir()) == ["old.dcm.age", "recent.dcm.age"]


def test_sigterm_mid_file_stops_at_a_safe_point_and_exits_0(vault, watcher, tmp_path):
    root, _key_file, _recovery = vault
    outside = tmp_path / "incoming.dcm"
    digest = hashlib.sha256()
    with open(outside, "wb") as out:
        for index in range(300):
            data = block(index)
            digest.update(data)
            out.write(data)
    watch = watcher()
    target = root / "etude.dcm"
    os.rename(outside, target)
    tmp_copy = root / ("etude.dcm" + folder.LOCK_TMP)
    watch.until(lambda: tmp_copy.exists() and tmp_copy.stat().st_size > 8 * MiB, 60,
                "the watcher did not start encrypting the big file", every=0.01)
    assert watch.stop() == 0  # SIGTERM while the copy is being written
    assert "The watcher stopped." in watch.lines
    names = sorted(p.name for p in root.iterdir())
    assert names in (["etude.dcm"], ["etude.dcm.age"])  # before or after the file, never half-way
    assert Journal(open_default()).pending() == []
    if names == ["etude.dcm"]:
        with open(target, "rb") as handle:
            assert hashlib.file_digest(handle, "sha256").hexdigest() == digest.hexdigest()


def run_in_thread(store, monkeypatch, **kw):  # type: ignore[no-untyped-def]
    """A watcher in this process (to shrink its limits); ``said`` wakes ``wait`` on each line."""
    said = threading.Condition()
    lines: list[str] = []

    def say(text: str) -> None:
        with said:
            lines.append(text)
            said.notify_all()

    watcher = Watcher(store, quiet_seconds=QUIET, say=say, **kw)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()

    def wait(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        with said:
            while not condition():
                left = deadline - time.monotonic()
                assert left > 0, f"{what}; watcher said: {lines[-5:]}"
                said.wait(min(0.2, left))

    wait(lambda: any("watched" in line for line in lines), 30, "not started")
    return watcher, thread, wait


def test_more_files_than_the_pending_limit_are_all_protected_by_the_rescan(vault, monkeypatch):
    from gp_guard.guardian import watcher as module

    root, _key_file, _recovery = vault
    monkeypatch.setattr(module, "MAX_PENDING", 10)  # memory stays bounded: the rest waits for a rescan
    watcher, thread, wait = run_in_thread(open_default(), monkeypatch)
    for index in range(50):
        (root / f"IMG{index:03d}.dcm").write_bytes(b"image %d" % index)
    try:
        wait(lambda: sorted(p.name for p in root.iterdir()) == [f"IMG{i:03d}.dcm.age" for i in range(50)], 60,
             "not every file was protected")
        assert watcher.totals.rescans >= 2  # the start-up one, and the one the full set asked for
        assert len(watcher.pending) <= 10
    finally:
        watcher.stop()
        thread.join(timeout=30)


def test_lost_events_make_it_look_at_everything_again(vault, monkeypatch):
    root, _key_file, _recovery = vault
    watcher, thread, wait = run_in_thread(open_default(), monkeypatch, events=False)  # as if every event was lost
    (root / "missed.dcm").write_bytes(b"no event was seen for this file")
    try:
        watcher.lost()  # what the observer's EventsLostEvent (inotify IN_Q_OVERFLOW) calls
        wait(lambda: (root / "missed.dcm.age").exists() and not (root / "missed.dcm").exists(), 30,
             "the rescan did not find the file")
    finally:
        watcher.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_watch_once_from_the_command_line(vault):
    root, _key_file, _recovery = vault
    (root / "IMG0001.dcm").write_bytes(b"image")
    (root / "scan.crdownload").write_bytes(b"a download in progress")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "gp_guard", "vault", "watch", "--once", "--quiet-seconds", "0"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Files protected: 1" in done.stdout
    assert sorted(p.name for p in root.iterdir()) == ["IMG0001.dcm.age", "scan.crdownload"]
    bad = subprocess.run([sys.executable, "-m", "gp_guard", "--lang", "fr", "vault", "watch", "--quiet-seconds", "-1"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "--quiet-seconds doit valoir 0 ou plus." in bad.stderr
    assert "Traceback" not in bad.stderr


def test_the_watchers_small_runs_keep_the_folders_other_failures_listed(vault):
    root, _key_file, _recovery = vault
    (root / "lettre.age").write_bytes(b"a plaintext merely named .age")  # a failure of the folder
    folder.lock(root, keys.recipients())
    assert [p.name for p in folder.status(root)[0].failed] == ["lettre.age"]
    (root / "IMG0002.dcm").write_bytes(b"new image")
    assert Watcher(open_default(), quiet_seconds=0).once().protected == 1
    assert [p.name for p in folder.status(root)[0].failed] == ["lettre.age"]  # still shown to the doctor


def test_a_study_the_imaging_software_read_recently_stays_readable(vault):
    """'Untouched' includes reads where the system keeps access times (Linux relatime: a read
    updates it when it is older than a day)."""
    root, _key_file, _recovery = vault
    store = open_default()
    policy.set_policy(store, root, 30)
    now = time.time()
    aged(root / "old-but-read.dcm", b"a study opened this morning", 40, now)
    aged(root / "old.dcm", b"a study nobody opened", 40, now)
    with open(root / "old-but-read.dcm", "rb") as handle:  # the imaging software opens it
        handle.read()
    if (root / "old-but-read.dcm").stat().st_atime < now - DAY:
        pytest.skip("this file system does not keep access times (noatime): 'untouched' means 'not changed'")
    assert Watcher(store, quiet_seconds=0).once().protected == 1
    assert sorted(p.name for p in root.iterdir()) == ["old-but-read.dcm", "old.dcm.age"]
