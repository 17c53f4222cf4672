"""Lock, unlock, verify and recover on real folders with the awkward cases of real practices."""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from gp_guard.paths import data_dir
from gp_guard.vault import agefile, batches, fileio, folder, outcome, transform
from gp_guard.vault.journal import VERIFIED, Journal
from tests.conftest import require_tool

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ids():
    return agefile.X25519Identity.generate(), agefile.X25519Identity.generate()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha(p) for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def lock(root, ids, **kw):
    work, recovery = ids
    return folder.lock(root, [work.recipient(), recovery.recipient()], [work], retry_delay=0.0, **kw)


def unlock(root, ids, **kw):
    return folder.unlock(root, [ids[0]], retry_delay=0.0, **kw)


@pytest.fixture
def practice(tmp_path):
    root = tmp_path / "Radiologie"
    files = {
        "empty.dcm": b"",
        ".hidden": b"secret",
        "Compte rendu — Müller 日本 ñ.pdf": os.urandom(70_000),
        "readonly.dcm": os.urandom(65536),
        "a/b/c/d/e/f/g/h/" + "x" * 200 + "/deep.dcm": os.urandom(1000),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "readonly.dcm").chmod(0o444)
    os.utime(root / "readonly.dcm", ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789))
    return root


def test_lock_then_unlock_gives_back_every_file_bit_for_bit(practice, ids):
    before = tree(practice)
    report = lock(practice, ids)
    assert report.ok and sorted(report.done) == sorted(before)
    assert all(name.endswith(".age") for name in tree(practice))
    assert len(tree(practice)) == len(before)
    age = practice / "readonly.dcm.age"
    assert oct(age.stat().st_mode & 0o777) == "0o444"
    assert age.stat().st_mtime_ns == 1_600_000_000_123_456_789
    assert Journal().pending() == []

    verified = folder.verify(practice, [ids[1]])  # the recovery key opens every file
    assert verified.ok and len(verified.done) == len(before)

    report = unlock(practice, ids)
    assert report.ok
    assert tree(practice) == before
    assert oct((practice / "readonly.dcm").stat().st_mode & 0o777) == "0o444"
    assert (practice / "readonly.dcm").stat().st_mtime_ns == 1_600_000_000_123_456_789


def test_stock_age_tool_decrypts_with_the_recovery_key_alone(tmp_path, ids):
    age = require_tool("age", "the recovery promise: files open without gp_guard")
    root = tmp_path / "scans"
    root.mkdir()
    data = os.urandom(200_001)
    (root / "scan.pdf").write_bytes(data)
    work, recovery = ids
    # public keys only, as a watcher would: no identity at hand
    report = folder.lock(root, [work.recipient(), recovery.recipient()])
    assert report.ok
    key = tmp_path / "recovery.txt"
    key.write_text(recovery.to_string() + "\n")
    out = subprocess.run([age, "-d", "-i", str(key), str(root / "scan.pdf.age")], capture_output=True, check=True)
    assert out.stdout == data


def test_symlinks_are_never_followed(tmp_path, ids):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "patient.pdf").write_bytes(b"outside data")
    root = tmp_path / "folder"
    root.mkdir()
    (root / "inside.pdf").write_bytes(b"inside")
    (root / "file-link.pdf").symlink_to(outside / "patient.pdf")
    (root / "dir-link").symlink_to(outside, target_is_directory=True)
    report = lock(root, ids)
    assert report.done == ["inside.pdf"]
    assert {p.name for p in report.skipped} == {"file-link.pdf", "dir-link"}
    assert (outside / "patient.pdf").read_bytes() == b"outside data"
    assert sorted(p.name for p in outside.iterdir()) == ["patient.pdf"]
    assert (root / "file-link.pdf").is_symlink() and (root / "dir-link").is_symlink()


