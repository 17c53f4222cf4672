"""Open a protected file for viewing: decrypted into a private folder, removed afterwards.

Each file opened goes to its own folder (mode 0700) under ``<data dir>/viewing``, with its original
name (so the default application recognises it), read-only. It is removed when the doctor closes
it in gp_guard, when gp_guard exits (``close_all``, also registered with ``atexit``; the command
line also on SIGTERM and SIGHUP), and at the next start of the window or of any ``vault`` command
(``cleanup_stale``) if gp_guard was killed. Each folder is named after the process that made it, so
a second gp_guard never removes the copies of one still running. A file that fails authentication
leaves nothing behind. Removal is an ordinary deletion (see folder.py on SSDs).
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gp_guard.i18n import N_
from gp_guard.vault import fileio
from gp_guard.vault.outcome import P_DAMAGED, Meter, Progress, VaultError
from gp_guard.vault.scan import AGE
from gp_guard.vault.streams import HashingReader
from gp_guard.vault.transform import decrypt, is_age_error
from gp_guard.work import Cancelled, CancelToken

log = logging.getLogger(__name__)


class ViewError(VaultError):
    message = N_("This protected file could not be opened.")


def viewing_root() -> Path:
    from gp_guard.paths import data_dir

    root = data_dir() / "viewing"
    root.mkdir(mode=0o700, exist_ok=True)
    os.chmod(root, 0o700)
    return root


def open_with_default_app(path: Path) -> None:
    """Hand the file to the system's default application (the seam the GUI replaces)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        os.startfile(str(path))  # type: ignore[attr-defined]  # noqa: S606
        return
    command = ["open", str(path)] if sys.platform == "darwin" else ["xdg-open", str(path)]
    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                     stderr=subprocess.DEVNULL, start_new_session=True)


def _remove_tree(path: Path) -> None:
    def writable(func: Callable[..., Any], target: str, _exc: object) -> None:
        os.chmod(target, stat.S_IRWXU)
        func(target)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=writable)  # type: ignore[call-arg,unused-ignore]
    else:
        shutil.rmtree(path, onerror=writable)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        import psutil

        return bool(psutil.pid_exists(pid))
    except ImportError:  # pragma: no cover - psutil is a dependency
        return True


def _owner(name: str) -> int | None:
    """The process that made a ``view-<pid>-…`` folder; None for older names."""
    parts = name.split("-")
    return int(parts[1]) if len(parts) > 2 and parts[0] == "view" and parts[1].isdigit() else None


def cleanup_stale() -> int:
    """Remove every copy left by a gp_guard that is no longer running (a window or a command
    stopped abruptly); the copies of one still running (another ``vault open``) stay. The number
    of folders removed."""
    root = viewing_root()
    count = 0
    for entry in root.iterdir():
        owner = _owner(entry.name)
        if owner is not None and _alive(owner):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                _remove_tree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:  # another gp_guard removed it meanwhile
            continue
        count += 1
    return count


class NoOpener(ViewError):
    """The copy is ready (``path``) but no program could be started to open it."""

    message = N_("No program could be started to open the file. The private copy is here: {path}")


class Viewer:
    """Files opened for viewing in this session."""

    def __init__(self, opener: Callable[[Path], Any] | None = None) -> None:
        self.opener = opener or open_with_default_app
        self.opened: list[Path] = []
        atexit.register(self.close_all)

    def open(self, age_file: str | os.PathLike[str], identities: Sequence[Any], *,
             progress: Callable[[Progress], None] | None = None,
             cancel: CancelToken | None = None) -> Path:
        """Decrypt ``age_file`` into a private folder, open it, and return the plaintext's path."""
        source = Path(age_file)
        name = source.name[: -len(AGE)] if source.name.endswith(AGE) else source.name
        try:
            st = os.lstat(source)
        except OSError as exc:
            raise ViewError(N_("This protected file could not be found: {path}"), path=str(source)) from exc
        if not stat.S_ISREG(st.st_mode):
            raise ViewError(N_("This protected file could not be found: {path}"), path=str(source))
        holder = Path(tempfile.mkdtemp(prefix=f"view-{os.getpid()}-", dir=viewing_root()))
        target = holder / name
        meter = Meter("view", 1, st.st_size, progress, cancel or CancelToken())
        meter.current = name
        try:
            with os.fdopen(fileio.open_read(source), "rb", buffering=fileio.CHUNK) as raw, \
                    os.fdopen(fileio.create_private(target), "wb", buffering=fileio.CHUNK) as out:
                decrypt(HashingReader(raw, meter, hashing=False), out, identities)
            os.chmod(target, stat.S_IRUSR)
        except Cancelled:
            _remove_tree(holder)
            raise
        except Exception as exc:
            _remove_tree(holder)  # never leave a partial plaintext
            if is_age_error(exc):
                raise ViewError(P_DAMAGED) from exc
            raise
        meter.file_done()
        self.opened.append(target)
        try:
            self.opener(target)
        except OSError as exc:  # no program to open it (a minimal system, an SSH session)
            raise NoOpener(path=str(target)) from exc
        return target

    def close(self, path: Path) -> None:
        if path in self.opened:
            self.opened.remove(path)
        if path.parent.parent == viewing_root() and path.parent.exists():
            _remove_tree(path.parent)

    def close_all(self) -> None:
        for path in list(self.opened):
            try:
                self.close(path)
            except OSError:
                log.warning("a viewed file could not be removed now; it will be at the next start")
