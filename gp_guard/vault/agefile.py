"""The age v1 file format (https://c2sp.org/age), on the ``cryptography`` package.

Files written here open with the stock ``age`` tool (``age -d -i KEY FILE``), and files written by
``age`` open here: the format is public, has independent implementations and conformance vectors
(C2SP CCTV, all non-post-quantum vectors pass: tests/unit/test_agefile.py).

Public API (stable):

Keys
    ``X25519Identity.generate()``, ``X25519Identity.from_string("AGE-SECRET-KEY-1…")``,
    ``identity.to_string()`` (the secret: never log it), ``identity.recipient()``;
    ``X25519Recipient.from_string("age1…")``, ``recipient.to_string()``;
    ``ScryptRecipient(passphrase: bytes, work_factor=18)`` (must be the only recipient of a file),
    ``ScryptIdentity(passphrase: bytes, max_work_factor=22)``;
    ``parse_identities(text) -> list[X25519Identity]``: an identity file (one key per line,
    ``#`` comments and blank lines ignored), as written by ``age-keygen``.
    A malformed key raises ``KeyFormatError`` (its text never contains the key).

Streams
    ``encrypt(src, dst, recipients, *, progress=None, cancel=None) -> FileKeyIdentity``
    ``decrypt(src, dst, identities, *, progress=None, cancel=None) -> None``

    ``src`` is read with ``readinto(b)`` where it has one, else ``read(n)``, and ``dst`` written
    with ``write(b)``: binary file objects (files, pipes, ``io.BytesIO``, a hashing writer for
    verification). As io's contract allows, the buffer given to ``write`` is reused once the call
    returns (a ``dst`` that keeps it must copy it). The chunks go BLOCK_CHUNKS at a time; memory
    stays bounded (a few such blocks) whatever the size. Neither function flushes nor fsyncs
    ``dst``: durability is the caller's job. With ``progress`` or ``cancel``, one chunk at a time:
    ``progress(done)`` is called after each 64 KiB chunk with the number of plaintext bytes
    processed so far (read when encrypting, released when decrypting), and ``cancel`` is looked
    at before each chunk; it may be a callable returning ``True`` to stop, an
    object with a ``cancelled`` attribute (``gp_guard.work.CancelToken``) or a
    ``threading.Event``. Cancellation raises ``Cancelled`` (NOT an ``AgeError``: the file is fine).

    ``decrypt`` writes plaintext chunk by chunk, each one only after it has authenticated. On a
    ``PayloadError`` the chunks already written are authentic but the file is incomplete: the
    caller must discard ``dst`` (write it to a temporary file and rename only on success).
    ``decrypt`` also reads ASCII-armored input (``-----BEGIN AGE ENCRYPTED FILE-----``),
    recognised automatically; ``armored=True``/``False`` forces the choice.

    ``encrypt`` returns the new file's key as a ``FileKeyIdentity``: passed to ``decrypt`` as the
    identity, it verifies that one file (header MAC and every chunk) while the vault is locked,
    e.g. for the decrypt-verify step of locking. Keep it in memory only; it opens only that file.

    ``encrypt_bytes(data, recipients)`` and ``decrypt_bytes(data, identities)`` are in-memory
    shortcuts for small data (identity files).

Errors (all ``AgeError``, whose ``message`` is a translatable English source string: show
``exc.text()``, as every ``UserError``; ``str(exc)`` is an English technical detail for logs, never a secret):
    ``NoIdentityMatch`` (no key opens the file, or a wrong passphrase), ``HeaderError`` (not an
    age file, or its header is malformed), ``HmacError`` (the header was altered), ``PayloadError``
    (the content is damaged, truncated or has trailing data), ``ArmorError`` (bad armor),
    ``KeyFormatError`` (a malformed key string). Read and write errors stay ``OSError``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gp_guard import work
from gp_guard.errors import UserError
from gp_guard.i18n import N_

__all__ = [
    "AgeError", "ArmorError", "Cancelled", "FileKeyIdentity", "HeaderError", "HmacError", "Identity", "KeyFormatError",
    "NoIdentityMatch", "PayloadError", "Recipient", "ScryptIdentity", "ScryptRecipient", "Stanza",
    "X25519Identity", "X25519Recipient", "decrypt", "decrypt_bytes", "encrypt", "encrypt_bytes",
    "parse_identities",
]

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
# Chunks read, sealed and written at once: one read, one write and one allocation for several
# chunks (measured on a 512 MiB file: a fifth less CPU than one by one). With a progress listener
# or a cancel token, one chunk at a time, so both see every chunk.
BLOCK_CHUNKS = 8
FILE_KEY_SIZE = 16
NONCE_SIZE = 16
INTRO = b"age-encryption.org/v1\n"
MAX_HEADER_SIZE = 1024 * 1024  # far more than any real header; bounds memory on hostile input
COLUMNS = 64
BYTES_PER_LINE = COLUMNS // 4 * 3

X25519_LABEL = b"age-encryption.org/v1/X25519"
SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
ARMOR_BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
ARMOR_END = b"-----END AGE ENCRYPTED FILE-----"
MAX_ARMOR_WHITESPACE = 1024


# -- errors -----------------------------------------------------------------------------------
class AgeError(UserError):
    """An encrypted file or key cannot be used. ``message`` is translatable; ``str()`` is detail."""

    message: str = N_("This encrypted file cannot be read.")

    def __init__(self, detail: str = "") -> None:
        super().__init__()
        self.detail = detail

    def __str__(self) -> str:
        return self.detail or self.text()


class NoIdentityMatch(AgeError):
    message = N_(
        "None of the available keys can open this file: it was encrypted for other keys, "
        "or the passphrase is wrong."
    )


class HeaderError(AgeError):
    message = N_("This is not a valid encrypted file, or its beginning is damaged.")


class HmacError(AgeError):
    message = N_("The beginning of this encrypted file was altered or damaged.")


class PayloadError(AgeError):
    message = N_(
        "This encrypted file is damaged or incomplete: its content failed the integrity check."
    )


class ArmorError(AgeError):
    message = N_("This encrypted text file (armored format) is malformed.")


class KeyFormatError(AgeError, ValueError):
    message = N_("This key is not a valid age key.")


class Cancelled(work.Cancelled):
    """The operation was cancelled by the user; nothing is wrong with the files."""

    message = N_("The operation was cancelled.")

    def __init__(self) -> None:
        super().__init__(self.message)


# -- Bech32 (BIP 173, without the 90-character limit, as age uses it) -------------------------
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: Sequence[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GEN[i]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data: Sequence[int], from_bits: int, to_bits: int, pad: bool) -> list[int]:
    acc = bits = 0
    out: list[int] = []
    maxv = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or (acc << (to_bits - bits)) & maxv:
        raise KeyFormatError("invalid Bech32 padding")
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    lower = hrp.lower()
    if hrp not in (lower, hrp.upper()):
        raise ValueError("mixed-case Bech32 prefix")
    values = _convert_bits(data, 8, 5, True)
    checksum = _polymod(_hrp_expand(lower) + values + [0] * 6) ^ 1
    values += [(checksum >> 5 * (5 - i)) & 31 for i in range(6)]
    text = lower + "1" + "".join(_CHARSET[v] for v in values)
    return text if hrp == lower else text.upper()


def bech32_decode(text: str) -> tuple[str, bytes]:
    """(prefix as written, data). Raises KeyFormatError; the message never repeats the input."""
    if text not in (text.lower(), text.upper()):
        raise KeyFormatError("mixed-case key")
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text):
        raise KeyFormatError("no Bech32 separator")
    hrp = text[:pos]
    if any(not 33 <= ord(c) <= 126 for c in hrp):
        raise KeyFormatError("invalid character in the key prefix")
    try:
        values = [_CHARSET.index(c) for c in text[pos + 1 :].lower()]
    except ValueError:
        raise KeyFormatError("invalid character in the key") from None
    if _polymod(_hrp_expand(hrp.lower()) + values) != 1:
        raise KeyFormatError("bad Bech32 checksum (a typing error?)")
    return hrp, bytes(_convert_bits(values[:-6], 5, 8, False))


# -- canonical base64 -------------------------------------------------------------------------
_B64_RAW = re.compile(rb"[A-Za-z0-9+/]*")


def _b64encode(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _b64decode(text: bytes) -> bytes | None:
    """Unpadded, canonical base64 (as age's header needs), or None."""
    if not _B64_RAW.fullmatch(text) or len(text) % 4 == 1:
        return None
    data = base64.b64decode(text + b"=" * (-len(text) % 4))
    return data if _b64encode(data) == text else None


def _hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt or None, info=info).derive(ikm)


