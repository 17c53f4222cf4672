"""The age v1 format: every non-post-quantum CCTV vector, keys, round trips, tampering, streaming."""

from __future__ import annotations

import hashlib
import io
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gp_guard.vault import agefile
from gp_guard.vault.agefile import (
    AgeError,
    ArmorError,
    Cancelled,
    HeaderError,
    HmacError,
    KeyFormatError,
    NoIdentityMatch,
    PayloadError,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
)

VECTORS = Path(__file__).parents[1] / "fixtures" / "age-cctv"
KNOWN_KEYS = {"expect", "payload", "file key", "identity", "passphrase", "armored", "compressed",
              "comment"}
EXPECT = {
    "success": None,
    "no match": NoIdentityMatch,
    "header failure": HeaderError,
    "HMAC failure": HmacError,
    "payload failure": PayloadError,
    "armor failure": ArmorError,
}


def load_vector(path: Path) -> tuple[dict[str, list[str]], bytes]:
    raw = path.read_bytes()
    head, _, body = raw.partition(b"\n\n")
    meta: dict[str, list[str]] = {}
    for line in head.decode().splitlines():
        key, _, value = line.partition(": ")
        meta.setdefault(key, []).append(value)
    if meta.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)
    return meta, body


def vector_names() -> list[str]:
    return sorted(p.name for p in VECTORS.iterdir() if p.name != "README.md")


def test_all_non_post_quantum_vectors_are_vendored():
    names = vector_names()
    assert len(names) == 124
    for name in names:
        meta, _ = load_vector(VECTORS / name)
        assert set(meta) <= KNOWN_KEYS, name
        assert not any(i.startswith("AGE-SECRET-KEY-PQ-") for i in meta.get("identity", []))


def run_vector(name: str, armored: bool | None) -> None:
    meta, body = load_vector(VECTORS / name)
    identities: list[agefile.Identity] = [X25519Identity.from_string(i)
                                          for i in meta.get("identity", [])]
    identities += [ScryptIdentity(p.encode()) for p in meta.get("passphrase", [])]
    expected = EXPECT[meta["expect"][0]]
    out = io.BytesIO()
    if expected is None:
        agefile.decrypt(io.BytesIO(body), out, identities, armored=armored)
    else:
        with pytest.raises(expected) as info:
            agefile.decrypt(io.BytesIO(body), out, identities, armored=armored)
        assert type(info.value) is expected  # the exact class, not a parent
    if "payload" in meta:  # all plaintext released, even on failure
        assert hashlib.sha256(out.getvalue()).hexdigest() == meta["payload"][0]
    elif expected is not None and expected is not ArmorError:
        assert out.getvalue() == b""


@pytest.mark.parametrize("name", vector_names())
def test_cctv_vector(name):
    meta, _ = load_vector(VECTORS / name)
    run_vector(name, armored=meta.get("armored") == ["yes"])


@pytest.mark.parametrize("name", vector_names())
def test_cctv_vector_with_armor_detected(name):
    run_vector(name, armored=None)


def test_every_failure_class_is_covered():
    classes = {load_vector(VECTORS / n)[0]["expect"][0] for n in vector_names()}
    assert classes == set(EXPECT)


# -- keys ---------------------------------------------------------------------------------
def test_keys_round_trip_through_strings():
    identity = X25519Identity.generate()
    text = identity.to_string()
    assert text.startswith("AGE-SECRET-KEY-1") and text == text.upper() and len(text) == 74
    again = X25519Identity.from_string(text)
    assert again.recipient() == identity.recipient()
    pub = identity.recipient().to_string()
    assert pub.startswith("age1") and len(pub) == 62
    assert X25519Recipient.from_string(pub) == identity.recipient()
    assert text not in repr(identity) and pub in repr(identity)


def test_known_key_pair_from_the_spec_vectors():
    # age-keygen output of the CCTV "x25519" vector identity, its public key computed by age-keygen -y
    identity = X25519Identity.from_string(
        "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0")
    assert identity.to_string() == (
        "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0")


@pytest.mark.parametrize("bad", [
    "",
    "age1",
    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM1",  # checksum
    "age-secret-key-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0",  # mixed case
    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LMB",  # bad char
])
def test_malformed_identities_are_refused_without_echoing_them(bad):
    with pytest.raises(KeyFormatError) as info:
        X25519Identity.from_string(bad)
    if bad:
        assert bad not in str(info.value)
    assert isinstance(info.value, AgeError) and info.value.message


def test_recipient_string_is_not_an_identity():
    pub = X25519Identity.generate().recipient().to_string()
    with pytest.raises(KeyFormatError):
        X25519Identity.from_string(pub)
    with pytest.raises(KeyFormatError):
        X25519Recipient.from_string(X25519Identity.generate().to_string())


