"""GUI fixtures: one QApplication (pytest-qt), dialogs and the desktop patched, threads joined."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

pytest.importorskip("PySide6")

from gp_guard.gui import desktop, dialogs, tasks  # noqa: E402
from gp_guard.gui.app import apply_language  # noqa: E402
from gp_guard.gui.main_window import MainWindow  # noqa: E402
from tests.helpers import recorded  # noqa: E402


@dataclass
class Seams:
    """What the code asked the user or the desktop; ``answer`` is what ask() returns."""

    answer: bool = True
    asked: list[tuple[str, str]] = field(default_factory=list)
    informed: list[tuple[str, str, bool]] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def seams(monkeypatch):
    record = Seams()

    def ask(parent, title, text, **_kw):
        record.asked.append((title, text))
        return record.answer

    def inform(parent, title, text, *, error=False):
        record.informed.append((title, text, error))

    monkeypatch.setattr(dialogs, "ask", ask)
    monkeypatch.setattr(dialogs, "inform", inform)
    monkeypatch.setattr(desktop, "open_url", lambda url: record.opened.append(str(url.toString() if hasattr(url, "toString") else url)) or True)
    monkeypatch.setattr(desktop, "open_folder", lambda path: record.opened.append(str(path)) or True)
    yield record


@pytest.fixture
def store():
    from gp_guard.store import open_default

    return open_default()


@pytest.fixture
def make_window(qtbot, store):
    windows: list[MainWindow] = []

    def make(lang: str = "en", host=None) -> MainWindow:
        apply_language(lang)
        window = MainWindow(store, host or recorded("win10_fr_weak"), apply_language=apply_language)
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    from gp_guard.gui.widgets import later

    for window in windows:
        window.audit.cancel()
        assert window.audit.wait(15.0)
    assert tasks.wait_all(15.0)
    for window in windows:  # the pages' redraws after an audit, before the store is closed
        qtbot.waitUntil(lambda w=window: not later.pending(w.pages.values()), timeout=15000)
    apply_language("en")


@pytest.fixture
def window(make_window):
    return make_window("en")


def run_audit_and_wait(qtbot, window: MainWindow, timeout: int = 15000) -> None:
    """Run an audit from the audit page; return once every page has shown its results (they
    redraw in later turns of the event loop: gp_guard/gui/widgets/later.py)."""
    from gp_guard.gui.widgets import later

    window.navigate("audit")
    with qtbot.waitSignal(window.audit.finished, timeout=timeout):
        window.pages["audit"].run_button.click()
    qtbot.waitUntil(lambda: not later.pending(window.pages.values()), timeout=timeout)
