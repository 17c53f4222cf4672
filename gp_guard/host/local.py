"""This machine, for real: ``LocalHost`` runs the commands, reads the files and (on Windows) the
registry the checks ask for. The Windows primitives live in ``windows.py``, imported only here
and only on Windows."""

from __future__ import annotations

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
from pathlib import Path

from gp_guard.host.base import (
    MAX_DIR_ENTRIES,
    POWERSHELL_UTF8,
    WINDOWS,
    CommandResult,
    CommandTimeout,
    FileInfo,
    Host,
    HostError,
    HostFacts,
    Listener,
    NeedsAdmin,
    ProcessInfo,
    RawOutput,
    RegValue,
    ToolMissing,
    UnreadableFile,
    current_platform,
    output_encoding,
    read_regular_file,
)


def powershell_argv(script: str, *, utf8: bool) -> list[str]:
    """How gp_guard runs a PowerShell script; on a live PC the script first asks for UTF-8 output
    (``POWERSHELL_UTF8``), which a recording leaves out (it names the script as the check wrote it)."""
    return ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", (POWERSHELL_UTF8 if utf8 else "") + script]


def oem_code_page() -> str:
    """The code page the console tools of this machine write to a pipe: the OEM code page on
    Windows ("cp850" on a French PC), UTF-8 elsewhere."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        from gp_guard.host import windows

        return windows.oem_code_page()
    return "utf-8"


def display_language() -> int | None:
    """The Windows display language of the user (a LANGID: French is primary language 0x0C);
    None off Windows or when Windows does not say."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        from gp_guard.host import windows

        return windows.display_language()
    return None


class LocalHost(Host):
    """This machine, for real."""

    live = True

    def __init__(self) -> None:
        self.platform = current_platform()
        self.oem_code_page = oem_code_page()
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
        return self.run_bytes(argv, timeout).decoded()

    def run_bytes(self, argv: Sequence[str], timeout: float = 10.0) -> RawOutput:
        """Run ``argv`` and keep its output as the bytes the tool wrote, with the encoding ``run``
        decodes them with (the capture kit records both)."""
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
        return RawOutput(argv, proc.returncode, out, err, output_encoding(argv, self.platform, self.oem_code_page))

    def powershell(self, script: str, timeout: float = 20.0) -> CommandResult:
        return self.run(powershell_argv(script, utf8=True), timeout)

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
        from gp_guard.host import windows as host_windows  # pragma: no cover - Windows only

        try:  # pragma: no cover - Windows only
            raw = host_windows.reg_value(key, name)
        except PermissionError as exc:  # pragma: no cover
            raise NeedsAdmin(key) from exc
        return RegValue(*raw) if raw is not None else None  # pragma: no cover

    def reg_subkeys(self, key: str) -> list[str]:
        if sys.platform != "win32":
            return []
        from gp_guard.host import windows as host_windows  # pragma: no cover - Windows only

        try:  # pragma: no cover - Windows only
            return host_windows.reg_subkeys(key)
        except PermissionError as exc:  # pragma: no cover
            raise NeedsAdmin(key) from exc

    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        if sys.platform != "win32":
            raise HostError("the registry exists only on Windows")
        from gp_guard.host import windows as host_windows  # pragma: no cover - Windows only

        host_windows.reg_set_user_string(key, name, value)  # pragma: no cover

    def reg_delete_user_value(self, key: str, name: str) -> None:
        if sys.platform != "win32":
            raise HostError("the registry exists only on Windows")
        from gp_guard.host import windows as host_windows  # pragma: no cover - Windows only

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
            from gp_guard.host import windows as host_windows

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
