"""The one door to the operating system.

Checks never call ``subprocess``, ``winreg`` or ``open`` on system files themselves: they ask a
``Host``. ``LocalHost`` does it for real on this machine; ``RecordedHost`` (host_recorded.py)
replays outputs recorded on real Windows and macOS machines.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import getpass
import os
import platform as _platform
import shutil
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

WINDOWS, MACOS, LINUX = "windows", "macos", "linux"
PLATFORMS = (WINDOWS, MACOS, LINUX)


class HostError(Exception):
    """Base class of the errors a host reports; checks turn them into findings."""


class ToolMissing(HostError):
    def __init__(self, tool: str) -> None:
        super().__init__(tool)
        self.tool = tool


class CommandTimeout(HostError):
    def __init__(self, tool: str, seconds: float) -> None:
        super().__init__(f"{tool} after {seconds:g} s")
        self.tool = tool
        self.seconds = seconds


class NeedsAdmin(HostError):
    """Reading this needs administrator (root) rights."""


class NotRecorded(HostError):
    """A RecordedHost has no recording for this request."""


class UnreadableFile(HostError):
    """A path that is not an ordinary file of reasonable size (a FIFO, a device, a socket, a file
    larger than ``MAX_FILE_BYTES``): it is refused without being read."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


# Every file a check reads is a configuration or a system file of a few kilobytes; a larger one is
# refused rather than read into memory (a hostile process can point a "configuration" anywhere).
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DIR_ENTRIES = 100_000  # a folder the checks list (configuration folders, /etc/*.d) has a few dozen


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def read_regular_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> bytes | None:
    """The bytes of an ordinary file, at most ``max_bytes``; None when it does not exist or is a folder.

    Opened without blocking (a FIFO would wait for a writer for ever) and checked with ``fstat``
    on the open descriptor (no race with a rename). Raises ``UnreadableFile`` for anything that is
    not an ordinary file or is larger than ``max_bytes`` (/proc and /sys files report size 0, so
    the size is checked on what is read), ``PermissionError`` when access is denied.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except PermissionError:
        raise
    except OSError as exc:  # ENXIO (a socket), ELOOP, EIO...
        raise UnreadableFile(str(path), exc.strerror or type(exc).__name__) from None
    chunks: list[bytes] = []
    size = 0
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return None
        if not stat.S_ISREG(mode):
            raise UnreadableFile(str(path), f"{_file_kind(mode)}, not an ordinary file: not read")
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > max_bytes:
        raise UnreadableFile(str(path), f"larger than {max_bytes // 1024} KiB: not read")
    return b"".join(chunks)


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class RegValue:
    type: str  # REG_DWORD, REG_SZ, ...
    value: int | str | list[str] | bytes


@dataclass(frozen=True)
class Listener:
    proto: str  # "tcp" or "udp"
    ip: str
    port: int
    pid: int | None = None
    process: str | None = None

    @property
    def all_interfaces(self) -> bool:
        return self.ip in ("0.0.0.0", "::", "*", "")

    @property
    def loopback(self) -> bool:
        return self.ip.startswith("127.") or self.ip in ("::1", "localhost")


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    name: str
    cmdline: tuple[str, ...] = ()
    username: str | None = None


@dataclass(frozen=True)
class FileInfo:
    path: str
    size: int
    mtime: float


@dataclass
class HostFacts:
    """What a host says about itself, shown in reports."""

    platform: str
    hostname: str = ""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def as_int(value: object) -> int | None:
    """A registry DWORD or a number printed by a system tool: an int, True/False, or text in
    decimal or 0x-hexadecimal (spaces around it ignored); None for anything else."""
    if isinstance(value, int):  # bool included
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            return int(text, 16) if text.startswith("0x") else int(text)
        except ValueError:
            return None
    return None


def normalize_key(key: str) -> str:
    """Canonical, case-insensitive form of a registry key path."""
    key = key.strip().strip("\\")
    aliases = {
        "HKLM": "HKEY_LOCAL_MACHINE",
        "HKCU": "HKEY_CURRENT_USER",
        "HKU": "HKEY_USERS",
        "HKCR": "HKEY_CLASSES_ROOT",
    }
    head, _, rest = key.partition("\\")
    head = aliases.get(head.upper(), head.upper())
    return (head + ("\\" + rest if rest else "")).lower()


class Host:
    """Interface of every host. Subclasses implement the primitives."""

    platform: str = LINUX
    live: bool = False  # True when this is the machine itself: live network probes make sense

    # -- commands ---------------------------------------------------------------------------
    def run(self, argv: Sequence[str], timeout: float = 10.0) -> CommandResult:
        raise NotImplementedError

    def powershell(self, script: str, timeout: float = 20.0) -> CommandResult:
        return self.run(
            ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script], timeout
        )

    def has_tool(self, name: str) -> bool:
        raise NotImplementedError

    # -- files ------------------------------------------------------------------------------
    def read_text(self, path: str) -> str | None:
        """File content, or None when it does not exist. Raises NeedsAdmin when unreadable."""
        raise NotImplementedError

    def list_dir(self, path: str) -> list[str] | None:
        raise NotImplementedError

    def claim(self, path: str, user: str | None) -> None:
        """A server process run by ``user`` names ``path`` (a file or a folder) as its
        configuration. A host that can tell reads it, and what is below it, only if ``user`` could
        read it itself: any local account can start a process named ``orthanc`` whose
        "configuration" is /etc/shadow, and the audit often runs as administrator. No-op here."""

    def exists(self, path: str) -> bool:
        raise NotImplementedError

    def find_files(
        self, roots: Sequence[str], patterns: Sequence[str], max_depth: int = 4, limit: int = 500
    ) -> list[FileInfo]:
        raise NotImplementedError

    # -- registry (Windows) -----------------------------------------------------------------
    def reg_value(self, key: str, name: str) -> RegValue | None:
        raise NotImplementedError

    def reg_subkeys(self, key: str) -> list[str]:
        raise NotImplementedError

    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        """Write a REG_SZ value under HKEY_CURRENT_USER: the one registry write gp_guard makes (its
        own autostart entry, gp_guard/guardian/autostart.py). Raises HostError off Windows."""
        raise NotImplementedError

    def reg_delete_user_value(self, key: str, name: str) -> None:
        """Remove a value under HKEY_CURRENT_USER (nothing happens when it is not there)."""
        raise NotImplementedError

    def reg_int(self, key: str, name: str) -> int | None:
        """A registry value as a number (``as_int``); None when absent or not a number."""
        value = self.reg_value(key, name)
        return None if value is None else as_int(value.value)

    # -- system -----------------------------------------------------------------------------
    def listeners(self) -> list[Listener]:
        raise NotImplementedError

    def processes(self) -> list[ProcessInfo]:
        raise NotImplementedError

    def is_admin(self) -> bool:
        raise NotImplementedError

    def addresses(self) -> set[str]:
        """IP addresses of this machine's interfaces."""
        return set()

    def user_name(self) -> str:
        raise NotImplementedError

    def home(self) -> str:
        raise NotImplementedError

    def env(self, name: str) -> str | None:
        raise NotImplementedError

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def facts(self) -> HostFacts:
        return HostFacts(platform=self.platform)


