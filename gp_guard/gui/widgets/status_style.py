"""Colours and marks for statuses: always next to the status in words, never alone.

Two shades per status, picked from the window colour, so the marks read well in light and dark
themes without a hard-coded palette.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from gp_guard.audit.model import Status

_SHADES = {  # (on a light background, on a dark background)
    Status.FAIL: ("#c62828", "#ef9a9a"),
    Status.ERROR: ("#8e24aa", "#ce93d8"),
    Status.WARN: ("#b26a00", "#ffcc80"),
    Status.SKIPPED: ("#616161", "#bdbdbd"),
    Status.PASS: ("#2e7d32", "#a5d6a7"),
}
_MARKS = {Status.FAIL: "✕", Status.ERROR: "!", Status.WARN: "!", Status.SKIPPED: "–", Status.PASS: "✓"}


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


def color(status: Status) -> QColor:
    light, dark = _SHADES[status]
    return QColor(dark if is_dark() else light)


def icon(status: Status, size: int = 16) -> QIcon:
    """A filled circle with a mark (✓ ✕ ! –): the shape differs too, not only the colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    fill = color(status)
    painter.setBrush(fill)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.setPen(QColor("#000000") if is_dark() else QColor("#ffffff"))
    font = painter.font()
    font.setPixelSize(int(size * 0.7))
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pixmap.rect(), int(Qt.AlignmentFlag.AlignCenter), _MARKS[status])
    painter.end()
    return QIcon(pixmap)
