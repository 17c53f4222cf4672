"""A small painted line chart of past scores, coloured from the palette (light and dark themes).

Its accessible description lists the scores, so a screen reader gets what the line shows.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gp_guard.i18n import _


class TrendChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scores: list[int] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(110)
        self.setAccessibleName(_("Score trend"))
        self.set_scores([])

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(320, 120)

    def set_scores(self, scores: Sequence[int]) -> None:
        self.scores = list(scores)
        if not self.scores:
            description = _("No audit has been run yet.")
        else:
            description = _("Scores out of 100 of the latest audits, oldest first: {scores}.").format(
                scores=", ".join(str(s) for s in self.scores)
            )
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        grid = palette.color(QPalette.ColorRole.Mid)
        line = palette.color(QPalette.ColorRole.Highlight)
        metrics = self.fontMetrics()
        left = metrics.horizontalAdvance("100") + 8
        area = QRectF(left, 8, max(10, self.width() - left - 10), max(10, self.height() - 16))
        painter.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
        for value in (0, 50, 100):
            y = area.bottom() - area.height() * value / 100
            painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 8, left - 6, 16),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(value))
            painter.setPen(QPen(grid, 1, Qt.PenStyle.DotLine))
        if not self.scores:
            painter.setPen(text)
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter), _("No audit has been run yet."))
            return
        count = len(self.scores)
        step = area.width() / (count - 1) if count > 1 else 0
        points = [
            QPointF(area.left() + (i * step if count > 1 else area.width() / 2),
                    area.bottom() - area.height() * max(0, min(100, s)) / 100)
            for i, s in enumerate(self.scores)
        ]
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        painter.setPen(QPen(line, 2))
        painter.drawPath(path)
        painter.setBrush(line)
        for point in points:
            painter.drawEllipse(point, 3, 3)
        painter.setPen(text)
        last = points[-1]
        painter.drawText(QRectF(last.x() - 40, last.y() - 22, 36, 16),
                         int(Qt.AlignmentFlag.AlignRight), str(self.scores[-1]))
