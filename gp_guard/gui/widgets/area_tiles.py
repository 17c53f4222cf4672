"""Tiles per area (firewall, encryption, updates, …): a coloured mark, the area, one sentence.

The state is given three ways — colour, the mark's shape (✓ ! ✕ –) and words — never colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gp_guard.audit.areas import AreaState, Tone
from gp_guard.gui.widgets import status_style
from gp_guard.i18n import N_, _

TONE_WORDS = {
    Tone.GOOD: N_("In order"),
    Tone.ATTENTION: N_("To look at"),
    Tone.ACTION: N_("Action needed"),
    Tone.UNKNOWN: N_("Not checked"),
}


class AreaTile(QPushButton):
    """One area; choosing it opens the most serious finding of that area."""

    def __init__(self, state: AreaState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("areaTile")
        self.setIcon(status_style.icon(state.tone.status, 28))
        self.setIconSize(QSize(28, 28))
        words = _(TONE_WORDS[state.tone])
        detail = words if state.tone is Tone.UNKNOWN else f"{words} · {state.sentence()}"
        self.setText(f"{state.area.label}\n{detail}")
        self.setAccessibleName(_("{area}: {state}, {sentence}").format(
            area=state.area.label, state=words, sentence=state.sentence()))
        colour = status_style.color(state.tone.status).name()
        self.setStyleSheet(
            "QPushButton#areaTile { text-align: left; padding: 8px 10px;"
            f" border: 1px solid palette(mid); border-left: 6px solid {colour}; }}"
            "QPushButton#areaTile:focus { border: 2px solid palette(highlight);"
            f" border-left: 6px solid {colour}; }}")
        self.setMinimumHeight(58)


class AreaTiles(QWidget):
    area_chosen = Signal(str)  # the check id to open

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_("State of each area"))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel(_("Run the audit to see the state of each area."))
        self.empty.setWordWrap(True)
        outer.addWidget(self.empty)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        outer.addLayout(self.grid)
        self.tiles: list[AreaTile] = []

    def set_states(self, states: Sequence[AreaState], columns: int = 3) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []
        order = {Tone.ACTION: 0, Tone.ATTENTION: 1, Tone.UNKNOWN: 2, Tone.GOOD: 3}
        for n, state in enumerate(sorted(states, key=lambda s: order[s.tone])):
            tile = AreaTile(state)
            tile.clicked.connect(lambda _checked=False, c=state.first_check: self.area_chosen.emit(c))
            self.grid.addWidget(tile, n // columns, n % columns)
            self.tiles.append(tile)
        for column in range(columns):
            self.grid.setColumnStretch(column, 1)
        self.empty.setVisible(not self.tiles)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
