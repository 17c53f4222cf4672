"""The window stays responsive: no stall of the event loop longer than 50 ms while an audit runs
on a recorded host, or while a large file is locked (issue 13). A QTimer ticks every 5 ms; the
longest gap between two ticks is the longest time the window could not repaint or answer a click.

Work done on the GUI thread stalls it the same way at every run; the machine (other processes
taking the CPU) stalls it at random. So each case runs RUNS times and the best run must stay under
50 ms: a stall of ours fails every run, a busy machine not all of them.

The issue's figure is a 1 GiB file; the test locks LOCK_MIB (64 MiB: the same work per chunk,
only shorter) and bench/audit.py measures the full 1 GiB.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer

from gp_guard.gui import tasks
from gp_guard.gui.pages import encryption
from gp_guard.vault import keys
from tests.gui.conftest import run_audit_and_wait

MAX_STALL_S = 0.050
RUNS = 3
LOCK_MIB = int(os.environ.get("GP_GUARD_TEST_LOCK_MIB", "64"))
PASSPHRASE = "a long passphrase for tests"


class LoopWatch:
    """The longest gap between the ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self) -> LoopWatch:
        self.ticks.append(time.perf_counter())
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()
        self.ticks.append(time.perf_counter())

    @property
    def longest(self) -> float:
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False))


def best_of(runs: int, once: Callable[[], LoopWatch]) -> list[float]:
    """The longest stall of each run, in ms, sorted: [0] is the best run. The garbage the
    suite's earlier tests left is collected first: its collection is not the window's work."""
    stalls = []
    for _ in range(runs):
        gc.collect()
        stalls.append(round(once().longest * 1000))
    return sorted(stalls)


def test_no_stall_during_an_audit(qtbot, make_window):
    window = make_window("fr")

    def once() -> LoopWatch:
        with LoopWatch() as watch:
            run_audit_and_wait(qtbot, window)  # until every page has shown the results
            qtbot.waitUntil(lambda: not tasks.running(), timeout=15000)
        assert window.pages["audit"].tree.finding_items()
        return watch

    stalls = best_of(RUNS, once)
    assert stalls[0] < MAX_STALL_S * 1000, f"the window froze at every audit: {stalls} ms"


@pytest.fixture
def fast_keys(monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: PASSPHRASE)
    monkeypatch.setitem(encryption._started, "recovered", False)
    keys.create_keys(PASSPHRASE.encode())


def test_no_stall_while_a_large_file_is_locked(qtbot, make_window, fast_keys, tmp_path, monkeypatch):
    chunk = os.urandom(1 << 20)
    window = make_window("fr")
    qtbot.waitUntil(lambda: not tasks.running(), timeout=15000)
    window.navigate("encryption")
    page = window.pages["encryption"]
    folders = iter(range(RUNS))

    def once() -> LoopWatch:
        root = tmp_path / f"Imagerie{next(folders)}"
        root.mkdir()
        with open(root / "study.dcm", "wb") as out:
            for _ in range(LOCK_MIB):
                out.write(chunk)
        monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
        monkeypatch.setattr(encryption, "ask_protect", lambda parent, root, uses, days: 0)  # as soon as finished
        # The click first looks, in a background task, for the programs that have files open in the
        # folder, then asks the rule (answered above); the lock is measured from its start.
        page.protect_button.click()
        qtbot.waitUntil(lambda: page.task is not None, timeout=60000)
        with LoopWatch() as watch:
            qtbot.waitUntil(lambda: page.task is None and not tasks.running(), timeout=120000)
        assert (root / "study.dcm.age").exists() and not (root / "study.dcm").exists()
        assert len(watch.ticks) >= 3
        return watch

    stalls = best_of(RUNS, once)
    assert stalls[0] < MAX_STALL_S * 1000, f"the window froze at every lock: {stalls} ms"
