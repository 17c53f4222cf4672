"""The one seam to the desktop: opening a link, a folder or a settings panel. Tests patch it."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


def open_url(url: str | QUrl) -> bool:
    qurl = url if isinstance(url, QUrl) else QUrl(url)
    ok = QDesktopServices.openUrl(qurl)
    if not ok:
        log.warning("could not open %s", qurl.scheme() or "url")
    return ok


def open_folder(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return open_url(QUrl.fromLocalFile(str(path)))


def bring_to_front(window: QWidget) -> None:
    """Show ``window`` above the others (a second start, the tray's "Open")."""
    if window.isMinimized():
        window.showNormal()
    window.show()
    window.raise_()
    window.activateWindow()
