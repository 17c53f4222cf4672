"""A real second process writes a file while the vault locks or unlocks its folder: nothing is lost.

The writer is a child process that opens the file, then writes one chunk each time the test asks
and answers when it is written (a pipe each way: no sleeping). The test asks from the vault's
progress callback, so the writes happen while the lock or unlock runs. Whatever happens, the
complete data must exist as the plaintext or inside the ``.age``, and once the writer has closed the
file a later run protects (or opens) it whole.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gp_guard.vault import agefile, folder, inuse

WRITER = r"""
import sys
path, mode = sys.argv[1], sys.argv[2]
handle = None
for line in sys.stdin:
    word = line.strip()
    if word == "open":
        handle = open(path, "ab" if mode == "append" else "r+b", buffering=0)
    elif word.startswith("write"):
        if mode == "append":
            handle.write(word[6:].encode() + b"\n")
        else:  # the same bytes again, in place: the file stays a valid age file
            handle.seek(0)
            data = open(path, "rb").read()
            handle.write(data)
    elif word == "close":
        handle.close()
        handle = None
    print("ok", flush=True)
"""


class Writer:
    """The child process that writes the file; each call returns once the child has done it."""

    def __init__(self, path: Path, mode: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), mode], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()
        self.lines: list[str] = []
        self.is_open = False

    def do(self, word: str) -> None:
        with self.lock:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(word + "\n")
            self.proc.stdin.flush()
            assert self.proc.stdout.readline().strip() == "ok"
            if word == "open":
                self.is_open = True
            elif word == "close":
                self.is_open = False

    def write(self, text: str) -> None:
        self.do("write " + text)
        self.lines.append(text)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.communicate("")


@pytest.fixture(scope="module")
def ids():
    return agefile.X25519Identity.generate(), agefile.X25519Identity.generate()


def lock(root, ids, **kw):
    work, recovery = ids
    return folder.lock(root, [work.recipient(), recovery.recipient()], [work], retry_delay=0.0, **kw)


def decrypted(path: Path, identity) -> bytes:
    return agefile.decrypt_bytes(path.read_bytes(), [identity])


def complete(root: Path, name: str, expected: bytes, identity) -> None:
    """The whole data is there, as the plaintext or inside the .age (never neither, never less)."""
    plain, age = root / name, root / (name + ".age")
    assert plain.exists() or age.exists(), "the file is gone"
    if plain.exists():
        assert plain.read_bytes() == expected
    if age.exists():
        assert decrypted(age, identity) == expected
    assert not list(root.glob("*.tmp"))


@pytest.fixture(params=["lease", "scan"])
def way(request, monkeypatch):
    """Linux sees a writer through a lease, or (another user's file) through the processes' open
    files: both ways are run."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the two ways are Linux's; elsewhere the platform's own check runs")
    if request.param == "scan":
        monkeypatch.setattr(inuse, "LEASES", False)
    return request.param