def current_platform() -> str:
    if sys.platform.startswith("win"):
        return WINDOWS
    if sys.platform == "darwin":
        return MACOS
    return LINUX


# PowerShell 5.1 writes to a pipe in the console's OEM code page (cp850 on a French PC) unless the
# script says otherwise: every script gp_guard runs asks for UTF-8 first.
POWERSHELL_UTF8 = "[Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false); "
_POWERSHELLS = {"powershell", "powershell.exe", "pwsh", "pwsh.exe"}


def output_encoding(argv: Sequence[str], platform: str, oem_code_page: str) -> str:
    """The encoding of a command's output bytes, as the system writes them to a pipe: UTF-8 on
    macOS and Linux (commands run with LC_ALL=C or print UTF-8); on Windows the console tools
    (net, auditpol, netsh…) write in the OEM code page, PowerShell in UTF-8 (POWERSHELL_UTF8)."""
    if platform != WINDOWS:
        return "utf-8"
    name = argv[0].replace("\\", "/").rsplit("/", 1)[-1].lower() if argv else ""
    return "utf-8" if name in _POWERSHELLS else oem_code_page


class LocalHost(Host):
    """This machine, for real."""

    live = True

    def __init__(self) -> None:
        self.platform = current_platform()
        self.oem_code_page = "utf-8"
        if sys.platform == "win32":  # pragma: no cover - Windows only
            from gp_guard import host_windows

            self.oem_code_page = host_windows.oem_code_page()
        self._claims: dict[str, set[str]] = {}  # configuration path -> accounts of the servers naming it
        self._claims_lock = threading.Lock()  # checks run in parallel threads

    def claim(self, path: str, user: str | None) -> None:
        if user and os.name == "posix":
            with self._claims_lock:
                self._claims.setdefault(path.rstrip("/") or "/", set()).add(user)

    def _check_claims(self, path: str) -> None:
        """UnreadableFile when ``path`` (or a folder above it) was claimed only by accounts that
        cannot read it themselves (POSIX permission bits; see ``claim``)."""
        users: set[str] = set()
        with self._claims_lock:
            for claimed, who in self._claims.items():
                if path == claimed or path.startswith(claimed + "/"):
                    users |= who
        if users and not any(_readable_by(path, user) for user in sorted(users)):
            raise UnreadableFile(path, f"the account that runs this server ({', '.join(sorted(users))}) "
                                       "cannot read it itself: not read")

    def addresses(self) -> set[str]:
        """Every IP address of this machine's interfaces."""
        import psutil

        return {a.address.split("%")[0] for addrs in psutil.net_if_addrs().values() for a in addrs
                if a.family in (socket.AF_INET, socket.AF_INET6)}

    def run(self, argv: Sequence[str], timeout: float = 10.0) -> CommandResult:
        argv = tuple(argv)
        exe = shutil.which(argv[0])
        if exe is None:
            raise ToolMissing(argv[0])
        windows = self.platform == WINDOWS
        flags = 0x08000000 if windows else 0  # CREATE_NO_WINDOW
        env = dict(os.environ, LC_ALL="C", LANG="C")  # stable output where the tool honours it
        try:
            proc = subprocess.Popen(  # noqa: S603 - argv is built by checks, never a shell
                [exe, *argv[1:]],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                creationflags=flags,
                start_new_session=not windows,  # one process group, stopped as a whole
            )
        except PermissionError as exc:
            raise ToolMissing(argv[0]) from exc
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(proc)
            raise CommandTimeout(argv[0], timeout) from None
        encoding = output_encoding(argv, self.platform, self.oem_code_page)
        return CommandResult(
            argv,
            proc.returncode,
            out.decode(encoding, "replace"),
            err.decode(encoding, "replace"),
        )

    def powershell(self, script: str, timeout: float = 20.0) -> CommandResult:
        return self.run(
            ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", POWERSHELL_UTF8 + script], timeout
        )

    def has_tool(self, name: str) -> bool:
        return shutil.which(name) is not None

    def read_text(self, path: str) -> str | None:
        """UTF-8 text with universal newlines (as ``Path.read_text``); ``UnreadableFile`` for a
        FIFO, a device or a file larger than ``MAX_FILE_BYTES``."""
        self._check_claims(path)
        try:
            data = read_regular_file(path)
        except PermissionError as exc:
            raise NeedsAdmin(path) from exc
        if data is None:
            return None
        return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def list_dir(self, path: str) -> list[str] | None:
        """Sorted names; ``UnreadableFile`` beyond ``MAX_DIR_ENTRIES`` (a process can name any
        folder as its configuration)."""
        names: list[str] = []
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    names.append(entry.name)
                    if len(names) > MAX_DIR_ENTRIES:
                        raise UnreadableFile(path, f"more than {MAX_DIR_ENTRIES} entries: not read")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except PermissionError as exc:
            raise NeedsAdmin(path) from exc
        return sorted(names)

    def find_files(
        self, roots: Sequence[str], patterns: Sequence[str], max_depth: int = 4, limit: int = 500
    ) -> list[FileInfo]:
        found: list[FileInfo] = []
        lowered = [p.lower() for p in patterns]
        for root in roots:
            root = os.path.expanduser(root)
            if not os.path.isdir(root):
                continue
            base_depth = root.rstrip(os.sep).count(os.sep)
            for current, dirs, files in os.walk(root, onerror=lambda _e: None):
                if current.count(os.sep) - base_depth >= max_depth:
                    dirs[:] = []
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for name in files:
                    if any(fnmatch.fnmatch(name.lower(), p) for p in lowered):
                        full = os.path.join(current, name)
                        try:
                            st = os.stat(full, follow_symlinks=False)
                        except OSError:
                            continue
                        found.append(FileInfo(full, st.st_size, st.st_mtime))
                        if len(found) >= limit:
                            return found
        return found

    def reg_value(self, key: str, name: str) -> RegValue | None:
        if sys.platform != "win32":
            return None
        from gp_guard import host_windows  # pragma: no cover - Windows only

        try:  # pragma: no cover - Windows only
            raw = host_windows.reg_value(key, name)
        except PermissionError as exc:  # pragma: no cover
            raise NeedsAdmin(key) from exc
        return RegValue(*raw) if raw is not None else None  # pragma: no cover

    def reg_subkeys(self, key: str) -> list[str]:
        if sys.platform != "win32":
            return []
        from gp_guard import host_windows  # pragma: no cover - Windows only

        try:  # pragma: no cover - Windows only
            return host_windows.reg_subkeys(key)
        except PermissionError as exc:  # pragma: no cover
            raise NeedsAdmin(key) from exc

    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        if sys.platform != "win32":
            raise HostError("the registry exists only on Windows")
        from gp_guard import host_windows  # pragma: no cover - Windows only

        host_windows.reg_set_user_string(key, name, value)  # pragma: no cover

    def reg_delete_user_value(self, key: str, name: str) -> None:
        if sys.platform != "win32":
            raise HostError("the registry exists only on Windows")
        from gp_guard import host_windows  # pragma: no cover - Windows only

        host_windows.reg_delete_user_value(key, name)  # pragma: no cover

    def listeners(self) -> list[Listener]:
        import psutil

        result: list[Listener] = []
        names: dict[int, str] = {}
        try:
            conns = psutil.net_connections(kind="inet")
        except psutil.AccessDenied as exc:  # macOS without root
            raise NeedsAdmin("net_connections") from exc
        for conn in conns:
            is_tcp = conn.type == socket.SOCK_STREAM
            if is_tcp and conn.status != psutil.CONN_LISTEN:
                continue
            if not is_tcp and conn.raddr:
                continue
            if not conn.laddr:
                continue
            pid = conn.pid
            if pid is not None and pid not in names:
                try:
                    names[pid] = psutil.Process(pid).name()
                except (psutil.Error, OSError):
                    names[pid] = ""
            result.append(
                Listener(
                    "tcp" if is_tcp else "udp",
                    conn.laddr.ip,
                    conn.laddr.port,
                    pid,
                    names.get(pid) if pid is not None else None,
                )
            )
        return result

    def processes(self) -> list[ProcessInfo]:
        import psutil

        procs: list[ProcessInfo] = []
        for proc in psutil.process_iter(["pid", "name", "cmdline", "username"]):
            info = proc.info
            procs.append(
                ProcessInfo(
                    info["pid"],
                    info.get("name") or "",
                    tuple(info.get("cmdline") or ()),
                    info.get("username"),
                )
            )
        return procs

    def is_admin(self) -> bool:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            from gp_guard import host_windows

            return host_windows.is_admin()
        return os.geteuid() == 0

    def user_name(self) -> str:
        return getpass.getuser()

    def home(self) -> str:
        return str(Path.home())

    def env(self, name: str) -> str | None:
        return os.environ.get(name)

    def facts(self) -> HostFacts:
        return HostFacts(
            platform=self.platform,
            hostname=_platform.node(),
            description=f"{_platform.system()} {_platform.release()}",
        )


