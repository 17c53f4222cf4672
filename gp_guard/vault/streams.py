"""File-like adapters the vault reads and writes through: counting, hashing, following a file
being written, comparing with an original. They know nothing of keys or folders."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from gp_guard.vault.fileio import CHUNK, open_read


class Mismatch(Exception):
    """What was read back differs from what was written."""


class Stopped(Exception):
    """The writer gave up; the reader following it stops too."""


class Meter(Protocol):
    def add(self, count: int) -> None: ...


class HashingReader:
    """Counts (progress, cancel) and hashes what the encryption reads.

    Reads what the encryption asks for (64 KiB) straight from the file and hashes it in this
    thread: hashlib releases the GIL on such pieces, so the other workers encrypt meanwhile
    (measured: a helper thread per file cost more in start-up and GIL hand-overs than it saved).
    """

    def __init__(self, raw: Any, meter: Meter | None, hashing: bool = True) -> None:
        self.raw, self.meter, self.hashing = raw, meter, hashing
        self.digest = hashlib.sha256()
        self.size = 0
        self.pending = 0  # bytes read but not yet counted: the meter is told about every 1 MiB

    def hexdigest(self) -> str:
        return self.digest.hexdigest()

    def close(self) -> None:
        pass

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        if count:
            if self.hashing:
                self.digest.update(memoryview(buffer)[:count])
            self.size += count
            self.pending += count
        if self.meter is not None and self.pending and (self.pending >= CHUNK or not count):
            done, self.pending = self.pending, 0
            self.meter.add(done)
        return count or 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self.read(CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        # straight from the file, no copy through a block buffer (measured: a third of the time
        # of a big file went into slicing 1 MiB blocks into 64 KiB pieces)
        data = self.raw.read(n)
        if data:
            if self.hashing:
                self.digest.update(data)
            self.size += len(data)
            self.pending += len(data)
        if self.meter is not None and self.pending and (self.pending >= CHUNK or len(data) < n):
            count, self.pending = self.pending, 0
            self.meter.add(count)
        return data


class GrowingReader:
    """Reads a file that another thread is writing: only bytes already handed to the system
    (``publish``), and the end only once the writer said it finished. Lets a big file's copy be
    decrypted and compared while it is being written, on the second CPU."""

    def __init__(self, path: Path) -> None:
        self.fd = open_read(path)
        self.cond = threading.Condition()
        self.available = 0
        self.final = False
        self.aborted = False
        self.pos = 0

    def publish(self, size: int, final: bool = False) -> None:
        with self.cond:
            self.available = size
            self.final = self.final or final
            self.cond.notify_all()

    def abort(self) -> None:
        with self.cond:
            self.aborted = True
            self.cond.notify_all()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        with self.cond:
            while self.pos >= self.available and not self.final and not self.aborted:
                self.cond.wait()
            if self.aborted:
                raise Stopped
            count = self.available - self.pos if n is None or n < 0 else min(n, self.available - self.pos)
        if count <= 0:
            return b""
        data = os.read(self.fd, count)
        if not data:  # the file is shorter than what was written: someone cut it
            raise Mismatch
        self.pos += len(data)
        return data

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class HashingWriter:
    def __init__(self, raw: Any, meter: Meter | None) -> None:
        self.raw, self.meter = raw, meter
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.raw is not None:
            self.raw.write(data)
        self.digest.update(data)
        self.size += len(data)
        if self.meter is not None:
            self.meter.add(len(data))
        return len(data)

    def flush(self) -> None:
        if self.raw is not None:
            self.raw.flush()


class CompareWriter:
    """A decrypt destination that checks each byte against the original file; ``done`` is how
    far the comparison went (read by another thread to release memory behind it)."""

    def __init__(self, original: Any = None) -> None:
        self.original = original
        self.done = 0
        self.buffer = bytearray()  # the original's bytes, read into the same memory each time

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = len(data)
        if len(self.buffer) != size:
            self.buffer = bytearray(size)
        got, view = 0, memoryview(self.buffer)
        while got < size and (count := self.original.readinto(view[got:])):
            got += count
        # bytearray against bytes or bytearray: one memcmp (a memoryview would be compared byte by
        # byte, a hundred times slower)
        if got != size or self.buffer != (data if isinstance(data, (bytes, bytearray)) else bytes(data)):
            raise Mismatch
        self.done += size
        return size

    def flush(self) -> None:
        pass