def test_hard_linked_file_is_left_alone(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "a.dcm").write_bytes(b"a")
    os.link(root / "a.dcm", tmp_path / "elsewhere.dcm")
    report = lock(root, ids)
    assert report.done == [] and [p.message for p in report.skipped] == [outcome.P_HARDLINK]
    assert (root / "a.dcm").read_bytes() == b"a"


@pytest.mark.parametrize("target", ["home", "root", "etc", "usr_share", "data", "log_parent", "missing", "link"])
def test_dangerous_folders_are_refused(tmp_path, monkeypatch, ids, target):
    home = tmp_path / "home" / "doctor"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "to-docs").symlink_to(home / "Documents")
    paths = {
        "home": home, "root": Path("/"), "etc": Path("/etc"), "usr_share": Path("/usr/share"),
        "data": data_dir(), "log_parent": data_dir().parent, "missing": tmp_path / "nope",
        "link": tmp_path / "to-docs",
    }
    with pytest.raises(folder.FolderRefused) as err:
        lock(paths[target], ids)
    assert str(err.value)  # a sentence for the doctor
    assert folder.check_folder(home / "Documents") == home / "Documents"


def test_refusal_is_translated(tmp_path, ids):
    from gp_guard import i18n

    i18n.set_language("fr")
    with pytest.raises(folder.FolderRefused) as err:
        lock(Path("/etc"), ids)
    assert "dossier du système" in str(err.value)


def test_existing_encrypted_copy_is_never_overwritten(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "x.dcm").write_bytes(b"new")
    theirs = agefile.encrypt_bytes(b"someone else's file", [ids[0].recipient()])
    (root / "x.dcm.age").write_bytes(theirs)
    report = lock(root, ids)
    assert [p.message for p in report.failed] == [outcome.P_EXISTS]
    assert (root / "x.dcm").read_bytes() == b"new"
    assert (root / "x.dcm.age").read_bytes() == theirs


def test_name_too_long_for_the_suffix_is_reported_and_kept(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    name = "é" * 124 + ".pdf"  # 252 bytes: ".age" would not fit (names of 251 bytes do: test_vault_names)
    (root / name).write_bytes(b"data")
    (root / "ok.pdf").write_bytes(b"ok")
    report = lock(root, ids)
    assert report.done == ["ok.pdf"]
    assert [p.message for p in report.failed] == [outcome.P_NAME_LONG]
    assert (root / name).read_bytes() == b"data"


def test_file_changed_once_during_the_run_is_retried(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "a.dcm").write_bytes(b"a" * 1000)
    (root / "b.dcm").write_bytes(b"b" * 1000)
    touched = []

    def progress(p):
        if p.current == "b.dcm" and not touched:  # a scanner writes more while gp_guard reads
            touched.append(1)
            with open(root / "b.dcm", "ab") as handle:
                handle.write(b"more")

    batches.BATCH_FILES, old = 1, batches.BATCH_FILES
    try:
        report = lock(root, ids, progress=progress)
    finally:
        batches.BATCH_FILES = old
    assert touched and report.ok and sorted(report.done) == ["a.dcm", "b.dcm"]
    got = _decrypt(root / "b.dcm.age", ids[0])
    assert got == b"b" * 1000 + b"more"


def test_file_that_keeps_changing_is_reported_never_half_done(tmp_path, ids, monkeypatch):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "live.dcm").write_bytes(b"v0")
    real = transform.Encrypt.unchanged
    calls = []

    def always_changed(self, rel, st, digest):
        calls.append(rel)
        with open(self.root / rel, "ab") as handle:  # the plaintext changes after encryption
            handle.write(b"+")
        return real(self, rel, st, digest)

    monkeypatch.setattr(transform.Encrypt, "unchanged", always_changed)
    report = lock(root, ids, retries=2)
    assert len(calls) == 3  # tried, then retried twice
    assert [p.message for p in report.failed] == [folder.P_CHANGED]
    assert (root / "live.dcm").read_bytes() == b"v0+++"
    assert sorted(p.name for p in root.iterdir()) == ["live.dcm"]


