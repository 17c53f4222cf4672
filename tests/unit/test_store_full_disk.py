"""D1: a full data disk is a passing condition, never "damage". gp_guard's data lives on a real,
size-limited file system; the disk is filled, gp_guard is made to write, the disk is freed, and the
breach register, the vault journal and the audit history are all still there and readable."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from gp_guard import store as store_module
from gp_guard.audit import history
from gp_guard.breach.register import Register
from gp_guard.store import StoreUnavailable, open_default
from gp_guard.vault.journal import Journal
from tests.unit.test_breach_register import sample
from tests.unit.test_cli_errors import COMMANDS, command, gp, kept_aside, small_disk

PASSPHRASE = "register-pass-123"


def fill(disk: Path) -> Path:
    """Write zeros until the file system says it is full; the filler file."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for size in (1 << 20, 4096, 1):  # big blocks, then the last partial ones
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0
    return filler


def reopen() -> store_module.Store:
    """The store as a new process sees it."""
    if store_module._default is not None:
        store_module._default.close()
        store_module._default = None
    return open_default()


@pytest.fixture
def full_disk_home(monkeypatch, no_keyring, tmp_path):
    """GP_GUARD_HOME on a 4 MB tmpfs, with a breach, a pending vault journal entry, a protected
    folder and an audit run recorded in it."""
    with small_disk("4m") as disk:
        home = disk / "home"
        monkeypatch.setenv("GP_GUARD_HOME", str(home))
        store = reopen()
        breach = Register.open(store, lambda first: PASSPHRASE).save(sample())
        journal = Journal(store)
        folder = str(tmp_path / "images")
        journal.add_folder(folder)
        journal.begin("lock", folder, [(f"{folder}/irm.dcm", f"{folder}/irm.dcm.age",
                                        f"{folder}/irm.dcm.age.tmp", 1234, 5678)])
        store.close()
        store_module._default = None
        assert gp(home, "answer", "Q-BOX-01", "no").returncode == 0
        assert gp(home, "audit", "--only", "Q-BOX-01").returncode == 0
        yield disk, home, breach.ref, folder


def still_there(home: Path, ref: str, folder: str) -> None:
    store = reopen()
    assert [r.ref for r in Register.open(store, lambda first: PASSPHRASE).list()] == [ref]
    journal = Journal(store)
    assert journal.folders() == [folder]
    assert [e.src for e in journal.pending()] == [f"{folder}/irm.dcm"]
    assert len(history.runs(store)) == 1
    assert store.answers()["Q-BOX-01"][0] == "no"
    assert kept_aside(home) == []


def test_a_full_disk_loses_nothing_and_moves_nothing_aside(full_disk_home):
    disk, home, ref, folder = full_disk_home
    filler = fill(disk)
    for argv in COMMANDS:  # each one is made to write (or to open) while the disk is full
        proc = gp(home, *command(argv, disk))
        assert proc.returncode in (0, 2), (argv, proc.stdout, proc.stderr)
        if proc.returncode == 2:
            assert "is full" in proc.stderr, (argv, proc.stderr)
        assert kept_aside(home) == [], argv
    proc = gp(home, "audit", "--only", "Q-BOX-01", lang="fr")
    assert proc.returncode == 2 and "est plein" in proc.stderr
    # the same through the API the window uses: the register refuses to save, and says why
    with pytest.raises(StoreUnavailable) as error:  # opening needs room for its -shm file
        Register.open(reopen(), lambda first: PASSPHRASE).save(sample())
    assert error.value.reason == "full"
    assert store_module._default is None
    filler.unlink()
    still_there(home, ref, folder)


def test_writes_of_an_open_store_on_a_disk_that_fills_up_fail_cleanly(full_disk_home):
    """The window keeps the store open while the disk fills up: each write fails whole."""
    disk, home, ref, folder = full_disk_home
    store = reopen()
    register = Register.open(store, lambda first: PASSPHRASE)
    journal = Journal(store)
    filler = fill(disk)
    saved = []
    with pytest.raises(StoreUnavailable) as error:
        for _ in range(500):  # the -wal file may still have room for a few
            record = sample()
            record.nature.what_happened = os.urandom(20000).hex()
            saved.append(register.save(record).ref)
            journal.add_folder(f"{folder}-{len(saved)}")
            store.set_answer("Q-BOX-01", "no")
    assert error.value.reason == "full"
    assert "is full" in str(error.value)
    filler.unlink()
    assert sorted(r.ref for r in register.list()) == sorted([ref, *saved])  # the same store goes on
    store.close()
    store_module._default = None
    refs = [r.ref for r in Register.open(reopen(), lambda first: PASSPHRASE).list()]
    assert sorted(refs) == sorted([ref, *saved])
    assert [e.src for e in Journal(open_default()).pending()] == [f"{folder}/irm.dcm"]
    assert len(history.runs(open_default())) == 1 and kept_aside(home) == []
    proc = gp(home, "breach", "list", stdin=PASSPHRASE + "\n")
    assert proc.returncode == 0 and ref in proc.stdout
    proc = gp(home, "vault", "status")
    assert proc.returncode == 0 and folder in proc.stdout
