"""Lock, unlock and verify a folder in place, never losing a file, even when killed at any instant.

Per file (DESIGN.md "How the vault works"): journal intent → write ``<name>.age.tmp`` beside it →
fsync → decrypt-verify against the plaintext's SHA-256 → give it its final name without ever
overwriting (hard link + unlink) → fsync the folder → re-check the plaintext did not change →
delete the plaintext → journal done. Unlock is the mirror image. Files go through in small
batches so one journal commit and one folder fsync serve many small files; the states stored in
the journal are always behind or equal to what happened on disk, which is all ``recover()`` needs.

Deleting the plaintext is an ordinary deletion: on SSDs fragments may remain in free space, which
full-disk encryption (check CRY-01) protects. Nothing here promises a secure erase.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gp_guard.i18n import N_, _
from gp_guard.store import Store
from gp_guard.vault import fileio, inuse, leftovers
from gp_guard.vault.fileio import CHUNK, sha256_file
from gp_guard.vault.journal import CONFLICT, VERIFIED, Journal, _load
from gp_guard.vault.recovery import Recovery, recover_folder
from gp_guard.vault.streams import (
    CompareWriter,
    GrowingReader,
    HashingReader,
    HashingWriter,
    Mismatch,
    Stopped,
)
from gp_guard.work import Cancelled, CancelToken, tell

log = logging.getLogger(__name__)

AGE = ".age"
LOCK_TMP = ".age.tmp"
UNLOCK_TMP = ".gpguard.tmp"
BATCH_FILES = 64  # measured on 800 small files: 32 -> 1.97 s, 64 -> 1.84 s, 128 -> 1.95 s
BATCH_BYTES = 64 * 1024 * 1024
WORKERS = min(4, (os.cpu_count() or 1) + 1)
RECHECK_HASH_LIMIT = 16 * 1024 * 1024
WRITE_BUFFER = 64 * 1024  # measured: faster than 1 MiB (the 64 KiB chunks stay in the CPU cache)
FSYNC_ASIDE = 8 * 1024 * 1024  # from this size the fsync runs on a helper thread while the copy is verified
RETRYABLE = {errno.EACCES, errno.EPERM, errno.EBUSY, errno.EAGAIN, errno.ETXTBSY}
FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
NAME_MAX = 255  # bytes in one file name, on every file system gp_guard meets


# -- public types ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    action: str  # "lock", "unlock", "verify"
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    current: str  # path relative to the folder
    mb_per_s: float


@dataclass(frozen=True)
class Problem:
    name: str  # path relative to the folder
    message: str  # N_() template
    detail: str = ""

    def text(self) -> str:
        return _(self.message).format(detail=self.detail)

    @property
    def shown(self) -> str:
        """The name as it can be printed (see ``shown``)."""
        return shown(self.name)


def shown(name: str | os.PathLike[str]) -> str:
    """A file name as it can be printed or shown: bytes that are not UTF-8 (an old Latin-1 name)
    become a replacement mark instead of stopping the output."""
    return os.fsencode(name).decode("utf-8", "replace")


@dataclass
class Report:
    action: str
    folder: Path
    done: list[str] = field(default_factory=list)
    failed: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    cancelled: bool = False
    files_total: int = 0
    bytes_done: int = 0
    seconds: float = 0.0
    open_by: list[tuple[int, str, str]] = field(default_factory=list)  # pid, program, file

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    @property
    def mb_per_s(self) -> float:
        return self.bytes_done / 1e6 / self.seconds if self.seconds > 0 else 0.0


class VaultError(Exception):
    """An error the doctor can meet; ``str()`` is the translated message."""

    message = N_("The operation on the protected folder failed.")

    def __init__(self, message: str | None = None, report: Report | None = None, **kwargs: Any) -> None:
        self.template = message or self.message
        self.kwargs = kwargs
        self.report = report
        super().__init__(self.template)

    def __str__(self) -> str:
        return _(self.template).format(**self.kwargs)


class FolderRefused(VaultError):
    message = N_("This folder cannot be protected.")


class FolderBusy(VaultError):
    message = N_("Another gp_guard window or command is already working on this folder. Wait for it to finish.")


class DiskFull(VaultError):
    message = N_("The disk is full: {done} files were handled, the others were left exactly as they were. "
                 "Free some space, then run it again.")


# problems with one file
P_CHANGED = N_("The file was being changed by another program; it was left as it was. Try again later.")
P_IN_USE = N_("Still in use by {detail}: left as it is, nothing was deleted. It will be protected once that "
               "program has closed it (run the encryption again then).")
P_BUSY = N_("The file is in use by another program; it was left as it was. Close that program and try again.")
P_EXISTS = N_("An encrypted copy with the same name already exists; the file was left as it was.")
P_PLAIN_EXISTS = N_("A file with the decrypted name already exists; the encrypted file was left as it was.")
P_TMP_EXISTS = N_("A temporary file from another program is in the way: {detail}")
P_NAME_LONG = N_("The name is too long to add “.age”; rename the file with a shorter name.")
P_NOT_AGE = N_("This file is named “.age” but it is not an encrypted file (or its beginning is damaged): it is "
                "not protected. If it is a document, remove “.age” from its name so that gp_guard encrypts it.")
P_DENIED = N_("You are not allowed to read or change this file (its permissions); it was left as it was. "
               "Ask the person who manages this computer.")
P_DIR_DENIED = N_("This sub-folder cannot be opened (its permissions); the files in it were left as they were.")
P_DIR_ERROR = N_("This sub-folder could not be read ({detail}); the files in it were left as they were.")
P_MOVED = N_("The file or its folder was renamed, moved or deleted while gp_guard was working on it; it was left "
              "as it was (nothing lost). Run the encryption again to protect it.")
P_SYMLINK = N_("Shortcut (symbolic link) left as it is: gp_guard never follows links.")
P_SPECIAL = N_("Not an ordinary file; left as it is.")
P_HARDLINK = N_("This file has another name elsewhere (hard link): encrypting it here would leave a readable copy. Left as it is.")
P_DAMAGED = N_("This encrypted file cannot be read: it was damaged or changed, or it was made with other keys. It was left as it was.")
P_VERIFY = N_("The encrypted copy did not read back identically; the original was kept.")
P_VERIFY_PLAIN = N_("The decrypted copy did not read back identically; the encrypted file was kept.")
P_ERROR = N_("The file could not be handled ({detail}); it was left as it was.")

CONFIRM_DELETION_NOTE = N_(
    "Once encrypted, each original is deleted. On SSDs fragments of deleted files may remain in the "
    "disk's free space: gp_guard cannot erase them reliably. Full-disk encryption (check CRY-01) "
    "protects them."
)


# -- the crash hook used by the crash tests ---------------------------------------------------
class _Steps:
    """GP_GUARD_VAULT_CRASH_AFTER=N: the process kills itself (SIGKILL) after N protocol steps."""

    def __init__(self) -> None:
        value = os.environ.get("GP_GUARD_VAULT_CRASH_AFTER", "")
        self.limit = int(value) if value.isdigit() else -1
        self.count = 0

    taken = 0  # every step of this process, for the crash tests to size their kill points

    _lock = threading.Lock()  # steps are also taken in the worker threads

    def __call__(self) -> None:
        with _Steps._lock:
            _Steps.taken += 1
            if self.limit < 0:
                return
            self.count += 1
            reached = self.count >= self.limit
        if reached:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)


class _Meter:
    """Counts bytes for progress and cancellation; one per run."""

    def __init__(self, action: str, total_files: int, total_bytes: int,
                 progress: Callable[[Progress], None] | None, cancel: CancelToken, steps: _Steps) -> None:
        self.action, self.total_files, self.total_bytes = action, total_files, total_bytes
        self.progress, self.cancel, self.steps = progress, cancel, steps
        self.files = 0
        self.bytes = 0
        self.sizes: dict[str, int] = {}
        self.current = ""
        self.start = time.monotonic()
        self.last = 0.0
        self.lock = threading.Lock()

    def add(self, count: int) -> None:
        with self.lock:
            self.bytes += count
        self.steps()
        if self.cancel.cancelled:
            raise Cancelled
        now = time.monotonic()
        if now - self.last >= 0.1:
            self.emit(now)

    def file_done(self) -> None:
        with self.lock:
            self.files += 1
        self.emit(time.monotonic())

    def emit(self, now: float | None = None) -> None:
        now = now or time.monotonic()
        self.last = now
        if self.progress is None:
            return
        elapsed = now - self.start
        rate = self.bytes / 1e6 / elapsed if elapsed > 0 else 0.0
        tell(self.progress, Progress(self.action, self.files, self.total_files, self.bytes,
                                     self.total_bytes, self.current, rate))


# -- the age adapter (gp_guard.vault.agefile) ------------------------------------------------
def _agefile() -> Any:
    from gp_guard.vault import agefile

    return agefile


def _is_age_error(exc: BaseException) -> bool:
    return isinstance(exc, _agefile().AgeError)


def _encrypt(src: Any, dst: Any, recipients: Sequence[Any]) -> None:
    _agefile().encrypt(src, dst, list(recipients))


def _decrypt(src: Any, dst: Any, identities: Sequence[Any], cancel: Any = None) -> None:
    _agefile().decrypt(src, dst, list(identities), cancel=cancel)


# -- which folders may be protected ------------------------------------------------------------
_SYSTEM_POSIX = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
                 "/run", "/sbin", "/sys", "/usr", "/snap", "/System", "/Library", "/Applications",
                 "/private/etc", "/private/var/db", "/var/lib", "/var/log", "/var/cache", "/var/spool",
                 "/var/backups", "/var/mail", "/var/tmp", "/var/opt", "/var/local", "/var/db", "/var/run",
                 "/var/lock", "/var/empty", "/var/yp")
_ROOTS_POSIX = ("/", "/home", "/Users", "/var", "/tmp", "/mnt", "/media", "/srv", "/opt", "/root",
                "/Volumes", "/private", "/private/tmp", "/private/var")


def _windows_system() -> list[Path]:  # pragma: no cover - Windows only
    names = ("SystemRoot", "windir", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432", "ProgramData")
    return [Path(os.environ[n]) for n in names if os.environ.get(n)]


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def _real(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    return [Path(os.path.realpath(p)) for p in paths if p]


def _programs() -> list[Path]:
    """gp_guard's interpreter, its virtual environment and the folders its modules come from."""
    import site
    import sysconfig

    places: list[str] = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                         os.path.dirname(os.path.realpath(sys.executable))]
    try:
        places += site.getsitepackages()
        places.append(site.getusersitepackages())
    except AttributeError:  # pragma: no cover - an embedded or frozen interpreter
        pass
    places += [v for k in ("stdlib", "platstdlib", "purelib", "platlib") if (v := sysconfig.get_paths().get(k))]
    if getattr(sys, "frozen", False):  # pragma: no cover - the installed executable
        places.append(os.path.dirname(sys.executable))
    # a folder that merely holds the interpreter's folder is refused by _inside(d, root); the
    # root of a disk or /usr is already refused as a system folder
    return [p for p in _real(places) if p != Path(p.anchor)]