def test_locked_file_is_retried_then_reported(tmp_path, ids, monkeypatch):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "busy.dcm").write_bytes(b"busy")
    (root / "free.dcm").write_bytes(b"free")
    real_open = fileio.open_read
    refusals = {"busy.dcm": 2}

    def sharing_violation(path):
        name = Path(path).name
        if refusals.get(name, 0) > 0:
            refusals[name] -= 1
            raise OSError(errno.EBUSY, "The process cannot access the file", str(path))  # as a sharing violation
        return real_open(path)

    monkeypatch.setattr(fileio, "open_read", sharing_violation)
    report = lock(root, ids, retries=2)
    assert report.ok and sorted(report.done) == ["busy.dcm", "free.dcm"]

    (root / "again.dcm").write_bytes(b"x")
    refusals["again.dcm"] = 99
    report = lock(root, ids, retries=1)
    assert [(p.name, p.message) for p in report.failed] == [("again.dcm", folder.P_BUSY)]
    assert (root / "again.dcm").read_bytes() == b"x" and not (root / "again.dcm.age").exists()


def _decrypt(path: Path, identity) -> bytes:
    return agefile.decrypt_bytes(path.read_bytes(), [identity])


@pytest.mark.parametrize("damage", ["flip", "truncate", "wrong_key"])
def test_damaged_or_foreign_file_is_detected_and_no_plaintext_left(tmp_path, ids, damage):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "good.dcm").write_bytes(os.urandom(150_000))
    (root / "bad.dcm").write_bytes(os.urandom(150_000))
    assert lock(root, ids).ok
    bad = root / "bad.dcm.age"
    data = bytearray(bad.read_bytes())
    if damage == "flip":
        data[-70_000] ^= 0x01  # in the second chunk: the first one authenticates and is written
        bad.write_bytes(bytes(data))
    elif damage == "truncate":
        bad.write_bytes(bytes(data[:-100]))
    else:
        other = agefile.X25519Identity.generate()
        bad.write_bytes(agefile.encrypt_bytes(b"not for you", [other.recipient()]))
    damaged = bad.read_bytes()
    checked = folder.verify(root, [ids[0]])
    assert [p.name for p in checked.failed] == ["bad.dcm.age"]
    report = unlock(root, ids)
    assert report.done == ["good.dcm.age"]
    assert [(p.name, p.message) for p in report.failed] == [("bad.dcm.age", folder.P_DAMAGED)]
    assert sorted(p.name for p in root.iterdir()) == ["bad.dcm.age", "good.dcm"]
    assert bad.read_bytes() == damaged
    assert folder.status(root)[0].state == "failed"


