"""Protecting a folder from the window, with its policy (Qt-free; the vault page is a thin layer).

- ``programs_using(root)``: which programs have files of the folder open right now, and which of
  them are still writing (``folder.open_by_programs`` for every open, ``inuse.writers`` for the
  writers): said before protecting, because those programs lose access to what gets encrypted.
- ``protect(root, after_days, ...)``: encrypt what the policy allows now, with the public keys
  (a secret at hand only makes the check stronger: each copy is then decrypted and compared), and
  remember the policy for the folder watcher. "As soon as finished" (``after_days == 0``) encrypts
  every file; "once untouched for N days" only the files nobody opened or changed for N days, the
  others waiting for the watcher. This is ``gp-guard vault lock DIR [--after-days N]``.
- ``overview(store, statuses)``: per protected folder, its policy and the files it keeps readable
  for now, with when the first of them will be encrypted (the vault page shows it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gp_guard.guardian import policy as policies
from gp_guard.guardian.policy import Clock, Policy, Waiting
from gp_guard.store import Store
from gp_guard.vault import folder, inuse

DEFAULT_AFTER_DAYS = 30
MAX_DAYS = 3650  # as `vault lock --after-days` accepts


@dataclass(frozen=True)
class ProgramUse:
    """A running program with files of the folder open; ``writing``: how many it is writing."""

    pid: int
    name: str
    files: int
    writing: int = 0


def programs_using(root: str | os.PathLike[str], limit: int = 50) -> list[ProgramUse]:
    """The programs (not gp_guard) that have files under ``root`` open now, most files first."""
    found = folder.open_by_programs(Path(root), limit=limit)
    if not found:
        return []
    written = inuse.writers([Path(path) for _pid, _name, path in found])
    counts: dict[tuple[int, str], list[int]] = {}
    for pid, name, path in found:
        entry = counts.setdefault((pid, name), [0, 0])
        entry[0] += 1
        entry[1] += Path(path) in written
    uses = [ProgramUse(pid, name, opened, writing) for (pid, name), (opened, writing) in counts.items()]
    return sorted(uses, key=lambda u: (-u.files, u.name))


@dataclass
class Protected:
    """What ``protect`` did: the vault's report, the policy kept, and the files left readable."""

    report: folder.Report
    policy: Policy
    waiting: Waiting = field(default_factory=Waiting)


def due_files(root: str | os.PathLike[str], chosen: Policy, clock: Clock = time.time) -> tuple[list[str], Waiting]:
    """The plaintext files of ``root`` the policy lets encrypt now, and those it keeps for later."""
    from gp_guard.guardian.watcher import plaintext_files

    files = plaintext_files(root)
    now = clock()
    due = [rel for rel, st in files if chosen.due(st, now)]
    return due, policies.waiting(files, chosen, clock)


def protect(root: str | os.PathLike[str], after_days: int, recipients: Sequence[Any],
            identities: Sequence[Any] | None = None, *, progress: Callable[[folder.Progress], None] | None = None,
            cancel: folder.CancelToken | None = None, store: Store | None = None,
            clock: Clock = time.time) -> Protected:
    """Encrypt the files of ``root`` that its policy allows now and remember the policy.

    Raises what ``folder.lock`` raises (FolderRefused, FolderBusy, DiskFull): nothing is lost.
    """
    from gp_guard.store import open_default

    real = folder.check_folder(root)
    chosen = Policy(max(0, int(after_days)))
    if chosen.immediate:
        report = folder.lock(real, recipients, identities, progress=progress, cancel=cancel, store=store)
        left = Waiting()
    else:
        due, left = due_files(real, chosen, clock)
        report = folder.lock(real, recipients, identities, progress=progress, cancel=cancel, store=store, only=due)
    store = store or open_default()
    policies.set_policy(store, policies.real(real), chosen.after_days)
    from gp_guard.guardian.activity import record_protected

    record_protected(store, len(report.done), clock)  # for the weekly summary
    return Protected(report, chosen, left)


@dataclass(frozen=True)
class FolderPlan:
    """The vault page's line about a folder's policy."""

    path: Path
    policy: Policy
    waiting: Waiting


def overview(store: Store, paths: Sequence[str | os.PathLike[str]], clock: Clock = time.time) -> dict[Path, FolderPlan]:
    """For each existing folder of ``paths``: its policy and what it keeps readable for now."""
    from gp_guard.guardian.watcher import waiting

    out = {}
    for path in paths:
        if not os.path.isdir(path):
            continue
        chosen, left = waiting(store, path, clock)
        out[Path(path)] = FolderPlan(Path(path), chosen, left)
    return out