def _unwrap_file_key(key: bytes, body: bytes, kind: str) -> bytes | None:
    """The file key, None when the key does not fit; HeaderError on a malformed body."""
    if len(body) != FILE_KEY_SIZE + TAG_SIZE:
        raise HeaderError(f"invalid {kind} stanza: wrong file key size")
    try:
        return ChaCha20Poly1305(key).decrypt(bytes(12), body, None)
    except InvalidTag:
        return None


# -- recipients and identities ----------------------------------------------------------------
@dataclass(frozen=True)
class Stanza:
    type: str
    args: tuple[str, ...]
    body: bytes


class Recipient(Protocol):
    def wrap(self, file_key: bytes) -> list[Stanza]: ...


class Identity(Protocol):
    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """The file key; None when no stanza is for this identity; HeaderError if malformed."""
        ...


class X25519Recipient:
    """A public key (``age1…``): anyone may encrypt to it."""

    def __init__(self, public_key: X25519PublicKey) -> None:
        self._key = public_key
        self._bytes = public_key.public_bytes_raw()

    @classmethod
    def from_string(cls, text: str) -> X25519Recipient:
        hrp, data = bech32_decode(text.strip())
        if hrp != "age" or len(data) != 32:
            raise KeyFormatError("not an age1… public key")
        return cls(X25519PublicKey.from_public_bytes(data))

    def to_string(self) -> str:
        return bech32_encode("age", self._bytes)

    def wrap(self, file_key: bytes) -> list[Stanza]:
        ephemeral = X25519PrivateKey.generate()
        share = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(self._key)
        key = _hkdf(shared, share + self._bytes, X25519_LABEL)
        body = ChaCha20Poly1305(key).encrypt(bytes(12), file_key, None)
        return [Stanza("X25519", (_b64encode(share).decode(),), body)]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, X25519Recipient) and other._bytes == self._bytes

    def __hash__(self) -> int:
        return hash(self._bytes)

    def __repr__(self) -> str:
        return f"X25519Recipient({self.to_string()!r})"


