"""Lock, unlock and verify a folder in place, never losing a file, even when killed at any instant.

Per file (DESIGN.md "How the vault works"): journal intent → write ``<name>.age.tmp`` beside it →
fsync → decrypt-verify against the plaintext → give it its final name without ever overwriting
(hard link + unlink) → fsync the folder → re-check the plaintext did not change → delete the
plaintext → journal done. Unlock is the mirror image. The states stored in the journal are always
behind or equal to what happened on disk, which is all ``recover()`` needs.

"Lock" here means encrypt (and "unlock" decrypt); the one-worker-per-folder mutex is
``mutex.FolderMutex``. The pieces, each in its module:

- ``eligibility``: which folders may be protected; which files running programs have open;
- ``scan``: walking a folder, never following links;
- ``transform``: one file, each way (``Encrypt``, ``Decrypt``, one ``Transform`` interface);
- ``batches``: the two-batches-in-flight engine that drives a transform over the files;
- ``outcome``: progress, problems, the report and the errors a caller sees;
- ``steps``: the protocol's steps, where the crash tests hook in;
- this module: the public operations.

Deleting the plaintext is an ordinary deletion: on SSDs fragments may remain in free space, which
full-disk encryption (check CRY-01) protects. Nothing here promises a secure erase.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gp_guard.store import Store
from gp_guard.vault import agefile, fileio
from gp_guard.vault.agefile import Identity, Recipient
from gp_guard.vault.batches import Batches
from gp_guard.vault.eligibility import check_folder, open_by_programs
from gp_guard.vault.fileio import CHUNK
from gp_guard.vault.journal import Journal
from gp_guard.vault.mutex import FolderMutex
from gp_guard.vault.outcome import (
    CONFIRM_DELETION_NOTE,
    P_BUSY,
    P_CHANGED,
    P_DAMAGED,
    P_ERROR,
    P_IN_USE,
    P_MOVED,
    P_NOT_AGE,
    DiskFull,
    FolderBusy,
    FolderRefused,
    Meter,
    Problem,
    Progress,
    Report,
    VaultError,
    problems,
    shown,
)
from gp_guard.vault.recovery import Recovery, recover_folder
from gp_guard.vault.scan import AGE, LOCK_TMP, UNLOCK_TMP, listed, scan
from gp_guard.vault.streams import HashingReader, HashingWriter
from gp_guard.vault.transform import Decrypt, Encrypt, decrypt, is_age_error
from gp_guard.work import Cancelled, CancelToken

__all__ = [  # what the faces and the watcher use
    "AGE", "CONFIRM_DELETION_NOTE", "LOCK_TMP", "P_BUSY", "P_CHANGED", "P_DAMAGED", "P_IN_USE", "P_MOVED", "UNLOCK_TMP",
    "CancelToken", "Cancelled", "DiskFull", "FolderBusy", "FolderMutex", "FolderRefused", "FolderStatus",
    "Problem", "Progress", "Recovery", "Report", "VaultError", "check_folder", "forget", "lock",
    "open_by_programs", "opens_any", "recover", "shown", "status", "unlock", "verify",
]

log = logging.getLogger(__name__)


def _run(action: str, folder: str | os.PathLike[str], recipients: Sequence[Recipient],
         identities: Sequence[Identity] | None, progress: Callable[[Progress], None] | None,
         cancel: CancelToken | None, store: Store | None, retries: int, retry_delay: float,
         only: Sequence[str] | None = None) -> Report:
    root = check_folder(folder)
    journal = Journal(store)
    cancel = cancel or CancelToken()
    report = Report(action, root)
    started = time.monotonic()
    with FolderMutex(root):
        recover_folder(journal, root)
        if action == "lock":
            journal.add_folder(str(root))
        items = scan(root, want_age=action != "lock", report=report) if only is None else listed(root, only)
        report.files_total = len(items)
        meter = Meter(action, len(items), sum(st.st_size for _rel, st in items), progress, cancel)
        meter.sizes = {rel: st.st_size for rel, st in items}
        meter.emit()
        op = Encrypt(root, recipients, identities, meter) if action == "lock" else Decrypt(root, identities or [], meter)
        try:
            Batches(op, journal, report, retries, retry_delay).run(items)
        except DiskFull as exc:
            exc.params["done"] = len(report.done)
            exc.report = report
            raise
        finally:
            report.seconds = time.monotonic() - started
            report.bytes_done = meter.bytes
            meter.emit()
            failures = report.failures()
            if only is not None:  # a few files (the watcher): the folder's other failures stay listed
                failures = {**{n: m for n, m in journal.failures(str(root)).items() if n not in set(only)}, **failures}
            journal.ran(str(root), action, failures)
    log.info("%s of a folder: %d done, %d failed, %d skipped, %.1f MB/s", action, len(report.done),
             len(report.failed), len(report.skipped), report.mb_per_s)
    return report


def lock(folder: str | os.PathLike[str], recipients: Sequence[Recipient], identities: Sequence[Identity] | None = None,
         *, progress: Callable[[Progress], None] | None = None, cancel: CancelToken | None = None,
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


def unlock(folder: str | os.PathLike[str], identities: Sequence[Identity], *,
           progress: Callable[[Progress], None] | None = None, cancel: CancelToken | None = None,
           store: Store | None = None, retries: int = 2, retry_delay: float = 0.5) -> Report:
    """Decrypt every ``.age`` file of ``folder`` in place; damaged files are reported and kept."""
    return _run("unlock", folder, [], identities, progress, cancel, store, retries, retry_delay)


def verify(folder: str | os.PathLike[str], identities: Sequence[Identity], *,
           progress: Callable[[Progress], None] | None = None, cancel: CancelToken | None = None,
           store: Store | None = None) -> Report:
    """Read every ``.age`` file back and report each one that fails authentication."""
    root = check_folder(folder)
    journal = Journal(store)
    report = Report("verify", root)
    started = time.monotonic()
    items = scan(root, want_age=True, report=report)
    report.files_total = len(items)
    meter = Meter("verify", len(items), sum(st.st_size for _r, st in items), progress, cancel or CancelToken())
    meter.emit()
    for rel, _st in items:
        meter.current = rel
        try:
            with os.fdopen(fileio.open_read(root / rel), "rb", buffering=CHUNK) as raw:
                decrypt(HashingReader(raw, meter, hashing=False), HashingWriter(None, None), identities)
            report.done.append(rel)
        except Cancelled:
            report.cancelled = True
            break
        except OSError as exc:
            report.failed.append(Problem(rel, P_ERROR, exc.strerror or type(exc).__name__))
        except Exception as exc:
            if not is_age_error(exc):
                raise
            report.failed.append(Problem(rel, P_DAMAGED))
        meter.file_done()
    report.seconds = time.monotonic() - started
    report.bytes_done = meter.bytes
    if str(root) in journal.folders():
        journal.ran(str(root), "verify", report.failures())
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


def status(folder: str | os.PathLike[str] | None = None, store: Store | None = None) -> list[FolderStatus]:
    """State of one folder, or of every protected folder."""
    journal = Journal(store)
    paths = [Path(os.path.realpath(folder))] if folder is not None else [Path(p) for p in journal.folders()]
    runs = journal.last_runs()
    out = []
    for path in paths:
        result = FolderStatus(path, path.is_dir())
        if result.exists:
            scratch = Report("status", path)
            plain = len(scan(path, False, scratch))
            named_only = sum(1 for p in scratch.failed if p.message == P_NOT_AGE)  # *.age, not encrypted
            result.encrypted = len(scan(path, True, scratch)) - named_only
            result.plain = plain + named_only
        result.failed = problems(journal.failures(str(path)))
        result.unfinished = len(journal.pending(str(path)))
        result.last_action, result.last_run_at = runs.get(str(path), ("", ""))
        out.append(result)
    return out


class _HeaderOnly:
    cancelled = True  # agefile.decrypt stops right after the header is authenticated


def opens_any(folder: str | os.PathLike[str], identities: Sequence[Identity], sample: int = 8) -> bool:
    """Whether ``identities`` open the header of at least one of the first ``sample`` encrypted
    files of ``folder`` (True too when there is none to try: nothing to refuse)."""
    root = check_folder(folder)
    tried = 0
    for rel, _st in scan(root, True, Report("check", root)):
        if tried >= sample:
            break
        try:
            with os.fdopen(fileio.open_read(root / rel), "rb") as raw:
                decrypt(raw, HashingWriter(None, None), identities, cancel=_HeaderOnly())
            return True
        except OSError:
            continue
        except agefile.Cancelled:
            return True
        except agefile.NoIdentityMatch:
            tried += 1  # a damaged file says nothing about the key: only these count
        except agefile.AgeError:
            continue
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
            with FolderMutex(root):
                recover_folder(journal, root, result)
        except FolderBusy:
            result.busy.append(folder)
    return result
