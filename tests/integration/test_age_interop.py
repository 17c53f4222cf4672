"""gp_guard's age files and the stock ``age`` tool (Debian 1.1.1) read each other, both ways.

Sizes around the 64 KiB chunk boundary plus a 300 MiB file generated in the test's temporary
folder (hashed while written, never stored). ``age`` reads passphrases only from a terminal:
``run_age_with_passphrase`` drives it through a pseudo-terminal (also used by test_keyring.py).
"""

from __future__ import annotations

import hashlib
import io
import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from gp_guard.vault import agefile
from gp_guard.vault.agefile import PayloadError, ScryptRecipient, X25519Identity
from tests.conftest import require_tool

pytestmark = pytest.mark.integration

SIZES = [0, 1, 65536, 65537, 3 * 65536]
BIG = 300 * 1024 * 1024
BLOCK = 1024 * 1024


def age() -> str:
    return require_tool("age", "the reference age implementation, for interoperability")


def keygen(tmp_path: Path) -> tuple[Path, X25519Identity]:
    """A key made by age-keygen, read by gp_guard."""
    require_tool("age-keygen", "makes keys with the reference implementation")
    key = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    (identity,) = agefile.parse_identities(key.read_text())
    public = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True,
                            text=True).stdout.strip()
    assert identity.recipient().to_string() == public
    return key, identity


def pattern(size: int) -> bytes:
    return (hashlib.sha256(str(size).encode()).digest() * (size // 32 + 1))[:size]


def run_age_with_passphrase(args: list[str], passphrase: str, timeout: float = 60) -> tuple[int, str]:
    """Run ``age`` on a pseudo-terminal, typing ``passphrase`` at each prompt; (status, output)."""
    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            os.execvp(age(), ["age", *args])
        finally:
            os._exit(127)
    output = b""
    deadline = time.monotonic() + timeout
    answered = 0
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            output += data
            if output.lower().count(b"passphrase") > answered:
                answered = output.lower().count(b"passphrase")
                os.write(fd, passphrase.encode() + b"\r")
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


@pytest.mark.parametrize("size", SIZES)
def test_age_cli_decrypts_gp_guard_files(tmp_path, size):
    key, identity = keygen(tmp_path)
    other = X25519Identity.generate()
    data = pattern(size)
    sealed = tmp_path / "file.age"
    with sealed.open("wb") as out:
        agefile.encrypt(io.BytesIO(data), out, [identity.recipient(), other.recipient()])
    result = subprocess.run([age(), "-d", "-i", str(key), str(sealed)], capture_output=True,
                            check=True)
    assert result.stdout == data


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("armor", [False, True])
def test_gp_guard_decrypts_age_cli_files(tmp_path, size, armor):
    _, identity = keygen(tmp_path)
    data = pattern(size)
    plain = tmp_path / "plain"
    plain.write_bytes(data)
    sealed = tmp_path / "plain.age"
    extra = ["-a"] if armor else []
    subprocess.run([age(), *extra, "-r", identity.recipient().to_string(), "-r",
                    X25519Identity.generate().recipient().to_string(), "-o", str(sealed),
                    str(plain)], check=True, capture_output=True)
    assert sealed.read_bytes().startswith(b"-----BEGIN" if armor else b"age-encryption.org/v1\n")
    out = io.BytesIO()
    with sealed.open("rb") as src:
        agefile.decrypt(src, out, [identity])
    assert out.getvalue() == data


def test_age_cli_refuses_a_tampered_gp_guard_file(tmp_path):
    key, identity = keygen(tmp_path)
    sealed = tmp_path / "file.age"
    sealed.write_bytes(agefile.encrypt_bytes(pattern(200_000), [identity.recipient()]))
    damaged = bytearray(sealed.read_bytes())
    damaged[-100] ^= 1
    sealed.write_bytes(bytes(damaged))
    result = subprocess.run([age(), "-d", "-i", str(key), str(sealed)], capture_output=True)
    assert result.returncode != 0


def test_age_cli_opens_a_gp_guard_passphrase_file(tmp_path):
    sealed = tmp_path / "note.age"
    sealed.write_bytes(agefile.encrypt_bytes(b"bonjour", [ScryptRecipient(b"cheval agrafe", 12)]))
    out = tmp_path / "note.txt"
    status, transcript = run_age_with_passphrase(["-d", "-o", str(out), str(sealed)], "cheval agrafe")
    assert status == 0, transcript
    assert out.read_bytes() == b"bonjour"
    status, _ = run_age_with_passphrase(["-d", "-o", str(tmp_path / "no"), str(sealed)], "faux")
    assert status != 0


class HashingSink:
    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return len(data)


def write_big(path: Path) -> str:
    """BIG bytes of varied content, hashed while written; returns the SHA-256."""
    digest = hashlib.sha256()
    seed = hashlib.sha256(b"gp_guard").digest() * (BLOCK // 32)
    with path.open("wb") as out:
        for i in range(BIG // BLOCK):
            block = i.to_bytes(8, "big") + seed[8:]
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def test_hundreds_of_mib_both_ways(tmp_path):
    key, identity = keygen(tmp_path)
    plain = tmp_path / "big.bin"
    expected = write_big(plain)

    # age CLI -> gp_guard
    by_age = tmp_path / "by_age.age"
    subprocess.run([age(), "-r", identity.recipient().to_string(), "-o", str(by_age), str(plain)],
                   check=True, capture_output=True)
    sink = HashingSink()
    done: list[int] = []
    with by_age.open("rb") as src:
        agefile.decrypt(src, sink, [identity], progress=done.append)  # type: ignore[arg-type]
    assert sink.size == BIG and sink.hash.hexdigest() == expected and done[-1] == BIG
    by_age.unlink()

    # gp_guard -> age CLI
    ours = tmp_path / "ours.age"
    with plain.open("rb") as src, ours.open("wb") as out:
        agefile.encrypt(src, out, [identity.recipient()])
    plain.unlink()
    digest = hashlib.sha256()
    size = 0
    with subprocess.Popen([age(), "-d", "-i", str(key), str(ours)], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(BLOCK):
            digest.update(chunk)
            size += len(chunk)
    assert proc.returncode == 0
    assert size == BIG and digest.hexdigest() == expected

    # truncated in the middle: only authenticated whole chunks come out, then an error
    with ours.open("r+b") as handle:
        handle.truncate(ours.stat().st_size // 2)
    sink = HashingSink()
    with ours.open("rb") as src, pytest.raises(PayloadError):
        agefile.decrypt(src, sink, [identity])  # type: ignore[arg-type]
    assert 0 < sink.size < BIG and sink.size % agefile.CHUNK_SIZE == 0
