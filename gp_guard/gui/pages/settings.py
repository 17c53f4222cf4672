"""Settings, generated from ``gp_guard.settings.SETTINGS``; where gp_guard keeps its files."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gp_guard import settings
from gp_guard.gui import desktop
from gp_guard.gui.pages import PageContext
from gp_guard.gui.widgets.autostart_box import AutostartBox
from gp_guard.i18n import N_, _
from gp_guard.paths import data_dir, log_dir
from gp_guard.version import __version__

# What each folder's "Choose…" button says to a screen reader (it names its own folder).
CHOOSE_NAMES = {
    settings.BACKUP_TARGET.key: N_("Choose the backup folder"),
    settings.MONITORING_FOLDER.key: N_("Choose the folder for the IT provider's monitoring"),
}
CHOOSE_OTHER = N_("Choose the folder: {setting}")


class SettingsPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.editors: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        title = QLabel(_("Settings"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)

        form_box = QGroupBox(_("Preferences"))
        form = QFormLayout(form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        values = settings.load(ctx.store)
        previous: QWidget | None = None
        for setting in settings.SETTINGS:
            editor = self._editor(setting, values[setting.key])
            self.editors[setting.key] = editor
            if setting.type is bool:
                form.addRow(editor)
            else:
                label = QLabel(_(setting.label))
                label.setBuddy(editor)
                form.addRow(label, editor)
            if previous is not None:
                self.setTabOrder(previous, editor)
            previous = editor
        self.autostart = AutostartBox(self)  # the login entry itself, not a stored setting
        form.addRow(self.autostart)
        if previous is not None:
            self.setTabOrder(previous, self.autostart)
        previous = self.autostart
        layout.addWidget(form_box)

        files_box = QGroupBox(_("Files"))
        files = QFormLayout(files_box)
        files.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        data_label = QLabel(str(data_dir()))
        data_label.setWordWrap(True)
        data_label.setAccessibleName(_("Data folder"))
        data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        files.addRow(_("Data folder"), data_label)
        self.logs_button = QPushButton(_("Open the log folder"))
        self.logs_button.setAccessibleName(_("Open the log folder"))
        self.logs_button.setToolTip(str(log_dir()))
        self.logs_button.clicked.connect(lambda: desktop.open_folder(log_dir()))
        files.addRow(_("Logs"), self.logs_button)
        layout.addWidget(files_box)
        if previous is not None:
            self.setTabOrder(previous, self.logs_button)

        about = QLabel(_("gp_guard version {version}. Everything stays on this computer: nothing is sent.").format(version=__version__))
        about.setWordWrap(True)
        layout.addWidget(about)
        layout.addStretch(1)

    def _editor(self, setting: settings.Setting, value: Any) -> QWidget:
        if setting.type is bool:
            box = QCheckBox(_(setting.label))
            box.setAccessibleName(_(setting.label))
            box.setChecked(bool(value))
            box.toggled.connect(lambda checked, key=setting.key: self._changed(key, checked))
            return box
        if setting.kind == "folder":
            return self._folder_editor(setting, str(value))
        if setting.kind == "text":
            line = QLineEdit(str(value))
            line.setAccessibleName(_(setting.label))
            line.setPlaceholderText(_("Not set"))
            line.setMinimumWidth(360)
            line.editingFinished.connect(lambda key=setting.key, e=line: self._changed(key, e.text().strip()))
            return line
        combo = QComboBox()
        combo.setAccessibleName(_(setting.label))
        for choice, label in setting.choices:
            combo.addItem(_(label), choice)
        combo.setCurrentIndex(max(0, combo.findData(value)))
        combo.currentIndexChanged.connect(
            lambda _index, key=setting.key, c=combo: self._changed(key, c.currentData()))
        return combo

    def _folder_editor(self, setting: settings.Setting, value: str) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        line = QLineEdit(value)
        line.setAccessibleName(_(setting.label))
        line.setPlaceholderText(_("Not set"))
        line.editingFinished.connect(lambda key=setting.key, e=line: self._changed(key, e.text().strip()))
        choose = QPushButton(_("Choose…"))
        choose.setAccessibleName(_(CHOOSE_NAMES.get(setting.key, CHOOSE_OTHER)).format(setting=_(setting.label)))

        def pick() -> None:
            folder = QFileDialog.getExistingDirectory(self, _(setting.label), line.text())
            if folder:
                line.setText(folder)
                self._changed(setting.key, folder)

        choose.clicked.connect(pick)
        row.addWidget(line, 1)
        row.addWidget(choose)
        box.setFocusProxy(line)
        return box

    def _changed(self, key: str, value: Any) -> None:
        settings.set(self.ctx.store, key, value)
        if key == settings.LANGUAGE.key:
            self.ctx.set_language(None if value == "system" else str(value))
