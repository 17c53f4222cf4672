"""`vault init` on a terminal asks to type back the end of the key; `vault confirm-kit` later."""

from __future__ import annotations

import argparse
import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gp_guard import logs
from gp_guard.cli import vault as cli_vault
from gp_guard.vault import keys
from tests.conftest import require_tool

PASSPHRASE = "correct horse battery staple"
KEY = re.compile(r"AGE-SECRET-KEY-1[0-9A-Z]{58}")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)


@pytest.fixture
def answers(monkeypatch):
    """The prompt seam: each call pops the next answer (a string or a function returning one)."""
    queue: list = []
    prompts: list[tuple[str, bool]] = []

    def prompt(text, *, hidden=False):
        prompts.append((text, hidden))
        if not queue:
            return ""  # end of input
        answer = queue.pop(0)
        return answer() if callable(answer) else answer

    monkeypatch.setattr(cli_vault, "_prompt", prompt)
    return queue, prompts


def vault(*argv: str, stdin: str = "") -> int:
    parser = argparse.ArgumentParser(prog="gp-guard")
    sub = parser.add_subparsers(dest="command")
    cli_vault.register(sub)
    args = parser.parse_args(["vault", *argv])
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return cli_vault.run(args)
    finally:
        sys.stdin = old


def kit_key(path: Path) -> str:
    require_tool("pdftotext", "reads the recovery kit PDF back")
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return KEY.findall(text)[0]


def test_init_on_a_terminal_refuses_a_wrong_part_then_confirms(tmp_path, memory_keyring, answers, monkeypatch, capsys):
    monkeypatch.setattr(cli_vault, "_terminal", lambda: True)
    logs.setup()
    kit = tmp_path / "kit.pdf"
    queue, prompts = answers
    queue += ["ABCD EFGH", lambda: kit_key(kit)[-8:].lower()]  # read from the kit, as the doctor would
    assert vault("init", "--kit", str(kit)) == 0
    out = capsys.readouterr().out
    assert "last 8 characters" in out
    assert "This is not what the kit shows" in out
    assert "the recovery kit is confirmed" in out
    assert len(prompts) == 2
    assert keys.kit_confirmed()
    assert oct(kit.stat().st_mode & 0o777) == "0o600"
    secret = kit_key(kit)
    assert secret not in out and secret[-8:] not in out
    log = logs.log_file().read_text(encoding="utf-8")
    assert secret not in log and secret[-8:] not in log and "Glyph" not in log


