"""`gp-guard vault open` ended by a signal leaves no decrypted copy; a killed one is cleaned later."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from gp_guard.cli import vault as cli_vault
from gp_guard.vault import folder, keys, viewer

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def sealed(tmp_path, monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)  # kept in the identity file: fast in the child too
    keys.create_keys(PASSPHRASE.encode())
    root = tmp_path / "Imagerie"
    root.mkdir()
    (root / "study.log").write_bytes(b"patient study")
    assert folder.lock(root, keys.recipients()).ok
    return root / "study.log.age"


def opener_dir(tmp_path: Path, with_opener: bool) -> Path:
    """A PATH folder with a stand-in ``xdg-open`` that opens nothing, or with none at all."""
    place = tmp_path / ("bin" if with_opener else "empty-bin")
    place.mkdir(exist_ok=True)
    if with_opener:
        tool = place / "xdg-open"
        tool.write_text("#!/bin/sh\nexit 0\n")
        tool.chmod(0o755)
    return place


def start_open(sealed: Path, path_dir: Path) -> tuple[subprocess.Popen, list[str]]:
    env = dict(os.environ, PYTHONPATH=str(REPO), GP_GUARD_LANG="en", PATH=str(path_dir))
    proc = subprocess.Popen([sys.executable, "-m", "gp_guard", "vault", "open", str(sealed), "--passphrase-stdin"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(PASSPHRASE + "\n")
    proc.stdin.flush()
    lines = []
    for line in proc.stdout:  # until the command waits for Enter: the copy is there
        lines.append(line.strip())
        if line.startswith("Press Enter"):
            break
    return proc, lines


def copies() -> list[Path]:
    return [p for p in viewer.viewing_root().rglob("*") if p.is_file()]


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="SIGHUP and SIGTERM endings are POSIX")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_open_ended_by_a_signal_deletes_the_copy(tmp_path, sealed, signum):
    proc, lines = start_open(sealed, opener_dir(tmp_path, True))
    try:
        [copy] = copies()
        assert copy.read_bytes() == b"patient study" and any(str(copy) in line for line in lines)
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum
    assert "Traceback" not in err and "the decrypted copy was deleted" in err
    assert copies() == [] and not copy.parent.exists()


def test_open_without_a_program_to_open_says_where_the_copy_is(tmp_path, sealed):
    proc, lines = start_open(sealed, opener_dir(tmp_path, False))
    try:
        [copy] = copies()
        assert any("No program could be started" in line and str(copy) in line for line in lines)
        _out, err = proc.communicate("\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err
    assert copies() == []


def test_copies_of_a_killed_open_are_removed_by_the_next_command(tmp_path, sealed, capsys):
    proc, _lines = start_open(sealed, opener_dir(tmp_path, True))
    [left] = copies()
    proc.kill()  # SIGKILL: nothing can clean up now
    proc.wait(timeout=60)
    assert left.exists()
    alive = viewer.viewing_root() / f"view-{os.getpid()}-current"  # a vault open still running
    alive.mkdir()
    (alive / "open.pdf").write_bytes(b"in use")
    dead = next(pid for pid in range(4_000_000, 1, -1) if not psutil.pid_exists(pid))
    (viewer.viewing_root() / f"view-{dead}-old").mkdir()
    import argparse

    parser = argparse.ArgumentParser()
    cli_vault.register(parser.add_subparsers(dest="command"))
    assert cli_vault.run(parser.parse_args(["vault", "status"])) == 0
    assert not left.exists() and not (viewer.viewing_root() / f"view-{dead}-old").exists()
    assert (alive / "open.pdf").read_bytes() == b"in use"
