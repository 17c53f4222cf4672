"""The crash dialog: an unexpected error, a copyable report, nothing ever sent.

The report holds the traceback and versions only. Paths are shortened: the home folder becomes
``~``, files of gp_guard and of Python keep their path from the package, and any other absolute
path (which could name a patient's file) is replaced by ``<path>``.
"""

from __future__ import annotations

import logging
import platform
import re
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gp_guard.i18n import _
from gp_guard.version import __version__

log = logging.getLogger(__name__)

_QUOTED_PATH = re.compile(r"(?<=['\"])(?:[A-Za-z]:\\|\\\\|/)[^'\"\n]*(?=['\"])")  # may hold spaces
_ABS_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:\\|\\\\|/)[^\s'\"<>|:,]+")


def _code_path(path: str) -> str | None:
    """``gp_guard/gui/app.py`` or ``site-packages/x.py`` for code paths, else None."""
    parts = re.split(r"[\\/]", path)
    for marker in ("gp_guard", "site-packages", "dist-packages"):
        if marker in parts:
            index = len(parts) - 1 - parts[::-1].index(marker)
            return "/".join(parts[index:])
    if re.search(r"[\\/]lib[\\/]python3", path):
        return "python/" + parts[-1]
    if path.endswith(".py"):  # source code elsewhere: its name only
        return parts[-1]
    return None


def scrub(text: str, home: str | None = None) -> str:
    """Remove the home folder, the user name and non-code paths from ``text``."""
    home = (home if home is not None else str(Path.home())).rstrip("/\\")

    def replace(match: re.Match[str]) -> str:
        path = match.group(0)
        code = _code_path(path)
        if code is not None:
            return code
        if home and path == home:
            return "~"
        if home and path.startswith(home):
            return "~/<path>"
        return "<path>"

    text = _QUOTED_PATH.sub(replace, text)
    text = _ABS_PATH.sub(replace, text)
    if home:
        text = text.replace(home, "~")
        user = re.split(r"[\\/]", home)[-1]
        if len(user) > 2:
            text = re.sub(rf"\b{re.escape(user)}\b", "<user>", text, flags=re.IGNORECASE)
    return text


def build_report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    lines = traceback.format_exception(exc_type, exc, tb)
    header = [
        f"gp_guard {__version__}",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
        "",
    ]
    return scrub("\n".join(header) + "".join(lines))


class CrashDialog(QDialog):
    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("gp_guard met an unexpected error"))
        layout = QVBoxLayout(self)
        intro = QLabel(_(
            "Something went wrong inside gp_guard. Your data are safe: nothing was deleted and "
            "nothing was sent. You can copy the report below and give it to your IT provider. "
            "It contains no patient data and no file names."
        ))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit(report)
        self.text.setReadOnly(True)
        self.text.setAccessibleName(_("Error report"))
        self.text.setMinimumSize(560, 240)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(_("Copy the report"))
        self.copy_button.setAccessibleName(_("Copy the report"))
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName(_("Close"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setTabOrder(self.text, self.copy_button)
        self.setTabOrder(self.copy_button, close)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copy_button.setText(_("Copied"))


_showing: list[bool] = []


def show_crash(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """``sys.excepthook``: log, then show the dialog when a window can be shown."""
    log.error("unexpected error", exc_info=(exc_type, exc, tb))
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if QApplication.instance() is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    if _showing:  # an error while the dialog is up (e.g. in a paint): logged, not stacked
        return
    _showing.append(True)
    try:
        CrashDialog(build_report(exc_type, exc, tb), QApplication.activeWindow()).exec()
    finally:
        _showing.clear()


def install() -> None:
    sys.excepthook = show_crash
