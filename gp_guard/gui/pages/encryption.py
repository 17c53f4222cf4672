"""The "Chiffrement" page: protected folders and their state, protect, unlock, verify, open a file.

Every piece of work (scanning, encrypting, decrypting, verifying, opening) runs through
``tasks.run_task``; the page only shows progress and results. Dialogs go through the module's seams
(``choose_folder``, ``choose_file``, ``choose_save_file``, ``ask_passphrase``) and
``gui.dialogs``, which the tests replace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTime, QTimer, QUrl
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gp_guard.gui import desktop, dialogs, tasks
from gp_guard.gui.dialogs import vault_setup
from gp_guard.gui.pages import PageContext
from gp_guard.gui.widgets.buttons import add_button
from gp_guard.i18n import N_, _
from gp_guard.vault import folder, keys, viewer

STATE_WORDS = {
    "missing": N_("Folder not found"),
    "failed": N_("Some files need attention"),
    "protected": N_("All files encrypted"),
    "partial": N_("Some files not encrypted yet"),
    "unprotected": N_("Not encrypted"),
    "empty": N_("Empty folder"),
}
_started: dict[str, bool] = {"recovered": False}
SESSION_MINUTES = 15  # without a keyring, the opened key is kept this long after the last use


# -- seams (patched by the tests) -----------------------------------------------------------------
def choose_folder(parent: QWidget) -> str:
    return QFileDialog.getExistingDirectory(parent, _("Choose the folder to protect"))


def choose_file(parent: QWidget, title: str, pattern: str) -> str:
    return QFileDialog.getOpenFileName(parent, title, "", pattern)[0]


def choose_save_file(parent: QWidget, title: str, name: str) -> str:
    return QFileDialog.getSaveFileName(parent, title, name, "PDF (*.pdf)")[0]


def ask_passphrase(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(parent, _("Encryption passphrase"), _("Type the encryption passphrase:"),
                                    QLineEdit.EchoMode.Password)
    return text if ok else None


class EncryptionPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: tasks.Task | None = None
        self.token: folder.CancelToken | None = None
        self.viewer = viewer.Viewer(opener=lambda path: None)  # opened on the GUI thread, below
        self.states: list[folder.FolderStatus] = []
        layout = QVBoxLayout(self)
        title = QLabel(_("Encryption"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.keys_label = QLabel()
        self.keys_label.setWordWrap(True)
        layout.addWidget(self.keys_label)
        row = QHBoxLayout()
        self.setup_dialog: vault_setup.VaultSetupDialog | None = None
        self.setup_button = add_button(row, _("Set up encryption…"), lambda: self.open_setup(False))
        self.confirm_kit_button = add_button(row, _("Confirm the recovery kit…"), lambda: self.open_setup(True))
        row.addStretch(1)
        layout.addLayout(row)
        # Without a keyring the passphrase is typed once, then the opened key stays in memory (never
        # on disk) until SESSION_MINUTES pass without encryption work, the doctor forgets it, or
        # gp_guard closes. It is set by the worker that opened it and read on this thread.
        self.session_key: Any = None
        self.session_timer = QTimer(self)
        self.session_timer.setSingleShot(True)
        self.session_timer.setInterval(SESSION_MINUTES * 60 * 1000)
        self.session_timer.timeout.connect(self.forget_key)
        row = QHBoxLayout()
        self.session_label = QLabel()
        self.session_label.setWordWrap(True)
        row.addWidget(self.session_label, 1)
        self.forget_key_button = add_button(row, _("Forget the passphrase now"), self.forget_key)
        layout.addLayout(row)
        note = QLabel(_(folder.CONFIRM_DELETION_NOTE))
        note.setWordWrap(True)
        layout.addWidget(note)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([_("Folder"), _("State"), _("Encrypted"), _("Not encrypted yet"), _("Failed")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName(_("Protected folders"))
        self.tree.currentItemChanged.connect(lambda *_a: self._selection_changed())
        layout.addWidget(self.tree, 2)
        self.problems = QListWidget()
        self.problems.setAccessibleName(_("Files that need attention"))
        layout.addWidget(self.problems, 1)

        row = QHBoxLayout()
        self.protect_button = add_button(row, _("Protect a folder…"), self.protect)
        self.lock_button = add_button(row, _("Encrypt the remaining files"), lambda: self._start("lock"))
        self.unlock_button = add_button(row, _("Decrypt the folder"), lambda: self._start("unlock"))
        self.verify_button = add_button(row, _("Verify"), lambda: self._start("verify"))
        layout.addLayout(row)
        row = QHBoxLayout()
        self.open_button = add_button(row, _("Open a protected file…"), self.open_file)
        self.close_views_button = add_button(row, _("Delete the opened copies"), self.close_views)
        self.kit_button = add_button(row, _("Print the recovery kit again…"), self.reprint_kit)
        layout.addLayout(row)

        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Progress"))
        self.progress.setTextVisible(False)
        self.progress_label = QLabel()
        self.cancel_button = add_button(row, _("Cancel"), self.cancel)
        row.insertWidget(0, self.progress, 1)
        row.insertWidget(1, self.progress_label)
        layout.addLayout(row)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result_label)
        self._set_busy(False)
        self._show_session()
        self._startup()

    # -- state ----------------------------------------------------------------------------------
    def _startup(self) -> None:
        """Once per run: finish interrupted work and remove copies left by an earlier viewer."""
        if _started["recovered"]:
            self.refresh()
            return
        _started["recovered"] = True

        def work(_report: Any) -> folder.Recovery:
            viewer.cleanup_stale()
            return folder.recover(self.ctx.store)

        def done(result: folder.Recovery) -> None:
            if not shiboken6.isValid(self.result_label):  # the page was rebuilt meanwhile
                return
            if result.count:
                self.result_label.setText(_("Interrupted work was completed; files made safe: {count}.").format(count=result.count))
            self.refresh()

        tasks.run_task(work, on_done=done, on_error=lambda exc: shiboken6.isValid(self.tree) and self.refresh())

    def refresh(self) -> None:
        has = keys.has_keys()
        self.keys_label.setText(
            _("Each file is encrypted for two keys: the one of this computer and the recovery key printed on paper.")
            if has else _("Encryption is not set up yet: create the keys and print the recovery kit first."))
        unconfirmed = has and not self._kit_confirmed()
        if unconfirmed:
            self.keys_label.setText(self.keys_label.text() + " " + _(
                "The recovery kit is not confirmed yet: once it is printed, confirm it by typing its key."))
        self.setup_button.setVisible(not has)
        self.confirm_kit_button.setVisible(unconfirmed)
        tasks.run_task(lambda _r: folder.status(store=self.ctx.store), on_done=self._show_states)

    @staticmethod
    def _kit_confirmed() -> bool:
        try:
            return keys.kit_confirmed()
        except keys.KeysError:
            return True  # damaged keys: the page says so when they are used

    def open_setup(self, confirm_only: bool = False) -> None:
        """The set-up wizard (or the later kit confirmation); the page refreshes when it closes."""
        if self.setup_dialog is not None:
            return
        self.setup_dialog = vault_setup.VaultSetupDialog(self, confirm_only=confirm_only)
        self.setup_dialog.finished.connect(self._setup_over)
        self.setup_dialog.open()

    def _setup_over(self) -> None:
        if self.setup_dialog is not None:
            self.setup_dialog.deleteLater()
        self.setup_dialog = None
        self.refresh()
        self._set_busy(self.task is not None)
        # keyboard users land on the next thing to do
        (self.confirm_kit_button if self.confirm_kit_button.isVisible() else self.protect_button).setFocus()

    def _show_states(self, states: list[folder.FolderStatus]) -> None:
        current = self.selected()
        self.states = states
        self.tree.clear()
        for state in states:
            item = QTreeWidgetItem([str(state.path), _(STATE_WORDS[state.state]), str(state.encrypted),
                                    str(state.plain), str(len(state.failed))])
            item.setData(0, Qt.ItemDataRole.UserRole, str(state.path))
            self.tree.addTopLevelItem(item)
            if current is not None and state.path == current:
                self.tree.setCurrentItem(item)
        if self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        for column in range(1, 5):
            self.tree.resizeColumnToContents(column)
        self._selection_changed()

    def selected(self) -> Path | None:
        item = self.tree.currentItem()
        return Path(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    def _selection_changed(self) -> None:
        self.problems.clear()
        path = self.selected()
        for state in self.states:
            if state.path == path:
                for problem in state.failed:
                    self.problems.addItem(f"{problem.shown}: {problem.text()}")
        self._set_busy(self.task is not None)

    def _set_busy(self, busy: bool) -> None:
        has_keys, chosen = keys.has_keys(), self.selected() is not None
        self.protect_button.setEnabled(not busy and has_keys)
        for button in (self.lock_button, self.unlock_button, self.verify_button):
            button.setEnabled(not busy and has_keys and chosen)
        self.open_button.setEnabled(not busy and has_keys)
        self.kit_button.setEnabled(not busy and has_keys)
        self.setup_button.setEnabled(not busy and not has_keys)
        self.close_views_button.setEnabled(bool(self.viewer.opened))
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)

    # -- actions --------------------------------------------------------------------------------
    def protect(self) -> None:
        chosen = choose_folder(self)
        if not chosen:
            return
        try:
            root = folder.check_folder(chosen)
        except folder.VaultError as exc:  # validated before any work is queued
            dialogs.show_error(self, _("This folder cannot be protected"), exc)
            return
        if not dialogs.ask(self, _("Protect this folder?"),
                           _("Every file of {path} will be encrypted in place.").format(path=root)
                           + "\n\n" + _(folder.CONFIRM_DELETION_NOTE),
                           yes=_("Encrypt"), no=_("Cancel")):
            return
        self._start("lock", root)

    def _key_getter(self) -> Callable[[], Any] | None:
        """What the worker calls to get the working key; None when the doctor gave up."""
        remembered = self.session_key
        if remembered is not None:
            return lambda: remembered
        try:
            in_keyring = keys.secret_in_keyring()
        except keys.KeysError:
            in_keyring = True  # keys.unlock then says what is wrong, in plain words
        if in_keyring:
            return lambda: keys.unlock(None)
        typed = ask_passphrase(self)
        if not typed:
            return None
        passphrase = typed.encode("utf-8")

        def unlock() -> Any:
            identity = keys.unlock(passphrase)  # a wrong passphrase raises: nothing remembered
            self.session_key = identity
            return identity

        return unlock

    def forget_key(self) -> None:
        self.session_key = None
        self.session_timer.stop()
        self._show_session()

    def _show_session(self) -> None:
        remembered = self.session_key is not None
        if remembered:
            until = QTime.currentTime().addSecs(SESSION_MINUTES * 60).toString("HH:mm")
            self.session_label.setText(_(
                "The passphrase is remembered until {time}, or until gp_guard closes; each piece of "
                "encryption work extends it by {minutes} minutes.").format(time=until, minutes=SESSION_MINUTES))
        else:
            self.session_label.clear()
        self.session_label.setVisible(remembered)
        self.forget_key_button.setVisible(remembered)

    def _start(self, action: str, root: Path | None = None) -> None:
        root = root or self.selected()
        if root is None or self.task is not None:
            return
        if action == "lock":
            busy = folder.open_by_programs(root, limit=3)
            if busy and not dialogs.ask(self, _("Files are open"), _("{program} has files of this folder open. Encrypt anyway? Files in use are retried, then left as they are.").format(program=busy[0][1]), yes=_("Encrypt"), no=_("Cancel")):
                return
        get_key = self._key_getter()
        if get_key is None:
            return
        token = folder.CancelToken()
        store = self.ctx.store

        def work(report: Any) -> folder.Report:
            identity = get_key()
            if action == "lock":
                return folder.lock(root, keys.recipients(), [identity], progress=report, cancel=token, store=store)
            if action == "unlock":
                return folder.unlock(root, [identity], progress=report, cancel=token, store=store)
            return folder.verify(root, [identity], progress=report, cancel=token, store=store)

        self._run(work, token, self._finished)

    def _run(self, work: Any, token: folder.CancelToken, on_done: Any) -> None:
        self.token = token
        self.result_label.clear()
        self.progress.setRange(0, 0)
        self.progress_label.setText(_("Starting…"))
        self.task = tasks.run_task(work, on_done=on_done, on_error=self._failed, on_progress=self._progress)
        self.task.finished.connect(self._task_over)
        self._set_busy(True)
        self.cancel_button.setFocus()

    def _progress(self, p: folder.Progress) -> None:
        self.progress.setRange(0, max(1, p.bytes_total))
        self.progress.setValue(min(p.bytes_done, p.bytes_total))
        text = _("{done} of {total} files, {mb} MB/s").format(done=p.files_done, total=p.files_total, mb=f"{p.mb_per_s:.0f}")
        self.progress_label.setText(text)
        self.progress.setAccessibleDescription(text)

    def _task_over(self) -> None:
        self.task = None
        self.token = None
        if self.session_key is not None:
            self.session_timer.start()  # restarted by each piece of work
        self._show_session()
        self.progress_label.clear()
        self._set_busy(False)
        self.refresh()

    def _finished(self, report: folder.Report) -> None:
        words = {"lock": _("Files encrypted: {count}."), "unlock": _("Files decrypted: {count}."),
                 "verify": _("Encrypted files read back without error: {count}.")}
        parts = [words[report.action].format(count=len(report.done))]
        if report.failed:
            parts.append(_("Files that need attention: {count} (see the list above).").format(count=len(report.failed)))
        if report.cancelled:
            parts.append(_("Stopped before the end; the files not handled are unchanged."))
        self.result_label.setText(" ".join(parts))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, keys.KeysError | folder.VaultError):
            text = exc.text()
        else:
            text = _("Unexpected error ({kind}); no file was lost. The details are in the log.").format(kind=type(exc).__name__)
        self.result_label.setText(text)
        dialogs.inform(self, _("Encryption"), text, error=True)

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()
            self.progress_label.setText(_("Stopping at the next safe point…"))

    def wait(self, timeout: float = 15.0) -> bool:
        return self.task.wait(timeout) if self.task is not None else True

    def open_file(self) -> None:
        chosen = choose_file(self, _("Open a protected file"), _("Protected files (*.age)"))
        if not chosen:
            return
        get_key = self._key_getter()
        if get_key is None:
            return
        token = folder.CancelToken()

        def work(report: Any) -> Path:
            identity = get_key()
            return self.viewer.open(chosen, [identity], progress=report, cancel=token)

        self._run(work, token, lambda path: desktop.open_url(QUrl.fromLocalFile(str(path))))

    def close_views(self) -> None:
        self.viewer.close_all()
        self._set_busy(self.task is not None)

    def reprint_kit(self) -> None:
        from gp_guard.vault import agefile, recovery_kit

        chosen = choose_file(self, _("The recovery key file"), _("Text files (*.txt);;All files (*)"))
        if not chosen:
            return
        try:
            found = agefile.parse_identities(Path(chosen).read_text(encoding="utf-8"))
            public = keys.public_keys()
            pdf = recovery_kit.build_kit(found[0].to_string(), public.working, public.recovery) if found else None
        except (OSError, UnicodeDecodeError, ValueError, agefile.AgeError, keys.KeysError):
            pdf = None
        if pdf is None:
            dialogs.inform(self, _("Recovery kit"), _("This file does not hold this practice's recovery key."), error=True)
            return
        from gp_guard.vault import documents_folder

        target = choose_save_file(self, _("Save the recovery kit"), str(documents_folder() / recovery_kit.DEFAULT_FILE_NAME))
        if not target:
            return
        try:
            recovery_kit.write_kit(Path(target), pdf)
        except OSError as exc:
            dialogs.inform(self, _("Recovery kit"), _("The kit could not be written: {reason}").format(reason=exc.strerror or exc), error=True)
            return
        dialogs.inform(self, _("Recovery kit"), _("Kit saved. Print it, keep the paper away from this computer, then delete the file."))