def _settings_folders() -> list[Path]:
    """The user's configuration, cache and data folders (every program's, not only gp_guard's)."""
    import platformdirs

    places: list[str | Path] = [platformdirs.user_config_dir(), platformdirs.user_cache_dir(),
                                platformdirs.user_data_dir(), platformdirs.user_state_dir(), platformdirs.user_log_dir()]
    places += [os.environ.get(n, "") for n in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                                                  "APPDATA", "LOCALAPPDATA")]
    home = Path.home()
    places += [home / ".config", home / ".cache", home / ".local", home / "Library"]
    return _real(places)


def check_folder(folder: str | os.PathLike[str]) -> Path:
    """The folder's absolute real path, or FolderRefused saying why it cannot be protected."""
    from gp_guard.paths import data_dir, log_dir

    raw = Path(folder).expanduser()
    if raw.is_symlink():
        raise FolderRefused(N_("This is a shortcut (symbolic link) to a folder; choose the folder itself."))
    root = Path(os.path.realpath(raw))
    if not root.is_dir():
        raise FolderRefused(N_("This folder does not exist: {path}"), path=str(raw))
    home = Path(os.path.realpath(Path.home()))
    if _inside(home, root):
        raise FolderRefused(N_("This is your whole personal folder (or contains it). Choose the folder that holds "
                               "the images or documents, for example a sub-folder."))
    own = [Path(os.path.realpath(d)) for d in (data_dir(), log_dir(), Path(__file__).resolve().parents[1])]
    if any(_inside(root, d) or _inside(d, root) for d in own):
        raise FolderRefused(N_("This folder holds gp_guard's own files; it cannot be encrypted."))
    if any(_inside(root, d) or _inside(d, root) for d in _programs()):
        raise FolderRefused(N_("This folder holds the programs gp_guard needs to run (Python and its modules); "
                               "encrypting it would stop gp_guard, and with it the way to decrypt."))
    if any(_inside(root, d) or _inside(d, root) for d in _settings_folders()):
        raise FolderRefused(N_("This folder holds the settings and working files of your programs; encrypting it "
                               "would stop them from working. Choose the folder that holds the images or documents."))
    if os.name == "nt":  # pragma: no cover - Windows only
        drive = Path(root.anchor)
        system = _windows_system()
        if root == drive or any(_inside(root, s) for s in system):
            raise FolderRefused(N_("This is a system folder: encrypting it would stop the computer or its programs from working."))
    else:
        if str(root) in _ROOTS_POSIX or any(_inside(root, Path(s)) for s in _SYSTEM_POSIX):
            raise FolderRefused(N_("This is a system folder: encrypting it would stop the computer or its programs from working."))
    return root


