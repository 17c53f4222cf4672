"""The folder watcher: each new or changed file of a protected folder is encrypted once finished.

A separate process (``gp-guard vault watch``), started by the app or at login, never inside the
window. It encrypts with the public keys only (``keys.recipients()``): no passphrase, no keyring.

- Events (watchdog: inotify, FSEvents, ReadDirectoryChangesW) are only hints: they put a path in
  a bounded pending set. A rescan at start-up, every ``rescan_seconds`` and whenever events were
  lost (or the pending set was full) finds what they missed.
- A file is *finished* when, for the quiet period, no event came and its size, modification and
  change times stayed the same, AND no program has it open for writing (``inuse.writers``: a
  lease or a handle scan on Linux, lsof on macOS, a deny-write open on Windows). A quiet period
  alone picks up a stalled writer's file half-written.
- Then it goes through ``folder.lock(..., only=[...])``: the vault's own per-file protocol, folder
  lock and journal; a crash (even ``kill -9``) is finished or undone by the next run's recovery.
- A folder the doctor opened for consultation (its last action is "unlock") is left alone until
  she locks it again, or until the unlock times out (setting ``guardian.unlock_hours``).
- A folder whose policy is "once untouched for N days" is only handled by the rescans.
- Bounded: at most ``MAX_PENDING`` paths remembered, ``BATCH`` files per lock, a low priority.
- Logs say what it did (counts, folders), never file names or contents.
- SIGTERM/SIGINT: stop at the next safe point (the lock in progress finishes its current files'
  safe point; nothing is half done), exit 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gp_guard import settings
from gp_guard.guardian import QUIET_SECONDS
from gp_guard.guardian import policy as policies
from gp_guard.guardian.policy import Clock, Policy
from gp_guard.i18n import N_, _
from gp_guard.store import Store, open_default
from gp_guard.vault import folder, inuse
from gp_guard.vault.journal import Journal

log = logging.getLogger(__name__)

RESCAN_SECONDS = 30 * 60.0
FOLDERS_SECONDS = 30.0  # how often the list of protected folders is read again
MAX_PENDING = 5000  # paths remembered between events and encryption; beyond it, a rescan
MAX_GIVEN_UP = 10000
BATCH = 64  # files per lock (one journal commit and one folder fsync serve many small files)
TICK = 0.25

# Files that are still being made or are not documents: partial downloads and copies, office lock
# files, and gp_guard's own (encrypted files and the vault's temporary files).
IGNORED_SUFFIXES = (folder.AGE, folder.LOCK_TMP, folder.UNLOCK_TMP, ".part", ".partial", ".tmp", ".crdownload",
                    ".download", ".!qb", ".swp")
IGNORED_PREFIXES = ("~$", ".~lock.")
AGAIN = {folder.P_IN_USE, folder.P_CHANGED, folder.P_BUSY, folder.P_MOVED}  # tried again after a quiet period

M_PROTECTED = N_("New files protected in {folder}: {count}")
M_WAITING = N_("Files still in use by another program in {folder}: {count}. Each one is protected once that program has closed it.")
M_FAILED = N_("Files that could not be protected in {folder}: {count}. See 'gp-guard vault status'.")
M_NO_KEYS = N_("Encryption is not set up yet: run 'gp-guard vault init'. The watcher waits.")
M_STARTED = N_("Protected folders watched: {count}. Each new file is encrypted {quiet} s after it is finished.")
M_STOPPED = N_("The watcher stopped.")
M_ALREADY = N_("The folder watcher is already running for this session; nothing more to do.")


def ignored(name: str) -> bool:
    """A name the watcher never encrypts (see IGNORED_SUFFIXES)."""
    lowered = name.lower()
    return lowered.endswith(IGNORED_SUFFIXES) or name.startswith(IGNORED_PREFIXES)


Fingerprint = tuple[int, int, int, int, int]


def fingerprint(st: os.stat_result) -> Fingerprint:
    ctime = st.st_ctime_ns if os.name != "nt" else 0
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, ctime


def _candidate(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1


def _files(top: str, cancel: folder.CancelToken | None = None) -> Iterator[tuple[str, os.stat_result]]:
    """The plaintext files under ``top`` the watcher may encrypt (never following links)."""
    stack = [top]
    while stack and not (cancel is not None and cancel.cancelled):
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue  # the lock reports unreadable folders; gone ones need nothing
        for item in entries:
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(item.path)
            elif not ignored(item.name) and _candidate(st):
                yield item.path, st


def plaintext_files(root: str | os.PathLike[str]) -> list[tuple[str, os.stat_result]]:
    """``(path relative to root, stat)`` of every file of ``root`` the watcher would encrypt."""
    return sorted((os.path.relpath(path, root), st) for path, st in _files(str(root)))


def waiting(store: Store, root: str | os.PathLike[str], clock: Clock = time.time) -> tuple[Policy, policies.Waiting]:
    """For the vault page: the folder's policy, how many files it keeps readable for now and when
    the first of them will be encrypted."""
    real = policies.real(root)
    chosen = policies.get(store, real)
    if chosen.immediate:
        return chosen, policies.Waiting()
    return chosen, policies.waiting(plaintext_files(real), chosen, clock)


@dataclass
class _Entry:
    root: str
    rel: str
    event: float  # monotonic time of the last event or change seen
    fp: Fingerprint | None


@dataclass
class Totals:
    protected: int = 0
    in_use: int = 0
    failed: int = 0
    passes: int = 0
    rescans: int = 0


@dataclass
class _Folder:
    root: str
    policy: Policy
    watch: Any = None  # the observer's watch, None when events are not available


class Watcher:
    """Watch every protected folder of ``store``; ``run()`` until ``stop()``, or ``once()``."""

    def __init__(self, store: Store | None = None, *, quiet_seconds: float = QUIET_SECONDS,
                 rescan_seconds: float = RESCAN_SECONDS, clock: Clock = time.time,
                 say: Callable[[str], None] | None = None, events: bool = True) -> None:
        self.store = store or open_default()
        self.journal = Journal(self.store)
        self.quiet = max(0.0, quiet_seconds)
        self.rescan_seconds = rescan_seconds
        self.clock = clock
        self.say = say or (lambda text: None)
        self.use_events = events
        self.cancel = folder.CancelToken()
        self.wake = threading.Event()
        self.lock = threading.Lock()
        self.pending: dict[str, _Entry] = {}  # absolute path -> entry
        self.overflow = False
        self.rescan_wanted: set[str] = set()  # sub-folders (absolute) to walk: a new or moved-in folder
        self.given_up: dict[str, Fingerprint] = {}  # failed for good, until the file changes
        self.folders: dict[str, _Folder] = {}
        self.observer: Any = None
        self.totals = Totals()
        self.last_rescan = -1e18
        self.last_refresh = -1e18

    # -- control --------------------------------------------------------------------------
    def stop(self) -> None:
        """From any thread or a signal handler: stop at the next safe point."""
        self.cancel.cancel()
        self.wake.set()

    @property
    def stopped(self) -> bool:
        return self.cancel.cancelled

    def run(self) -> Totals:
        """Watch until ``stop()``. Raises AlreadyRunning when another watcher of this user runs."""
        with _Single():
            return self._run()

    def _run(self) -> Totals:
        folder.recover(self.store)  # what a killed run left is finished or undone first
        self._refresh_folders()
        self.say(_(M_STARTED).format(count=len(self.folders), quiet=f"{self.quiet:g}"))
        try:
            while not self.stopped:
                now = time.monotonic()
                if (self.overflow and self._room()) or now - self.last_rescan >= self.rescan_seconds:
                    self.rescan()
                elif now - self.last_refresh >= FOLDERS_SECONDS:
                    for root in self._refresh_folders():  # a folder protected meanwhile
                        self._walk(root, root)
                self._walk_wanted()
                self.step()
                self.wake.wait(self._sleep_for())
                self.wake.clear()
        finally:
            self._stop_observer()
        self.say(_(M_STOPPED))
        return self.totals

    def once(self) -> Totals:
        """One pass: every file finished now (or within the quiet period) is encrypted, then return."""
        self.use_events = False
        folder.recover(self.store)
        self._refresh_folders()
        self.rescan()
        deadline = time.monotonic() + self.quiet + 5
        while not self.stopped:
            final = time.monotonic() >= deadline
            self.step(final=final)
            with self.lock:
                left = len(self.pending)
            if not left or final:
                break
            self.wake.wait(TICK)
        return self.totals

    # -- folders and events ---------------------------------------------------------------
    def _refresh_folders(self) -> list[str]:
        """Follow the list of protected folders and their policies; the folders new to the watcher."""
        self.last_refresh = time.monotonic()
        stored = policies.every(self.store)
        wanted = {}
        for path in self.journal.folders():
            if os.path.isdir(path):
                wanted[path] = stored.get(path, Policy())
        for path in set(self.folders) - set(wanted):
            self._unwatch(self.folders.pop(path))
        new = []
        for path, pol in wanted.items():
            known = self.folders.get(path)
            if known is None:
                known = self.folders[path] = _Folder(path, pol)
                new.append(path)
            known.policy = pol
            if self.use_events and pol.immediate and known.watch is None:
                known.watch = self._watch(path)
            elif not pol.immediate and known.watch is not None:
                self._unwatch(known)
        return new

    def _watch(self, root: str) -> Any:
        try:
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover - the rescans still find every file
            log.warning("watchdog is not installed: the folders are rescanned only")
            self.use_events = False
            return None
        if self.observer is None:
            self.observer = Observer()
            self.observer.daemon = True
            self.observer.start()
        try:
            return self.observer.schedule(_Handler(self, root), root, recursive=True)
        except OSError as exc:  # the system's limit on watches, a network file system...
            log.warning("a protected folder cannot be watched (%s); it is rescanned every %d min",
                        exc.strerror or type(exc).__name__, int(self.rescan_seconds // 60))
            return None

    def _unwatch(self, entry: _Folder) -> None:
        if entry.watch is not None and self.observer is not None:
            try:
                self.observer.unschedule(entry.watch)
            except (KeyError, OSError):
                pass
        entry.watch = None

    def _stop_observer(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
            self.observer = None

    def hint(self, root: str, path: str, is_dir: bool = False) -> None:
        """An event about ``path`` under ``root`` (from the observer's thread)."""
        if not path.startswith(root.rstrip(os.sep) + os.sep):
            return  # moved out of the folder
        if is_dir:
            with self.lock:
                self.rescan_wanted.add(path)
            self.wake.set()
            return
        if ignored(os.path.basename(path)):
            return
        try:
            st = os.lstat(path)
        except OSError:
            with self.lock:
                self.pending.pop(path, None)
            return
        now = time.monotonic()
        with self.lock:
            entry = self.pending.get(path)
            if entry is None:
                if len(self.pending) >= MAX_PENDING:
                    self.overflow = True
                    return
                self.pending[path] = _Entry(root, os.path.relpath(path, root), now, fingerprint(st))
            else:
                entry.event, entry.fp = now, fingerprint(st)
                return
        self.wake.set()  # a new path: the main loop works out when to look at it

    def lost(self) -> None:
        """The system dropped events: everything is looked at again."""
        with self.lock:
            self.overflow = True
        self.wake.set()

    # -- rescans ----------------------------------------------------------------------------
    def rescan(self) -> None:
        """Walk every protected folder and remember its plaintext files that are due."""
        self.last_rescan = time.monotonic()
        with self.lock:
            self.overflow = False
            self.rescan_wanted.clear()
        self._refresh_folders()
        self.totals.rescans += 1
        for entry in list(self.folders.values()):
            if self.stopped:
                return
            self._walk(entry.root, entry.root)

    def _walk_wanted(self) -> None:
        with self.lock:
            wanted, self.rescan_wanted = self.rescan_wanted, set()
        for path in wanted:
            root = next((r for r in self.folders if path == r or path.startswith(r.rstrip(os.sep) + os.sep)), None)
            if root is not None:
                self._walk(root, path)

    def _walk(self, root: str, top: str) -> None:
        pol = self.folders[root].policy
        now_wall, now = self.clock(), time.monotonic()
        real_wall = time.time()
        for path, st in _files(top, self.cancel):
            if not pol.due(st, now_wall):
                continue
            fp = fingerprint(st)
            if self.given_up.get(path) == fp:
                continue
            # quiet since its last change already: no need to wait again
            age = max(0.0, real_wall - max(st.st_mtime, st.st_ctime))
            with self.lock:
                if path in self.pending:
                    continue
                if len(self.pending) >= MAX_PENDING:
                    self.overflow = True
                    return
                self.pending[path] = _Entry(root, os.path.relpath(path, root), now - min(age, self.quiet), fp)

    # -- the work ---------------------------------------------------------------------------
    def _room(self) -> bool:
        """The pending set has room for a rescan's finds (half empty): no walk in a loop while full."""
        return len(self.pending) < max(1, MAX_PENDING // 2)

    def _sleep_for(self) -> float:
        with self.lock:
            if (self.overflow and self._room()) or self.rescan_wanted:  # more to find: look again at once
                return 0.0
            if not self.pending:
                return max(TICK, min(self.rescan_seconds - (time.monotonic() - self.last_rescan), FOLDERS_SECONDS))
            soonest = min(e.event for e in self.pending.values()) + self.quiet - time.monotonic()
        return min(max(TICK, soonest), 60.0)

    def _open_for_consultation(self, root: str) -> bool:
        rows = self.store.query("SELECT last_action, last_run_at FROM vault_folder WHERE path=?",
                                (self.journal_key(root),))
        if not rows or rows[0]["last_action"] != "unlock":
            return False
        hours = int(settings.get(self.store, settings.GUARDIAN_UNLOCK_HOURS.key) or 0)
        if hours <= 0:
            return True
        try:
            at = dt.datetime.fromisoformat(rows[0]["last_run_at"]).timestamp()
        except ValueError:
            return True
        return self.clock() - at < hours * 3600

    @staticmethod
    def journal_key(root: str) -> Any:
        from gp_guard.vault.journal import _store

        return _store(root)

    def step(self, final: bool = False) -> int | None:
        """Encrypt the pending files that are finished; the number decided (None: nothing left to wait for)."""
        now = time.monotonic()
        ready: dict[str, list[_Entry]] = {}
        with self.lock:
            entries = list(self.pending.values())
        waiting = 0
        for entry in entries:
            if now - entry.event < self.quiet and not final:
                waiting += 1
                continue
            path = os.path.join(entry.root, entry.rel)
            try:
                st = os.lstat(path)
            except OSError:
                self._drop(path)
                continue
            fp = fingerprint(st)
            if not _candidate(st) or entry.root not in self.folders:
                self._drop(path)
                continue
            if fp != entry.fp:  # changed without an event we saw: wait a quiet period again
                with self.lock:
                    entry.fp, entry.event = fp, now
                if final:
                    self._drop(path)
                else:
                    waiting += 1
                continue
            ready.setdefault(entry.root, []).append(entry)
        decided = 0
        for root, group in ready.items():
            if self.stopped:
                break
            if self._open_for_consultation(root):
                for entry in group:
                    self._drop(os.path.join(root, entry.rel))
                continue
            for start in range(0, len(group), BATCH):
                if self.stopped:
                    break
                decided += self._lock(root, group[start:start + BATCH], final)
        self.totals.passes += 1
        if not decided and not waiting and not ready:
            return None
        return decided

    def _drop(self, path: str) -> None:
        with self.lock:
            self.pending.pop(path, None)

    def _again(self, path: str) -> None:
        with self.lock:
            entry = self.pending.get(path)
            if entry is not None:
                entry.event = time.monotonic()

    def _lock(self, root: str, group: list[_Entry], final: bool) -> int:
        paths = {os.path.join(root, e.rel): e for e in group}
        busy = inuse.writers([Path(p) for p in paths])
        in_use = [p for p in paths if Path(p) in busy]
        for path in in_use:  # still written: looked at again after another quiet period
            self._drop(path) if final else self._again(path)
        todo = [e.rel for p, e in paths.items() if Path(p) not in busy]
        if in_use:
            self.totals.in_use += len(in_use)
            self.say(_(M_WAITING).format(count=len(in_use), folder=folder.shown(root)))
        if not todo:
            return len(in_use)
        from gp_guard.vault import keys

        try:
            recipients = keys.recipients()
        except keys.KeysError:
            self.say(_(M_NO_KEYS))
            for rel in todo:
                self._again(os.path.join(root, rel))
            return 0
        try:
            report = folder.lock(root, recipients, None, store=self.store, retries=0, cancel=self.cancel, only=todo)
        except folder.FolderBusy:  # the window or a command is working on it: later
            for rel in todo:
                self._again(os.path.join(root, rel))
            return 0
        except folder.DiskFull as exc:
            log.warning("disk full while protecting a folder: %d files done", len(exc.report.done if exc.report else []))
            self.say(exc.text())
            for rel in todo:
                self._again(os.path.join(root, rel))
            return 0
        except folder.VaultError as exc:  # the folder is refused now (moved, became a link)
            log.warning("a protected folder was refused: %s", type(exc).__name__)
            for rel in todo:
                self._drop(os.path.join(root, rel))
            return len(todo)
        failed = 0
        for rel in report.done:
            self._drop(os.path.join(root, rel))
        for problem in report.failed:
            path = os.path.join(root, problem.name)
            if problem.message in AGAIN and not final and not report.cancelled:
                self._again(path)
                continue
            if problem.message not in AGAIN:
                failed += 1
                self._give_up(path)
            self._drop(path)
        for problem in report.skipped:  # links, special files; or not reached when stopped
            path = os.path.join(root, problem.name)
            if not report.cancelled:
                self._give_up(path)
            self._drop(path)
        self.totals.protected += len(report.done)
        if report.done:
            from gp_guard.guardian.activity import record_protected

            record_protected(self.store, len(report.done), self.clock)  # for the weekly summary
        self.totals.failed += failed
        if report.done:
            log.info("watcher: %d files protected (%.1f MB/s)", len(report.done), report.mb_per_s)
            self.say(_(M_PROTECTED).format(count=len(report.done), folder=folder.shown(root)))
        if failed:
            log.warning("watcher: %d files could not be protected", failed)
            self.say(_(M_FAILED).format(count=failed, folder=folder.shown(root)))
        return len(report.done) + failed + len(in_use)

    def _give_up(self, path: str) -> None:
        """Not tried again until the file changes (e.g. an encrypted copy of that name exists)."""
        try:
            fp = fingerprint(os.lstat(path))
        except OSError:
            return
        if len(self.given_up) >= MAX_GIVEN_UP:
            self.given_up.clear()
        self.given_up[path] = fp


class AlreadyRunning(Exception):
    """Another folder watcher of this user is running (started at login, or by the window)."""


class _Single(folder.FolderMutex):
    """One watcher per user: the vault's advisory lock-file protocol on a file of its own, released
    by the system when the process ends however it ends (kill -9 included)."""

    def __init__(self) -> None:
        from gp_guard.paths import data_dir

        super().__init__(Path(data_dir()))
        self.path = data_dir() / "guardian-watch.lock"

    def __enter__(self) -> _Single:
        try:
            super().__enter__()
        except folder.FolderBusy as exc:
            raise AlreadyRunning() from exc
        return self


class _Handler:
    """Receives the observer's events for one folder (watchdog's handler interface)."""

    def __init__(self, watcher: Watcher, root: str) -> None:
        self.watcher, self.root = watcher, root

    def dispatch(self, event: Any) -> None:
        kind = event.event_type
        if kind == "events_lost":
            self.watcher.lost()
            return
        if kind in ("opened", "closed_no_write", "deleted"):
            return
        path = os.fsdecode(event.dest_path if kind == "moved" else event.src_path)
        if event.is_directory:
            if kind in ("created", "moved"):
                self.watcher.hint(self.root, path, is_dir=True)
            return
        self.watcher.hint(self.root, path)
