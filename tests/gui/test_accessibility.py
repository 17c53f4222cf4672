"""Every actionable widget has an accessible name; the keyboard reaches everything."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)

from tests.gui.conftest import run_audit_and_wait

ACTIONABLE = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QTextEdit, QPlainTextEdit,
              QAbstractSpinBox, QAbstractSlider)


def actionable(root: QWidget) -> list[QWidget]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, ACTIONABLE) or isinstance(widget, QScrollBar | QHeaderView):
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus and not isinstance(widget, QAbstractButton):
            continue
        parent = widget.parentWidget()
        inside_combo = False
        while parent is not None:
            inside_combo |= isinstance(parent, QComboBox)
            parent = parent.parentWidget()
        if inside_combo:
            continue
        found.append(widget)
    return found


def unnamed_actionable(root: QWidget) -> list[str]:
    return [
        f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
        for w in actionable(root) if not w.accessibleName().strip()
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_actionable_widget_has_an_accessible_name(qtbot, make_window, lang):
    window = make_window(lang)
    window.show()
    run_audit_and_wait(qtbot, window)
    assert len(actionable(window)) > 25  # the walk does see the pages' widgets
    for key in window.pages:
        window.navigate(key)
        assert unnamed_actionable(window.pages[key]) == [], key
    assert unnamed_actionable(window) == []


def test_crash_dialog_is_accessible(qtbot):
    from gp_guard.gui.dialogs.crash import CrashDialog

    dialog = CrashDialog("report")
    qtbot.addWidget(dialog)
    assert unnamed_actionable(dialog) == []


def _tab_until(qtbot, window, target: QWidget, limit: int = 40) -> bool:
    for _ in range(limit):
        if QApplication.focusWidget() is target:
            return True
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
    return QApplication.focusWidget() is target


def test_tab_reaches_the_run_button(qtbot, window):
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    window.navigate("audit")
    window.nav.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.nav)
    assert _tab_until(qtbot, window, window.pages["audit"].run_button)
    qtbot.keyClick(window.pages["audit"].run_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is not window.pages["audit"].run_button


def test_navigation_list_works_with_the_keyboard(qtbot, window):
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    window.nav.setFocus()
    assert window.current_key() == "dashboard"
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert window.current_key() == "audit"
    assert window.stack.currentWidget() is window.pages["audit"]
    qtbot.keyClick(window.nav, Qt.Key.Key_End)
    assert window.current_key() == "help"  # the last section
    qtbot.keyClick(window.nav, Qt.Key.Key_Home)
    assert window.current_key() == "dashboard"


def test_trend_chart_describes_itself(qtbot, window):
    run_audit_and_wait(qtbot, window)
    chart = window.pages["dashboard"].chart
    assert chart.accessibleDescription().endswith(f": {window.audit.report.score.value}.")