def test_cancel_stops_at_a_safe_point(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    for index in range(12):
        (root / f"{index:02d}.dcm").write_bytes(os.urandom(100_000))
    before = tree(root)
    token = folder.CancelToken()

    def progress(p):
        if p.files_done >= 3:
            token.cancel()

    batches.BATCH_FILES, old = 4, batches.BATCH_FILES
    try:
        report = lock(root, ids, progress=progress, cancel=token)
    finally:
        batches.BATCH_FILES = old
    assert report.cancelled and 3 <= len(report.done) < 12
    for rel, digest in before.items():
        if rel in report.done:
            assert not (root / rel).exists() and hashlib.sha256(_decrypt(root / (rel + ".age"), ids[0])).hexdigest() == digest
        else:
            assert sha(root / rel) == digest and not (root / (rel + ".age")).exists()
    assert not list(root.glob("*.tmp")) and Journal().pending() == []


def test_folder_busy_in_another_process_is_refused(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "a").write_bytes(b"a")
    with folder.FolderMutex(folder.check_folder(root)):
        with pytest.raises(folder.FolderBusy):
            lock(root, ids)
    assert (root / "a").exists()


def test_programs_with_open_files_are_named(tmp_path):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "open.dcm").write_bytes(b"x")
    code = "import sys; f = open(sys.argv[1], 'rb'); print('ready', flush=True); sys.stdin.read()"
    proc = subprocess.Popen([sys.executable, "-c", code, str(root / "open.dcm")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        found = folder.open_by_programs(root)
        assert [(pid, path) for pid, _name, path in found] == [(proc.pid, str(root / "open.dcm"))]
    finally:
        proc.communicate("")


def _full_disk_child(root: Path, keyfile: Path, limit: int) -> subprocess.CompletedProcess:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes fail with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    code = ("import sys\nfrom gp_guard.vault import agefile, folder\n"
            "w, r = agefile.parse_identities(open(sys.argv[2]).read())\n"
            "try:\n    folder.lock(sys.argv[1], [w.recipient(), r.recipient()], [w])\n"
            "except folder.DiskFull as exc:\n    print('full', len(exc.report.done), exc); sys.exit(3)\n")
    return subprocess.run([sys.executable, "-c", code, str(root), str(keyfile)], cwd=REPO,
                          preexec_fn=limited, capture_output=True, text=True, timeout=60)


def test_disk_full_gives_a_clear_error_and_loses_nothing(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "a_small.dcm").write_bytes(os.urandom(100_000))
    (root / "b_small.dcm").write_bytes(os.urandom(100_000))
    (root / "c_big.dcm").write_bytes(os.urandom(1_500_000))
    before = tree(root)
    keyfile = tmp_path / "keys.txt"
    keyfile.write_text(f"{ids[0].to_string()}\n{ids[1].to_string()}\n")
    Journal()  # tables exist before the limit applies
    done = _full_disk_child(root, keyfile, 1_000_000)
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith("full 2 The disk is full")
    folder.recover()
    assert sorted(p.name for p in root.iterdir()) == ["a_small.dcm.age", "b_small.dcm.age", "c_big.dcm"]
    assert sha(root / "c_big.dcm") == before["c_big.dcm"]
    assert hashlib.sha256(_decrypt(root / "a_small.dcm.age", ids[1])).hexdigest() == before["a_small.dcm"]


def test_full_tmpfs_gives_a_clear_error_and_loses_nothing(tmp_path, ids):
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root (the RLIMIT_FSIZE test covers the same path)")
    try:
        (mount / "a.dcm").write_bytes(os.urandom(100_000))
        (mount / "b.dcm").write_bytes(os.urandom(1_700_000))
        before = tree(mount)
        with pytest.raises(folder.DiskFull) as err:
            lock(mount, ids)
        assert set(err.value.report.done) <= {"a.dcm"}  # files run in parallel: a may meet the full disk too
        names = sorted(p.name for p in mount.iterdir())
        assert names in (["a.dcm.age", "b.dcm"], ["a.dcm", "b.dcm"])
        assert sha(mount / "b.dcm") == before["b.dcm"]
        if "a.dcm" in names:
            assert sha(mount / "a.dcm") == before["a.dcm"]
        else:
            assert hashlib.sha256(_decrypt(mount / "a.dcm.age", ids[0])).hexdigest() == before["a.dcm"]
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def _journaled(root: Path, rel: str, op: str = "lock") -> int:
    journal = Journal()
    path = root / rel
    st = path.stat()
    row = journal.begin(op, str(root), [(rel, rel + ".age", rel + ".age.tmp", st.st_size, st.st_mtime_ns)])[0]
    journal.mark([(row, VERIFIED, sha(path))])
    return row


def test_recover_finishes_a_verified_copy_and_rolls_back_a_stale_one(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    work, recovery = ids
    for name, data in (("done.dcm", b"same"), ("edited.dcm", b"before")):
        (root / name).write_bytes(data)
        _journaled(root, name)
        (root / (name + ".age")).write_bytes(agefile.encrypt_bytes(data, [work.recipient()]))
    (root / "edited.dcm").write_bytes(b"after the crash")
    result = folder.recover()
    assert len(result.finished) == 1 and len(result.rolled_back) == 1
    assert sorted(p.name for p in root.iterdir()) == ["done.dcm.age", "edited.dcm"]
    assert (root / "edited.dcm").read_bytes() == b"after the crash"
    assert Journal().pending() == []


def test_status_lists_protected_folders_with_their_state(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "a").write_bytes(b"a")
    assert lock(root, ids).ok
    (root / "new.dcm").write_bytes(b"arrived later")
    [state] = folder.status()
    assert (state.path, state.encrypted, state.plain, state.state) == (root, 1, 1, "partial")
    assert state.last_action == "lock"


def test_viewer_opens_a_private_copy_and_removes_it(tmp_path, ids):
    from gp_guard.vault import viewer

    root = tmp_path / "folder"
    root.mkdir()
    (root / "scan.pdf").write_bytes(b"%PDF scan")
    (root / "bad.pdf").write_bytes(os.urandom(100_000))
    assert lock(root, ids).ok
    data = bytearray((root / "bad.pdf.age").read_bytes())
    data[-10] ^= 1
    (root / "bad.pdf.age").write_bytes(bytes(data))
    opened = []
    view = viewer.Viewer(opener=lambda path: opened.append((path, path.read_bytes())))
    path = view.open(root / "scan.pdf.age", [ids[1]])
    assert opened == [(path, b"%PDF scan")] and path.name == "scan.pdf"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(viewer.ViewError):
        view.open(root / "bad.pdf.age", [ids[0]])
    assert [p.name for p in viewer.viewing_root().rglob("*") if p.is_file()] == ["scan.pdf"]  # no partial file
    view.close(path)
    assert not path.parent.exists()
    left = view.open(root / "scan.pdf.age", [ids[0]])
    assert viewer.cleanup_stale() == 0  # this process's own copy stays while it runs
    dead = next(pid for pid in range(4_000_000, 1, -1) if not psutil.pid_exists(pid))
    left.parent.rename(left.parent.with_name(f"view-{dead}-crashed"))  # left behind by a crash ...
    assert viewer.cleanup_stale() == 1  # ... removed at the next start
    assert list(viewer.viewing_root().iterdir()) == []
    assert (root / "scan.pdf.age").exists()


def test_recover_uses_the_fingerprint_of_big_files(tmp_path, ids):
    root = tmp_path / "folder"
    root.mkdir()
    journal = Journal()
    for name in ("kept.dcm", "edited.dcm"):
        path = root / name
        path.write_bytes(name.encode())
        st = path.stat()
        row = journal.begin("lock", str(root), [(name, name + ".age", name + ".age.tmp", st.st_size,
                                                  st.st_mtime_ns, st.st_ino, st.st_ctime_ns)])[0]
        journal.mark([(row, VERIFIED, "")])  # big file: no hash, the fingerprint only
        (root / (name + ".age")).write_bytes(agefile.encrypt_bytes(name.encode(), [ids[0].recipient()]))
    edited = root / "edited.dcm"
    before = edited.stat()
    with open(edited, "r+b") as handle:  # same size, same mtime put back: only ctime tells
        handle.write(b"E")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    result = folder.recover()
    assert len(result.finished) == 1 and len(result.rolled_back) == 1
    assert sorted(p.name for p in root.iterdir()) == ["edited.dcm", "kept.dcm.age"]


@pytest.fixture
def big_way(monkeypatch):
    """Files from 300 kB go the big-file way (verified while written), flushed every 64 KiB."""
    monkeypatch.setattr(transform, "FSYNC_ASIDE", 300_000)
    monkeypatch.setattr(fileio, "WRITEBACK_STEP", 65536)


def test_big_files_verified_while_written_lock_and_unlock_bit_for_bit(tmp_path, ids, big_way):
    root = tmp_path / "folder"
    root.mkdir()
    for name, size in (("big.dcm", 1_000_003), ("exact.dcm", 65536 * 8), ("small.dcm", 1000)):
        (root / name).write_bytes(os.urandom(size))
    before = tree(root)
    report = lock(root, ids)
    assert report.ok and sorted(report.done) == sorted(before)
    assert sorted(p.name for p in root.iterdir()) == sorted(name + ".age" for name in before)
    for name, digest in before.items():
        assert hashlib.sha256(_decrypt(root / (name + ".age"), ids[1])).hexdigest() == digest
    assert unlock(root, ids).ok
    assert tree(root) == before


@pytest.mark.parametrize("where", ["early", "last"])
def test_big_file_copy_damaged_while_written_is_caught_and_original_kept(tmp_path, ids, big_way, monkeypatch, where):
    root = tmp_path / "folder"
    root.mkdir()
    original = os.urandom(1_000_003)
    (root / "big.dcm").write_bytes(original)
    real = transform.encrypt

    class Flipper:  # a bad write: one bit of the copy differs from what was encrypted
        def __init__(self, out):
            self.out, self.count = out, 0

        def write(self, data):
            self.count += 1
            data = bytes(data)
            short = len(data) < agefile.BLOCK_CHUNKS * agefile.ENCRYPTED_CHUNK_SIZE  # the last block
            if (where == "early" and self.count == 3) or (where == "last" and short and self.count > 3):
                data = data[:10] + bytes([data[10] ^ 1]) + data[11:]
            return self.out.write(data)

        def flush(self):
            self.out.flush()

    monkeypatch.setattr(transform, "encrypt", lambda src, dst, recipients: real(src, Flipper(dst), recipients))
    report = lock(root, ids)
    assert [(p.name, p.message) for p in report.failed] == [("big.dcm", outcome.P_VERIFY)]
    assert sorted(p.name for p in root.iterdir()) == ["big.dcm"]
    assert (root / "big.dcm").read_bytes() == original
    assert Journal().pending() == []


def test_big_file_unlock_copy_damaged_while_written_is_caught_and_encrypted_file_kept(tmp_path, ids, big_way,
                                                                                         monkeypatch):
    root = tmp_path / "folder"
    root.mkdir()
    original = os.urandom(1_000_003)
    (root / "big.dcm").write_bytes(original)
    assert lock(root, ids).ok
    sealed = (root / "big.dcm.age").read_bytes()
    real_write = fileio.WritebackWriter.write
    calls = []

    def flip_one_bit(self, data):  # what reaches the file differs from what was decrypted
        calls.append(1)
        if len(calls) == 2:  # the second of its two blocks
            data = bytes(data)
            data = data[:5] + bytes([data[5] ^ 1]) + data[6:]
        return real_write(self, data)

    monkeypatch.setattr(fileio.WritebackWriter, "write", flip_one_bit)
    report = unlock(root, ids)
    assert [(p.name, p.message) for p in report.failed] == [("big.dcm.age", outcome.P_VERIFY_PLAIN)]
    assert sorted(p.name for p in root.iterdir()) == ["big.dcm.age"]
    assert (root / "big.dcm.age").read_bytes() == sealed
    assert Journal().pending() == []


def test_big_file_stopped_by_a_full_disk_leaves_no_helper_thread(tmp_path, ids, big_way, monkeypatch):
    root = tmp_path / "folder"
    root.mkdir()
    original = os.urandom(1_000_003)
    (root / "big.dcm").write_bytes(original)
    real_write = fileio.WritebackWriter.write
    written = []

    def fills_up(self, data):
        written.append(len(data))
        if sum(written) > 500_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(fileio.WritebackWriter, "write", fills_up)
    with pytest.raises(folder.DiskFull):
        lock(root, ids)
    assert sorted(p.name for p in root.iterdir()) == ["big.dcm"]
    assert (root / "big.dcm").read_bytes() == original
    assert not [t.name for t in threading.enumerate() if t.name.startswith(("vault-writeback", "vault-verify"))]


def _resident(path):
    """Bytes of ``path`` in the page cache, from util-linux ``fincore``."""
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


@pytest.fixture
def page_cache(tmp_path):
    """Skips where the page cache cannot be observed or released (not Linux, no fincore, tmpfs)."""
    if not sys.platform.startswith("linux") or shutil.which("fincore") is None:
        pytest.skip("needs Linux and util-linux fincore to observe the page cache")
    probe = tmp_path / "probe.bin"
    probe.write_bytes(os.urandom(4 << 20))
    with open(probe, "rb") as handle:
        os.fsync(handle.fileno())
        os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if _resident(probe) > 1 << 20:
        pytest.skip("this file system keeps file pages in memory whatever the program asks (tmpfs?)")
    probe.unlink()


def test_big_files_stream_through_little_memory(tmp_path, ids, page_cache, monkeypatch):
    """A big file is not left in memory: released behind the writing, and the rest at the end."""
    mib = 1 << 20
    monkeypatch.setattr(fileio, "WRITEBACK_STEP", 1 * mib)
    monkeypatch.setattr(fileio, "DROP_LAG", 2 * mib)
    monkeypatch.setattr(fileio, "FLUSH_AHEAD", 4 * mib)
    root = tmp_path / "folder"
    root.mkdir()
    data = os.urandom(40 * mib)
    (root / "study.dcm").write_bytes(data)
    peak = []
    real = fileio.DropBehind.__call__

    def watch(self, written):
        real(self, written)
        peak.append(_resident(root / "study.dcm.age.tmp"))

    monkeypatch.setattr(fileio.DropBehind, "__call__", watch)
    assert lock(root, ids).ok
    assert peak and max(peak) <= 8 * mib  # 40 MiB written; never more than a few MiB of it held
    assert _resident(root / "study.dcm.age") <= 8 * mib
    peak.clear()
    monkeypatch.setattr(fileio.DropBehind, "__call__", lambda self, written: (real(self, written), peak.append(
        _resident(root / ("study.dcm" + folder.UNLOCK_TMP)))))
    assert unlock(root, ids).ok
    assert peak and max(peak) <= 8 * mib
    assert (root / "study.dcm").read_bytes() == data


def _own_places():
    import platformdirs

    site_packages = Path(folder.__file__).resolve().parents[2]  # where gp_guard's modules come from
    return {
        "prefix": Path(sys.prefix), "base_prefix": Path(sys.base_prefix), "interpreter": Path(sys.executable).parent,
        "site_packages": Path(__import__("cryptography").__file__).parents[1],
        "cryptography": Path(__import__("cryptography").__file__).parent,
        "config": Path(platformdirs.user_config_dir()), "cache": Path(platformdirs.user_cache_dir()),
        "data": Path(platformdirs.user_data_dir()), "checkout": site_packages,
    }


@pytest.mark.parametrize("place", sorted(_own_places()))
def test_gp_guards_own_interpreter_and_the_settings_folders_are_refused(place):
    target = _own_places()[place]
    if not target.is_dir():
        pytest.skip(f"{target} does not exist on this machine")
    with pytest.raises(folder.FolderRefused) as err:
        folder.check_folder(target)
    assert "does not exist" not in str(err.value)


@pytest.mark.parametrize("target", ["/var/backups", "/var/mail", "/var/tmp", "/var/opt"])
def test_system_folders_under_var_are_refused(target):
    if not Path(target).is_dir():
        pytest.skip(f"{target} does not exist on this machine")
    with pytest.raises(folder.FolderRefused) as err:
        folder.check_folder(target)
    assert "system folder" in str(err.value)
