"""Dialogs whose wrapped texts are never cut.

A top-level window does not grow to the height its word-wrapped labels need at its width (Qt
leaves height-for-width of top-level windows to the platform; offscreen and several X11 window
managers ignore it). ``fit(dialog)`` gives each wrapped label the height its text takes at its
present width, then lets the dialog take its size: call it once shown and after a text changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def fit(dialog: QWidget) -> None:
    for label in dialog.findChildren(QLabel):
        if label.wordWrap() and not label.isHidden() and label.width() > 0:
            label.setMinimumHeight(label.heightForWidth(label.width()))
    dialog.adjustSize()