def open_by_programs(folder: Path, limit: int = 20) -> list[tuple[int, str, str]]:
    """Files under ``folder`` that running programs (not this one) have open: (pid, name, path)."""
    import psutil

    found: list[tuple[int, str, str]] = []
    prefix = str(folder).rstrip(os.sep) + os.sep
    me = os.getpid()
    for proc in psutil.process_iter(["pid", "name"]):
        if proc.info["pid"] == me:
            continue
        try:
            files = proc.open_files()
        except (psutil.Error, OSError):
            continue
        for item in files:
            if item.path.startswith(prefix):
                found.append((proc.info["pid"], proc.info["name"] or "?", item.path))
                if len(found) >= limit:
                    return found
    return found


# -- walking a folder, never following links ---------------------------------------------------
def _scan(root: Path, want_age: bool, report: Report) -> list[tuple[str, os.stat_result]]:
    found: list[tuple[str, os.stat_result]] = []
    stack = [root]
    while stack:
        here = stack.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as exc:
            where = os.path.relpath(here, root)
            if isinstance(exc, PermissionError):
                report.failed.append(Problem(where, P_DIR_DENIED))
            elif not isinstance(exc, FileNotFoundError):  # gone since it was listed: nothing to do
                report.failed.append(Problem(where, P_DIR_ERROR, exc.strerror or type(exc).__name__))
            continue
        for entry in entries:
            rel = os.path.relpath(entry.path, root)
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                if not want_age:
                    report.skipped.append(Problem(rel, P_SYMLINK))
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(Path(entry.path))
                continue
            if entry.name.endswith((LOCK_TMP, UNLOCK_TMP)):
                continue
            is_age = entry.name.endswith(AGE)
            if is_age and not want_age and stat.S_ISREG(st.st_mode) and not is_age_file(Path(entry.path)):
                report.failed.append(Problem(rel, P_NOT_AGE))  # named .age, but readable by anyone
                continue
            if is_age != want_age:
                continue
            if not stat.S_ISREG(st.st_mode):
                report.skipped.append(Problem(rel, P_SPECIAL))
                continue
            if not want_age and st.st_nlink > 1:
                report.skipped.append(Problem(rel, P_HARDLINK))
                continue
            found.append((rel, st))
    found.sort()
    return found


def _listed(root: Path, names: Sequence[str]) -> list[tuple[str, os.stat_result]]:
    """The files ``names`` (relative to ``root``) that are still there, for ``lock(only=...)``;
    ``_prepare`` checks each one again as it does for a scanned file."""
    found = []
    for rel in sorted(set(names)):
        try:
            found.append((rel, os.lstat(root / rel)))
        except OSError:
            continue
    return found


AGE_HEADER = b"age-encryption.org/v1\n"


def is_age_file(path: Path) -> bool:
    """The file starts like an age file: a plaintext merely named ``*.age`` is not encrypted."""
    try:
        fd = fileio.open_read(path)
    except OSError:
        return True  # cannot tell: not counted as a plaintext (unlock or verify will say more)
    try:
        return os.read(fd, len(AGE_HEADER)) == AGE_HEADER
    except OSError:
        return True
    finally:
        os.close(fd)


def _denied(exc: OSError) -> bool:
    """The system refuses access (permissions), as opposed to a program holding the file. On
    Windows a file opened by another program also gives EACCES: that one stays "in use"."""
    return os.name != "nt" and exc.errno in (errno.EACCES, errno.EPERM)


def _still_inside(root: Path, path: Path) -> bool:
    """The file's folder still resolves inside ``root`` (no folder swapped for a link meanwhile)."""
    return _inside(Path(os.path.realpath(path.parent)), root)


