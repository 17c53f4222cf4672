"""Run checks concurrently: per-check timeout, progress, cancellation, isolation.

Each check runs in its own daemon thread (a check stuck in a system call cannot be killed in
Python, but it must never hold up the audit or the exit). At most ``workers`` run at once. One
failing or slow check becomes an ``error`` finding; the others carry on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gp_guard.audit.model import Check, Finding, Outcome, errored, skipped
from gp_guard.host import CommandTimeout, Host, HostError, NeedsAdmin, NotRecorded, ToolMissing
from gp_guard.i18n import N_
from gp_guard.work import CancelToken, tell

__all__ = ["CancelToken", "Progress", "run_checks", "run_one"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    check_id: str


def run_one(check: Check, host: Host, no_network: bool = False) -> Outcome:
    """Run one check in the calling thread, turning every failure into an outcome."""
    meta = check.meta
    if host.platform not in meta.platforms:
        return skipped(N_("Does not apply to this operating system."))
    if meta.network and no_network:
        return skipped(N_("Network probes are turned off (--no-network)."))
    if meta.needs_admin and not host.is_admin():
        return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."))
    try:
        return check.func(host)
    except NeedsAdmin:
        return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."))
    except ToolMissing as exc:
        return errored(N_("The tool {tool} is not available on this computer."), tool=exc.tool)
    except CommandTimeout as exc:
        return errored(
            N_("{tool} did not answer within {seconds} seconds."), tool=exc.tool, seconds=f"{exc.seconds:g}"
        )
    except NotRecorded as exc:
        return errored(N_("No recorded output for {what}."), what=str(exc))
    except HostError as exc:
        return errored(N_("The system could not be read: {detail}"), detail=str(exc))
    except Exception as exc:  # noqa: BLE001 - one broken check must not stop the audit
        log.exception("check %s crashed", meta.id)
        return errored(N_("Internal error in this check ({kind}); the other checks went on."), kind=type(exc).__name__)


def run_checks(
    checks: Sequence[Check],
    host: Host,
    *,
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    no_network: bool = False,
    workers: int = 8,
    timeout_scale: float = 1.0,
) -> list[Finding]:
    """Run ``checks`` on ``host`` and return one finding per check, in the given order."""
    return _Run(checks, host, progress, cancel or CancelToken(), no_network, workers, timeout_scale).run()


class _Run:
    TICK = 0.05  # how often deadlines and cancellation are looked at while waiting

    def __init__(self, checks, host, progress, cancel, no_network, workers, scale):  # type: ignore[no-untyped-def]
        self.checks: list[Check] = list(checks)
        self.host: Host = host
        self.progress = progress
        self.cancel: CancelToken = cancel
        self.no_network = no_network
        self.scale = scale
        self.slots = threading.Semaphore(workers)
        self.cond = threading.Condition()
        self.results: dict[str, Finding] = {}
        self.started: dict[str, float] = {}

    def run(self) -> list[Finding]:
        pending = list(self.checks)
        while pending and not self.cancel.cancelled:
            if self.slots.acquire(timeout=self.TICK):
                check = pending.pop(0)
                with self.cond:
                    self.started[check.id] = time.monotonic()
                threading.Thread(target=self._work, args=(check,), name=f"check-{check.id}", daemon=True).start()
            else:
                self._expire()
        with self.cond:
            while len(self.results) < len(self.checks) and not self.cancel.cancelled:
                self.cond.wait(timeout=self.TICK)
                self.cond.release()
                try:
                    self._expire()
                finally:
                    self.cond.acquire()
        if self.cancel.cancelled:
            for check in self.checks:
                self._record(check, skipped(N_("The audit was cancelled before this check finished.")), 0.0)
        return [self.results[c.id] for c in self.checks]

    def _work(self, check: Check) -> None:
        begin = time.monotonic()
        outcome = run_one(check, self.host, self.no_network)
        if self._record(check, outcome, time.monotonic() - begin):
            self.slots.release()

    def _record(self, check: Check, outcome: Outcome, duration: float) -> bool:
        with self.cond:
            if check.id in self.results:  # already timed out or cancelled
                return False
            self.results[check.id] = Finding(check.meta, outcome, self.host.platform, duration)
            count = len(self.results)
            self.cond.notify_all()
        tell(self.progress, Progress(count, len(self.checks), check.id))
        return True

    def _expire(self) -> None:
        now = time.monotonic()
        with self.cond:
            late = [
                (c, now - self.started[c.id], c.meta.timeout * self.scale)
                for c in self.checks
                if c.id in self.started and c.id not in self.results
                and now - self.started[c.id] > c.meta.timeout * self.scale
            ]
        for check, elapsed, limit in late:
            message = N_("This check took longer than {seconds} seconds and was stopped.")
            if self._record(check, errored(message, seconds=f"{limit:g}"), elapsed):
                self.slots.release()  # the stuck thread keeps running, but frees its place
