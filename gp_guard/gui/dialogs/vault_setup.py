"""The encryption set-up wizard: create the keys, save the recovery kit, confirm it was saved.

Three short steps in one dialog (keyboard only: each step's main button is the default, Enter
goes forward, Escape closes):

1. What will happen, in plain words. Where no system keychain works, the doctor chooses a
   passphrase (typed twice, at least ``keys.MIN_PASSPHRASE_LENGTH`` characters).
2. The keys are created off the GUI thread (``tasks.run_task``: scrypt takes about a second), then
   the kit PDF is saved through the ``choose_save_file`` seam and may be opened for printing
   (``desktop.open_url``).
3. The doctor types back the part of the key that ``recovery_kit.confirm_hint()`` describes;
   success records ``keys.mark_kit_confirmed()``. Closing here is allowed: the Encryption page
   then offers to confirm later.

``VaultSetupDialog(parent, confirm_only=True)`` is that later confirmation: the recovery secret is
not kept anywhere, so the doctor types the WHOLE key from the paper (or scans its QR code with a
reader that types), checked against the practice's public recovery key.

The recovery secret lives only in this dialog's memory (``_secret``) and is dropped when the dialog
closes; it is never logged, and the passphrase fields are cleared once the keys exist.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gp_guard.gui import desktop, dialogs, tasks
from gp_guard.gui.widgets.buttons import add_button
from gp_guard.i18n import _, current_language
from gp_guard.vault import keys, recovery_kit
from gp_guard.vault.agefile import AgeError, X25519Identity

log = logging.getLogger(__name__)
# fpdf's font subsetter logs the glyphs it keeps at INFO: the kit's glyphs tell about the key.

KIT_NAME = recovery_kit.DEFAULT_FILE_NAME
EXPLAIN, CREATE, CONFIRM = range(3)


# -- seams (patched by the tests) -----------------------------------------------------------------
def choose_save_file(parent: QWidget, title: str, name: str) -> str:
    from gp_guard.vault import documents_folder

    start = str(documents_folder() / name)
    return QFileDialog.getSaveFileName(parent, title, start, "PDF (*.pdf)")[0]


def keyring_available() -> bool:
    return keys.keyring_available()


def key_matches(typed: str) -> bool:
    """``typed`` is the whole recovery key of this practice (the later confirmation)."""
    text = "".join(typed.split()).upper()
    try:
        return X25519Identity.from_string(text).recipient() == keys.public_keys().recovery
    except (AgeError, ValueError, keys.KeysError):
        return False


class VaultSetupDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, *, confirm_only: bool = False) -> None:
        super().__init__(parent)
        self.confirm_only = confirm_only
        self._secret: str | None = None  # the recovery key, in memory only, until the dialog closes
        self._created: keys.CreatedKeys | None = None
        self.kit_path: Path | None = None
        self.task: tasks.Task | None = None
        self.confirmed = False
        self.setWindowTitle(_("Set up encryption") if not confirm_only else _("Confirm the recovery kit"))
        self.setAccessibleName(self.windowTitle())
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.step_label = QLabel()
        self.step_label.setVisible(not confirm_only)
        layout.addWidget(self.step_label)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.stack.addWidget(self._explain_page())
        self.stack.addWidget(self._create_page())
        self.stack.addWidget(self._confirm_page())
        self.message = QLabel()
        self.message.setWordWrap(True)
        # room for three lines from the start: a message appearing never moves the buttons
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 3)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = add_button(row, _("Close"), self.reject)
        self.close_button.setAutoDefault(False)
        layout.addLayout(row)
        self._show(CONFIRM if confirm_only else EXPLAIN)
        self.resize(620, 420)

    def _text(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        return label

    # -- step 1 ---------------------------------------------------------------------------------
    def _explain_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self._text(_(
            "gp_guard will create two keys. The everyday key stays on this computer and opens your "
            "protected files. The recovery key is printed on paper, the recovery kit: it is the only "
            "way back to your files if this computer, or its keychain, is lost.")))
        layout.addWidget(self._text(_(
            "Then you save the kit as a PDF, print it, and type back part of the key to check that "
            "the paper is right.")))
        self.keyring = keyring_available()
        self.secret_label = self._text(
            _("The secret that opens the everyday key is kept in this computer's keychain: you will "
              "not have to type it.") if self.keyring else _(keys.NoKeyring.message))
        layout.addWidget(self.secret_label)
        self.passphrase_box = QWidget()
        form = QFormLayout(self.passphrase_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(_("Passphrase"))
        self.passphrase_again = QLineEdit()
        self.passphrase_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase_again.setAccessibleName(_("Passphrase, again"))
        form.addRow(_("&Passphrase (at least 10 characters):"), self.passphrase)
        form.addRow(_("&Type it again:"), self.passphrase_again)
        layout.addWidget(self.passphrase_box)
        self.passphrase_box.setVisible(not self.keyring)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.create_button = add_button(row, _("Create the keys"), self.create_keys)
        layout.addLayout(row)
        return page

    def _ask_passphrase(self, text: str) -> None:
        self.keyring = False
        self.secret_label.setText(text)
        self.passphrase_box.setVisible(True)
        self._show(EXPLAIN)

    def create_keys(self) -> None:
        if self.task is not None or keys.has_keys():
            return
        passphrase: bytes | None = None
        if not self.keyring:
            typed, again = self.passphrase.text(), self.passphrase_again.text()
            if len(typed) < keys.MIN_PASSPHRASE_LENGTH:
                self._say(_(keys.WeakPassphrase.message), self.passphrase)
                return
            if typed != again:
                self._say(_("The two passphrases differ. Type them again."), self.passphrase_again)
                return
            passphrase = typed.encode("utf-8")
        self._show(CREATE)
        self.progress.setVisible(True)
        self.create_status.setText(_("Creating the keys… This takes a few seconds."))
        self.task = tasks.run_task(lambda _report: keys.create_keys(passphrase),
                                   on_done=self._created_keys, on_error=self._creation_failed)
        self.task.finished.connect(self._task_over)
        self.close_button.setEnabled(False)

    def _task_over(self) -> None:
        self.task = None
        if shiboken6.isValid(self.close_button):
            self.close_button.setEnabled(True)

    def _creation_failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self.stack):
            return
        self.progress.setVisible(False)
        if isinstance(exc, keys.NoKeyring):  # the keychain refused: a typed passphrase instead
            self._ask_passphrase(_(keys.NoKeyring.message))
            self.passphrase.setFocus()
            return
        if isinstance(exc, keys.KeysError):
            text = exc.text()
        else:
            text = _("Unexpected error ({kind}); nothing was changed. The details are in the log.").format(
                kind=type(exc).__name__)
        self._show(EXPLAIN)
        self._say(text, self.create_button)

    # -- step 2 ---------------------------------------------------------------------------------
    def _create_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.create_status = self._text("")
        layout.addWidget(self.create_status)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(_("Progress"))
        layout.addWidget(self.progress)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.save_button = add_button(row, _("Save the recovery kit…"), self.save_kit)
        self.print_button = add_button(row, _("Open the kit to print it"), self.open_kit)
        self.next_button = add_button(row, _("Next"), lambda: self._show(CONFIRM))
        layout.addLayout(row)
        return page

    def _created_keys(self, created: keys.CreatedKeys) -> None:
        if not shiboken6.isValid(self.stack):
            return
        self.passphrase.clear()
        self.passphrase_again.clear()
        self._created = created
        self._secret = created.recovery_secret
        log.info("vault set-up: keys created")
        self.progress.setVisible(False)
        self.create_status.setText(_(
            "The keys are ready. Now save the recovery kit, print it and keep the paper in a safe "
            "place away from this computer."))
        self._show(CREATE)

    def save_kit(self) -> None:
        if self._secret is None or self._created is None:
            return
        target = choose_save_file(self, _("Save the recovery kit"), KIT_NAME)
        if not target:
            return
        path = Path(target)
        lang = "en" if current_language() == "en" else "fr"
        try:
            pdf = recovery_kit.build_kit(self._secret, self._created.working, self._created.recovery,
                                         created=self._created.created, lang=lang)
            recovery_kit.write_kit(path, pdf)
        except FileExistsError:
            self._say(_("{path} already exists; choose another file name.").format(path=path), self.save_button)
            return
        except OSError as exc:
            self._say(_("The kit could not be written: {reason}").format(reason=exc.strerror or exc), self.save_button)
            return
        self.kit_path = path
        log.info("vault set-up: recovery kit saved")
        self.create_status.setText(_(
            "Kit saved in {path}. Print it, keep the paper away from this computer, then delete the "
            "file.").format(path=path))
        self._show(CREATE)

    def open_kit(self) -> None:
        if self.kit_path is not None:
            desktop.open_url(QUrl.fromLocalFile(str(self.kit_path)))

    # -- step 3 ---------------------------------------------------------------------------------
    def _confirm_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.hint = self._text("")
        layout.addWidget(self.hint)
        self.typed = QLineEdit()
        self.typed.setAccessibleName(_("Part of the recovery key"))
        self.hint.setBuddy(self.typed)
        layout.addWidget(self.typed)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.confirm_button = add_button(row, _("Confirm"), self.confirm)
        layout.addLayout(row)
        return page

    def confirm(self) -> None:
        typed = self.typed.text()
        if self.confirm_only:
            right = key_matches(typed)
        else:
            right = self._secret is not None and recovery_kit.confirm_kit(typed, self._secret)
        if not right:
            self._say(_("This is not what the kit shows. Look at the printed kit again and retype it; "
                        "you may also close and confirm later."), self.typed)
            self.typed.selectAll()
            return
        keys.mark_kit_confirmed()
        self.confirmed = True
        log.info("vault set-up: recovery kit confirmed")
        self.typed.clear()
        self.typed.setEnabled(False)
        self.confirm_button.setEnabled(False)
        self.close_button.setText(_("Finish"))
        self.close_button.setAccessibleName(_("Finish"))
        self.close_button.setAutoDefault(True)
        self.close_button.setDefault(True)
        self._say(_("Thank you: the recovery kit is confirmed. Encryption is ready."), self.close_button)

    # -- navigation -----------------------------------------------------------------------------
    def _say(self, text: str, focus: QWidget | None = None) -> None:
        self.message.setText(text)
        self.message.setAccessibleDescription(text)
        if focus is not None:
            focus.setFocus()

    def _show(self, step: int) -> None:
        self.stack.setCurrentIndex(step)
        if not self.confirm_only:
            self.step_label.setText(_("Step {number} of 3").format(number=step + 1))
        self.message.clear()
        focus: QWidget
        if step == EXPLAIN:
            focus = self.passphrase if not self.keyring else self.create_button
            default = self.create_button
        elif step == CREATE:
            ready = self._secret is not None
            self.save_button.setEnabled(ready)
            self.print_button.setEnabled(self.kit_path is not None)
            self.next_button.setEnabled(self.kit_path is not None)
            self.save_button.setVisible(ready)
            self.print_button.setVisible(ready)
            self.next_button.setVisible(ready)
            default = self.next_button if self.kit_path is not None else self.save_button
            focus = default
        else:
            self.hint.setText(_("Type the whole recovery key, as printed on the kit (it starts with "
                                "AGE-SECRET-KEY-1). A reader of QR codes that types works too.")
                              if self.confirm_only else recovery_kit.confirm_hint())
            default = self.confirm_button
            focus = self.typed
        for button in (self.create_button, self.save_button, self.print_button, self.next_button,
                       self.confirm_button):
            button.setDefault(button is default)
            button.setAutoDefault(button is default)
        focus.setFocus()

    def _may_close(self) -> bool:
        if self.task is not None:  # the keys are being created: wait for the end
            return False
        if self._secret is not None and self.kit_path is None:
            return dialogs.ask(self, _("The recovery kit was not saved"), _(
                "The recovery key is shown only now and is not kept anywhere. Without the kit, "
                "nobody can open your protected files if this computer is lost. Close anyway?"),
                yes=_("Close without the kit"), no=_("Go back"))
        return True

    def reject(self) -> None:  # Escape, the Close button and the window's close box
        if self._may_close():
            self._forget()
            super().reject()

    def _forget(self) -> None:
        """Drop the recovery secret and the typed text."""
        self._secret = None
        self._created = None
        self.typed.clear()
        self.passphrase.clear()
        self.passphrase_again.clear()
