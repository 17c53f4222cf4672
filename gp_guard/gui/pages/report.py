"""The report page: the practice's identity, and the button that writes the PDF (or HTML) report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gp_guard.audit import history
from gp_guard.checklist import progress, scoring
from gp_guard.gui import desktop, dialogs
from gp_guard.gui.pages import PageContext
from gp_guard.gui.tasks import Task, run_task
from gp_guard.i18n import _, format_datetime
from gp_guard.report import identity
from gp_guard.store import Store


def choose_file(parent: QWidget, title: str, suggested: Path, pattern: str) -> Path | None:
    """The file-dialog seam: where to save the report (None when the doctor cancels). Tests patch it."""
    name, _filter = QFileDialog.getSaveFileName(parent, title, str(suggested), pattern)
    return Path(name) if name else None


def default_folder() -> Path:
    for candidate in (Path.home() / "Documents", Path.home()):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def write_report(store: Store, path: Path, kind: str) -> Path:
    """Core work, run off the GUI thread: gather the data and write the file."""
    from gp_guard.report import html, model, pdf

    data = model.build(store)
    return (pdf if kind == "pdf" else html).write(data, path)


class ReportPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: Task | None = None
        self.last_written: Path | None = None
        layout = QVBoxLayout(self)
        title = QLabel(_("Security report"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        intro = QLabel(_("A printable document that shows what was checked and done at the practice: for your insurer, the Ordre, the CNIL or your IT provider. It contains no patient data and no passwords."))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        box = QGroupBox(_("Practice identity printed on the report"))
        form = QFormLayout(box)
        current = identity.load(ctx.store)
        self.name_edit = QLineEdit(current.name)
        self.address_edit = QPlainTextEdit(current.address)
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setFixedHeight(70)
        self.rpps_edit = QLineEdit(current.rpps)
        self.rpps_edit.setPlaceholderText(_("optional, 11 digits"))
        self.siren_edit = QLineEdit(current.siren)
        self.siren_edit.setPlaceholderText(_("optional, 9 digits"))
        self.editors = {"name": self.name_edit, "address": self.address_edit, "rpps": self.rpps_edit,
                        "siren": self.siren_edit}
        labels = {"name": _("Practice name"), "address": _("Address"), "rpps": _("RPPS number"),
                  "siren": _("SIREN number")}
        for key, editor in self.editors.items():
            editor.setAccessibleName(labels[key])
            label = QLabel(labels[key])
            label.setBuddy(editor)
            form.addRow(label, editor)
        self.save_button = QPushButton(_("Save the identity"))
        self.save_button.setAccessibleName(_("Save the practice identity"))
        self.save_button.clicked.connect(self.save_identity)
        self.identity_label = QLabel()
        self.identity_label.setWordWrap(True)
        form.addRow(self.save_button, self.identity_label)
        layout.addWidget(box)

        contents = QGroupBox(_("What the report will show"))
        contents_layout = QVBoxLayout(contents)
        self.contents_label = QLabel()
        self.contents_label.setWordWrap(True)
        self.contents_label.setAccessibleName(_("What the report will show"))
        contents_layout.addWidget(self.contents_label)
        layout.addWidget(contents)
        self.show_contents()

        actions = QHBoxLayout()
        self.pdf_button = QPushButton(_("Generate the PDF report"))
        self.pdf_button.setAccessibleName(_("Generate the PDF report"))
        self.pdf_button.clicked.connect(lambda: self.generate("pdf"))
        self.html_button = QPushButton(_("Save as a web page (HTML)"))
        self.html_button.setAccessibleName(_("Save the report as a web page (HTML)"))
        self.html_button.clicked.connect(lambda: self.generate("html"))
        self.open_button = QPushButton(_("Open the folder of the report"))
        self.open_button.setAccessibleName(_("Open the folder of the report"))
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open_folder)
        for button in (self.pdf_button, self.html_button, self.open_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        order = [self.name_edit, self.address_edit, self.rpps_edit, self.siren_edit, self.save_button,
                 self.pdf_button, self.html_button, self.open_button]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)

    def show_contents(self) -> None:
        """The latest audit and the checklist as the report will print them (read again each time
        the page is shown: the pages stay in sync)."""
        runs = history.runs(self.ctx.store, limit=1)
        if runs:
            audit = _("Latest audit: {date}, score {score}/100 (grade {grade}).").format(
                date=format_datetime(runs[-1].started_at), score=runs[-1].score, grade=runs[-1].grade)
        else:
            audit = _("No audit yet: run an audit first, so that the report shows the state of this computer.")
        done = scoring.progress(progress.statuses(self.ctx.store))
        checklist = _("{done} of {total} items done ({percent}%)").format(
            done=done.done, total=done.total, percent=done.percent)
        self.contents_label.setText(_("{audit}\nChecklist: {checklist}").format(audit=audit, checklist=checklist))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.show_contents()

    def current_identity(self) -> identity.PracticeIdentity:
        return identity.PracticeIdentity(self.name_edit.text(), self.address_edit.toPlainText(),
                                         self.rpps_edit.text(), self.siren_edit.text())

    def save_identity(self) -> bool:
        try:
            saved = identity.save(self.ctx.store, self.current_identity())
        except identity.IdentityError as exc:
            self.identity_label.setText(exc.text())
            self.editors[exc.field].setFocus()
            return False
        self.rpps_edit.setText(saved.rpps)
        self.siren_edit.setText(saved.siren)
        self.identity_label.setText(_("Saved."))
        return True

    def generate(self, kind: str) -> None:
        if self.task is not None and not self.task.is_finished:
            return
        if self.current_identity() != identity.load(self.ctx.store) and not self.save_identity():
            return
        suffix, pattern = (("pdf", _("PDF documents (*.pdf)")) if kind == "pdf"
                           else ("html", _("Web pages (*.html)")))
        suggested = default_folder() / f"{_('security-report')}.{suffix}"
        path = choose_file(self, _("Save the report"), suggested, pattern)
        if path is None:
            return
        if path.suffix.lower() != f".{suffix}":
            path = path.with_name(path.name + f".{suffix}")
        self.pdf_button.setEnabled(False)
        self.html_button.setEnabled(False)
        self.status_label.setText(_("Writing the report…"))
        self.task = run_task(lambda _report: write_report(self.ctx.store, path, kind), on_done=self._done, on_error=self._failed)

    def _finished(self) -> None:
        self.pdf_button.setEnabled(True)
        self.html_button.setEnabled(True)

    def _done(self, path: object) -> None:
        self._finished()
        assert isinstance(path, Path)
        self.last_written = path
        self.open_button.setEnabled(True)
        self.status_label.setText(_("Report written: {path}").format(path=path))

    def _failed(self, exc: BaseException) -> None:
        self._finished()
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        text = _("The report could not be written: {detail}. Choose another folder and try again.").format(detail=detail)
        self.status_label.setText(text)
        dialogs.inform(self, _("Security report"), text, error=True)

    def _open_folder(self) -> None:
        if self.last_written is not None:
            desktop.open_folder(self.last_written.parent)
