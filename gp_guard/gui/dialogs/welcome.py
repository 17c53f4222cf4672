"""The first-launch welcome: what gp_guard is, what it reads and never does, three first steps,
and the opt-in to start the folder watcher at login (unchecked: nothing starts unless she asks)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gp_guard.gui.widgets.autostart_box import AutostartBox
from gp_guard.i18n import _
from gp_guard.store import Store

SEEN_KEY = "ui.welcome_seen"


def seen(store: Store) -> bool:
    return store.get_setting(SEEN_KEY) == "true"


class WelcomeDialog(QDialog):
    """Three steps with a button each; any choice (or closing) marks the welcome as seen."""

    def __init__(self, store: Store, go: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.go = go
        self.choice = ""
        self.setWindowTitle(_("Welcome to gp_guard"))
        self.setAccessibleName(_("Welcome to gp_guard"))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        title = QLabel(_("Welcome to gp_guard"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        for text in (
            _("gp_guard is the colleague who knows computer security. It checks this computer and your "
              "practice software, protects your patients' files by encryption, and guides you if data is "
              "ever lost or stolen."),
            _("What it reads: the settings of this computer (firewall, disk encryption, updates, accounts, "
              "sharing) and of the practice software it finds. What it never does: change anything "
              "without you asking, or send anything to anyone. Everything stays on this computer."),
        ):
            label = QLabel(text)
            label.setWordWrap(True)
            layout.addWidget(label)
        steps = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        rows = (
            ("audit", _("1. Check this computer: about a minute, nothing is changed."), _("Check this computer")),
            ("questions", _("2. Answer five questions only you can answer: the internet box, the backups, the accounts."),
             _("Answer the questions")),
            ("encryption", _("3. Protect your imaging and document folders by encryption."), _("Protect a folder")),
        )
        for row, (key, text, button_text) in enumerate(rows):
            label = QLabel(text)
            label.setWordWrap(True)
            button = QPushButton(button_text)
            button.setAccessibleName(button_text)
            button.clicked.connect(lambda _checked=False, k=key: self._choose(k))
            self.buttons[key] = button
            steps.addWidget(label, row, 0)
            steps.addWidget(button, row, 1, Qt.AlignmentFlag.AlignRight)
        steps.setColumnStretch(0, 1)
        layout.addLayout(steps)
        self.autostart = AutostartBox(self, immediate=False)  # written when the welcome closes
        layout.addWidget(self.autostart)
        self.later = QPushButton(_("Later"))
        self.later.setAccessibleName(_("Close the welcome and look around first"))
        self.later.clicked.connect(self.reject)
        layout.addWidget(self.later, 0, Qt.AlignmentFlag.AlignRight)
        self.buttons["audit"].setDefault(True)
        self.finished.connect(self._mark_seen)

    def _choose(self, key: str) -> None:
        self.choice = key
        self.accept()

    def _mark_seen(self, _result: int) -> None:
        self.store.set_setting(SEEN_KEY, "true")
        from gp_guard.gui.widgets.autostart_box import enabled

        if self.autostart.isChecked() != enabled():  # only what she changed here
            self.autostart.apply()
        if self.choice:
            self.go(self.choice)
