"""The steps of the vault's per-file protocol, counted; where the crash tests hook in.

Every point where a lock or an unlock may be interrupted (a journal commit, a copy created, each
mebibyte written, a rename, a folder fsync, a deletion) calls ``step()``. The count lets the crash
tests size their kill points; ``HOOKS`` lets a test's child process act at a given step
(``tests/integration/vault_child.py`` kills itself there). Production code installs no hook.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

HOOKS: list[Callable[[int], None]] = []  # each called with the step's number (1, 2, ...)

_lock = threading.Lock()  # steps are also taken in the worker threads
_taken = 0


def step() -> None:
    """One more step of the protocol (in any thread)."""
    global _taken
    with _lock:
        _taken += 1
        number = _taken
    for hook in HOOKS:
        hook(number)


def taken() -> int:
    """How many steps this process has taken so far."""
    return _taken
