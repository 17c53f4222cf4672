"""The age layer seals and opens several chunks at a time (agefile.BLOCK_CHUNKS); the files are
the same age files: stock ``age`` reads what gp_guard writes and the other way round, at every
size around a block's edge, and damage at any chunk is caught with the chunks before it released."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from gp_guard.vault import agefile
from gp_guard.vault.agefile import CHUNK_SIZE, ENCRYPTED_CHUNK_SIZE, PayloadError, X25519Identity
from gp_guard.work import CancelToken
from tests.conftest import require_tool

pytestmark = pytest.mark.integration

BLOCK = agefile.BLOCK_CHUNKS * CHUNK_SIZE
SIZES = [0, 1, CHUNK_SIZE, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK, 2 * BLOCK + CHUNK_SIZE + 7]


def pattern(size: int) -> bytes:
    return bytes((i * 7 + i // 251) % 256 for i in range(size))


def keygen(tmp_path: Path) -> tuple[Path, X25519Identity]:
    require_tool("age-keygen", "makes keys with the reference implementation")
    key = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    return key, agefile.parse_identities(key.read_text())[0]


@pytest.mark.parametrize("size", SIZES)
def test_block_sealed_files_open_with_stock_age_and_one_chunk_at_a_time(tmp_path, size):
    key, identity = keygen(tmp_path)
    data = pattern(size)
    sealed = tmp_path / "file.age"
    with sealed.open("wb") as out:
        agefile.encrypt(io.BytesIO(data), out, [identity.recipient()])
    raw = sealed.read_bytes()
    header_end = raw.index(b"\n", raw.index(b"\n---") + 1) + 1  # then the nonce and the chunks
    assert len(raw) - header_end == 16 + size + 16 * max(1, -(-size // CHUNK_SIZE))
    age = require_tool("age", "the reference age implementation, for interoperability")
    result = subprocess.run([age, "-d", "-i", str(key), str(sealed)], capture_output=True, check=True)
    assert result.stdout == data
    one_by_one = io.BytesIO()  # a cancel token: the chunk-at-a-time way
    agefile.decrypt(io.BytesIO(sealed.read_bytes()), one_by_one, [identity], cancel=CancelToken())
    assert one_by_one.getvalue() == data


@pytest.mark.parametrize("size", SIZES)
def test_stock_age_files_open_a_block_at_a_time(tmp_path, size):
    key, identity = keygen(tmp_path)
    plain, sealed = tmp_path / "plain", tmp_path / "file.age"
    plain.write_bytes(pattern(size))
    age = require_tool("age", "the reference age implementation, for interoperability")
    subprocess.run([age, "-r", identity.recipient().to_string(), "-o", str(sealed), str(plain)], check=True)
    out = io.BytesIO()
    agefile.decrypt(io.BytesIO(sealed.read_bytes()), out, [identity])
    assert out.getvalue() == plain.read_bytes()


def test_damage_at_any_chunk_is_caught_and_the_chunks_before_are_released():
    identity = X25519Identity.generate()
    data = pattern(2 * BLOCK + 3 * CHUNK_SIZE + 5)
    sealed = io.BytesIO()
    agefile.encrypt(io.BytesIO(data), sealed, [identity.recipient()])
    whole = sealed.getvalue()
    start = len(whole) - (16 + len(data) + 16 * -(-len(data) // CHUNK_SIZE))  # where the chunks begin
    count = -(-len(data) // CHUNK_SIZE)
    for index in range(count):
        at = start + 16 + index * ENCRYPTED_CHUNK_SIZE + 3
        damaged = whole[:at] + bytes([whole[at] ^ 1]) + whole[at + 1:]
        out = io.BytesIO()
        with pytest.raises(PayloadError):
            agefile.decrypt(io.BytesIO(damaged), out, [identity])
        assert out.getvalue() == data[: index * CHUNK_SIZE], index
    for cut in range(1, count):  # cut after a whole chunk: a truncated file, never accepted
        out = io.BytesIO()
        with pytest.raises(PayloadError):
            agefile.decrypt(io.BytesIO(whole[: start + 16 + cut * ENCRYPTED_CHUNK_SIZE]), out, [identity])
        assert out.getvalue() == data[: cut * CHUNK_SIZE]


@pytest.mark.parametrize("size", [BLOCK, 2 * BLOCK - CHUNK_SIZE])
def test_data_after_the_last_chunk_is_refused_once_the_file_is_released(size):
    identity = X25519Identity.generate()
    data = pattern(size)  # whole chunks: the last one is full, sealed as the last
    sealed = io.BytesIO()
    agefile.encrypt(io.BytesIO(data), sealed, [identity.recipient()])
    for extra in (b"x", bytes(ENCRYPTED_CHUNK_SIZE)):
        out = io.BytesIO()
        with pytest.raises(PayloadError, match="trailing"):
            agefile.decrypt(io.BytesIO(sealed.getvalue() + extra), out, [identity])
        assert out.getvalue() == data
