"""Kill the vault at many points of lock and unlock; after recover() every file is intact.

Kill points come two ways: the child installs a protocol-step hook that SIGKILLs it at its Nth
step (deterministic: every step of a small folder is tried), and real external SIGKILLs
sent after a random number of the child's progress lines. After each kill, ``recover()`` runs and
every original file must be there bit for bit: as plaintext, or as a ``.age`` that decrypts to it,
never both and never a temporary file left behind. Then a new run completes the job.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gp_guard.vault import agefile, folder, transform
from gp_guard.vault.journal import Journal

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("GP_GUARD_CRASH_SEED", random.randrange(1 << 30)))


@pytest.fixture
def keys(tmp_path):
    work, recovery = agefile.X25519Identity.generate(), agefile.X25519Identity.generate()
    keyfile = tmp_path / "keys.txt"
    keyfile.write_text(f"{work.to_string()}\n{recovery.to_string()}\n", encoding="ascii")
    return work, recovery, keyfile


def make_folder(root: Path, rng: random.Random, count: int = 0) -> dict[str, str]:
    """A small folder with the awkward cases; returns {relative path: sha256}."""
    files = {
        "empty.dcm": b"",
        "one.txt": b"x",
        "exact64k.bin": rng.randbytes(65536),
        "64k_plus_1.bin": rng.randbytes(65537),
        ".hidden": b"hidden",
        "Études/radiographie thorax é文件.pdf": rng.randbytes(150_000),
        "deep/a/b/image.dcm": rng.randbytes(3000),
        # the big-file way: verified by a helper thread while it is written, fsync beside it
        "study/big.dcm": rng.randbytes(transform.FSYNC_ASIDE + 65537),
    }
    for index in range(count):
        files[f"series/img{index:04d}.dcm"] = rng.randbytes(rng.randrange(1, 200_000))
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "one.txt").chmod(0o444)
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}


def decrypted_sha(path: Path, identity) -> str:
    out = io.BytesIO()
    with open(path, "rb") as handle:
        agefile.decrypt(handle, out, [identity])
    return hashlib.sha256(out.getvalue()).hexdigest()


def assert_recoverable(root: Path, originals: dict[str, str], identity) -> tuple[int, int]:
    """Every file present exactly once, intact; returns (plain, encrypted) counts."""
    plain = encrypted = 0
    for rel, sha in originals.items():
        path, age = root / rel, root / (rel + ".age")
        assert not (path.exists() and age.exists()), f"both copies of {rel} left"
        if path.exists():
            assert hashlib.sha256(path.read_bytes()).hexdigest() == sha, f"{rel} damaged"
            plain += 1
        else:
            assert age.exists(), f"{rel} lost"
            assert decrypted_sha(age, identity) == sha, f"{rel}.age does not decrypt to the original"
            encrypted += 1
    leftovers = [p for p in root.rglob("*") if p.name.endswith((".age.tmp", ".gpguard.tmp"))]
    assert leftovers == []
    assert Journal().pending() == []
    return plain, encrypted


def child(action: str, root: Path, keyfile: Path, crash_after: int | None = None, batch: int = 3,
          hash_limit: int = 16 * 1024 * 1024):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.vault_child", action, str(root), str(keyfile), str(batch),
         str(hash_limit), str(-1 if crash_after is None else crash_after)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def total_steps(action: str, root: Path, keyfile: Path) -> int:
    proc = child(action, root, keyfile)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return int(out.strip().splitlines()[-1].split()[1])


def lock_in_process(root: Path, work, recovery) -> None:
    report = folder.lock(root, [work.recipient(), recovery.recipient()], [work])
    assert report.ok, [p.text() for p in report.failed]


def crash_at(action: str, template: Path, root: Path, keyfile: Path, step: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(template, root, symlinks=True)
    # odd steps: big-file way (fingerprint only), even steps: small-file way (SHA-256 too)
    proc = child(action, root, keyfile, crash_after=step, hash_limit=0 if step % 2 else 16 * 1024 * 1024)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode in (-signal.SIGKILL, 0), err


@pytest.mark.integration
def test_killed_at_every_step_of_lock_and_unlock_nothing_is_lost(tmp_path, keys):
    work, recovery, keyfile = keys
    rng = random.Random(SEED)
    print(f"seed {SEED}")
    plain_template = tmp_path / "plain"
    plain_template.mkdir()
    originals = make_folder(plain_template, rng)
    root = tmp_path / "folder"

    # lock: how many steps a full run takes, then a kill after each of them
    shutil.copytree(plain_template, root)
    steps = total_steps("lock", root, keyfile)
    assert assert_recoverable(root, originals, work) == (0, len(originals))
    locked_template = tmp_path / "locked"
    shutil.move(root, locked_template)
    kills = 0
    seen_partial = False
    for step in range(1, steps + 1):
        crash_at("lock", plain_template, root, keyfile, step)
        kills += 1
        folder.recover()
        plain, encrypted = assert_recoverable(root, originals, work)
        seen_partial |= plain > 0 and encrypted > 0
        if step % 7 == 0:  # the next run finishes the job after a crash
            lock_in_process(root, work, recovery)
            assert assert_recoverable(root, originals, recovery) == (0, len(originals))
    assert seen_partial

    # unlock: a random sample of kill points (the recovery key must open every copy)
    shutil.rmtree(root)
    shutil.copytree(locked_template, root)
    steps = total_steps("unlock", root, keyfile)
    assert assert_recoverable(root, originals, work) == (len(originals), 0)
    for step in sorted(rng.sample(range(1, steps + 1), min(steps, 30))):
        crash_at("unlock", locked_template, root, keyfile, step)
        kills += 1
        folder.recover()
        assert_recoverable(root, originals, recovery)
    assert kills >= 50


@pytest.mark.integration
def test_external_sigkill_at_random_moments(tmp_path, keys):
    work, recovery, keyfile = keys
    rng = random.Random(SEED + 1)
    template = tmp_path / "plain"
    template.mkdir()
    originals = make_folder(template, rng, count=24)
    root = tmp_path / "folder"
    for round_ in range(6):
        action = "lock" if round_ % 2 == 0 else "unlock"
        if action == "lock":
            if root.exists():
                shutil.rmtree(root)
            shutil.copytree(template, root)
        else:
            lock_in_process(root, work, recovery)
        proc = child(action, root, keyfile, batch=4)
        assert proc.stdout is not None
        wanted = rng.randrange(1, len(originals))
        seen = 0
        for line in proc.stdout:  # wait on the child's own progress, no sleep
            if line.startswith("progress"):
                seen += 1
                if seen >= wanted:
                    proc.send_signal(signal.SIGKILL)
                    break
        proc.communicate(timeout=120)
        folder.recover()
        plain, encrypted = assert_recoverable(root, originals, work)
        assert plain + encrypted == len(originals)
