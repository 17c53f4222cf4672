"""One worker per protected folder across processes: the window, a command, the watcher.

An advisory lock on a file in gp_guard's data folder, named after the folder's path; it goes with
the process (a killed worker never leaves the folder held). Not to be confused with locking a
folder, which means encrypting it (``folder.lock``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gp_guard.vault.outcome import FolderBusy


class FolderMutex:
    """``with FolderMutex(root):`` holds ``root`` for this process, or raises FolderBusy (at once,
    or once free with ``wait=True``)."""

    def __init__(self, root: Path, wait: bool = False) -> None:
        from gp_guard.paths import data_dir

        name = hashlib.sha256(os.fsencode(root)).hexdigest()[:16]
        self.path = data_dir() / f"vault-{name}.lock"
        self.wait = wait
        self.fd = -1

    def __enter__(self) -> FolderMutex:
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