class _FolderLock:
    """One worker per folder across processes (an advisory lock file in the data dir)."""

    def __init__(self, root: Path, wait: bool = False) -> None:
        from gp_guard.paths import data_dir

        name = hashlib.sha256(os.fsencode(root)).hexdigest()[:16]
        self.path = data_dir() / f"vault-{name}.lock"
        self.wait = wait
        self.fd = -1

    def __enter__(self) -> _FolderLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.name == "nt":  # pragma: no cover - Windows only
                import msvcrt

                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(self.fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except OSError as exc:
            os.close(self.fd)
            self.fd = -1
            raise FolderBusy() from exc
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # releases the lock
            self.fd = -1


# -- one file, each way -------------------------------------------------------------------------
def _create_beside(src: Path, raw: Any, tmp: Path) -> int:
    """The temporary file, created in the folder that really holds the open source (a folder
    swapped for a link elsewhere during the work never receives it): otherwise _Changed."""
    try:
        return fileio.create_private_beside(src, raw.fileno(), tmp)
    except fileio.MovedAway:
        raise _Changed from None


class _Changed(Exception):
    pass


def _same_file(st: os.stat_result, other: os.stat_result) -> bool:
    """Same file, same content as far as the system can tell: on POSIX the change time moves on
    every write, even when a program puts the modification time back."""
    ctime = os.name != "nt"
    return ((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns if ctime else 0)
            == (other.st_dev, other.st_ino, other.st_size, other.st_mtime_ns, other.st_ctime_ns if ctime else 0))


def _identity_of(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


_GONE = (FileNotFoundError, NotADirectoryError)  # a name or its folder is no longer where it was


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
        sink = fileio.WritebackWriter(out, follower.publish, behind=behind)
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


def _tmp_name(rel: str, suffix: str) -> str:
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


class _Lock:
    name = "lock"
    exists = P_EXISTS

    def __init__(self, root: Path, recipients: Sequence[Any], identities: Sequence[Any] | None,
                 meter: _Meter) -> None:
        self.root, self.recipients, self.identities, self.meter = root, recipients, identities, meter
        self.copies: dict[str, tuple[int, int]] = {}  # rel -> (device, inode) of the copy we wrote

    @staticmethod
    def dst(rel: str) -> str:
        return rel + AGE

    @staticmethod
    def tmp(rel: str) -> str:
        return _tmp_name(rel, LOCK_TMP)

    def write(self, rel: str, st: os.stat_result) -> str:
        src, tmp = self.root / rel, self.root / self.tmp(rel)
        with os.fdopen(fileio.open_read(src), "rb", buffering=0) as raw:
            if not _same_file(st, os.fstat(raw.fileno())):
                raise _Changed
            with os.fdopen(_create_beside(src, raw, tmp), "wb", buffering=WRITE_BUFFER if st.st_size < FSYNC_ASIDE else CHUNK) as out:
                self.copies[rel] = _identity_of(os.fstat(out.fileno()))
                self.meter.steps()
                # Small files get a SHA-256 for the re-check; big ones rely on their fingerprint
                # (inode, size, modification and change times), which moves on any write.
                reader = HashingReader(raw, self.meter, hashing=st.st_size <= RECHECK_HASH_LIMIT)
                if st.st_size >= FSYNC_ASIDE and self.identities:
                    sha = self._write_verifying(reader, out, tmp, rel, st)
                else:
                    sink = fileio.WritebackWriter(out)
                    _encrypt(reader, sink, self.recipients)
                    sha = reader.hexdigest() if reader.hashing else ""
                    sink.flush()
                    if reader.size != st.st_size:
                        raise _Changed
                    _durable_and(out.fileno(), st.st_size, lambda: self._verify(tmp, rel, st))
                    fileio.forget_cached(out.fileno())  # on the disk and checked: not read again soon
                self.meter.steps()
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.chmod(tmp, stat.S_IMODE(st.st_mode) | stat.S_IRUSR)
        self.meter.steps()
        return sha

    def _write_verifying(self, reader: HashingReader, out: Any, tmp: Path, rel: str, st: os.stat_result) -> str:
        """Big files: encrypt into ``out`` while a helper thread decrypts what already reached the
        file and compares it with the original; then fsync. The copy is complete, durable and
        verified when this returns, exactly as with ``_verify`` after the writing."""
        compared = CompareWriter()

        def produce(sink: Any) -> None:
            _encrypt(reader, sink, self.recipients)
            if reader.size != st.st_size:
                raise _Changed

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
            if not _same_file(st, os.fstat(plain.fileno())):
                raise _Changed
            sink = sink or CompareWriter()
            sink.original = plain
            _decrypt(handle, sink, self.identities or [])
            if plain.read(1):
                raise Mismatch

    def unchanged(self, rel: str, st: os.stat_result, sha: str) -> bool:
        """The original is still what was encrypted: same file, size, times; and, up to
        RECHECK_HASH_LIMIT, the same SHA-256 (above it, reading it all again would double the time;
        the change time already moves on any write)."""
        try:
            now = os.lstat(self.root / rel)
            if not _same_file(st, now):
                return False
            return not sha or sha256_file(self.root / rel) == sha
        except OSError:
            return False


class _Unlock(_Lock):
    name = "unlock"
    exists = P_PLAIN_EXISTS

    @staticmethod
    def dst(rel: str) -> str:
        return rel[: -len(AGE)]

    @staticmethod
    def tmp(rel: str) -> str:
        return _tmp_name(rel[: -len(AGE)], UNLOCK_TMP)

    def write(self, rel: str, st: os.stat_result) -> str:
        src, tmp = self.root / rel, self.root / self.tmp(rel)
        with os.fdopen(fileio.open_read(src), "rb", buffering=CHUNK) as raw:
            if not _same_file(st, os.fstat(raw.fileno())):
                raise _Changed
            with os.fdopen(_create_beside(src, raw, tmp), "wb", buffering=WRITE_BUFFER) as out:
                self.copies[rel] = _identity_of(os.fstat(out.fileno()))
                self.meter.steps()
                reader = HashingReader(raw, self.meter, hashing=False)
                if st.st_size >= FSYNC_ASIDE:
                    sha = self._write_reading_back(reader, out, tmp)
                else:
                    writer = HashingWriter(fileio.WritebackWriter(out), None)
                    _decrypt(reader, writer, self.identities or [])
                    out.flush()
                    sha = writer.digest.hexdigest()

                    def read_back() -> None:  # what reached the file is what was decrypted
                        if sha256_file(tmp) != sha:
                            raise Mismatch

                    _durable_and(out.fileno(), st.st_size, read_back)
                self.meter.steps()
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.chmod(tmp, stat.S_IMODE(st.st_mode) | stat.S_IRUSR)
        self.meter.steps()
        return sha

    def _write_reading_back(self, reader: HashingReader, out: Any, tmp: Path) -> str:
        """Big files: decrypt into ``out`` while a helper thread reads back what already reached
        the file and hashes it; then fsync. Both hashes must match: what is on the disk is what
        was decrypted and authenticated."""
        writer = HashingWriter(None, None)
        read_back = hashlib.sha256()

        def produce(sink: Any) -> None:
            writer.raw = sink
            _decrypt(reader, writer, self.identities or [])

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
            return _same_file(st, os.lstat(self.root / rel))
        except OSError:
            return False


# -- batches ----------------------------------------------------------------------------------
@dataclass
class _Pending:
    """A batch whose copies are being written: journal rows, files, the workers' futures."""

    rows: list[int]
    prepared: list[tuple[str, os.stat_result]]
    futures: list[Any]


class _Batches:
    def __init__(self, op: _Lock, journal: Journal, report: Report, retries: int, retry_delay: float) -> None:
        self.op, self.journal, self.report = op, journal, report
        self.root, self.meter = op.root, op.meter
        self.retries, self.retry_delay = retries, retry_delay
        self.attempts: dict[str, int] = {}
        self.retry: list[tuple[str, Problem]] = []
        self.stopped = False  # the disk is full: start no other file
        self.full: DiskFull | None = None
        self.moved: list[int] = []  # journal rows whose folder moved meanwhile: recovery finishes them
        self.dirs: dict[str, int] = {}  # rel -> inode of its folder when it was started
        # Several files at once: fsync, unlink and hashing release the GIL, so the disk and the
        # CPU overlap. The journal is still written by this thread only.
        self.pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="vault")

    def run(self, items: list[tuple[str, os.stat_result]]) -> None:
        try:
            self._run([rel for rel, _st in items])
        finally:
            self.pool.shutdown(wait=True)
            if self.moved:  # a sub-folder was renamed meanwhile: find it again and finish its files
                try:
                    recover_folder(self.journal, self.root)
                except OSError:
                    log.warning("files of a renamed folder are left for the next recovery")

    def _moved(self, row: int, rel: str) -> None:
        """The file's folder is no longer where it was: its journal row stays, so recovery finds the
        folder again (by its inode) and finishes or undoes the file there."""
        self.moved.append(row)
        self.report.failed.append(Problem(rel, P_MOVED))

    def _gone(self, rel: str) -> bool:
        """The folder this file was started in is no longer at its place (renamed, swapped)."""
        try:
            st = os.lstat((self.root / rel).parent)
        except OSError:
            return True
        return not stat.S_ISDIR(st.st_mode) or st.st_ino != self.dirs.get(rel, st.st_ino)

    def _run(self, queue: list[str]) -> None:
        round_ = 0
        while queue and not self.report.cancelled:
            # Two batches in flight: while one is written by the workers, the one before it is
            # renamed, re-checked and deleted, so the workers never wait for the journal and the
            # folder fsyncs (measured: a fifth of the time of 2,000 small files).
            pending: _Pending | None = None
            while queue and not self.report.cancelled and not self.stopped:
                batch: list[str] = []
                size = 0
                while queue and len(batch) < BATCH_FILES and (not batch or size < BATCH_BYTES):
                    rel = queue.pop(0)
                    batch.append(rel)
                    size += self.meter.sizes.get(rel, 0)
                started = self._start(batch)
                if pending is not None:
                    self._complete(pending)
                pending = started
            if pending is not None:
                self._complete(pending)
            if self.full is not None:
                raise self.full
            again = [(rel, p) for rel, p in self.retry if self.attempts.get(rel, 0) <= self.retries]
            self.report.failed.extend(p for rel, p in self.retry if self.attempts.get(rel, 0) > self.retries)
            self.retry = []
            queue = [rel for rel, _p in again]
            if queue and not self.report.cancelled:
                round_ += 1
                self._pause(self.retry_delay * round_)
        if self.report.cancelled:
            self.report.skipped.extend(Problem(rel, N_("Not handled: the work was cancelled.")) for rel in queue)

    def _attempt(self, rel: str, st: os.stat_result) -> str:
        """One file's temporary copy, written, made durable and verified (in a worker thread)."""
        if self.meter.cancel.cancelled:
            raise Cancelled
        if self.stopped:
            raise Stopped
        self.meter.current = rel
        self.meter.emit()
        return self.op.write(rel, st)

    def _retire(self, rel: str, st: os.stat_result, sha: str,
                scanned: dict[Path, inuse.Holder] | None = None) -> Problem | None:
        """Delete the original if it is still what was encrypted and no program has it open for
        writing (None), else remove our copy and say why (in a worker thread; its encrypted copy's
        name is already durable). The file is held meanwhile (``inuse.hold``): a program that
        starts writing it is seen up to the deletion itself."""
        op = self.op
        problem = Problem(rel, P_CHANGED)
        try:
            with inuse.hold(self.root / rel, st, scanned) as held:
                if held.writer is not None:
                    problem = Problem(rel, P_IN_USE, held.writer.text())
                elif held.same and op.unchanged(rel, st, sha) and held.alone():
                    try:
                        fileio.unlink(self.root / rel)
                        self.meter.steps()
                        return None
                    except OSError as exc:
                        if exc.errno not in RETRYABLE:
                            raise
                        problem = Problem(rel, P_DENIED if _denied(exc) else P_BUSY)
        except OSError as exc:  # it could not even be opened again: it is not what was encrypted
            if exc.errno in RETRYABLE:
                problem = Problem(rel, P_DENIED if _denied(exc) else P_BUSY)
            elif not isinstance(exc, _GONE):
                raise
        copy = self.root / op.dst(rel)
        try:  # ours, and now a stale copy: the original stays
            if _identity_of(os.lstat(copy)) != op.copies.get(rel, _identity_of(os.lstat(copy))):
                # another file has this name now: a folder swapped (recovery finds ours), or someone
                # else's file, which stays as it is, as does the original
                return Problem(rel, P_MOVED if self._gone(rel) else P_EXISTS)
            fileio.unlink(copy)
        except _GONE:
            return Problem(rel, P_MOVED)
        self.meter.steps()
        return problem

    def _pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.meter.cancel.cancelled:
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))

    def _again(self, rel: str, message: str | Problem) -> None:
        self.attempts[rel] = self.attempts.get(rel, 0) + 1
        self.retry.append((rel, message if isinstance(message, Problem) else Problem(rel, message)))

    def _prepare(self, batch: list[str]) -> list[tuple[str, os.stat_result]]:
        ready = []
        for rel in batch:
            src = self.root / rel
            try:
                st = os.lstat(src)
                self.dirs[rel] = os.lstat(src.parent).st_ino
            except _GONE:
                continue  # gone since the scan
            if not stat.S_ISREG(st.st_mode) or not _still_inside(self.root, src):
                self.report.skipped.append(Problem(rel, P_SPECIAL))
                continue
            dst, tmp = self.op.dst(rel), self.op.tmp(rel)
            if os.path.lexists(self.root / tmp) and self._redundant(rel, tmp):
                fileio.unlink(self.root / tmp)  # a leftover copy of exactly this file: in nobody's way
            if len(os.fsencode(os.path.basename(dst))) > NAME_MAX:
                self.report.failed.append(Problem(rel, P_NAME_LONG))
            elif os.path.lexists(self.root / dst):
                if self._redundant(rel, dst) and self._drop_source(rel, st, dst):
                    continue  # both forms were left by an interrupted run: the one that stays is complete
                self.report.failed.append(Problem(rel, self.op.exists))
            elif os.path.lexists(self.root / tmp):
                self.report.failed.append(Problem(rel, P_TMP_EXISTS, tmp))
            else:
                ready.append((rel, st))
        # a file some program is still writing is not even started: it is retried after a pause
        busy = inuse.writers([self.root / rel for rel, _st in ready])
        for rel, _st in ready:
            if self.root / rel in busy:
                self._again(rel, Problem(rel, P_IN_USE, busy[self.root / rel].text()))
        return [(rel, st) for rel, st in ready if self.root / rel not in busy]

    def _redundant(self, rel: str, other: str) -> bool:
        """``other`` (the copy in the way) holds exactly this file's content (``leftovers``)."""
        op = self.op
        sealed, plain = (other, rel) if op.name == "lock" else (rel, other)
        try:
            if not stat.S_ISREG(os.lstat(self.root / other).st_mode):
                return False
        except OSError:
            return False
        return leftovers.same_content(self.root / sealed, self.root / plain, op.identities or [])

    def _drop_source(self, rel: str, st: os.stat_result, dst: str) -> bool:
        """Finish what an interrupted run left in both forms: the file's other form is complete, so
        this one goes (if no program is writing it and it is still what was compared)."""
        src = self.root / rel
        try:
            leftovers.make_durable(self.root / dst)
            with inuse.hold(src, st) as held:
                if not (held.same and held.alone() and _same_file(st, os.lstat(src))):
                    return False
                fileio.unlink(src)
            fileio.fsync_dir(src.parent)
        except OSError:
            return False
        self.report.done.append(rel)
        self.meter.file_done()
        return True

    def _start(self, batch: list[str]) -> _Pending | None:
        """The journal says what is about to happen, then the workers start writing the copies."""
        op = self.op
        prepared = self._prepare(batch)
        if not prepared:
            return None
        rows = self.journal.begin(op.name, str(self.root),
                                  [(rel, op.dst(rel), op.tmp(rel), st.st_size, st.st_mtime_ns, st.st_ino,
                                    st.st_ctime_ns, self.dirs[rel]) for rel, st in prepared])
        self.meter.steps()
        futures = [self.pool.submit(self._attempt, rel, st) for rel, st in prepared]
        return _Pending(rows, prepared, futures)

    def _complete(self, pending: _Pending) -> None:
        """Waits for a batch's copies, then renames, re-checks and deletes (``_finish``)."""
        op, steps = self.op, self.meter.steps
        written: list[tuple[int, str, os.stat_result, str]] = []
        dropped: list[int] = []
        for row, (rel, st), future in zip(pending.rows, pending.prepared, pending.futures, strict=True):
            try:
                written.append((row, rel, st, future.result()))
                continue
            except Stopped:
                pass
            except Cancelled:
                self.report.cancelled = True
                self.report.skipped.append(Problem(rel, N_("Not handled: the work was cancelled.")))
            except _Changed:
                self._again(rel, P_CHANGED)
            except Mismatch:
                self.report.failed.append(Problem(rel, P_VERIFY_PLAIN if op.name == "unlock" else P_VERIFY))
            except OSError as exc:
                if exc.errno in FULL:
                    self.full = self.full or DiskFull()
                    self.stopped = True
                elif _denied(exc):
                    self.report.failed.append(Problem(rel, P_DENIED))
                elif exc.errno in RETRYABLE:
                    self._again(rel, P_BUSY)
                elif exc.errno == errno.ENAMETOOLONG:
                    self.report.failed.append(Problem(rel, P_NAME_LONG))
                else:
                    self.report.failed.append(Problem(rel, P_ERROR, exc.strerror or type(exc).__name__))
            except Exception as exc:
                if not _is_age_error(exc):
                    fileio.unlink_missing_ok(self.root / op.tmp(rel))
                    self.journal.finish([row])
                    raise
                self.report.failed.append(Problem(rel, P_DAMAGED if op.name == "unlock" else P_VERIFY))
            if self._gone(rel):  # its copy, if any, is wherever the folder went
                self.report.failed[:] = [p for p in self.report.failed if p.name != rel]
                self.retry[:] = [(r, p) for r, p in self.retry if r != rel]
                self._moved(row, rel)
                continue
            fileio.unlink_missing_ok(self.root / op.tmp(rel))
            steps()
            dropped.append(row)
        self.journal.finish(dropped)
        if written:
            self.journal.mark([(row, VERIFIED, sha) for row, _rel, _st, sha in written])
            steps()
            self._finish(written)

    def _finish(self, written: list[tuple[int, str, os.stat_result, str]]) -> None:
        op, steps = self.op, self.meter.steps
        linked = []
        for row, rel, st, sha in written:
            try:
                fileio.link_no_clobber(self.root / op.tmp(rel), self.root / op.dst(rel))
                linked.append((row, rel, st, sha))
            except FileExistsError:
                self.journal.mark([(row, CONFLICT, sha)])
                fileio.unlink_missing_ok(self.root / op.tmp(rel))
                self.journal.finish([row])
                self.report.failed.append(Problem(rel, op.exists))
            except _GONE:
                self._moved(row, rel)
            steps()
        folders = {(self.root / rel).parent for _row, rel, _st, _sha in linked}
        for folder in folders:
            self._fsync_dir(folder)
            steps()
        # only now, every new name of the batch durable: re-check and delete, in the workers (one
        # look at the programs' open files for the batch; each file is then held on its own)
        scanned = inuse.writers([self.root / rel for _row, rel, _st, _sha in linked])
        retired = [self.pool.submit(self._retire, rel, st, sha, scanned) for _row, rel, st, sha in linked]
        wait(retired)
        for (row, rel, _st, _sha), future in zip(linked, retired, strict=True):
            problem = future.result()
            if problem is None:
                self.report.done.append(rel)
                self.meter.file_done()
            elif problem.message == P_MOVED:
                self._moved(row, rel)
            else:
                self._again(rel, problem)
        for folder in folders:
            self._fsync_dir(folder)
            steps()
        self.journal.finish([row for row, _rel, _st, _sha in linked if row not in self.moved])
        steps()

    @staticmethod
    def _fsync_dir(folder: Path) -> None:
        try:
            fileio.fsync_dir(folder)
        except _GONE:
            pass  # renamed meanwhile: its files are left to recovery, which syncs where it went


