"""One push button added to a row, named for screen readers by its own text."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QPushButton


def add_button(row: QHBoxLayout, text: str, slot: Callable[..., object]) -> QPushButton:
    """A button with ``text`` (its accessible name without the trailing "…"), connected to
    ``slot`` and added to ``row``."""
    button = QPushButton(text)
    button.setAccessibleName(text.rstrip("…"))
    button.clicked.connect(slot)
    row.addWidget(button)
    return button
