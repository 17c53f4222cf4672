"""Progress and cancellation of long work, one shape for every part of the core.

The audit, the vault and the export check run for seconds to minutes on a worker thread while a
face (the window, the command line) shows where they are and may stop them:

- ``CancelToken``: set from any thread; the work looks at it at its safe points and stops there,
  nothing half-done, by raising ``Cancelled`` (or, for the audit, by skipping what is left).
- ``Cancel``: what the work needs of a token (anything with a ``cancelled`` property).
- ``Listener``: a progress callback, called from the working thread with the feature's own
  progress value (``audit.runner.Progress``, ``vault.outcome.Progress``, ``export.service.Progress``:
  what "done" counts differs, checks, bytes or rows); ``tell`` calls it so that a broken listener
  never stops the work.

Nothing here imports Qt or another part of gp_guard.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Listener = Callable[[T], None]


class Cancel(Protocol):
    @property
    def cancelled(self) -> bool: ...


class CancelToken:
    """Set from any thread; the work stops at the next safe point, nothing half-done."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class Cancelled(Exception):
    """The work stopped because it was cancelled; nothing is wrong with what it worked on."""


def tell(listener: Listener[T] | None, value: T) -> None:
    """Give ``value`` to ``listener`` (if any); a listener that fails is logged, the work goes on."""
    if listener is None:
        return
    try:
        listener(value)
    except Exception:  # noqa: BLE001 - a broken listener must not stop the work
        log.exception("progress listener failed")
