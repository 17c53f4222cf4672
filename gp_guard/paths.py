"""Where gp_guard keeps its files.

Everything lives in the platform's user directories (platformdirs). ``GP_GUARD_HOME`` overrides
them all with one folder, which the tests point at a temporary directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

import platformdirs

APP = "gp_guard"


def _override() -> Path | None:
    home = os.environ.get("GP_GUARD_HOME")
    return Path(home) if home else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def data_dir() -> Path:
    base = _override()
    return _ensure(base / "data" if base else Path(platformdirs.user_data_dir(APP, appauthor=False)))


def log_dir() -> Path:
    base = _override()
    return _ensure(base / "logs" if base else Path(platformdirs.user_log_dir(APP, appauthor=False)))


def runtime_name() -> str:
    """Name of the per-user local socket used to keep a single GUI instance."""
    base = _override()
    suffix = hashlib.sha256(str(base).encode()).hexdigest()[:10] if base else ""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    return f"gp_guard-{user}{'-' + suffix if suffix else ''}"


def database_path() -> Path:
    return data_dir() / "gp_guard.db"


def resources_dir() -> Path:
    return Path(__file__).resolve().parent / "resources"


def no_network() -> bool:
    """True when no probe may leave this machine (GP_GUARD_NO_NETWORK=1)."""
    return os.environ.get("GP_GUARD_NO_NETWORK", "").strip().lower() in {"1", "true", "yes", "on"}


def open_private(path: Path, mode: int = 0o600) -> _PrivateFile:
    """A file readable by this user only (0600), written next to ``path`` then renamed into place.

    Use it as a context manager: ``with open_private(path) as out: out.write(data)``. The file is
    created 0600 whatever the umask, flushed to disk, and only replaces ``path`` when the block ends
    without an error, so a crash never leaves a half-written file or a readable copy behind. An
    existing file at ``path`` is replaced (its old permissions do not survive). On Windows the file
    lives under the user's profile, whose folders other users cannot read by default.
    """
    return _PrivateFile(Path(path), mode)


def write_private_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` as a private file (see ``open_private``); returns the absolute path."""
    with open_private(path) as out:
        out.write(data)
    return Path(path).absolute()


class _PrivateFile:
    def __init__(self, path: Path, mode: int) -> None:
        self.path = path
        self.mode = mode
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self.handle: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.tmp, flags, self.mode)
        except FileExistsError:  # left by a crashed run of this process id: ours to replace
            os.unlink(self.tmp)
            fd = os.open(self.tmp, flags, self.mode)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, self.mode)  # the umask cannot widen it, nor narrow it below what we ask
        self.handle = os.fdopen(fd, "wb")
        return self.handle

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        assert self.handle is not None
        done = False
        try:
            if kind is None:
                self.handle.flush()
                os.fsync(self.handle.fileno())
            self.handle.close()
            if kind is None:
                os.replace(self.tmp, self.path)
                done = True
        finally:
            if not self.handle.closed:
                self.handle.close()
            if not done:
                try:
                    os.unlink(self.tmp)
                except FileNotFoundError:
                    pass
