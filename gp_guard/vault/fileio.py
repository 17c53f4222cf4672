"""Low-level file operations of the vault: durable writes, names that never overwrite, page cache.

Plain OS calls with the platform differences kept here (fsync vs F_FULLFSYNC, renameat2 vs a hard
link, Linux writeback hints), so that ``folder`` reads as the protocol it follows. Nothing here
knows about encryption.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHUNK = 1024 * 1024
# Big files (see WritebackWriter and DropBehind). Measured on a 1 GiB file, fresh input each run:
# 32/64/128 MiB locked in a median 1.52 s, 8/16/64 in 1.66 s, 64/128/256 in 2.0 s.
WRITEBACK_STEP = 32 * 1024 * 1024  # the disk is started on this much at a time
DROP_LAG = 64 * 1024 * 1024  # memory is released this far behind the writing, once on the disk
FLUSH_AHEAD = 128 * 1024 * 1024  # how far the encryption may run ahead of the disk (memory bound)


def fsync(fd: int) -> None:
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        import fcntl

        try:
            fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            return
        except OSError:
            pass
    os.fsync(fd)


def fsync_dir(path: Path) -> None:
    if os.name == "nt":  # pragma: no cover - NTFS journals renames; folders cannot be opened
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_range() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        func = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]
    return func


_SYNC_FILE_RANGE = _sync_file_range()


def start_writeback(fd: int, offset: int = 0, count: int = 0) -> None:
    """Ask the kernel to start writing these bytes to the disk now (Linux), so that the fsync that
    follows waits less. Only a hint: durability still comes from fsync alone."""
    if _SYNC_FILE_RANGE is not None:
        _SYNC_FILE_RANGE(fd, offset, count, 2)  # SYNC_FILE_RANGE_WRITE; errors are harmless here


def wait_written(fd: int, offset: int, count: int) -> None:
    """Wait until these bytes have been handed to the disk (Linux; elsewhere nothing to wait for,
    since nothing below relies on it but the release of memory)."""
    if _SYNC_FILE_RANGE is not None:  # WAIT_BEFORE | WRITE | WAIT_AFTER
        _SYNC_FILE_RANGE(fd, offset, count, 7)


def read_sequentially(fd: int) -> None:
    """Tell the system this file is read from start to end (it reads further ahead; Linux, BSD)."""
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        except OSError:
            pass


def forget_cached(fd: int, offset: int = 0, count: int = 0) -> None:
    """Tell the system these bytes will not be read again soon, so it can reuse their memory
    (Linux, BSD). Only a hint: clean pages are released, data is never affected."""
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(fd, offset, count, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass


class DropBehind:
    """Streams a big file through a bounded window of memory instead of the whole file.

    Called (by WritebackWriter's helper thread) each time the disk is started on a new step: pages of the new file that
    are on the disk and already read back by the verification, and pages of the source that
    every reader has passed, are handed back to the system. Without it a 5 GB study fills the
    page cache (pushing out the doctor's programs) and every page written is a new page to find;
    with it the writer reuses the same pages (measured, a plain 1 GiB copy: 0.72 s instead of 1.2 s,
    and far steadier; see bench/vault.py). At most about DROP_LAG + FLUSH_AHEAD of the file is
    in memory at any time.
    """

    PAGE = 4096

    def __init__(self, out_fd: int, out_read: Callable[[], int], src_fd: int, src_read: Callable[[], int]) -> None:
        self.out_fd, self.out_read, self.src_fd, self.src_read = out_fd, out_read, src_fd, src_read
        self.out_done = self.src_done = 0

    def __call__(self, written: int) -> None:
        lag = DROP_LAG  # the disk gets this much time to finish writing what it was given
        until = min(written - lag, self.out_read()) // self.PAGE * self.PAGE
        if until > self.out_done:
            wait_written(self.out_fd, self.out_done, until - self.out_done)
            forget_cached(self.out_fd, self.out_done, until - self.out_done)
            self.out_done = until
        until = self.src_read() // self.PAGE * self.PAGE
        if until > self.src_done:
            forget_cached(self.src_fd, self.src_done, until - self.src_done)
            self.src_done = until


class WritebackWriter:
    """Writes through ``out`` and starts the disk writing every WRITEBACK_STEP bytes, so that a big
    file's data goes to the disk while it is still being encrypted, not all at the final fsync.
    Each listener is then called with the number of bytes handed to the system so far; ``each``
    after every write (a reader following the file: ``streams.GrowingReader.publish``).

    With ``behind``, a helper thread starts the disk and releases memory behind the writing
    (``DropBehind``), so the thread that encrypts never waits for the disk unless it gets more
    than FLUSH_AHEAD bytes ahead of it. Call ``close()`` when done (also on errors).
    """

    def __init__(self, out: Any, *listeners: Callable[[int], None], behind: DropBehind | None = None,
                 each: Callable[[int], None] | None = None) -> None:
        self.out, self.listeners, self.behind, self.each = out, listeners, behind, each
        self.written = 0
        self.started = 0
        self.cond = threading.Condition()
        self.target = self.flushed = 0
        self.closing = False
        self.helper: threading.Thread | None = None
        if behind is not None:
            self.helper = threading.Thread(target=self._flush_behind, name="vault-writeback", daemon=True)
            self.helper.start()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        count = self.out.write(data)
        self.written += len(data)
        if self.written - self.started >= WRITEBACK_STEP:
            self.out.flush()
            if self.helper is None:
                start_writeback(self.out.fileno(), self.started, self.written - self.started)
            else:
                self._hand_over(self.written)
            self.started = self.written
            for listener in self.listeners:
                listener(self.written)
        elif self.each is not None:
            self.out.flush()  # nothing to do when the write went past the buffer, as big ones do
        if self.each is not None:
            self.each(self.written)
        return count

    def flush(self) -> None:
        self.out.flush()

    def close(self) -> None:
        if self.helper is not None:
            with self.cond:
                self.closing = True
                self.cond.notify_all()
            self.helper.join()
            self.helper = None

    def _hand_over(self, written: int) -> None:
        with self.cond:
            self.target = written
            self.cond.notify_all()
            while self.target - self.flushed > FLUSH_AHEAD and not self.closing:
                self.cond.wait()

    def _flush_behind(self) -> None:
        fd = self.out.fileno()
        while True:
            with self.cond:
                while self.target <= self.flushed and not self.closing:
                    self.cond.wait()
                if self.target <= self.flushed:
                    return
                start, end = self.flushed, self.target
            start_writeback(fd, start, end - start)
            if self.behind is not None:
                self.behind(end)
            with self.cond:
                self.flushed = end
                self.cond.notify_all()


def open_read(path: Path) -> int:
    return os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))


def create_private(path: Path) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, 0o600)


class MovedAway(OSError):
    """The folder of a file was renamed or replaced (by a link elsewhere) while it was worked on."""


def create_private_beside(source: Path, source_fd: int, path: Path) -> int:
    """``create_private(path)`` in the very folder that holds the open file ``source_fd``.

    A folder renamed during the work, with a link to another folder put in its place, would
    otherwise send the new file there: the folder is opened once, checked to hold the source
    (same device and inode under its name), and the file is created relative to it. MovedAway
    when the folder at that path is no longer the source's."""
    if not hasattr(os, "O_DIRECTORY") or os.open not in os.supports_dir_fd:  # pragma: no cover - Windows
        return create_private(path)
    want = os.fstat(source_fd)
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            seen = os.stat(source.name, dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            raise MovedAway(str(source)) from None
        if (seen.st_dev, seen.st_ino) != (want.st_dev, want.st_ino) or source.parent != path.parent:
            raise MovedAway(str(source))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        return os.open(path.name, flags, 0o600, dir_fd=folder)
    finally:
        os.close(folder)


def unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except PermissionError:
        if os.name != "nt":
            raise
        os.chmod(path, stat.S_IWRITE)  # pragma: no cover - Windows read-only attribute
        os.unlink(path)  # pragma: no cover


def unlink_missing_ok(path: Path) -> None:
    try:
        unlink(path)
    except FileNotFoundError:
        pass


def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


_RENAMEAT2 = _renameat2()


def link_no_clobber(tmp: Path, dst: Path) -> None:
    """Give ``tmp`` the name ``dst``; FileExistsError when ``dst`` exists (never overwritten).

    Linux: one ``renameat2(RENAME_NOREPLACE)``; elsewhere, or where the file system lacks it,
    a hard link then the removal of the temporary name.
    """
    if _RENAMEAT2 is not None:
        import ctypes

        if _RENAMEAT2(-100, os.fsencode(tmp), -100, os.fsencode(dst), 1) == 0:  # AT_FDCWD, NOREPLACE
            return
        code = ctypes.get_errno()
        if code == errno.EEXIST:
            raise FileExistsError(code, os.strerror(code), str(dst))
        if code not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(dst))
    try:
        os.link(tmp, dst)  # tmp is our own regular file
    except FileExistsError:
        raise
    except OSError as exc:  # file systems without hard links (FAT, exFAT, some network shares)
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
        if os.name != "nt" and os.path.lexists(dst):  # Windows' rename refuses by itself
            raise FileExistsError(errno.EEXIST, "exists", str(dst)) from exc
        os.rename(tmp, dst)
        return
    os.unlink(tmp)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    fd = open_read(path)
    try:
        with os.fdopen(fd, "rb", buffering=0) as handle:
            fd = -1
            buffer = bytearray(CHUNK)
            view = memoryview(buffer)
            while True:
                count = handle.readinto(buffer)
                if not count:
                    break
                digest.update(view[:count])
    finally:
        if fd >= 0:
            os.close(fd)
    return digest.hexdigest()
