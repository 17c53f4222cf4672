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
from dataclasses import dataclass, field, replace
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
    folders = _Folders(root)
    for entry in journal.pending(str(root)):
        entry = folders.relocate(entry)
        outcome = recover_entry(root, entry)
        getattr(result, outcome).append(str(root / entry.src))
        journal.finish([entry.id])
        log.info("vault recovery: %s %s", entry.op, outcome)


class _Folders:
    """Finds a sub-folder again by its inode when it was renamed (or swapped for a link) while a
    file in it was being handled: the journal's paths then point to where it used to be."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.by_inode: dict[int, str] | None = None

    def _where(self, inode: int) -> str | None:
        if self.by_inode is None:
            self.by_inode = {}
            dev = os.lstat(self.root).st_dev
            for here, dirs, _files in os.walk(self.root, followlinks=False):
                for name in dirs:
                    path = os.path.join(here, name)
                    try:
                        st = os.lstat(path)
                    except OSError:
                        continue
                    if stat.S_ISDIR(st.st_mode) and st.st_dev == dev:
                        self.by_inode.setdefault(st.st_ino, os.path.relpath(path, self.root))
            self.by_inode.setdefault(os.lstat(self.root).st_ino, "")
        return self.by_inode.get(inode)

    def relocate(self, e: Entry) -> Entry:
        if not e.dir_ino:
            return e
        parent = os.path.dirname(e.src)
        try:
            st = os.lstat(self.root / parent)
            if stat.S_ISDIR(st.st_mode) and st.st_ino == e.dir_ino:
                return e
        except OSError:
            pass
        found = self._where(e.dir_ino)
        if found is None:  # moved out of the folder, or gone: nothing here to finish
            return e
        def moved(name: str) -> str:
            return os.path.join(found, os.path.basename(name))

        return replace(e, src=moved(e.src), dst=moved(e.dst), tmp=moved(e.tmp))


def _written_by_a_program(path: Path) -> bool:
    from gp_guard.vault import inuse

    try:
        with inuse.hold(path) as held:
            return not held.alone()
    except OSError:
        return True  # cannot be held: not deleted now


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
    if same and not _written_by_a_program(src):
        unlink(src)  # a verified copy is in place: the step that was interrupted is finished
        fsync_dir(src.parent)
        return "finished"
    if same:  # a program is writing the original: it stays, our copy goes (the next run retries)
        unlink(dst)
        fsync_dir(dst.parent)
        return "rolled_back"
    if e.op == "lock":
        unlink(dst)  # the original changed since: our copy is stale, the original stays
        fsync_dir(dst.parent)
        return "rolled_back"
    return "kept"
