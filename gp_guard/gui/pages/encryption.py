"""The "Chiffrement" page: protected folders and their state, protect, unlock, verify, open a file.

Every piece of work (scanning, encrypting, decrypting, verifying, opening) runs through
``tasks.run_task``; the page only shows progress and results. Dialogs go through the module's seams
(``choose_folder``, ``choose_file``, ``choose_save_file``, ``ask_passphrase``, ``ask_protect``) and
``gui.dialogs``, which the tests replace.

Safety: encrypting never asks for the passphrase (the public keys suffice; a key already at hand,
in the keyring or remembered for the session, only makes the check stronger). Protecting a folder
first says that other programs lose access to the encrypted files, which programs have files open
there, and asks when its files are to be encrypted (gp_guard/guardian/protect.py). Decrypting a
whole folder is confirmed, naming the folder and its number of files. Each result is shown with a
mark and words (success, attention, failure), never silently.
"""

from __future__ import annotations

import datetime as dt
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
    QMessageBox,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gp_guard import settings
from gp_guard.audit.model import Status
from gp_guard.guardian import policy as policies
from gp_guard.guardian import protect as protecting
from gp_guard.gui import desktop, dialogs, tasks
from gp_guard.gui.dialogs import vault_setup
from gp_guard.gui.dialogs.protect_folder import ProtectDialog
from gp_guard.gui.pages import PageContext
from gp_guard.gui.widgets import status_style
from gp_guard.gui.widgets.buttons import add_button
from gp_guard.i18n import N_, _, current_language, format_date, format_datetime, ngettext
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


def ask_protect(parent: QWidget, root: Path, uses: list[protecting.ProgramUse], days: int) -> int | None:
    """The protect dialog: the number of days of the chosen policy (0: as soon as finished), or None."""
    dialog = ProtectDialog(root, uses, days, parent)
    dialog.exec()
    return dialog.choice()


def ask_kit_source(parent: QWidget) -> str | None:
    """Where the recovery key comes from to print the kit again: "type" (from the paper kit),
    "file" (a text file), or None."""
    box = QMessageBox(QMessageBox.Icon.Question, _("Print the recovery kit again"), _(
        "To print the kit again, gp_guard needs the recovery key: it never keeps it. Type it from your "
        "paper kit (it starts with AGE-SECRET-KEY-1; a reader of QR codes that types works too), or "
        "choose a text file where your IT provider saved it."), parent=parent)
    typed = box.addButton(_("Type the key"), QMessageBox.ButtonRole.AcceptRole)
    from_file = box.addButton(_("Choose a file…"), QMessageBox.ButtonRole.ActionRole)
    cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(typed)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return "type" if clicked is typed else "file" if clicked is from_file else None


def ask_recovery_key(parent: QWidget) -> str | None:
    text, ok = QInputDialog.getText(parent, _("Print the recovery kit again"),
                                    _("The whole recovery key, as printed on the kit:"))
    return text if ok else None


def ask_rule(parent: QWidget, root: Path, current: policies.Policy, days: int) -> int | None:
    """The same choice for a folder already protected, preselected: the new number of days, or None."""
    dialog = ProtectDialog(root, [], days, parent, current=current)
    dialog.exec()
    return dialog.choice()


NO_VIEWER = N_("The file was decrypted, but no program on this computer opens files of the type “{suffix}”. "
               "Install a viewer for this type (for X-ray images, a DICOM viewer), or ask your IT provider. "
               "The decrypted copy is here, readable by you only: {path}. It is deleted when you press "
               "“Delete the opened copies” or close gp_guard.")


def policy_words(chosen: policies.Policy) -> str:
    if chosen.immediate:
        return _("As soon as finished")
    return ngettext("Untouched for {days} day", "Untouched for {days} days", chosen.after_days).format(days=chosen.after_days)


def _unlock_or_none() -> Any:
    """The working key from the keyring, or None when it cannot be had (encrypting goes on)."""
    try:
        return keys.unlock(None)
    except keys.KeysError:
        return None


class EncryptionPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: tasks.Task | None = None
        self.scanning = False  # looking for the programs that use a folder about to be protected
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

        self.plans: dict[Path, protecting.FolderPlan] = {}
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([_("Folder"), _("State"), _("Encrypted"), _("Not encrypted yet"), _("Failed"),
                                   _("When encrypted")])
        self.tree.setRootIsDecorated(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long path keeps its last folders
        self.tree.setAccessibleName(_("Protected folders"))
        self.tree.currentItemChanged.connect(lambda *_a: self._selection_changed())
        layout.addWidget(self.tree, 2)
        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        self.plan_label.setAccessibleName(_("When the files of this folder are encrypted"))
        layout.addWidget(self.plan_label)
        self.problems = QListWidget()
        self.problems.setAccessibleName(_("Files that need attention"))
        layout.addWidget(self.problems, 1)

        row = QHBoxLayout()
        self.protect_button = add_button(row, _("Protect a folder…"), self.protect)
        self.lock_button = add_button(row, _("Encrypt the remaining files"), lambda: self._start("lock"))
        self.unlock_button = add_button(row, _("Decrypt the folder"), lambda: self._start("unlock"))
        self.verify_button = add_button(row, _("Verify"), lambda: self._start("verify"))
        self.rule_button = add_button(row, _("Change the rule…"), self.change_rule)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.open_button = add_button(row, _("Open a protected file…"), self.open_file)
        self.close_views_button = add_button(row, _("Delete the opened copies"), self.close_views)
        self.kit_button = add_button(row, _("Print the recovery kit again…"), self.reprint_kit)
        self.week_button = add_button(row, _("This week…"), self.show_week)
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
        row = QHBoxLayout()
        self.result_mark = QLabel()
        self.result_mark.setFixedWidth(28)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setStyleSheet("font-size: 12pt;")
        self.result_status: Status | None = None
        row.addWidget(self.result_mark, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.result_label, 1)
        layout.addLayout(row)
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
                self._show_result(Status.PASS, _("Interrupted work was completed; files made safe: {count}.").format(count=result.count))
            self.refresh()

        def failed(_exc: BaseException) -> None:
            if shiboken6.isValid(self.tree):
                self.refresh()

        tasks.run_task(work, on_done=done, on_error=failed)

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
        store = self.ctx.store

        def work(_report: Any) -> tuple[list[folder.FolderStatus], dict[Path, protecting.FolderPlan]]:
            states = folder.status(store=store)
            return states, protecting.overview(store, [s.path for s in states])

        tasks.run_task(work, on_done=lambda found: self._show_states(*found))

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

    def _show_states(self, states: list[folder.FolderStatus],
                     plans: dict[Path, protecting.FolderPlan] | None = None) -> None:
        if not shiboken6.isValid(self.tree):  # the page was rebuilt meanwhile
            return
        current = self.selected()
        self.states = states
        self.plans = plans or {}
        self.tree.clear()
        for state in states:
            plan = self.plans.get(state.path)
            item = QTreeWidgetItem([str(state.path), _(STATE_WORDS[state.state]), str(state.encrypted),
                                    str(state.plain), str(len(state.failed)),
                                    self.plan_short(plan) if plan else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, str(state.path))
            self.tree.addTopLevelItem(item)
            if current is not None and state.path == current:
                self.tree.setCurrentItem(item)
        first = self.tree.topLevelItem(0)
        if self.tree.currentItem() is None and first is not None:
            self.tree.setCurrentItem(first)
        for column in range(6):  # the folder too: its path is what the doctor reads first
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
        self.problems.setVisible(self.problems.count() > 0)  # no empty box without a label
        plan = self.plans.get(path) if path is not None else None
        self.plan_label.setText(self.plan_text(plan) if plan else "")
        self.plan_label.setVisible(plan is not None)
        self._set_busy(self.task is not None)

    @staticmethod
    def plan_short(plan: protecting.FolderPlan) -> str:
        """The policy column: the rule, and for "untouched for N days" the files waiting and when."""
        words = policy_words(plan.policy)
        left = plan.waiting
        if plan.policy.immediate or not left.count or left.next_at is None:
            return words
        return ngettext("{rule}: {count} waiting, until {when}", "{rule}: {count} waiting, the first until {when}",
                        left.count).format(rule=words, count=left.count,
                                           when=format_date(dt.datetime.fromtimestamp(left.next_at, dt.UTC)))

    @staticmethod
    def plan_text(plan: protecting.FolderPlan) -> str:
        """The selected folder's policy in words, with the files it keeps readable and until when."""
        if plan.policy.immediate:
            return _("Each new file of this folder is encrypted as soon as the program writing it has closed it.")
        days = plan.policy.after_days
        text = ngettext("A file of this folder is encrypted once nobody has opened or changed it for {days} day.",
                        "A file of this folder is encrypted once nobody has opened or changed it for {days} days.",
                        days).format(days=days)
        left = plan.waiting
        if left.count and left.next_at is not None:
            when = format_datetime(dt.datetime.fromtimestamp(left.next_at, dt.UTC))
            text += " " + ngettext("{count} recent file stays readable for now; the first will be protected on {when}.",
                                   "{count} recent files stay readable for now; the first will be protected on {when}.",
                                   left.count).format(count=left.count, when=when)
        else:
            text += " " + _("No file is waiting.")
        return text

    def _show_result(self, status: Status | None, text: str) -> None:
        """The outcome of a piece of work: a mark (✓ ! ✕) and words, in the status colour."""
        self.result_status = status
        self.result_label.setText(text)
        if status is None or not text:
            self.result_mark.clear()
            self.result_label.setStyleSheet("font-size: 12pt;")
            return
        self.result_mark.setPixmap(status_style.icon(status, 24).pixmap(24, 24))
        self.result_label.setStyleSheet(f"font-size: 12pt; color: {status_style.color(status).name()};")

    def _set_busy(self, busy: bool) -> None:
        busy = busy or self.scanning
        has_keys, chosen = keys.has_keys(), self.selected() is not None
        self.protect_button.setEnabled(not busy and has_keys)
        for button in (self.lock_button, self.unlock_button, self.verify_button, self.rule_button):
            button.setEnabled(not busy and has_keys and chosen)
        self.open_button.setEnabled(not busy and has_keys)
        self.kit_button.setEnabled(not busy and has_keys)
        self.setup_button.setEnabled(not busy and not has_keys)
        self.close_views_button.setEnabled(bool(self.viewer.opened))
        self.cancel_button.setEnabled(busy and self.token is not None)
        self.cancel_button.setVisible(busy)  # no idle button among the actions
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
        if self.task is not None or self.scanning:
            return
        self.scanning = True
        self.progress_label.setText(_("Looking for programs that use this folder…"))
        self._set_busy(True)
        tasks.run_task(lambda _r: protecting.programs_using(root), on_done=lambda uses: self._protect_asked(root, uses),
                       on_error=self._scan_failed)

    def _scan_failed(self, exc: BaseException) -> None:
        self.scanning = False
        if shiboken6.isValid(self.tree):
            self.progress_label.clear()
            self._set_busy(self.task is not None)
            self._failed(exc)

    def _protect_asked(self, root: Path, uses: list[protecting.ProgramUse]) -> None:
        """The programs are known: ask when to encrypt, then start (the scan is still counted as
        running here, so nothing sees the page idle in between)."""
        self.scanning = False
        if not shiboken6.isValid(self.tree):
            return
        self.progress_label.clear()
        self._set_busy(self.task is not None)
        days = int(settings.get(self.ctx.store, settings.GUARDIAN_AFTER_DAYS.key) or protecting.DEFAULT_AFTER_DAYS)
        chosen = ask_protect(self, root, uses, days)
        if chosen is None:
            return
        self._start("lock", root, after_days=chosen)

    def change_rule(self) -> None:
        """When the selected folder's files are encrypted: the choice made when it was protected."""
        root = self.selected()
        if root is None or self.task is not None:
            return
        store = self.ctx.store
        current = policies.get(store, policies.real(root))
        days = int(settings.get(store, settings.GUARDIAN_AFTER_DAYS.key) or protecting.DEFAULT_AFTER_DAYS)
        chosen = ask_rule(self, root, current, days)
        if chosen is None or chosen == current.after_days:
            return
        policies.set_policy(store, policies.real(root), chosen)
        self._show_result(Status.PASS, _("Rule saved: {rule}. The files it allows are encrypted by the folder watcher, "
                                         "or now with “Encrypt the remaining files”.").format(
            rule=policy_words(policies.Policy(chosen))))
        self.refresh()

    def _key_getter(self, ask: bool = True) -> Callable[[], Any] | None:
        """What the worker calls to get the working key; None when the doctor gave up.

        ``ask=False`` (encrypting): never a passphrase. The key is used when it is at hand (remembered
        for the session, or in the keyring), so each copy is decrypted and compared; otherwise the
        worker gets None and the public keys alone encrypt (each copy checked by its length)."""
        remembered = self.session_key
        if remembered is not None:
            return lambda: remembered
        try:
            in_keyring = keys.secret_in_keyring()
        except keys.KeysError:
            in_keyring = ask  # keys.unlock then says what is wrong, in plain words
        if in_keyring:
            return (lambda: keys.unlock(None)) if ask else _unlock_or_none
        if not ask:
            return lambda: None
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

    def _start(self, action: str, root: Path | None = None, after_days: int | None = None) -> None:
        root = root or self.selected()
        if root is None or self.task is not None:
            return
        if action == "unlock" and not self._confirm_unlock(root):
            return
        get_key = self._key_getter(ask=action != "lock")
        if get_key is None:
            return
        token = folder.CancelToken()
        store = self.ctx.store

        def work(report: Any) -> folder.Report | protecting.Protected:
            identity = get_key()
            if action == "lock":
                days = after_days if after_days is not None else policies.get(store, policies.real(root)).after_days
                return protecting.protect(root, days, keys.recipients(), [identity] if identity is not None else None,
                                          progress=report, cancel=token, store=store)
            if action == "unlock":
                return folder.unlock(root, [identity], progress=report, cancel=token, store=store)
            return folder.verify(root, [identity], progress=report, cancel=token, store=store)

        self._run(work, token, self._finished)

    def _confirm_unlock(self, root: Path) -> bool:
        """Decrypting removes the protection of a whole folder: say which and how many files."""
        count = next((s.encrypted for s in self.states if s.path == root), 0)
        hours = int(settings.get(self.ctx.store, settings.GUARDIAN_UNLOCK_HOURS.key) or 0)
        text = ngettext(
            "The {count} encrypted file of {path} will be decrypted: anyone using this computer can then read it.",
            "The {count} encrypted files of {path} will be decrypted: anyone using this computer can then read them.",
            count).format(count=count, path=root)
        if hours:
            text += " " + ngettext("gp_guard encrypts the folder again after {hours} hour (Settings), or when you "
                                   "press “Encrypt the remaining files”.",
                                   "gp_guard encrypts the folder again after {hours} hours (Settings), or when you "
                                   "press “Encrypt the remaining files”.", hours).format(hours=hours)
        else:
            text += " " + _("It stays decrypted until you press “Encrypt the remaining files”.")
        text += "\n\n" + _("To look at one file only, use “Open a protected file” instead.")
        yes = ngettext("Decrypt {count} file", "Decrypt {count} files", count).format(count=count)
        return dialogs.ask(self, _("Decrypt the whole folder?"), text, yes=yes, no=_("Cancel"))

    def _run(self, work: Any, token: folder.CancelToken, on_done: Any) -> None:
        self.token = token
        self._show_result(None, "")
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

    def _finished(self, result: folder.Report | protecting.Protected) -> None:
        report = result.report if isinstance(result, protecting.Protected) else result
        words = {"lock": _("Files encrypted: {count}."), "unlock": _("Files decrypted: {count}."),
                 "verify": _("Encrypted files read back without error: {count}.")}
        parts = [words[report.action].format(count=len(report.done))]
        if isinstance(result, protecting.Protected) and result.waiting.count and result.waiting.next_at is not None:
            parts.append(ngettext(
                "{count} recent file stays readable; it is encrypted once untouched for {days} days (the first on {when}).",
                "{count} recent files stay readable; each is encrypted once untouched for {days} days (the first on {when}).",
                result.waiting.count).format(count=result.waiting.count, days=result.policy.after_days,
                                             when=format_datetime(dt.datetime.fromtimestamp(result.waiting.next_at, dt.UTC))))
        status = Status.PASS
        if report.failed:
            status = Status.WARN
            parts.append(_("Files that need attention: {count} (see the list above).").format(count=len(report.failed)))
        if report.cancelled:
            status = Status.WARN
            parts.append(_("Stopped before the end; the files not handled are unchanged."))
        self._show_result(status, " ".join(parts))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, keys.KeysError | folder.VaultError):
            text = exc.text()
        else:
            text = _("Unexpected error ({kind}); no file was lost. The details are in the log.").format(kind=type(exc).__name__)
        self._show_result(Status.FAIL, text)
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

        self._run(work, token, self._opened)

    def _opened(self, path: Path) -> None:
        """Hand the decrypted copy to its program; say so plainly when there is none."""
        if desktop.open_url(QUrl.fromLocalFile(str(path))):
            self._show_result(Status.PASS, _("The file is open in its program: {name}. Its decrypted copy is deleted "
                                             "when you press “Delete the opened copies” or close gp_guard.").format(name=path.name))
            return
        text = _(NO_VIEWER).format(suffix=path.suffix or path.name, path=path)
        self._show_result(Status.WARN, text)
        dialogs.inform(self, _("No program opens this file"), text, error=True)

    def show_week(self) -> None:
        """What the guardian did these seven days (also in the tray menu)."""
        from gp_guard.gui.dialogs.weekly import WeeklyDialog

        self.week_dialog = WeeklyDialog(self.ctx.store, self)
        self.week_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.week_dialog.show()

    def close_views(self) -> None:
        count = len(self.viewer.opened)
        self.viewer.close_all()
        self._show_result(Status.PASS, ngettext("Opened copy deleted: {count}.", "Opened copies deleted: {count}.",
                                                count).format(count=count))
        self._set_busy(self.task is not None)

    def reprint_kit(self) -> None:
        """A new kit from the recovery key, typed from the paper kit or read from a file; the key must
        be this practice's (its public half is known), or no kit is made."""
        from gp_guard.vault import recovery_kit

        source = ask_kit_source(self)
        if source is None:
            return
        if source == "type":
            typed = ask_recovery_key(self)
            if not typed:
                return
            text, wrong = "".join(typed.split()).upper(), _(
                "This is not the recovery key of this practice. Look at the printed kit again and retype it.")
        else:
            chosen = choose_file(self, _("The recovery key file"), _("Text files (*.txt);;All files (*)"))
            if not chosen:
                return
            try:
                text = Path(chosen).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            wrong = _("This file does not hold this practice's recovery key.")
        pdf = self._kit_from(text)
        if pdf is None:
            dialogs.inform(self, _("Recovery kit"), wrong, error=True)
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

    @staticmethod
    def _kit_from(text: str) -> bytes | None:
        """The kit PDF for the practice's recovery key found in ``text``, else None."""
        from gp_guard.vault import agefile, recovery_kit

        try:
            public = keys.public_keys()
            found = [i for i in agefile.parse_identities(text) if i.recipient() == public.recovery]
            lang = "en" if current_language() == "en" else "fr"  # the kit's two languages
            return (recovery_kit.build_kit(found[0].to_string(), public.working, public.recovery, lang=lang)
                    if found else None)
        except (ValueError, agefile.AgeError, keys.KeysError):
            return None
