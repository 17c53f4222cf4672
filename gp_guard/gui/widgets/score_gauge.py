"""The security score as a coloured gauge with the number and the grade in words."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from gp_guard.audit.model import Status
from gp_guard.gui.widgets import status_style
from gp_guard.i18n import _

GRADE_TONE = {"A": Status.PASS, "B": Status.PASS, "C": Status.WARN, "D": Status.FAIL, "E": Status.FAIL}


class ScoreGauge(QWidget):
    """A 270° arc filled up to the score, coloured by the grade (green A–B, orange C, red D–E);
    the number is written in the middle, so no one needs the colour to read it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score: int | None = None
        self.grade = ""
        self.setMinimumSize(QSize(150, 150))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(_("Security score"))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(150, 150)

    def set_score(self, score: int | None, grade: str = "", words: str = "") -> None:
        self.score, self.grade = score, grade
        if score is None:
            self.setAccessibleDescription(_("No audit yet."))
        else:
            self.setAccessibleDescription(_("{score} out of 100, grade {grade}: {words}").format(
                score=score, grade=grade, words=words))
        self.update()

    def tone(self) -> Status:
        return GRADE_TONE.get(self.grade, Status.SKIPPED) if self.score is not None else Status.SKIPPED

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height()) - 16
        rect = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        track = QColor(self.palette().mid().color())
        pen = QPen(track, 14, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawArc(rect, 225 * 16, -270 * 16)
        if self.score is not None:
            pen.setColor(status_style.color(self.tone()))
            painter.setPen(pen)
            painter.drawArc(rect, 225 * 16, int(-270 * 16 * max(0, min(100, self.score)) / 100))
        painter.setPen(self.palette().windowText().color())
        font = painter.font()
        font.setPixelSize(int(side * 0.28))
        font.setBold(True)
        painter.setFont(font)
        text = "–" if self.score is None else str(self.score)
        painter.drawText(rect.adjusted(0, -side * 0.10, 0, -side * 0.10), int(Qt.AlignmentFlag.AlignCenter), text)
        font.setPixelSize(int(side * 0.12))
        font.setBold(False)
        painter.setFont(font)
        painter.drawText(rect.adjusted(0, side * 0.62, 0, 0), int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                         _("out of 100") if self.score is not None else "")
        painter.end()