# -- the public operations ---------------------------------------------------------------------
def _run(action: str, folder: str | os.PathLike[str], recipients: Sequence[Any], identities: Sequence[Any] | None,
         progress: Callable[[Progress], None] | None, cancel: CancelToken | None, store: Store | None,
         retries: int, retry_delay: float, only: Sequence[str] | None = None) -> Report:
    root = check_folder(folder)
    journal = Journal(store)
    cancel = cancel or CancelToken()
    report = Report(action, root)
    started = time.monotonic()
    with _FolderLock(root):
        recover_folder(journal, root)
        if action == "lock":
            journal.add_folder(str(root))
        report.open_by = open_by_programs(root)
        items = _scan(root, want_age=action != "lock", report=report) if only is None else _listed(root, only)
        report.files_total = len(items)
        meter = _Meter(action, len(items), sum(st.st_size for _rel, st in items), progress, cancel, _Steps())
        meter.sizes = {rel: st.st_size for rel, st in items}
        meter.emit()
        op = (_Lock if action == "lock" else _Unlock)(root, recipients, identities, meter)
        try:
            _Batches(op, journal, report, retries, retry_delay).run(items)
        except DiskFull as exc:
            exc.kwargs["done"] = len(report.done)
            exc.report = report
            raise
        finally:
            report.seconds = time.monotonic() - started
            report.bytes_done = meter.bytes
            meter.emit()
            failures = {p.name: p.message + "\n" + p.detail for p in report.failed}
            if only is not None:  # a few files (the watcher): the folder's other failures stay listed
                failures = {**{n: m for n, m in journal.failures(str(root)).items() if n not in set(only)}, **failures}
            journal.ran(str(root), action, failures)
    log.info("%s of a folder: %d done, %d failed, %d skipped, %.1f MB/s", action, len(report.done),
             len(report.failed), len(report.skipped), report.mb_per_s)
    return report


