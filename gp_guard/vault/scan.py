"""Walking a protected folder: the files to encrypt or to decrypt, never following a link.

Symbolic links, special files and files with another name elsewhere (hard links) are listed as
skipped with the reason; gp_guard's own temporary files are passed over; a file merely named
``.age`` that does not start like an age file is a failure (it is readable by anyone).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from gp_guard.vault import fileio
from gp_guard.vault.outcome import (
    P_DIR_DENIED,
    P_DIR_ERROR,
    P_HARDLINK,
    P_NOT_AGE,
    P_SPECIAL,
    P_SYMLINK,
    Problem,
    Report,
)

AGE = ".age"
LOCK_TMP = ".age.tmp"  # the encrypted copy while it is written
UNLOCK_TMP = ".gpguard.tmp"  # the decrypted copy while it is written
AGE_HEADER = b"age-encryption.org/v1\n"


def scan(root: Path, want_age: bool, report: Report) -> list[tuple[str, os.stat_result]]:
    """The regular files under ``root`` (relative path, lstat), plaintexts or ``.age`` files as
    ``want_age`` says, sorted; what is passed over and why goes into ``report``."""
    found: list[tuple[str, os.stat_result]] = []
    stack = [root]
    while stack:
        here = stack.pop()
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as exc:
            where = os.path.relpath(here, root)
            if isinstance(exc, PermissionError):
                report.failed.append(Problem(where, P_DIR_DENIED))
            elif not isinstance(exc, FileNotFoundError):  # gone since it was listed: nothing to do
                report.failed.append(Problem(where, P_DIR_ERROR, exc.strerror or type(exc).__name__))
            continue
        for entry in entries:
            rel = os.path.relpath(entry.path, root)
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                if not want_age:
                    report.skipped.append(Problem(rel, P_SYMLINK))
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(Path(entry.path))
                continue
            if entry.name.endswith((LOCK_TMP, UNLOCK_TMP)):
                continue
            is_age = entry.name.endswith(AGE)
            if is_age and not want_age and stat.S_ISREG(st.st_mode) and not is_age_file(Path(entry.path)):
                report.failed.append(Problem(rel, P_NOT_AGE))  # named .age, but readable by anyone
                continue
            if is_age != want_age:
                continue
            if not stat.S_ISREG(st.st_mode):
                report.skipped.append(Problem(rel, P_SPECIAL))
                continue
            if not want_age and st.st_nlink > 1:
                report.skipped.append(Problem(rel, P_HARDLINK))
                continue
            found.append((rel, st))
    found.sort()
    return found


def listed(root: Path, names: Sequence[str]) -> list[tuple[str, os.stat_result]]:
    """The files ``names`` (relative to ``root``) that are still there, for ``lock(only=...)``;
    the batches check each one again as it does for a scanned file."""
    found = []
    for rel in sorted(set(names)):
        try:
            found.append((rel, os.lstat(root / rel)))
        except OSError:
            continue
    return found


def is_age_file(path: Path) -> bool:
    """The file starts like an age file: a plaintext merely named ``*.age`` is not encrypted."""
    try:
        fd = fileio.open_read(path)
    except OSError:
        return True  # cannot tell: not counted as a plaintext (unlock or verify will say more)
    try:
        return os.read(fd, len(AGE_HEADER)) == AGE_HEADER
    except OSError:
        return True
    finally:
        os.close(fd)