def _readable_by(path: str, user: str) -> bool:
    """Could the POSIX account ``user`` read ``path``: search permission on every folder above it
    and read permission on it, from the owner, group and other bits (ACLs are not looked at). True
    for root, for the account running gp_guard, and when ``path`` does not exist (nothing to read)."""
    import pwd

    try:
        entry = pwd.getpwnam(user) if not user.isdigit() else pwd.getpwuid(int(user))
    except KeyError:
        return False  # an account this system does not know
    if entry.pw_uid in (0, os.geteuid()):
        return True
    groups = set(os.getgrouplist(entry.pw_name, entry.pw_gid))
    try:
        target = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return True
    steps = [(folder, stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH) for folder in reversed(target.parents)]
    for folder, owner_bit, group_bit, other_bit in [*steps, (target, stat.S_IRUSR, stat.S_IRGRP, stat.S_IROTH)]:
        try:
            st = os.stat(folder)
        except OSError:
            return True
        if st.st_uid == entry.pw_uid:
            allowed = st.st_mode & owner_bit
        elif st.st_gid in groups:
            allowed = st.st_mode & group_bit
        else:
            allowed = st.st_mode & other_bit
        if not allowed:
            return False
    return True


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Stop a command that hangs: polite signal, short wait, then kill."""
    try:
        if os.name == "posix":
            import signal

            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows only
            proc.kill()
    except ProcessLookupError:
        pass
    try:
        proc.communicate(timeout=2)
    except (subprocess.TimeoutExpired, ValueError):
        pass
