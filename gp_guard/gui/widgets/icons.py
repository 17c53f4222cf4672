"""The SVG icons of resources/icons (top of the tree), recoloured for the theme.

The navigation icons are drawn with ``currentColor``: they take the window's text colour, so they
read on a light and a dark theme alike (redrawn when the system switches; see MainWindow). They
are looked up in the package first (``gp_guard/resources/icons``, where an installed build may
copy them), then beside a frozen build, then in the source tree. A missing icon is no error: the
entry keeps its words.
"""

from __future__ import annotations

import logging
import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

try:
    from PySide6.QtSvg import QSvgRenderer
except ImportError:  # a build without QtSvg: the entries keep their words, the window still opens
    QSvgRenderer = None  # type: ignore[assignment,misc]

import gp_guard

log = logging.getLogger(__name__)

APP_ICON = "gp_guard.svg"


def _candidates() -> list[Path]:
    package = Path(gp_guard.__file__).resolve().parent
    found = [package / "resources" / "icons"]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        found.append(Path(frozen) / "resources" / "icons")
    found.append(package.parent / "resources" / "icons")
    return found


@cache
def icons_dir() -> Path | None:
    for folder in _candidates():
        if (folder / APP_ICON).is_file():
            return folder
    return None


def svg_path(name: str) -> Path | None:
    folder = icons_dir()
    path = folder / name if folder is not None else None
    return path if path is not None and path.is_file() else None


def text_color() -> QColor:
    app = QApplication.instance()
    if app is None:
        return QColor("#202020")
    return app.palette().color(QPalette.ColorRole.WindowText)  # type: ignore[attr-defined]


def render(name: str, size: int, color: QColor | None = None) -> QPixmap | None:
    """The icon ``name`` drawn at ``size`` px, its ``currentColor`` painted in ``color``."""
    path = svg_path(name)
    if path is None or QSvgRenderer is None:
        log.info("icon %s not found (or no SVG support in this build)", name)
        return None
    svg = path.read_text(encoding="utf-8").replace("currentColor", (color or text_color()).name())
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        log.warning("icon %s is not a valid SVG", name)
        return None
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


def themed_icon(name: str, sizes: tuple[int, ...] = (20, 40)) -> QIcon:
    """``name`` in the theme's text colour (and its selected look in the highlighted-text colour),
    at each size (40 for high-density screens). An empty QIcon when the file is missing."""
    icon = QIcon()
    app = QApplication.instance()
    selected = app.palette().color(QPalette.ColorRole.HighlightedText) if app is not None else None  # type: ignore[attr-defined]
    for size in sizes:
        normal = render(name, size)
        if normal is None:
            return QIcon()
        icon.addPixmap(normal, QIcon.Mode.Normal)
        if selected is not None:
            chosen = render(name, size, selected)
            if chosen is not None:
                icon.addPixmap(chosen, QIcon.Mode.Selected)
    return icon


def navigation_icon(key: str) -> QIcon:
    return themed_icon(f"navigation/{key}.svg")


def app_icon() -> QIcon:
    """The application icon (its own colours, not recoloured), in the sizes the OSes ask for."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        pixmap = render(APP_ICON, size)
        if pixmap is not None:
            icon.addPixmap(pixmap)
    return icon