def lock(folder: str | os.PathLike[str], recipients: Sequence[Any], identities: Sequence[Any] | None = None, *,
         progress: Callable[[Progress], None] | None = None, cancel: CancelToken | None = None,
         store: Store | None = None, retries: int = 2, retry_delay: float = 0.5,
         only: Sequence[str] | None = None) -> Report:
    """Encrypt every file of ``folder`` in place to ``recipients``.

    With ``identities`` each encrypted copy is decrypted and compared with the original before the
    original is deleted; without them (public keys only) the copy's length is checked instead.
    ``only``: just these files (paths relative to the folder, already chosen by the caller: the
    folder watcher), instead of walking the whole folder.
    Raises FolderRefused, FolderBusy, DiskFull (nothing lost; ``.report`` says what was done).
    """
    return _run("lock", folder, recipients, identities, progress, cancel, store, retries, retry_delay, only)


def unlock(folder: str | os.PathLike[str], identities: Sequence[Any], *,
           progress: Callable[[Progress], None] | None = None, cancel: CancelToken | None = None,
           store: Store | None = None, retries: int = 2, retry_delay: float = 0.5) -> Report:
    """Decrypt every ``.age`` file of ``folder`` in place; damaged files are reported and kept."""
    return _run("unlock", folder, [], identities, progress, cancel, store, retries, retry_delay)