class X25519Identity:
    """A secret key (``AGE-SECRET-KEY-1…``). Its repr never shows the secret."""

    def __init__(self, private_key: X25519PrivateKey) -> None:
        self._key = private_key
        self._public = private_key.public_key().public_bytes_raw()

    @classmethod
    def generate(cls) -> X25519Identity:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_string(cls, text: str) -> X25519Identity:
        hrp, data = bech32_decode(text.strip())
        if hrp != "AGE-SECRET-KEY-" or len(data) != 32:
            raise KeyFormatError("not an AGE-SECRET-KEY-1… secret key")
        return cls(X25519PrivateKey.from_private_bytes(data))

    def to_string(self) -> str:
        return bech32_encode("AGE-SECRET-KEY-", self._key.private_bytes_raw())

    def recipient(self) -> X25519Recipient:
        return X25519Recipient(self._key.public_key())

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        for stanza in stanzas:
            if stanza.type != "X25519":
                continue
            if len(stanza.args) != 1:
                raise HeaderError("invalid X25519 stanza: wrong number of arguments")
            share = _b64decode(stanza.args[0].encode())
            if share is None or len(share) != 32:
                raise HeaderError("invalid X25519 stanza: bad ephemeral share")
            try:
                shared = self._key.exchange(X25519PublicKey.from_public_bytes(share))
            except ValueError:
                raise HeaderError("invalid X25519 stanza: low-order ephemeral share") from None
            key = _hkdf(shared, share + self._public, X25519_LABEL)
            file_key = _unwrap_file_key(key, stanza.body, "X25519")
            if file_key is not None:
                return file_key
        return None

    def __repr__(self) -> str:
        return f"X25519Identity(<secret for {self.recipient().to_string()}>)"