def test_parse_identities_reads_age_keygen_files_with_comments():
    a, b = X25519Identity.generate(), X25519Identity.generate()
    text = (f"# created: 2026-01-01T00:00:00Z\n# public key: {a.recipient().to_string()}\n"
            f"{a.to_string()}\n\n   # another\n{b.to_string()}\r\n")
    found = agefile.parse_identities(text)
    assert [i.recipient() for i in found] == [a.recipient(), b.recipient()]
    with pytest.raises(KeyFormatError, match="line 2"):
        agefile.parse_identities(f"{a.to_string()}\nhello\n")
    with pytest.raises(KeyFormatError):
        agefile.parse_identities("# nothing here\n")


# -- round trips --------------------------------------------------------------------------
def roundtrip(data: bytes, recipients, identities) -> bytes:
    sealed = agefile.encrypt_bytes(data, recipients)
    return agefile.decrypt_bytes(sealed, identities)


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 2 * 65536, 3 * 65536 + 5])
def test_round_trip_at_chunk_boundaries(size):
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    work, recovery = X25519Identity.generate(), X25519Identity.generate()
    recipients = [work.recipient(), recovery.recipient()]
    sealed = agefile.encrypt_bytes(data, recipients)
    chunks = max(1, -(-size // agefile.CHUNK_SIZE))
    assert len(sealed) > size + chunks * 16
    assert agefile.decrypt_bytes(sealed, [work]) == data
    assert agefile.decrypt_bytes(sealed, [recovery]) == data
    with pytest.raises(NoIdentityMatch):
        agefile.decrypt_bytes(sealed, [X25519Identity.generate()])


def test_scrypt_round_trip_and_wrong_passphrase():
    sealed = agefile.encrypt_bytes(b"secret", [ScryptRecipient(b"correct horse", work_factor=10)])
    assert b"-> scrypt " in sealed and sealed.split(b"\n")[1].endswith(b" 10")
    assert agefile.decrypt_bytes(sealed, [ScryptIdentity(b"correct horse")]) == b"secret"
    with pytest.raises(NoIdentityMatch):
        agefile.decrypt_bytes(sealed, [ScryptIdentity(b"wrong")])
    with pytest.raises(HeaderError):
        agefile.decrypt_bytes(sealed, [ScryptIdentity(b"correct horse", max_work_factor=9)])


def test_scrypt_must_be_the_only_recipient():
    with pytest.raises(ValueError):
        agefile.encrypt_bytes(b"x", [ScryptRecipient(b"pw", 10), X25519Identity.generate().recipient()])


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200_000), read_size=st.integers(min_value=1, max_value=70_000))
def test_round_trip_property(data, read_size):
    identity = X25519Identity.generate()

    class Trickle(io.BytesIO):  # a reader returning short reads, like a pipe
        def read(self, n=-1):
            return super().read(min(n, read_size) if n and n > 0 else read_size)

    sealed = io.BytesIO()
    agefile.encrypt(Trickle(data), sealed, [identity.recipient()])
    out = io.BytesIO()
    agefile.decrypt(Trickle(sealed.getvalue()), out, [identity])
    assert out.getvalue() == data


# -- damage -------------------------------------------------------------------------------
def sealed_three_chunks() -> tuple[X25519Identity, bytes, bytes]:
    identity = X25519Identity.generate()
    data = b"".join(bytes([i]) * agefile.CHUNK_SIZE for i in range(3)) + b"tail"
    return identity, data, agefile.encrypt_bytes(data, [identity.recipient()])


def header_length(sealed: bytes) -> int:
    return sealed.index(b"\n---") + sealed[sealed.index(b"\n---") + 1 :].index(b"\n") + 2


def test_tampered_byte_in_each_chunk_releases_only_authenticated_chunks():
    identity, data, sealed = sealed_three_chunks()
    start = header_length(sealed) + agefile.NONCE_SIZE
    for chunk in range(4):
        damaged = bytearray(sealed)
        damaged[start + chunk * agefile.ENCRYPTED_CHUNK_SIZE + 7] ^= 0x01
        out = io.BytesIO()
        with pytest.raises(PayloadError):
            agefile.decrypt(io.BytesIO(bytes(damaged)), out, [identity])
        assert out.getvalue() == data[: chunk * agefile.CHUNK_SIZE]


def test_tampered_header_is_detected():
    identity, _, sealed = sealed_three_chunks()
    damaged = sealed.replace(b"age-encryption.org/v1\n-> X25519 ", b"age-encryption.org/v1\n-> X25519 A", 1)
    with pytest.raises(AgeError):
        agefile.decrypt_bytes(damaged, [identity])
    mac_line = header_length(sealed) - 10
    damaged = bytearray(sealed)
    damaged[mac_line] = ord("A") if damaged[mac_line] != ord("A") else ord("B")
    with pytest.raises((HmacError, HeaderError)):
        agefile.decrypt_bytes(bytes(damaged), [identity])


