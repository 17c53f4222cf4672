"""Killed in the middle of a lock, then the sub-folder is renamed before gp_guard starts again:
recovery finds the folder by its inode and finishes or undoes every file there (red-team D10)."""

from __future__ import annotations

import hashlib
import random
import shutil
import signal
from pathlib import Path

import pytest

from gp_guard.vault import folder
from tests.integration.test_vault_crash import assert_recoverable, child, keys, total_steps  # noqa: F401 - fixture


def make(root: Path, rng: random.Random) -> dict[str, str]:
    files = {f"study/img{i}.dcm": rng.randbytes(rng.randrange(1, 100_000)) for i in range(7)}
    files["top.pdf"] = rng.randbytes(5000)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}


@pytest.mark.integration
def test_killed_then_folder_renamed_recovery_finds_it(tmp_path, keys):  # noqa: F811 - the fixture
    work, recovery, keyfile = keys
    template, root = tmp_path / "template", tmp_path / "race"
    template.mkdir()
    originals = make(template, random.Random(7))
    renamed = {rel.replace("study/", "study-renamed/"): sha for rel, sha in originals.items()}
    steps = total_steps("lock", shutil.copytree(template, root), keyfile)
    shutil.rmtree(root)
    tried = 0
    for step in range(1, steps, 2):
        shutil.copytree(template, root)
        proc = child("lock", root, keyfile, crash_after=step)
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode in (-signal.SIGKILL, 0), err
        (root / "study").rename(root / "study-renamed")  # the doctor renames the study meanwhile
        folder.recover()
        assert_recoverable(root, renamed, work)
        report = folder.lock(root, [work.recipient(), recovery.recipient()], [work])
        assert report.ok, [p.text() for p in report.failed]
        assert assert_recoverable(root, renamed, work) == (0, len(renamed))
        shutil.rmtree(root)
        tried += 1
    assert tried >= 10
