"""Colours and marks for statuses and severities: always next to the word, never alone.

The shapes and shades are gp_guard.marks (shared with the report); two shades per colour, picked
from the window colour, so the marks read well in light and dark themes without a hard-coded
palette.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from gp_guard.audit.model import Severity, Status
from gp_guard.checklist.progress import State
from gp_guard.marks import (
    SEVERITY_BARS,
    SEVERITY_LEVELS,
    SEVERITY_SHADES,
    STATE_MARKS,
    STATE_STATUS,
    STATUS_MARKS,
    STATUS_SHADES,
)


def is_dark() -> bool:
    app = QApplication.instance()
    if app is None:
        return False
    hints = app.styleHints()  # type: ignore[attr-defined]
    scheme = hints.colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128  # type: ignore[attr-defined]


def _shade(pair: tuple[str, str]) -> QColor:
    light, dark = pair
    return QColor(dark if is_dark() else light)


def color(status: Status) -> QColor:
    return _shade(STATUS_SHADES[status])


def severity_color(severity: Severity) -> QColor:
    return _shade(SEVERITY_SHADES[severity])


def _mark_icon(fill: QColor, mark: str, size: int) -> QIcon:
    return _drawn_mark(fill.name(), mark, size, is_dark())


@cache
def _drawn_mark(fill_name: str, mark: str, size: int, dark: bool) -> QIcon:
    """Drawn once per colour, mark, size and theme: a list of 50 findings reuses them."""
    fill = QColor(fill_name)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(fill)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.setPen(QColor("#000000") if dark else QColor("#ffffff"))
    font = painter.font()
    font.setPixelSize(int(size * 0.7))
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), int(Qt.AlignmentFlag.AlignCenter), mark)
    painter.end()
    return QIcon(pixmap)


def icon(status: Status, size: int = 16) -> QIcon:
    """A filled circle with a mark (✓ ✕ ! –): the shape differs too, not only the colour."""
    return _mark_icon(color(status), STATUS_MARKS[status], size)


def state_icon(state: State, size: int = 16) -> QIcon:
    """A checklist state (✓ ✕ ↻ ?), in the colour of the status it stands for."""
    return _mark_icon(color(STATE_STATUS[state]), STATE_MARKS[state], size)


def severity_pixmap(severity: Severity, size: int = 16) -> QPixmap:
    """Four rising bars, as many filled as the severity is high (4 critical … 0 information)."""
    empty = QApplication.palette().color(QPalette.ColorRole.Mid) if QApplication.instance() else QColor("#9e9e9e")
    return _drawn_bars(severity, size, severity_color(severity).name(), empty.name())


@cache
def _drawn_bars(severity: Severity, size: int, fill_name: str, empty_name: str) -> QPixmap:
    fill, empty = QColor(fill_name), QColor(empty_name)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    level = SEVERITY_LEVELS[severity]
    gap = size / 16
    width = (size - gap * (SEVERITY_BARS + 1)) / SEVERITY_BARS
    for n in range(SEVERITY_BARS):
        height = size * (0.35 + 0.65 * (n + 1) / SEVERITY_BARS) - 2
        rect = QRectF(gap + n * (width + gap), size - 1 - height, width, height)
        if n < level:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
        else:
            painter.setPen(QPen(empty, max(1.0, size / 16)))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)
    painter.end()
    return pixmap


def severity_icon(severity: Severity, size: int = 16) -> QIcon:
    return QIcon(severity_pixmap(severity, size))


def finding_icon(severity: Severity, status: Status, size: int = 16) -> QIcon:
    """The severity's bars, then the status's mark, side by side (a line that names both)."""
    return _drawn_pair(severity, status, size, is_dark())


@cache
def _drawn_pair(severity: Severity, status: Status, size: int, _dark: bool) -> QIcon:
    pixmap = QPixmap(size * 2 + 4, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.drawPixmap(0, 0, severity_pixmap(severity, size))
    painter.drawPixmap(size + 4, 0, icon(status, size).pixmap(size, size))
    painter.end()
    return QIcon(pixmap)
