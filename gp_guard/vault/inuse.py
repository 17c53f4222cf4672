"""Is a file finished, or is a program still writing it? The vault never deletes a file in use.

Deleting a file that a program still holds open for writing loses everything that program writes
afterwards (it goes on writing into the deleted file). So before the vault deletes an original (or,
on unlock, an encrypted file), it *holds* the file (``hold``) and deletes it only if no program has
it open for writing:

- Linux: a read lease (``fcntl F_SETLEASE``). The system refuses it while any process has the file
  open for writing, and while it is held, a program that opens the file for writing waits and the
  lease shows it (``alone()`` turns false), so gp_guard sees a writer arriving up to the deletion
  itself. Where a lease is not possible (a file of another user, a network file system), the
  processes' open files are scanned instead (``/proc/*/fd`` and ``fdinfo``).
- macOS and other Unix systems: ``lsof`` lists the processes that have the file open for writing.
- Windows: the file is opened while denying others the right to write; that open fails while a
  program has it open for writing, and while it is held no program can start writing it.

``writers(paths)`` answers the question for many files at once, naming the program (the folder
watcher uses it to wait until a file is finished). Nothing here knows about encryption.

What a scan cannot see: processes of other users when gp_guard is not an administrator (their
open files are hidden from it); the fingerprint checks of ``folder`` (size, times) still apply.
What remains on Linux: a program that opens the file in the few microseconds between the last look
at the lease and the deletion itself (the deletion is one system call after that look).
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gp_guard.i18n import N_, _

UNKNOWN = N_("another program")


@dataclass(frozen=True)
class Holder:
    """A program that has a file open for writing; pid 0 when the system did not say which."""

    pid: int
    program: str

    def text(self) -> str:
        if not self.pid:
            return _(UNKNOWN)
        return _("{program} (process {pid})").format(program=self.program or "?", pid=self.pid)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


# -- Linux: the processes' open files ----------------------------------------------------------
_WRITE_MODES = (os.O_WRONLY, os.O_RDWR)


def _proc_name(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read(64).strip()
    except OSError:
        return ""


def _fd_writes(pid: str, fd: str) -> bool:
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii", errors="replace") as handle:
            for line in handle.read(4096).splitlines():
                if line.startswith("flags:"):
                    return (int(line.split()[1], 8) & os.O_ACCMODE) in _WRITE_MODES
    except (OSError, ValueError, IndexError):
        pass
    return False


def _scan_proc(wanted: dict[tuple[int, int], Path]) -> dict[Path, Holder]:
    """Files (by device and inode) that a process other than this one has open for writing."""
    found: dict[Path, Holder] = {}
    me = str(os.getpid())
    names = {path.name for path in wanted.values()}
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit() and p != me]
    except OSError:
        return found
    for pid in pids:
        base = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(base)
        except OSError:  # gone, or another user's process
            continue
        for fd in fds:
            try:
                target = os.readlink(f"{base}/{fd}")
            except OSError:
                continue
            # cheap filter first: only links to a file of one of these names
            if not target.startswith("/") or os.path.basename(target) not in names:
                continue
            try:
                st = os.stat(f"{base}/{fd}")
            except OSError:
                continue
            path = wanted.get((st.st_dev, st.st_ino))
            if path is not None and path not in found and _fd_writes(pid, fd):
                found[path] = Holder(int(pid), _proc_name(pid))
    return found


# -- macOS and other Unix systems: lsof --------------------------------------------------------
def _scan_lsof(paths: list[Path]) -> dict[Path, Holder]:  # pragma: no cover - macOS and BSD only
    tool = shutil.which("lsof") or ("/usr/sbin/lsof" if os.path.exists("/usr/sbin/lsof") else None)
    found: dict[Path, Holder] = {}
    if tool is None or not paths:
        return found
    try:
        done = subprocess.run([tool, "-w", "-F", "pcan", "--", *map(str, paths)], capture_output=True,
                              timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return found
    pid, program, mode = 0, "", ""
    by_name = {str(p): p for p in paths}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        kind, value = line[:1], line[1:]
        if kind == "p":
            pid, program = int(value or 0), ""
        elif kind == "c":
            program = value
        elif kind == "a":
            mode = value
        elif kind == "n" and mode in ("w", "u") and pid != os.getpid() and value in by_name:
            found.setdefault(by_name[value], Holder(pid, program))
    return found


def writers(paths: Iterable[Path]) -> dict[Path, Holder]:
    """The files among ``paths`` that a running program (not this one) has open for writing, with
    that program (pid 0 when the system did not say which). Missing files are left out."""
    paths = list(paths)
    if os.name == "nt":  # pragma: no cover - Windows only
        return {p: Holder(0, "") for p in paths if _windows_busy(p)}
    if not sys.platform.startswith("linux"):  # pragma: no cover - macOS and BSD only
        return _scan_lsof(paths)
    wanted: dict[tuple[int, int], Path] = {}
    written: list[Path] = []
    for path in paths:
        free = _lease_free(path)  # a few system calls: most files need no scan at all
        if free is True:
            continue
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            wanted[(st.st_dev, st.st_ino)] = path
            if free is False:
                written.append(path)
    found = _scan_proc(wanted) if wanted else {}
    for path in written:  # the system said so, even if the scan cannot see who (another user)
        found.setdefault(path, Holder(0, ""))
    return found


def holder(path: Path) -> Holder | None:
    """The program that has ``path`` open for writing, or None when the file is finished."""
    return writers([path]).get(path)


def finished(path: Path, since: os.stat_result) -> bool:
    """The file looks complete: no program has it open for writing, and it has not changed since
    ``since`` (same file, size, modification and change times). The folder watcher asks this
    after a quiet period before encrypting a new file."""
    try:
        now = os.lstat(path)
    except OSError:
        return False
    ctime = os.name != "nt"
    same = ((now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns if ctime else 0)
            == (since.st_dev, since.st_ino, since.st_size, since.st_mtime_ns, since.st_ctime_ns if ctime else 0))
    return same and holder(path) is None


# -- Linux: leases ------------------------------------------------------------------------------
_F_SETLEASE = 1024
_F_GETLEASE = 1025
_F_SETSIG = 10
LEASES = sys.platform.startswith("linux")  # the tests turn it off to check the scan alone


def _take_lease(fd: int) -> bool | None:
    """True: leased (no writer now); False: a process has the file open for writing; None: no
    lease possible here (not the file's owner, a file system without leases)."""
    import fcntl

    try:
        # A writer arriving makes the system signal the lease holder (SIGIO by default, which
        # would end gp_guard): SIGURG is ignored unless a program asks for it.
        fcntl.fcntl(fd, _F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_RDLCK)
        return True
    except OSError as exc:
        if exc.errno == errno.EAGAIN:
            return False
        return None


def _drop_lease(fd: int) -> None:
    import fcntl

    try:
        fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_UNLCK)
    except OSError:
        pass