class FileKeyIdentity:
    """The file key of one file, as returned by ``encrypt``: decrypt-verifies that file without
    the working identity (so a locked vault can still verify what it just wrote). A secret: keep
    it in memory only, for as long as the verification takes."""

    def __init__(self, file_key: bytes) -> None:
        self._file_key = file_key

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        return self._file_key  # the header MAC then proves it is this file's key

    def __repr__(self) -> str:
        return "FileKeyIdentity(<secret>)"


class ScryptRecipient:
    """A passphrase as recipient; it must be the only recipient of a file."""

    def __init__(self, passphrase: bytes, work_factor: int = 18) -> None:
        if not passphrase:
            raise ValueError("empty passphrase")
        if not 1 <= work_factor <= 30:
            raise ValueError("scrypt work factor out of range")
        self._passphrase = passphrase
        self.work_factor = work_factor

    def wrap(self, file_key: bytes) -> list[Stanza]:
        salt = os.urandom(16)
        key = _scrypt(self._passphrase, salt, self.work_factor)
        body = ChaCha20Poly1305(key).encrypt(bytes(12), file_key, None)
        return [Stanza("scrypt", (_b64encode(salt).decode(), str(self.work_factor)), body)]

    def __repr__(self) -> str:
        return f"ScryptRecipient(<passphrase>, work_factor={self.work_factor})"


_WORK_FACTOR = re.compile(r"[1-9][0-9]*")


class ScryptIdentity:
    """A passphrase as identity; refuses work factors above ``max_work_factor`` (memory, time)."""

    def __init__(self, passphrase: bytes, max_work_factor: int = 22) -> None:
        self._passphrase = passphrase
        self.max_work_factor = max_work_factor

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        if any(s.type == "scrypt" for s in stanzas) and len(stanzas) != 1:
            raise HeaderError("an scrypt stanza must be the only one")
        for stanza in stanzas:
            if stanza.type != "scrypt":
                continue
            if len(stanza.args) != 2:
                raise HeaderError("invalid scrypt stanza: wrong number of arguments")
            salt = _b64decode(stanza.args[0].encode())
            if salt is None or len(salt) != 16:
                raise HeaderError("invalid scrypt stanza: bad salt")
            if not _WORK_FACTOR.fullmatch(stanza.args[1]):
                raise HeaderError("invalid scrypt stanza: bad work factor")
            work_factor = int(stanza.args[1])
            if work_factor > self.max_work_factor:
                raise HeaderError(f"scrypt work factor {work_factor} is too large")
            key = _scrypt(self._passphrase, salt, work_factor)
            file_key = _unwrap_file_key(key, stanza.body, "scrypt")
            if file_key is not None:
                return file_key
        return None

    def __repr__(self) -> str:
        return f"ScryptIdentity(<passphrase>, max_work_factor={self.max_work_factor})"


def _scrypt(passphrase: bytes, salt: bytes, work_factor: int) -> bytes:
    return Scrypt(salt=SCRYPT_LABEL + salt, length=32, n=1 << work_factor, r=8, p=1).derive(
        passphrase
    )


