"""One file, each way, behind one interface: encrypt a plaintext, or decrypt a ``.age`` file.

``Encrypt`` and ``Decrypt`` implement ``Transform``: ``write(rel, st)`` makes the other form of the
file beside it under a temporary name (``tmp(rel)``), and returns once that copy is complete,
durable (fsync) and checked: an encrypted copy is decrypted again and compared with the original
(or, with the public keys only, its length checked); a decrypted copy is read back and hashed.
Giving the copy its final name (``dst(rel)``), re-checking the original (``unchanged``) and
deleting it are the batches' part (batches.py), the same for both ways.

Big files take the streaming way: the copy is checked by a helper thread while it is written, the
disk is started on each step and memory released behind (fileio.DropBehind), so the CPU and the
disk overlap and the page cache holds a bounded window of the file.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from gp_guard.vault import agefile, fileio
from gp_guard.vault.agefile import Identity, Recipient
from gp_guard.vault.fileio import CHUNK, sha256_file
from gp_guard.vault.outcome import (
    P_DAMAGED,
    P_EXISTS,
    P_PLAIN_EXISTS,
    P_VERIFY,
    P_VERIFY_PLAIN,
    Meter,
)
from gp_guard.vault.scan import AGE, LOCK_TMP, UNLOCK_TMP
from gp_guard.vault.streams import (
    CompareWriter,
    GrowingReader,
    HashingReader,
    HashingWriter,
    Mismatch,
)

RECHECK_HASH_LIMIT = 16 * 1024 * 1024
WRITE_BUFFER = 64 * 1024  # measured: faster than 1 MiB (the 64 KiB chunks stay in the CPU cache)
FSYNC_ASIDE = 8 * 1024 * 1024  # from this size the fsync runs on a helper thread while the copy is verified
NAME_MAX = 255  # bytes in one file name, on every file system gp_guard meets


class Transform(Protocol):
    """One way of the per-file protocol (encrypt or decrypt), as the batches drive it."""

    name: str  # the journal's word for it: "lock" (encrypt) or "unlock" (decrypt)
    exists: str  # the problem when the final name is already taken
    mismatch: str  # the problem when the copy does not read back identically
    unreadable: str  # the problem when the age layer refuses the file
    root: Path
    meter: Meter
    copies: dict[str, tuple[int, int]]  # rel -> (device, inode) of the copy written

    @property
    def identities(self) -> Sequence[Identity] | None:
        """The keys that open the copies (None: public keys only)."""
        ...

    def dst(self, rel: str) -> str: ...

    def tmp(self, rel: str) -> str: ...

    def write(self, rel: str, st: os.stat_result) -> str:
        """The checked, durable copy of ``rel`` at ``tmp(rel)``; its SHA-256 or ""; raises Changed
        when the source is no longer ``st``."""
        ...

    def unchanged(self, rel: str, st: os.stat_result, sha: str) -> bool:
        """The source is still what was copied (just before it is deleted)."""
        ...

    def sealed_plain(self, rel: str, other: str) -> tuple[str, str]:
        """Of ``rel`` and the file ``other`` in its way, which is the ``.age`` and which the plaintext."""
        ...


# -- the age layer --------------------------------------------------------------------------
def encrypt(src: Any, dst: Any, recipients: Sequence[Recipient]) -> None:
    agefile.encrypt(src, dst, list(recipients))


def decrypt(src: Any, dst: Any, identities: Sequence[Identity], cancel: Any = None) -> None:
    agefile.decrypt(src, dst, list(identities), cancel=cancel)


def is_age_error(exc: BaseException) -> bool:
    return isinstance(exc, agefile.AgeError)


# -- what both ways share ---------------------------------------------------------------------
def _create_beside(src: Path, raw: Any, tmp: Path) -> int:
    """The temporary file, created in the folder that really holds the open source (a folder
    swapped for a link elsewhere during the work never receives it): otherwise _Changed."""
    try:
        return fileio.create_private_beside(src, raw.fileno(), tmp)
    except fileio.MovedAway:
        raise Changed from None


class Changed(Exception):
    """The source was changed, moved or replaced while it was worked on: it is retried later."""


def same_file(st: os.stat_result, other: os.stat_result) -> bool:
    """Same file, same content as far as the system can tell: on POSIX the change time moves on
    every write, even when a program puts the modification time back."""
    ctime = os.name != "nt"
    return ((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns if ctime else 0)
            == (other.st_dev, other.st_ino, other.st_size, other.st_mtime_ns, other.st_ctime_ns if ctime else 0))


def identity_of(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


GONE = (FileNotFoundError, NotADirectoryError)  # a name or its folder is no longer where it was


def _fsync_while(fd: int, work: Callable[[], None]) -> None:
    """fsync ``fd`` on a helper thread while ``work`` runs (the disk and the CPU overlap)."""
    failure: list[BaseException] = []

    def sync() -> None:
        try:
            fileio.fsync(fd)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failure.append(exc)

    helper = threading.Thread(target=sync, name="vault-fsync", daemon=True)
    helper.start()
    try:
        work()
    finally:
        helper.join()
    if failure:
        raise failure[0]


def _durable_and(fd: int, size: int, verify: Callable[[], None]) -> None:
    """Make the written file durable (fsync) and run ``verify``; both must succeed.

    Big files: at the same time (the disk and the CPU overlap). Small files: the writing is started
    at once, then ``verify`` runs while it proceeds, then the fsync waits for the rest, all in this
    worker (the other workers keep the CPUs busy; a thread per file cost more than it saved).
    """
    if size >= FSYNC_ASIDE:
        _fsync_while(fd, verify)
        return
    fileio.start_writeback(fd)
    verify()
    fileio.fsync(fd)


def _write_followed(out: Any, source_fd: int, tmp: Path, produce: Callable[[Any], None],
                   check: Callable[[GrowingReader], None], source_done: Callable[[], int]) -> None:
    """Big files: ``produce(sink)`` writes the new file through ``out`` while ``check(follower)``
    reads back, on a helper thread, what already reached it; the disk is started on each step and
    memory released behind the writing (``fileio.DropBehind``, told how far the source was read by
    ``source_done``); then fsync. Returns once the copy is complete, durable and checked."""
    follower = GrowingReader(tmp)
    failure: list[BaseException] = []

    def follow() -> None:
        try:
            check(follower)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            failure.append(exc)

    helper = threading.Thread(target=follow, name="vault-verify", daemon=True)
    helper.start()
    try:
        fileio.read_sequentially(source_fd)
        behind = fileio.DropBehind(out.fileno(), lambda: follower.pos, source_fd, source_done)
        sink = fileio.WritebackWriter(out, behind=behind, each=follower.publish)  # followed closely
        try:
            produce(sink)
            sink.flush()
        finally:
            sink.close()
        follower.publish(sink.written, final=True)
        fileio.fsync(out.fileno())  # while the helper finishes
    except BaseException:
        follower.abort()
        raise
    finally:
        helper.join()
        follower.close()
    if failure:
        raise failure[0]
    fileio.forget_cached(out.fileno())  # durable and checked: the rest of it leaves memory too


def _age_payload_size(size: int) -> int:
    chunks = max(1, -(-size // 65536))
    return 16 + size + 16 * chunks


def tmp_name(rel: str, suffix: str) -> str:
    """``rel`` + ``suffix``, the temporary file's name; a name too long for the suffix is shortened
    and made unique with a hash of the whole name (the journal keeps the name it used), so every
    name that can be encrypted can also be decrypted."""
    head, name = os.path.split(rel)
    raw = os.fsencode(name)
    if len(raw) + len(suffix) <= NAME_MAX:
        return rel + suffix
    tag = "~" + hashlib.sha256(raw).hexdigest()[:8]
    cut = raw[: NAME_MAX - len(suffix) - len(tag)]
    try:
        raw.decode("utf-8")
        short = cut.decode("utf-8", "ignore")  # never half a character
    except UnicodeDecodeError:
        short = os.fsdecode(cut)
    return os.path.join(head, short + tag + suffix)


@contextmanager
def _beside(op: Encrypt | Decrypt, rel: str, st: os.stat_result, read_buffer: int,
            write_buffer: int) -> Iterator[tuple[BinaryIO, BinaryIO, Path]]:
    """The source opened (still ``st``, else Changed) and its temporary copy created beside it:
    (source, copy, copy's path). Once the copy is written, it takes the original's times and
    permissions (readable by its owner)."""
    src, tmp = op.root / rel, op.root / op.tmp(rel)
    with os.fdopen(fileio.open_read(src), "rb", buffering=read_buffer) as raw:
        if not same_file(st, os.fstat(raw.fileno())):
            raise Changed
        with os.fdopen(_create_beside(src, raw, tmp), "wb", buffering=write_buffer) as out:
            op.copies[rel] = identity_of(os.fstat(out.fileno()))
            op.meter.steps()
            yield raw, out, tmp
            op.meter.steps()
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.chmod(tmp, stat.S_IMODE(st.st_mode) | stat.S_IRUSR)
    op.meter.steps()


class Encrypt:
    """A plaintext into ``<name>.age``, checked by decrypting it (or, with the public keys only,
    by its length)."""

    name = "lock"
    exists = P_EXISTS
    mismatch = P_VERIFY
    unreadable = P_VERIFY

    def __init__(self, root: Path, recipients: Sequence[Recipient], identities: Sequence[Identity] | None,
                 meter: Meter) -> None:
        self.root, self.recipients, self.identities, self.meter = root, recipients, identities, meter
        self.copies: dict[str, tuple[int, int]] = {}

    @staticmethod
    def dst(rel: str) -> str:
        return rel + AGE

    @staticmethod
    def tmp(rel: str) -> str:
        return tmp_name(rel, LOCK_TMP)

    @staticmethod
    def sealed_plain(rel: str, other: str) -> tuple[str, str]:
        return other, rel

    def write(self, rel: str, st: os.stat_result) -> str:
        big = st.st_size >= FSYNC_ASIDE
        with _beside(self, rel, st, 0, WRITE_BUFFER) as (raw, out, tmp):
            # Small files get a SHA-256 for the re-check; big ones rely on their fingerprint
            # (inode, size, modification and change times), which moves on any write.
            reader = HashingReader(raw, self.meter, hashing=st.st_size <= RECHECK_HASH_LIMIT)
            if big and self.identities:
                return self._write_verifying(reader, out, tmp, rel, st)
            sink = fileio.WritebackWriter(out)
            encrypt(reader, sink, self.recipients)
            sha = reader.hexdigest() if reader.hashing else ""
            sink.flush()
            if reader.size != st.st_size:
                raise Changed
            _durable_and(out.fileno(), st.st_size, lambda: self._verify(tmp, rel, st))
            fileio.forget_cached(out.fileno())  # on the disk and checked: not read again soon
            return sha

    def _write_verifying(self, reader: HashingReader, out: Any, tmp: Path, rel: str, st: os.stat_result) -> str:
        """Big files: encrypt into ``out`` while a helper thread decrypts what already reached the
        file and compares it with the original; then fsync. The copy is complete, durable and
        verified when this returns, exactly as with ``_verify`` after the writing."""
        compared = CompareWriter()

        def produce(sink: Any) -> None:
            encrypt(reader, sink, self.recipients)
            if reader.size != st.st_size:
                raise Changed

        _write_followed(out, reader.raw.fileno(), tmp, produce,
                        lambda follower: self._compare(follower, rel, st, compared), lambda: compared.done)
        return reader.hexdigest() if reader.hashing else ""

    def _verify(self, tmp: Path, rel: str, st: os.stat_result) -> None:
        """Decrypt the new file and compare it, byte for byte, with the original."""
        if not self.identities:  # public keys only: check the shape of what was written
            extra = os.stat(tmp).st_size - _age_payload_size(st.st_size)
            if not 0 < extra < 8192:
                raise Mismatch
            return
        with open(tmp, "rb", buffering=CHUNK) as handle:
            self._compare(handle, rel, st)

    def _compare(self, handle: Any, rel: str, st: os.stat_result, sink: CompareWriter | None = None) -> None:
        with os.fdopen(fileio.open_read(self.root / rel), "rb", buffering=0) as plain:
            if not same_file(st, os.fstat(plain.fileno())):
                raise Changed
            sink = sink or CompareWriter()
            sink.original = plain
            decrypt(handle, sink, self.identities or [])
            if plain.read(1):
                raise Mismatch

    def unchanged(self, rel: str, st: os.stat_result, sha: str) -> bool:
        """The original is still what was encrypted: same file, size, times; and, up to
        RECHECK_HASH_LIMIT, the same SHA-256 (above it, reading it all again would double the time;
        the change time already moves on any write)."""
        try:
            now = os.lstat(self.root / rel)
            if not same_file(st, now):
                return False
            return not sha or sha256_file(self.root / rel) == sha
        except OSError:
            return False


class Decrypt:
    """A ``.age`` file into its plaintext, checked by reading the written copy back and hashing it."""

    name = "unlock"
    exists = P_PLAIN_EXISTS
    mismatch = P_VERIFY_PLAIN
    unreadable = P_DAMAGED

    def __init__(self, root: Path, identities: Sequence[Identity], meter: Meter) -> None:
        self.root, self.identities, self.meter = root, identities, meter
        self.copies: dict[str, tuple[int, int]] = {}

    @staticmethod
    def dst(rel: str) -> str:
        return rel[: -len(AGE)]

    @staticmethod
    def tmp(rel: str) -> str:
        return tmp_name(rel[: -len(AGE)], UNLOCK_TMP)

    @staticmethod
    def sealed_plain(rel: str, other: str) -> tuple[str, str]:
        return rel, other

    def write(self, rel: str, st: os.stat_result) -> str:
        with _beside(self, rel, st, CHUNK, WRITE_BUFFER) as (raw, out, tmp):
            reader = HashingReader(raw, self.meter, hashing=False)
            if st.st_size >= FSYNC_ASIDE:
                return self._write_reading_back(reader, out, tmp)
            writer = HashingWriter(fileio.WritebackWriter(out), None)
            decrypt(reader, writer, self.identities)
            out.flush()
            sha = writer.digest.hexdigest()

            def read_back() -> None:  # what reached the file is what was decrypted
                if sha256_file(tmp) != sha:
                    raise Mismatch

            _durable_and(out.fileno(), st.st_size, read_back)
            return sha

    def _write_reading_back(self, reader: HashingReader, out: Any, tmp: Path) -> str:
        """Big files: decrypt into ``out`` while a helper thread reads back what already reached
        the file and hashes it; then fsync. Both hashes must match: what is on the disk is what
        was decrypted and authenticated."""
        writer = HashingWriter(None, None)
        read_back = hashlib.sha256()

        def produce(sink: Any) -> None:
            writer.raw = sink
            decrypt(reader, writer, self.identities)

        def check(follower: GrowingReader) -> None:
            while data := follower.read(CHUNK):
                read_back.update(data)

        _write_followed(out, reader.raw.fileno(), tmp, produce, check, lambda: reader.size)
        sha = writer.digest.hexdigest()
        if read_back.hexdigest() != sha:
            raise Mismatch
        return sha

    def unchanged(self, rel: str, st: os.stat_result, sha: str) -> bool:
        try:
            return same_file(st, os.lstat(self.root / rel))
        except OSError:
            return False