@pytest.mark.parametrize("opened", ["before", "during"])
def test_lock_never_deletes_a_file_being_written(tmp_path, ids, way, opened):
    root = tmp_path / "Imagerie"
    root.mkdir()
    study = root / "study.log"
    study.write_bytes(b"start\n")
    for index in range(5):  # other files, so the run lasts and calls back several times
        (root / f"other{index}.dcm").write_bytes(os.urandom(50_000))
    writer = Writer(study, "append")
    try:
        if opened == "before":
            writer.do("open")
            writer.write("line 0")
        during = []

        def progress(p: folder.Progress) -> None:
            # "during": the writer opens the file while its encryption runs, writes nothing yet
            # (its fingerprint stays the same), and only writes once the lock is over
            if opened == "during" and p.current == "study.log" and not writer.is_open:
                writer.do("open")
                during.append("opened")
            elif opened == "before" and len(writer.lines) < 20:
                writer.write(f"line {len(writer.lines)}")
                during.append("wrote")

        report = lock(root, ids, progress=progress)
        assert during, "the writer never acted during the lock"
        assert sorted(report.done) == [f"other{i}.dcm" for i in range(5)]
        [problem] = report.failed
        assert problem.name == "study.log" and problem.message == folder.P_IN_USE
        assert str(writer.proc.pid) in problem.detail or way == "lease" and opened == "before" and problem.detail
        assert "will be protected once that program has closed it" in problem.text()
        # the writer goes on after the lock: its writes land in the file, which is still there
        for _index in range(3):
            writer.write(f"line {len(writer.lines)}")
        writer.do("close")
        expected = b"start\n" + b"".join(line.encode() + b"\n" for line in writer.lines)
        complete(root, "study.log", expected, ids[0])
        assert study.read_bytes() == expected and not (root / "study.log.age").exists()
    finally:
        writer.stop()
    # finished and closed: the next lock protects it whole
    again = lock(root, ids)
    assert again.ok and again.done == ["study.log"]
    assert decrypted(root / "study.log.age", ids[0]) == expected and not study.exists()


def test_unlock_never_deletes_an_encrypted_file_being_written(tmp_path, ids, way):
    root = tmp_path / "Imagerie"
    root.mkdir()
    data = os.urandom(300_000)
    (root / "scan.pdf").write_bytes(data)
    for index in range(3):
        (root / f"other{index}.dcm").write_bytes(os.urandom(50_000))
    assert lock(root, ids).ok
    sealed = root / "scan.pdf.age"
    before = hashlib.sha256(sealed.read_bytes()).hexdigest()
    writer = Writer(sealed, "rewrite")  # a sync program rewriting the encrypted file in place
    try:
        def progress(p: folder.Progress) -> None:
            if p.current == "scan.pdf.age" and not writer.is_open:
                writer.do("open")
            elif writer.is_open and len(writer.lines) < 5:
                writer.write("again")

        report = folder.unlock(root, [ids[0]], progress=progress, retry_delay=0.0)
        assert writer.is_open
        assert sorted(report.done) == [f"other{i}.dcm.age" for i in range(3)]
        assert [(p.name, p.message) for p in report.failed] == [("scan.pdf.age", folder.P_IN_USE)]
        assert not (root / "scan.pdf").exists()  # the decrypted copy was taken back: the .age stays
        assert hashlib.sha256(sealed.read_bytes()).hexdigest() == before
        complete(root, "scan.pdf", data, ids[0])
        writer.do("close")
    finally:
        writer.stop()
    again = folder.unlock(root, [ids[0]], retry_delay=0.0)
    assert again.ok and again.done == ["scan.pdf.age"]
    assert (root / "scan.pdf").read_bytes() == data and not sealed.exists()


def test_writers_names_the_program_and_ignores_readers(tmp_path, way):
    written, read, idle = tmp_path / "written.dcm", tmp_path / "read.dcm", tmp_path / "idle.dcm"
    for path in (written, read, idle):
        path.write_bytes(b"x")
    code = ("import sys; w = open(sys.argv[1], 'ab'); r = open(sys.argv[2], 'rb'); "
            "print('ready', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(written), str(read)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        found = inuse.writers([written, read, idle, tmp_path / "missing.dcm"])
        assert list(found) == [written]
        assert found[written].pid == proc.pid and found[written].program.startswith("python")
        assert inuse.holder(read) is None and inuse.holder(written) == found[written]
        with inuse.hold(idle) as held:
            assert held.writer is None and held.alone()
        with inuse.hold(written) as held:
            assert held.writer == found[written] and not held.alone()
    finally:
        proc.communicate("")
    assert inuse.writers([written]) == {}  # closed: finished
    st = os.lstat(written)
    assert inuse.finished(written, st)
    with open(written, "ab") as handle:
        handle.write(b"more")
    assert not inuse.finished(written, st) and inuse.finished(written, os.lstat(written))
