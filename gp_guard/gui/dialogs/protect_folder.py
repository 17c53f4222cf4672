"""Before a folder is protected: what changes for the programs that read it, and when its files are
encrypted ("as soon as finished" or "once untouched for N days", gp_guard/guardian/policy.py).

The doctor must pick one of the two: the dialog's "Encrypt" button stays disabled until she has.
``choice()`` is the number of days (0: as soon as finished), or None when she cancelled.

``current=`` (a folder already protected): the same choice, preselected, to change the rule; the
programs are not listed and the button says "Save".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gp_guard.guardian.policy import Policy
from gp_guard.guardian.protect import MAX_DAYS, ProgramUse
from gp_guard.gui.widgets import wrapped
from gp_guard.i18n import N_, _, ngettext

IMAGING_WARNING = N_(
    "Once a file is encrypted, no other program can read it, your imaging or practice software "
    "included, until it is decrypted: each file is replaced by an encrypted copy whose name ends in "
    "“.age”. To look at one file, use “Open a protected file” on this page.")
SSD_NOTE = N_(
    "Each original is deleted once its encrypted copy has been checked. On an SSD disk, traces of "
    "deleted files can stay on the disk for a while, and no program can wipe them reliably. If the "
    "disk of this computer is encrypted (the audit checks it), those traces cannot be read either.")
NOBODY = N_("No program has files of this folder open right now.")


def programs_text(uses: Sequence[ProgramUse]) -> str:
    """Who has files of the folder open, in words (the most files first)."""
    if not uses:
        return _(NOBODY)
    lines = []
    for use in uses[:5]:
        line = ngettext("{program} has {count} file of this folder open.",
                        "{program} has {count} files of this folder open.", use.files).format(
            program=use.name or "?", count=use.files)
        if use.writing:
            line += " " + ngettext(
                "It is still writing {count} of them: that file is left as it is and protected once it is closed.",
                "It is still writing {count} of them: those files are left as they are and protected once they are closed.",
                use.writing).format(count=use.writing)
        lines.append(line)
    return "\n".join(lines)


class ProtectDialog(QDialog):
    def __init__(self, root: Path, uses: Sequence[ProgramUse], days: int, parent: QWidget | None = None,
                 current: Policy | None = None) -> None:
        super().__init__(parent)
        heading = _("Protect this folder?") if current is None else _("When are the files of this folder encrypted?")
        self.setWindowTitle(heading)
        self.setAccessibleName(heading)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        title = QLabel(_("Protect {path}?").format(path=root) if current is None else str(root))
        title.setObjectName("pageTitle")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.warning = QLabel(_(IMAGING_WARNING))
        self.warning.setWordWrap(True)
        bold = self.warning.font()
        bold.setBold(True)  # a font, not a style sheet: the wrapped height is measured in bold
        self.warning.setFont(bold)
        layout.addWidget(self.warning)
        self.programs = QLabel(programs_text(uses))
        self.programs.setWordWrap(True)
        self.programs.setAccessibleName(_("Programs using this folder"))
        self.programs.setVisible(current is None)
        layout.addWidget(self.programs)

        layout.addWidget(QLabel(_("When should gp_guard encrypt the files of this folder?")))
        self.group = QButtonGroup(self)
        self.now = QRadioButton(_("As soon as each file is finished"))
        self.now.setAccessibleName(_("As soon as each file is finished"))
        self.later = QRadioButton(_("Once nobody has opened or changed a file for"))
        self.later.setAccessibleName(_("Once nobody has opened or changed a file for a number of days"))
        self.days = QSpinBox()
        self.days.setRange(1, MAX_DAYS)
        self.days.setValue(max(1, min(MAX_DAYS, current.after_days if current and not current.immediate else days)))
        self.days.setSuffix(" " + _("days"))
        self.days.setAccessibleName(_("Number of days"))
        self.days.lineEdit().setAccessibleName(_("Number of days"))
        for button in (self.now, self.later):
            self.group.addButton(button)
            button.toggled.connect(self._chosen)
        layout.addWidget(self.now)
        layout.addWidget(self._hint(_("For a folder where scans or exports arrive.")))
        row = QHBoxLayout()
        row.addWidget(self.later)
        row.addWidget(self.days)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self._hint(_("For an imaging archive: your software keeps reading the recent studies.")))
        self.days_hint = QLabel()
        self.days_hint.setWordWrap(True)
        layout.addWidget(self.days_hint)
        self.days.valueChanged.connect(self._chosen)

        note = QLabel(_(SSD_NOTE))
        note.setWordWrap(True)
        note.setVisible(current is None)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox()
        accept = _("Encrypt") if current is None else _("Save")
        self.encrypt = self.buttons.addButton(accept, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.encrypt.setAccessibleName(accept)
        self.cancel.setAccessibleName(_("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if current is not None:
            (self.now if current.immediate else self.later).setChecked(True)
        self._chosen()
        self.now.setFocus()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        QTimer.singleShot(0, lambda: wrapped.fit(self) if shiboken6.isValid(self) else None)

    @staticmethod
    def _hint(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setIndent(24)  # under its choice's text
        return label

    def _chosen(self, *_args: object) -> None:
        picked = self.now.isChecked() or self.later.isChecked()
        self.encrypt.setEnabled(picked)
        self.encrypt.setDefault(picked)
        self.days.setEnabled(self.later.isChecked())
        if self.later.isChecked():
            self.days_hint.setText(ngettext(
                "The files opened or changed in the last {days} day stay readable; gp_guard encrypts each one once "
                "nobody has used it for {days} day.",
                "The files opened or changed in the last {days} days stay readable; gp_guard encrypts each one once "
                "nobody has used it for {days} days.", self.days.value()).format(days=self.days.value()))
        elif self.now.isChecked():
            self.days_hint.setText(_("Every file is encrypted now, and each new one once the program writing it has closed it."))
        else:
            self.days_hint.setText(_("Choose one of the two to continue."))
        if self.isVisible():  # the hint's new text may take more lines
            QTimer.singleShot(0, lambda: wrapped.fit(self) if shiboken6.isValid(self) else None)

    def choice(self) -> int | None:
        if self.result() != QDialog.DialogCode.Accepted:
            return None
        return self.days.value() if self.later.isChecked() else 0