@pytest.mark.parametrize("cut", [1, 16, agefile.ENCRYPTED_CHUNK_SIZE, agefile.ENCRYPTED_CHUNK_SIZE + 20])
def test_truncated_file_is_detected(cut):
    identity, data, sealed = sealed_three_chunks()
    out = io.BytesIO()
    with pytest.raises(PayloadError):
        agefile.decrypt(io.BytesIO(sealed[:-cut]), out, [identity])
    released = out.getvalue()
    assert len(released) % agefile.CHUNK_SIZE == 0 and data.startswith(released)
    assert len(released) < len(data)


def test_truncated_at_a_chunk_boundary_is_detected():
    identity, data, sealed = sealed_three_chunks()
    end = header_length(sealed) + agefile.NONCE_SIZE + 2 * agefile.ENCRYPTED_CHUNK_SIZE
    out = io.BytesIO()
    with pytest.raises(PayloadError):
        agefile.decrypt(io.BytesIO(sealed[:end]), out, [identity])
    assert out.getvalue() == data[: 2 * agefile.CHUNK_SIZE]


def test_not_an_age_file():
    identity = X25519Identity.generate()
    for junk in (b"", b"%PDF-1.7\n", b"\x00" * 100, b"age-encryption.org/v1\n"):
        with pytest.raises(HeaderError):
            agefile.decrypt_bytes(junk, [identity])


def test_errors_carry_translatable_messages_and_french_exists():
    from gp_guard import i18n

    catalog = i18n.load_catalog("fr")
    for cls in (AgeError, NoIdentityMatch, HeaderError, HmacError, PayloadError, ArmorError,
                KeyFormatError, Cancelled):
        assert catalog.get(cls.message), cls


# -- streaming ----------------------------------------------------------------------------
def test_progress_and_cancel():
    identity = X25519Identity.generate()
    data = bytes(5 * agefile.CHUNK_SIZE + 3)
    seen: list[int] = []
    sealed = io.BytesIO()
    agefile.encrypt(io.BytesIO(data), sealed, [identity.recipient()], progress=seen.append)
    assert seen == [agefile.CHUNK_SIZE * i for i in range(1, 6)] + [len(data)]
    seen.clear()
    agefile.decrypt(io.BytesIO(sealed.getvalue()), io.BytesIO(), [identity], progress=seen.append)
    assert seen[-1] == len(data) and len(seen) == 6

    from gp_guard.audit.runner import CancelToken

    token = CancelToken()
    out = io.BytesIO()

    def stop_after_two(done):
        if done >= 2 * agefile.CHUNK_SIZE:
            token.cancel()

    with pytest.raises(Cancelled):
        agefile.decrypt(io.BytesIO(sealed.getvalue()), out, [identity], progress=stop_after_two,
                        cancel=token)
    assert out.getvalue() == data[: 2 * agefile.CHUNK_SIZE]
    assert not isinstance(Cancelled(), AgeError)
    with pytest.raises(Cancelled):
        agefile.encrypt(io.BytesIO(data), io.BytesIO(), [identity.recipient()], cancel=lambda: True)


def test_memory_stays_bounded_on_a_large_stream():
    import tracemalloc

    identity = X25519Identity.generate()
    size = 64 * 1024 * 1024

    class Zeros(io.RawIOBase):
        def __init__(self):
            self.left = size

        def readable(self):
            return True

        def read(self, n=-1):
            n = min(n, self.left)
            self.left -= n
            return bytes(n)

    class Sink(io.RawIOBase):
        def __init__(self):
            self.buf = bytearray()
            self.count = 0

        def writable(self):
            return True

        def write(self, b):
            self.count += len(b)
            if len(self.buf) < 1 << 20:
                self.buf += b
            return len(b)

    tracemalloc.start()
    sink = Sink()
    agefile.encrypt(Zeros(), sink, [identity.recipient()])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert sink.count > size
    assert peak < 4 * 1024 * 1024


def test_the_file_key_returned_by_encrypt_verifies_that_file_only():
    identity = X25519Identity.generate()
    data = bytes(3 * agefile.CHUNK_SIZE + 1)
    sealed = io.BytesIO()
    file_key = agefile.encrypt(io.BytesIO(data), sealed, [identity.recipient()])
    assert "secret" in repr(file_key)
    out = io.BytesIO()
    agefile.decrypt(io.BytesIO(sealed.getvalue()), out, [file_key])
    assert out.getvalue() == data
    other = agefile.encrypt_bytes(data, [identity.recipient()])
    with pytest.raises(HmacError):
        agefile.decrypt_bytes(other, [file_key])
    damaged = bytearray(sealed.getvalue())
    damaged[-3] ^= 1
    with pytest.raises(PayloadError):
        agefile.decrypt_bytes(bytes(damaged), [file_key])
