"""The one seam for modal messages: ``ask()`` and ``inform()``. Tests patch these two functions.

Callers use ``dialogs.ask(...)`` (module attribute), never ``from ... import ask``, so a patch
reaches them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from gp_guard.errors import UserError


def ask(parent: QWidget | None, title: str, text: str, *, yes: str = "", no: str = "") -> bool:
    """A yes/no question; True when the user chose yes. ``yes``/``no`` relabel the buttons."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    if yes:
        yes_button = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    else:
        yes_button = box.addButton(QMessageBox.StandardButton.Yes)
    if no:
        no_button = box.addButton(no, QMessageBox.ButtonRole.NoRole)
    else:
        no_button = box.addButton(QMessageBox.StandardButton.No)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def inform(parent: QWidget | None, title: str, text: str, *, error: bool = False) -> None:
    """A message with one OK button; ``error`` shows the warning icon (never alarming words)."""
    icon = QMessageBox.Icon.Warning if error else QMessageBox.Icon.Information
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.exec()


def show_error(parent: QWidget | None, title: str, exc: UserError) -> None:
    """The one way a page shows an error the user can meet: its message, in the current language,
    through ``inform`` (so the tests' patch sees it)."""
    inform(parent, title, exc.text(), error=True)
