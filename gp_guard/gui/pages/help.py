"""Help and about: the version, where the data lives, the log file to send, the IT provider."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gp_guard import about
from gp_guard.gui import desktop
from gp_guard.gui.pages import PageContext
from gp_guard.i18n import _


def _selectable(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class HelpPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.facts = about.about(ctx.store)
        layout = QVBoxLayout(self)
        title = QLabel(_("Help and about"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)

        intro = QLabel(_(
            "gp_guard checks the security of this computer and of your practice software, protects "
            "your patient files by encryption, and guides you through a data breach. It reads the "
            "settings of this computer; it changes nothing unless you ask, and sends nothing to anyone: "
            "everything stays on this computer."))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        provider_box = QGroupBox(_("Your IT provider"))
        provider = QVBoxLayout(provider_box)
        contact = self.facts.provider_contact
        self.provider_label = _selectable(
            contact or _("Not set yet. Write your IT provider's name, phone and e-mail in the settings, "
                         "so that you have them at hand the day something goes wrong."),
            _("Your IT provider"))
        provider.addWidget(self.provider_label)
        self.settings_button = QPushButton(_("Write it in the settings"))
        self.settings_button.setAccessibleName(_("Write your IT provider's details in the settings"))
        self.settings_button.clicked.connect(lambda: ctx.navigate("settings"))
        provider.addWidget(self.settings_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(provider_box)

        files_box = QGroupBox(_("Where gp_guard keeps its files"))
        files = QFormLayout(files_box)
        files.addRow(_("Data folder"), _selectable(str(self.facts.data_folder), _("Data folder")))
        files.addRow(_("Log file"), _selectable(str(self.facts.log_file), _("Log file")))
        note = QLabel(_(
            "If your IT provider asks for the log file, send this file: it records what gp_guard did, "
            "never a password, a key or the content of your files."))
        note.setWordWrap(True)
        files.addRow(note)
        row = QHBoxLayout()
        self.logs_button = QPushButton(_("Open the log folder"))
        self.logs_button.setAccessibleName(_("Open the log folder"))
        self.logs_button.clicked.connect(lambda: desktop.open_folder(self.facts.log_file.parent))
        self.copy_button = QPushButton(_("Copy the details for your IT provider"))
        self.copy_button.setAccessibleName(_("Copy the version and the file locations for your IT provider"))
        self.copy_button.clicked.connect(self.copy_details)
        row.addWidget(self.logs_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        files.addRow(row)
        layout.addWidget(files_box)

        self.version_label = _selectable(
            _("gp_guard version {version} · {system}").format(version=self.facts.version, system=self.facts.system),
            _("Version"))
        layout.addWidget(self.version_label)
        layout.addStretch(1)

    def details_text(self) -> str:
        f = self.facts
        return "\n".join((
            _("gp_guard version {version} · {system}").format(version=f.version, system=f.system),
            f"{_('Data folder')}: {f.data_folder}",
            f"{_('Log file')}: {f.log_file}",
        ))

    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.details_text())
