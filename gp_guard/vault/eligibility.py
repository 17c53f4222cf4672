"""Which folders may be protected: never a system folder, the programs gp_guard runs on, the
settings of the user's programs, gp_guard's own files or a whole personal folder; and which files
under a folder running programs have open (shown before the work starts)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gp_guard.i18n import N_
from gp_guard.vault.outcome import FolderRefused

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


def inside(path: Path, parent: Path) -> bool:
    """``path`` is ``parent`` or somewhere under it."""
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
    # a folder that merely holds the interpreter's folder is refused by inside(d, root); the
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
    if inside(home, root):
        raise FolderRefused(N_("This is your whole personal folder (or contains it). Choose the folder that holds "
                               "the images or documents, for example a sub-folder."))
    own = [Path(os.path.realpath(d)) for d in (data_dir(), log_dir(), Path(__file__).resolve().parents[1])]
    if any(inside(root, d) or inside(d, root) for d in own):
        raise FolderRefused(N_("This folder holds gp_guard's own files; it cannot be encrypted."))
    if any(inside(root, d) or inside(d, root) for d in _programs()):
        raise FolderRefused(N_("This folder holds the programs gp_guard needs to run (Python and its modules); "
                               "encrypting it would stop gp_guard, and with it the way to decrypt."))
    if any(inside(root, d) or inside(d, root) for d in _settings_folders()):
        raise FolderRefused(N_("This folder holds the settings and working files of your programs; encrypting it "
                               "would stop them from working. Choose the folder that holds the images or documents."))
    if os.name == "nt":  # pragma: no cover - Windows only
        drive = Path(root.anchor)
        system = _windows_system()
        if root == drive or any(inside(root, s) for s in system):
            raise FolderRefused(N_("This is a system folder: encrypting it would stop the computer or its programs from working."))
    else:
        if str(root) in _ROOTS_POSIX or any(inside(root, Path(s)) for s in _SYSTEM_POSIX):
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
