"""Finishing or rolling back what an interrupted lock or unlock left, from the journal.

Each unfinished entry is looked at on disk: a temporary copy not yet verified is removed; a copy
verified and given its final name is kept and the step that was interrupted is finished when the
original is still the file that was encrypted (or decrypted); otherwise both stay for a person to
look at. ``folder.recover()`` takes the folder lock and calls ``recover_folder``.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from gp_guard.vault.fileio import fsync_dir, sha256_file, unlink
from gp_guard.vault.journal import CONFLICT, INTENT, Entry, Journal

log = logging.getLogger(__name__)


@dataclass
class Recovery:
    finished: list[str] = field(default_factory=list)  # the interrupted step was completed
    rolled_back: list[str] = field(default_factory=list)  # the file is back as it was
    kept: list[str] = field(default_factory=list)  # both copies kept: a person should look
    busy: list[str] = field(default_factory=list)  # folders in use or missing; retried later

    @property
    def count(self) -> int:
        return len(self.finished) + len(self.rolled_back) + len(self.kept)


def recover_folder(journal: Journal, root: Path, result: Recovery | None = None) -> None:
    result = result if result is not None else Recovery()
    for entry in journal.pending(str(root)):
        outcome = recover_entry(root, entry)
        getattr(result, outcome).append(str(root / entry.src))
        journal.finish([entry.id])
        log.info("vault recovery: %s %s", entry.op, outcome)


def regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def recover_entry(root: Path, e: Entry) -> str:
    src, dst, tmp = root / e.src, root / e.dst, root / e.tmp
    has_tmp, has_dst = os.path.lexists(tmp), os.path.lexists(dst)
    ours = has_dst and (not has_tmp or os.path.samestat(os.lstat(tmp), os.lstat(dst)))
    if e.state in (INTENT, CONFLICT) or not ours:
        if has_tmp:
            unlink(tmp)
            fsync_dir(tmp.parent)
        return "rolled_back"
    if has_tmp:  # linked, the temporary name not yet removed
        unlink(tmp)
    fsync_dir(dst.parent)
    if not os.path.lexists(src):
        return "finished"
    plain = src if e.op == "lock" else dst
    if not regular(src) or not regular(plain):
        return "kept"
    if e.op == "lock":
        now = os.lstat(plain)
        same = (now.st_size, now.st_mtime_ns) == (e.size, e.mtime_ns) and (
            not e.ino or (now.st_ino, now.st_ctime_ns if os.name != "nt" else e.ctime_ns) == (e.ino, e.ctime_ns))
        same = same and (sha256_file(plain) == e.sha256 if e.sha256 else bool(e.ino))
    else:
        same = bool(e.sha256) and sha256_file(plain) == e.sha256
    if same:
        unlink(src)  # a verified copy is in place: the step that was interrupted is finished
        fsync_dir(src.parent)
        return "finished"
    if e.op == "lock":
        unlink(dst)  # the original changed since: our copy is stale, the original stays
        fsync_dir(dst.parent)
        return "rolled_back"
    return "kept"