def _lease_free(path: Path) -> bool | None:
    """True: nobody has the file open for writing; False: somebody has; None: cannot tell."""
    if not LEASES:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        taken = _take_lease(fd)
        if taken:
            _drop_lease(fd)
        return taken
    finally:
        os.close(fd)


# -- Windows: an open that denies writers ------------------------------------------------------
def _windows_open(path: Path) -> int | None:  # pragma: no cover - Windows only
    """A handle that lets others read and delete but not write; None when a program writes it."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    create = kernel32.CreateFileW
    create.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID, wintypes.DWORD,
                       wintypes.DWORD, wintypes.HANDLE]
    create.restype = wintypes.HANDLE
    generic_read, share_read, share_delete, open_existing = 0x80000000, 0x1, 0x4, 3
    reparse = 0x00200000  # FILE_FLAG_OPEN_REPARSE_POINT: never follow a link
    handle = create(str(path), generic_read, share_read | share_delete, None, open_existing, reparse, None)
    if handle in (None, wintypes.HANDLE(-1).value):
        code = ctypes.get_last_error()  # type: ignore[attr-defined]
        if code in (32, 33):  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
            return None
        raise ctypes.WinError(code)  # type: ignore[attr-defined]
    return int(handle)


def _windows_close(handle: int) -> None:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    close = ctypes.WinDLL("kernel32").CloseHandle  # type: ignore[attr-defined]
    close.argtypes = [wintypes.HANDLE]  # a 64-bit handle does not fit ctypes' default int
    close(handle)


def _windows_busy(path: Path) -> bool:  # pragma: no cover - Windows only
    try:
        handle = _windows_open(path)
    except OSError:
        return False
    if handle is None:
        return True
    _windows_close(handle)
    return False


# -- holding a file while deciding to delete it ------------------------------------------------
class Held:
    """A file held by ``hold``: ``writer`` is the program writing it (None: nobody was), ``same``
    whether it is still the file expected; ``alone()`` asks again just before deleting."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: Holder | None = None
        self.same = True
        self.fd = -1
        self.leased = False

    def alone(self) -> bool:
        """No program has started to open the file for writing since it was held."""
        if self.writer is not None or not self.same:
            return False
        if self.leased:
            import fcntl

            try:
                return bool(fcntl.fcntl(self.fd, _F_GETLEASE) == fcntl.F_RDLCK)
            except OSError:
                return False
        return True


@contextmanager
def hold(path: Path, expected: os.stat_result | None = None,
         scanned: dict[Path, Holder] | None = None) -> Iterator[Held]:
    """Hold ``path`` (see the module's docstring) and say whether a program is writing it.

    ``expected``: the file must still be this one (device and inode), else ``same`` is false.
    ``scanned``: what ``writers`` said just before for a batch of files, used where no lease is
    possible instead of scanning the processes again for each file (a scan takes milliseconds).
    Raises OSError when the file cannot be opened (FileNotFoundError when it is gone).
    """
    held = Held(path)
    if os.name == "nt":  # pragma: no cover - Windows only
        handle = _windows_open(path)
        if handle is None:
            held.writer = Holder(0, "")
            yield held
            return
        try:
            if expected is not None:
                held.same = _same(os.lstat(path), expected)
            yield held
        finally:
            _windows_close(handle)
        return
    held.fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        st = os.fstat(held.fd)
        held.same = stat.S_ISREG(st.st_mode) and (expected is None or _same(st, expected))
        if held.same:
            taken = _take_lease(held.fd) if LEASES else None
            held.leased = bool(taken)
            if taken is False or taken is None:  # a writer, or no lease here: who is it
                held.writer = (scanned.get(path) if taken is None and scanned is not None
                               else writers([path]).get(path))
                if taken is False and held.writer is None:
                    held.writer = Holder(0, "")
        yield held
    finally:
        if held.leased:
            _drop_lease(held.fd)
        os.close(held.fd)