def verify(folder: str | os.PathLike[str], identities: Sequence[Any], *,
           progress: Callable[[Progress], None] | None = None, cancel: CancelToken | None = None,
           store: Store | None = None) -> Report:
    """Read every ``.age`` file back and report each one that fails authentication."""
    root = check_folder(folder)
    journal = Journal(store)
    cancel = cancel or CancelToken()
    report = Report("verify", root)
    started = time.monotonic()
    items = _scan(root, want_age=True, report=report)
    report.files_total = len(items)
    meter = _Meter("verify", len(items), sum(st.st_size for _r, st in items), progress, cancel, _Steps())
    meter.emit()
    for rel, _st in items:
        meter.current = rel
        try:
            with os.fdopen(fileio.open_read(root / rel), "rb", buffering=CHUNK) as raw:
                _decrypt(HashingReader(raw, meter, hashing=False), HashingWriter(None, None), identities)
            report.done.append(rel)
        except Cancelled:
            report.cancelled = True
            break
        except OSError as exc:
            report.failed.append(Problem(rel, P_ERROR, exc.strerror or type(exc).__name__))
        except Exception as exc:
            if not _is_age_error(exc):
                raise
            report.failed.append(Problem(rel, P_DAMAGED))
        meter.file_done()
    report.seconds = time.monotonic() - started
    report.bytes_done = meter.bytes
    if str(root) in journal.folders():
        journal.ran(str(root), "verify", {p.name: p.message + "\n" + p.detail for p in report.failed})
    return report