def parse_identities(text: str) -> list[X25519Identity]:
    """Identities of an identity file (``age-keygen`` output): one per line, ``#`` comments."""
    found: list[X25519Identity] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not line.upper().startswith("AGE-SECRET-KEY-1"):
            raise KeyFormatError(f"line {number}: not an X25519 secret key (unsupported type?)")
        try:
            found.append(X25519Identity.from_string(line))
        except KeyFormatError as exc:
            raise KeyFormatError(f"line {number}: {exc.detail}") from None
    if not found:
        raise KeyFormatError("no identity in the file")
    return found


# -- header -----------------------------------------------------------------------------------
def _header_without_mac(stanzas: Sequence[Stanza]) -> bytes:
    out = bytearray(INTRO)
    for stanza in stanzas:
        out += b" ".join([b"->", stanza.type.encode(), *(a.encode() for a in stanza.args)]) + b"\n"
        body = _b64encode(stanza.body)
        for start in range(0, len(body), COLUMNS):
            out += body[start : start + COLUMNS] + b"\n"
        if len(body) % COLUMNS == 0:
            out += b"\n"  # the body always ends with a line shorter than 64 columns
    out += b"---"
    return bytes(out)


def _header_mac(file_key: bytes, header: bytes) -> bytes:
    return hmac.digest(_hkdf(file_key, b"", b"header"), header, "sha256")


class _Reader:
    """A small look-ahead buffer over ``read(n)``, so the header is parsed without over-reading."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self._buf = bytearray()
        self._eof = False

    def _fill(self, size: int) -> None:
        while len(self._buf) < size and not self._eof:
            data = self._read(max(size - len(self._buf), 8192))
            if not data:
                self._eof = True
            self._buf += data

    def peek(self, size: int) -> bytes:
        self._fill(size)
        return bytes(self._buf[:size])

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes, fewer only at the end of the input."""
        if not self._buf and not self._eof:
            # Fast path for payload chunks: no copy through the buffer.
            parts: list[bytes] = []
            got = 0
            while got < size:
                data = self._read(size - got)
                if not data:
                    self._eof = True
                    break
                parts.append(data)
                got += len(data)
            return parts[0] if len(parts) == 1 else b"".join(parts)
        self._fill(size)
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def readline(self, limit: int, error: type[AgeError]) -> bytes:
        """One line with its ``\\n`` (without at the end of the input); ``error`` when too long."""
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0:
                if end + 1 > limit:
                    raise error("line too long")
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                return line
            if len(self._buf) > limit:
                raise error("line too long")
            if self._eof:
                line = bytes(self._buf)
                self._buf.clear()
                return line
            start = len(self._buf)
            self._fill(len(self._buf) + 4096)


def _parse_header(reader: _Reader) -> tuple[list[Stanza], bytes, bytes]:
    """(stanzas, header bytes covered by the MAC, MAC)."""
    first = reader.readline(len(INTRO), HeaderError)
    if not first:
        raise HeaderError("the file is empty")
    if first != INTRO:
        raise HeaderError("not an age v1 file (unknown first line)")
    header = bytearray(first)
    stanzas: list[Stanza] = []
    while True:
        line = reader.readline(MAX_HEADER_SIZE, HeaderError)
        if not line.endswith(b"\n"):
            raise HeaderError("the header ends early")
        if len(header) + len(line) > MAX_HEADER_SIZE:
            raise HeaderError("header too large")
        if line.startswith(b"---"):
            parts = line[:-1].split(b" ")
            if parts[0] != b"---" or len(parts) != 2:
                raise HeaderError("malformed MAC line")
            mac = _b64decode(parts[1])
            if mac is None or len(mac) != 32:
                raise HeaderError("malformed MAC")
            header += b"---"
            return stanzas, bytes(header), mac
        header += line
        parts = line[:-1].split(b" ")
        if parts[0] != b"->" or len(parts) < 2:
            raise HeaderError("malformed stanza line")
        args = parts[1:]
        if any(not a or any(not 33 <= c <= 126 for c in a) for a in args):
            raise HeaderError("invalid stanza argument")
        body = bytearray()
        while True:
            line = reader.readline(COLUMNS + 1, HeaderError)
            if not line.endswith(b"\n"):
                raise HeaderError("the header ends early")
            header += line
            data = _b64decode(line[:-1])
            if data is None:
                raise HeaderError("malformed stanza body (it must end with a short line)")
            body += data
            if len(data) < BYTES_PER_LINE:
                break
            if len(header) > MAX_HEADER_SIZE:
                raise HeaderError("header too large")
        stanzas.append(Stanza(args[0].decode(), tuple(a.decode() for a in args[1:]), bytes(body)))


