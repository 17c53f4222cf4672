"""What a vault run tells its caller: progress, the problems met per file, the report, the errors.

``Progress`` goes to the listener while the work runs (``Meter`` counts it and looks at the
cancel token), ``Report`` comes back at the end with every file done, failed or skipped and why
(``Problem``, one of the ``P_*`` messages), and ``VaultError`` and its subclasses stop a run that
cannot start or go on (nothing lost; ``.report`` says what was done).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gp_guard.errors import UserError
from gp_guard.i18n import N_, _
from gp_guard.vault.steps import step
from gp_guard.work import Cancel, Cancelled, tell

log = logging.getLogger(__name__)


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

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    @property
    def mb_per_s(self) -> float:
        return self.bytes_done / 1e6 / self.seconds if self.seconds > 0 else 0.0

    def failures(self) -> dict[str, str]:
        """The failed files as the journal keeps them: name -> message and detail."""
        return {p.name: p.message + "\n" + p.detail for p in self.failed}


def problems(stored: dict[str, str]) -> list[Problem]:
    """The failures the journal kept (``Report.failures``) as problems again."""
    out = []
    for name, text in stored.items():
        message, _sep, detail = text.partition("\n")
        out.append(Problem(name, message, detail))
    return out


class VaultError(UserError):
    """An error the doctor can meet; ``report`` is what was done before it, if anything."""

    message = N_("The operation on the protected folder failed.")

    def __init__(self, message: str | None = None, report: Report | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.report = report


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
P_CANCELLED = N_("Not handled: the work was cancelled.")

CONFIRM_DELETION_NOTE = N_(
    "Once encrypted, each original is deleted. On SSDs fragments of deleted files may remain in the "
    "disk's free space: gp_guard cannot erase them reliably. Full-disk encryption (check CRY-01) "
    "protects them."
)


class Meter:
    """Counts bytes and files for progress, takes a protocol step per count and stops the work
    (``Cancelled``) once ``cancel`` is set; one per run, shared by its worker threads."""

    def __init__(self, action: str, total_files: int, total_bytes: int,
                 progress: Callable[[Progress], None] | None, cancel: Cancel,
                 steps: Callable[[], None] = step) -> None:
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
