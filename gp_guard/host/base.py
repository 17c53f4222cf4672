"""The interface of the door to the operating system: what a host is asked, and what it answers.

``Host`` is an abstract class: every primitive (run a command, read a file, a registry value, the
listening sockets...) is an ``abstractmethod``, so a host that forgets one fails when it is built,
not in the middle of an audit. The helpers built on the primitives (``powershell``, ``reg_int``)
and the values the hosts exchange (``CommandResult``, ``RegValue``, ``Listener``...) live here too.
"""

from __future__ import annotations

import abc
import datetime as dt
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

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


class NotRecorded(Exception):  # noqa: N818 - the name says what happened, as ToolMissing does
    """A RecordedHost has no recording for this request: the check has no data and becomes an
    ``error`` finding naming ``what`` is missing. Not a ``HostError`` on purpose: a check that
    treats an unreadable system as "absent" (``except HostError``) must not turn a missing
    recording into a verdict."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


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
class RawOutput:
    """A command's output as the bytes it wrote, and the encoding the live path decodes them with."""

    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    encoding: str

    def decoded(self) -> CommandResult:
        return CommandResult(self.argv, self.returncode, self.stdout.decode(self.encoding, "replace"),
                             self.stderr.decode(self.encoding, "replace"))


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


class Host(abc.ABC):
    """Interface of every host. Subclasses implement every primitive (``abstractmethod``)."""

    platform: str = LINUX
    live: bool = False  # True when this is the machine itself: live network probes make sense

    # -- commands ---------------------------------------------------------------------------
    @abc.abstractmethod
    def run(self, argv: Sequence[str], timeout: float = 10.0) -> CommandResult:
        raise NotImplementedError

    def powershell(self, script: str, timeout: float = 20.0) -> CommandResult:
        return self.run(
            ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script], timeout
        )

    @abc.abstractmethod
    def has_tool(self, name: str) -> bool:
        raise NotImplementedError

    # -- files ------------------------------------------------------------------------------
    @abc.abstractmethod
    def read_text(self, path: str) -> str | None:
        """File content, or None when it does not exist. Raises NeedsAdmin when unreadable."""
        raise NotImplementedError

    @abc.abstractmethod
    def list_dir(self, path: str) -> list[str] | None:
        raise NotImplementedError

    def claim(self, path: str, user: str | None) -> None:  # noqa: B027 - an optional hook, not a primitive
        """A server process run by ``user`` names ``path`` (a file or a folder) as its
        configuration. A host that can tell reads it, and what is below it, only if ``user`` could
        read it itself: any local account can start a process named ``orthanc`` whose
        "configuration" is /etc/shadow, and the audit often runs as administrator. No-op here."""

    @abc.abstractmethod
    def exists(self, path: str) -> bool:
        raise NotImplementedError

    @abc.abstractmethod
    def find_files(
        self, roots: Sequence[str], patterns: Sequence[str], max_depth: int = 4, limit: int = 500
    ) -> list[FileInfo]:
        raise NotImplementedError

    # -- registry (Windows) -----------------------------------------------------------------
    @abc.abstractmethod
    def reg_value(self, key: str, name: str) -> RegValue | None:
        raise NotImplementedError

    @abc.abstractmethod
    def reg_subkeys(self, key: str) -> list[str]:
        raise NotImplementedError

    @abc.abstractmethod
    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        """Write a REG_SZ value under HKEY_CURRENT_USER: the one registry write gp_guard makes (its
        own autostart entry, gp_guard/guardian/autostart.py). Raises HostError off Windows."""
        raise NotImplementedError

    @abc.abstractmethod
    def reg_delete_user_value(self, key: str, name: str) -> None:
        """Remove a value under HKEY_CURRENT_USER (nothing happens when it is not there)."""
        raise NotImplementedError

    def reg_int(self, key: str, name: str) -> int | None:
        """A registry value as a number (``as_int``); None when absent or not a number."""
        value = self.reg_value(key, name)
        return None if value is None else as_int(value.value)

    # -- system -----------------------------------------------------------------------------
    @abc.abstractmethod
    def listeners(self) -> list[Listener]:
        raise NotImplementedError

    @abc.abstractmethod
    def processes(self) -> list[ProcessInfo]:
        raise NotImplementedError

    @abc.abstractmethod
    def is_admin(self) -> bool:
        raise NotImplementedError

    def addresses(self) -> set[str]:
        """IP addresses of this machine's interfaces."""
        return set()

    @abc.abstractmethod
    def user_name(self) -> str:
        raise NotImplementedError

    @abc.abstractmethod
    def home(self) -> str:
        raise NotImplementedError

    @abc.abstractmethod
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