# -- armor (RFC 7468 strict PEM) ----------------------------------------------------------------
class _ArmorReader:
    """Decodes ``-----BEGIN AGE ENCRYPTED FILE-----`` text, line by line (bounded memory)."""

    def __init__(self, reader: _Reader) -> None:
        self._in = reader
        self._started = False
        self._done = False
        self._pending: AgeError | None = None

    def _line(self) -> bytes:
        line = self._in.readline(COLUMNS + 2, ArmorError)
        if not line:
            raise ArmorError("unexpected end of armored data")
        if line.endswith(b"\n"):
            line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
        return line

    def _drain_trailing(self) -> None:
        rest = self._in.read(MAX_ARMOR_WHITESPACE)
        if rest.strip():
            raise ArmorError("trailing data after the armored file")
        if len(rest) == MAX_ARMOR_WHITESPACE:
            raise ArmorError("too much trailing whitespace")

    def read(self, size: int) -> bytes:
        if self._pending is not None:
            raise self._pending
        if self._done:
            return b""
        removed = 0
        while not self._started:
            line = self._in.readline(MAX_ARMOR_WHITESPACE + len(ARMOR_BEGIN) + 2, ArmorError)
            if not line:
                raise ArmorError("unexpected end of armored data")
            if not line.strip():
                removed += len(line)
                if removed > MAX_ARMOR_WHITESPACE:
                    raise ArmorError("too much leading whitespace")
                continue
            if line.rstrip(b"\n").removesuffix(b"\r") != ARMOR_BEGIN:
                raise ArmorError("invalid first line")
            self._started = True
        line = self._line()
        if line == ARMOR_END:
            self._done = True
            self._drain_trailing()
            return b""
        if not line:
            raise ArmorError("empty line in armored data")
        if len(line) > COLUMNS:
            raise ArmorError("armored line too long")
        try:
            data = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise ArmorError("invalid base64 in armored data") from None
        if base64.b64encode(data) != line:
            raise ArmorError("non-canonical base64 in armored data")
        if len(data) < BYTES_PER_LINE:
            self._done = True
            try:
                if self._line() != ARMOR_END:
                    raise ArmorError("invalid closing line")
                self._drain_trailing()
            except ArmorError as exc:
                self._pending = exc  # data decoded so far is released first, like age does
        return data


# -- streams ----------------------------------------------------------------------------------
def _cancel_check(cancel: Any) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "cancelled"):
        return lambda: bool(cancel.cancelled)
    if hasattr(cancel, "is_set"):
        return cancel.is_set  # type: ignore[no-any-return]
    return cancel  # type: ignore[no-any-return]