@dataclass
class FolderStatus:
    path: Path
    exists: bool
    encrypted: int = 0
    plain: int = 0
    failed: list[Problem] = field(default_factory=list)
    unfinished: int = 0  # files left by an interrupted run (recover() finishes them)
    last_action: str = ""
    last_run_at: str = ""

    @property
    def state(self) -> str:
        """'missing', 'failed', 'protected', 'partial', 'unprotected' or 'empty'."""
        if not self.exists:
            return "missing"
        if self.failed or self.unfinished:
            return "failed"
        if self.plain == 0:
            return "protected" if self.encrypted else "empty"
        return "partial" if self.encrypted else "unprotected"


def _problems(stored: dict[str, str]) -> list[Problem]:
    out = []
    for name, text in stored.items():
        message, _sep, detail = text.partition("\n")
        out.append(Problem(name, message, detail))
    return out


def status(folder: str | os.PathLike[str] | None = None, store: Store | None = None) -> list[FolderStatus]:
    """State of one folder, or of every protected folder."""
    journal = Journal(store)
    paths = [Path(os.path.realpath(folder))] if folder is not None else [Path(p) for p in journal.folders()]
    rows = {_load(r["path"]): r for r in journal.store.query("SELECT path, last_action, last_run_at FROM vault_folder")}
    out = []
    for path in paths:
        result = FolderStatus(path, path.is_dir())
        if result.exists:
            scratch = Report("status", path)
            plain = len(_scan(path, False, scratch))
            named_only = sum(1 for p in scratch.failed if p.message == P_NOT_AGE)  # *.age, not encrypted
            result.encrypted = len(_scan(path, True, scratch)) - named_only
            result.plain = plain + named_only
        result.failed = _problems(journal.failures(str(path)))
        result.unfinished = len(journal.pending(str(path)))
        row = rows.get(str(path))
        if row is not None:
            result.last_action, result.last_run_at = row["last_action"], row["last_run_at"]
        out.append(result)
    return out


class _HeaderOnly:
    cancelled = True  # agefile.decrypt stops right after the header is authenticated


def opens_any(folder: str | os.PathLike[str], identities: Sequence[Any], sample: int = 8) -> bool:
    """Whether ``identities`` open the header of at least one of the first ``sample`` encrypted
    files of ``folder`` (True too when there is none to try: nothing to refuse)."""
    root = check_folder(folder)
    tried = 0
    for rel, _st in _scan(root, True, Report("check", root)):
        if tried >= sample:
            break
        try:
            with os.fdopen(fileio.open_read(root / rel), "rb") as raw:
                _decrypt(raw, HashingWriter(None, None), identities, cancel=_HeaderOnly())
            return True
        except OSError:
            continue
        except Exception as exc:
            agefile = _agefile()
            if isinstance(exc, agefile.Cancelled):
                return True
            if not isinstance(exc, agefile.AgeError):
                raise
            if isinstance(exc, agefile.NoIdentityMatch):
                tried += 1  # a damaged file says nothing about the key: only these count
    return tried == 0


def forget(folder: str | os.PathLike[str], store: Store | None = None) -> None:
    """Remove a folder from the list (its files are not touched)."""
    Journal(store).remove_folder(str(Path(os.path.realpath(folder))))


# -- recovery after a crash --------------------------------------------------------------------
def recover(store: Store | None = None) -> Recovery:
    """Finish or roll back every file an interrupted lock or unlock left unfinished."""
    journal = Journal(store)
    result = Recovery()
    for folder in sorted({e.folder for e in journal.pending()}):
        root = Path(folder)
        if not root.is_dir():
            result.busy.append(folder)
            continue
        try:
            with _FolderLock(root):
                recover_folder(journal, root, result)
        except FolderBusy:
            result.busy.append(folder)
    return result