def test_init_on_a_terminal_gives_up_after_three_wrong_parts_or_enter(tmp_path, memory_keyring, answers, monkeypatch, capsys):
    monkeypatch.setattr(cli_vault, "_terminal", lambda: True)
    queue, prompts = answers
    queue += ["AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "never asked"]
    assert vault("init", "--kit", str(tmp_path / "kit.pdf")) == 0
    out = capsys.readouterr().out
    assert len(prompts) == cli_vault.ATTEMPTS == 3
    assert not keys.kit_confirmed()
    assert "not confirmed yet" in out and "gp-guard vault confirm-kit\n" in out


def test_passphrase_stdin_skips_the_prompt_and_confirm_kit_uses_the_it_file(tmp_path, answers, monkeypatch, capsys):
    monkeypatch.setattr(cli_vault, "_terminal", lambda: True)  # even on a terminal: scripts use stdin
    queue, prompts = answers
    kit, out_file = tmp_path / "kit.pdf", tmp_path / "recovery-key.txt"
    assert vault("init", "--passphrase-stdin", "--recovery-key-out", str(out_file), "--kit", str(kit),
                 stdin=PASSPHRASE + "\n") == 0
    out = capsys.readouterr().out
    assert prompts == []
    assert not keys.kit_confirmed()
    assert f"gp-guard vault confirm-kit --recovery-key {out_file}" in out

    secret = kit_key(kit)
    queue.append(secret[-8:-1] + ("Y" if secret[-1] == "X" else "X"))  # one character wrong (1 key in 32 ends in X)
    assert vault("confirm-kit", "--recovery-key", str(out_file)) == 2
    assert "not confirmed" in capsys.readouterr().err
    assert not keys.kit_confirmed()
    queue.append(secret[-8:-4] + " " + secret[-4:])
    assert vault("confirm-kit", "--recovery-key", str(out_file)) == 0
    assert "last 8 characters" in capsys.readouterr().out
    assert keys.kit_confirmed()
    assert prompts[-1] == ("> ", False)


def test_confirm_kit_without_the_file_needs_the_whole_key(tmp_path, answers, capsys):
    queue, prompts = answers
    kit = tmp_path / "kit.pdf"
    assert vault("init", "--passphrase-stdin", "--kit", str(kit), stdin=PASSPHRASE + "\n") == 0
    secret = kit_key(kit)
    queue.append(secret[-8:])
    assert vault("confirm-kit") == 2
    assert not keys.kit_confirmed()
    queue.append(" ".join([secret[:20].lower(), secret[20:]]))
    assert vault("confirm-kit") == 0
    assert keys.kit_confirmed()
    assert prompts[-1] == ("> ", True)  # the whole key is a secret: not echoed on a terminal
    capsys.readouterr()


def test_confirm_kit_refuses_another_practice_key_and_missing_keys(tmp_path, answers, capsys):
    queue, _prompts = answers
    other = tmp_path / "other.txt"
    other.write_text(keys.recovery_identity_text(keys.X25519Identity.generate().to_string()))
    assert vault("confirm-kit", "--recovery-key", str(other)) == 2
    assert "not set up yet" in capsys.readouterr().err
    assert vault("init", "--passphrase-stdin", "--kit", str(tmp_path / "kit.pdf"), stdin=PASSPHRASE + "\n") == 0
    queue.append("whatever")
    assert vault("confirm-kit", "--recovery-key", str(other)) == 2
    assert "does not belong" in capsys.readouterr().err
    assert vault("confirm-kit", "--recovery-key", str(tmp_path / "missing.txt")) == 2
    assert "does not hold a recovery key" in capsys.readouterr().err
    assert not keys.kit_confirmed()


def read_until(fd: int, marker: bytes, seen: bytearray, deadline: float) -> bool:
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                return marker in seen
            if not chunk:
                return marker in seen
            seen += chunk
    return True


def test_a_real_terminal(tmp_path, _private_home):
    """`python -m gp_guard vault init` on a pseudo-terminal: the doctor types the end of the key."""
    (tmp_path / "pty_keyring.py").write_text(
        "from tests.keyrings import MemoryKeyring\n\n\n"
        "class TerminalKeyring(MemoryKeyring):\n    priority = 1\n")
    env = dict(os.environ, GP_GUARD_HOME=str(_private_home), LANG="fr_FR.UTF-8", LC_ALL="fr_FR.UTF-8",
               PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
               PYTHON_KEYRING_BACKEND="pty_keyring.TerminalKeyring")
    kit = tmp_path / "kit.pdf"
    pid, fd = pty.fork()
    if pid == 0:  # the child: a doctor's terminal
        try:
            os.chdir(tmp_path)
            os.execve(sys.executable, [sys.executable, "-m", "gp_guard", "vault", "init", "--kit", str(kit)], env)
        finally:
            os._exit(127)
    seen = bytearray()
    try:
        assert read_until(fd, b"> ", seen, time.monotonic() + 60), seen.decode(errors="replace")
        assert "8 derniers caractères".encode() in seen
        os.write(fd, b"zzzz zzzz\n")
        assert read_until(fd, b"Ce n'est pas", seen, time.monotonic() + 30), seen.decode(errors="replace")
        os.write(fd, kit_key(kit)[-8:].encode() + b"\n")
        assert read_until(fd, b"vault lock", seen, time.monotonic() + 30), seen.decode(errors="replace")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert keys.kit_confirmed()  # the child wrote keys.json in the same GP_GUARD_HOME
    assert "kit de secours est confirmé".encode() in seen