def _chunk_nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _read_full(src: BinaryIO, size: int) -> bytes:
    data = src.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = src.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def encrypt(
    src: BinaryIO,
    dst: BinaryIO,
    recipients: Sequence[Recipient],
    *,
    progress: Callable[[int], None] | None = None,
    cancel: Any = None,
) -> FileKeyIdentity:
    """Encrypt everything ``src`` yields to ``recipients``, writing the age file to ``dst``.

    Returns this file's key as an identity, to decrypt-verify the result without any secret key.
    """
    if not recipients:
        raise ValueError("no recipients")
    is_cancelled = _cancel_check(cancel)
    file_key = os.urandom(FILE_KEY_SIZE)
    stanzas = [stanza for recipient in recipients for stanza in recipient.wrap(file_key)]
    if any(s.type == "scrypt" for s in stanzas) and len(stanzas) != 1:
        raise ValueError("a passphrase (scrypt) recipient must be the only recipient")
    header = _header_without_mac(stanzas)
    dst.write(header + b" " + _b64encode(_header_mac(file_key, header)) + b"\n")
    nonce = os.urandom(NONCE_SIZE)
    dst.write(nonce)
    aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    counter = done = 0
    size = CHUNK_SIZE * (1 if progress is not None or cancel is not None else BLOCK_CHUNKS)
    # Two input blocks and one output block, reused: a fresh 512 KiB buffer each time costs the
    # system a page fault per 4 KiB (measured: 186,000 faults, a third of the CPU, on 512 MiB).
    blocks = [bytearray(size), bytearray(size)]
    sealed = bytearray(size + size // CHUNK_SIZE * TAG_SIZE)
    out = memoryview(sealed)
    fill = _Filler(src)
    current, length = 0, fill(blocks[0])
    while True:
        if is_cancelled():
            raise Cancelled()
        # the chunk that ends the input is only known once the next read comes back empty
        following = fill(blocks[1 - current]) if length == size else 0
        last_block = not following
        view = memoryview(blocks[current])
        count = max(1, -(-length // CHUNK_SIZE))
        for index in range(count):
            piece = view[index * CHUNK_SIZE:min(length, (index + 1) * CHUNK_SIZE)]
            at = index * ENCRYPTED_CHUNK_SIZE
            aead.encrypt_into(_chunk_nonce(counter, last_block and index == count - 1), piece, None,
                              out[at:at + len(piece) + TAG_SIZE])
            counter += 1
        total = length + count * TAG_SIZE
        dst.write(sealed if total == len(sealed) else out[:total])
        done += length
        if progress is not None:
            progress(done)
        if last_block:
            return FileKeyIdentity(file_key)
        current, length = 1 - current, following


class _Filler:
    """Fills a buffer from ``src`` (``readinto`` where it has one, else ``read``): the number of
    bytes put in, fewer than the buffer's size only at the end of the input."""

    def __init__(self, src: Any) -> None:
        self.src = src
        self.into = callable(getattr(src, "readinto", None))

    def __call__(self, buffer: bytearray) -> int:
        if self.into:
            view, got = memoryview(buffer), 0
            try:
                while got < len(buffer):
                    count = self.src.readinto(view[got:])
                    if not count:
                        break
                    got += count
                return got
            except NotImplementedError:  # a RawIOBase that only has read()
                if got:
                    raise
                self.into = False
        data = _read_full(self.src, len(buffer))
        buffer[: len(data)] = data
        return len(data)


def decrypt(
    src: BinaryIO,
    dst: BinaryIO,
    identities: Sequence[Identity],
    *,
    progress: Callable[[int], None] | None = None,
    cancel: Any = None,
    armored: bool | None = None,
) -> None:
    """Decrypt the age file ``src`` with the first of ``identities`` that fits, into ``dst``."""
    is_cancelled = _cancel_check(cancel)
    reader = _Reader(src.read)
    if armored is None:
        start = reader.peek(MAX_ARMOR_WHITESPACE + 64)
        armored = not start.startswith(b"age-encryption.org/") and (
            start.lstrip().startswith(b"-----") or b"-----begin" in start.lower()
        )
    if armored:
        reader = _Reader(_ArmorReader(reader).read)
    stanzas, header, mac = _parse_header(reader)
    file_key = None
    for identity in identities:
        file_key = identity.unwrap(stanzas)
        if file_key is not None:
            break
    if file_key is None:
        raise NoIdentityMatch("no identity matched any of the recipients")
    if not hmac.compare_digest(_header_mac(file_key, header), mac):
        raise HmacError("bad header MAC")
    nonce = reader.read(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise HeaderError("missing payload nonce")
    aead = ChaCha20Poly1305(_hkdf(file_key, nonce, b"payload"))
    counter = done = 0
    block_size = ENCRYPTED_CHUNK_SIZE * (1 if progress is not None or cancel is not None else BLOCK_CHUNKS)
    plain = bytearray(block_size // ENCRYPTED_CHUNK_SIZE * CHUNK_SIZE)  # reused (see encrypt)
    opened = memoryview(plain)
    block = reader.read(block_size)
    if not block:
        raise PayloadError("the file ends before its last chunk (truncated?)")
    while True:
        if is_cancelled():
            raise Cancelled()
        # A block of chunks at a time, as ``encrypt`` writes them. A block shorter than a full one
        # ends the file; after a full one the next read says whether its last chunk was the last.
        # Every chunk authenticated before a failure is still released (as age does).
        failure: Exception | None = None
        following = b""
        if len(block) == block_size:
            try:
                following = reader.read(block_size)
            except AgeError as exc:  # damaged further on (armor): this block is released first
                failure = exc
        full, rest = divmod(len(block), ENCRYPTED_CHUNK_SIZE)
        count = full + (1 if rest else 0)
        length = full * CHUNK_SIZE + max(0, rest - TAG_SIZE)
        good = 0
        try:
            ended = _open_block(aead, memoryview(block), opened[:length], counter, following, failure)
            good = length
        except _Partial as partial:
            good = partial.good
            failure = partial.error
        counter += count
        dst.write(plain if good == len(plain) else opened[:good])
        done += good
        if progress is not None:
            progress(done)
        if failure is not None:
            raise failure
        if ended and following:
            raise PayloadError("trailing data after the end of the encrypted file")
        if not ended and not following:
            raise PayloadError("the file ends before its last chunk (truncated?)")
        if ended:
            return
        block = following


class _Partial(Exception):
    """A block failed at one of its chunks: ``good`` bytes before it were authenticated."""

    def __init__(self, good: int, error: Exception) -> None:
        super().__init__()
        self.good, self.error = good, error


def _open_block(aead: ChaCha20Poly1305, block: memoryview, plain: memoryview, counter: int, following: bytes,
                failure: Exception | None) -> bool:
    """Decrypt and authenticate the chunks of ``block`` into ``plain``; whether the last one was
    sealed as the end of the file. ``_Partial`` when a chunk fails."""
    count = -(-len(block) // ENCRYPTED_CHUNK_SIZE)
    ended = False
    for index in range(count):
        good = index * CHUNK_SIZE
        chunk = block[index * ENCRYPTED_CHUNK_SIZE:(index + 1) * ENCRYPTED_CHUNK_SIZE]
        if ended:  # a chunk after the one sealed as the last
            raise _Partial(good, PayloadError("trailing data after the end of the encrypted file"))
        last = index == count - 1 and not following and failure is None and len(chunk) < ENCRYPTED_CHUNK_SIZE
        if last and counter + index > 0 and len(chunk) == TAG_SIZE:
            raise _Partial(good, PayloadError("last chunk is empty"))
        if len(chunk) < TAG_SIZE:
            raise _Partial(good, PayloadError(f"chunk {counter + index} failed authentication"))
        target = plain[good:good + len(chunk) - TAG_SIZE]
        try:
            aead.decrypt_into(_chunk_nonce(counter + index, last), chunk, None, target)
        except InvalidTag:
            if last:
                raise _Partial(good, PayloadError(f"chunk {counter + index} failed authentication")) from None
            try:  # a full-length chunk may be the last one
                aead.decrypt_into(_chunk_nonce(counter + index, True), chunk, None, target)
                last = True
            except InvalidTag:
                raise _Partial(good, PayloadError(f"chunk {counter + index} failed authentication")) from None
        ended = last
    return ended


def encrypt_bytes(data: bytes, recipients: Sequence[Recipient]) -> bytes:
    import io

    out = io.BytesIO()
    encrypt(io.BytesIO(data), out, recipients)
    return out.getvalue()


def decrypt_bytes(data: bytes, identities: Sequence[Identity]) -> bytes:
    import io

    out = io.BytesIO()
    decrypt(io.BytesIO(data), out, identities)
    return out.getvalue()
