"""The "Partage de données" page: is this export really anonymous?

The doctor chooses or drops a CSV/XLSX file; ``export.service.check`` runs through
``tasks.run_task`` with a progress bar and a Cancel button; the page shows the verdict with the
WP29 criteria and their evidence, each column's role (changeable, then checked again), the direct
identifiers with masked examples, and the fixes; a fix can be written as a safer copy. The page
keeps no file content except masked examples. Seams for the tests: ``choose_file``,
``choose_save_file``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gp_guard.export import service
from gp_guard.export.generalise import LABELS
from gp_guard.export.proposals import TITLES
from gp_guard.export.roles import ROLE_WORDS, ROLES
from gp_guard.export.verdict import KIND_WORDS, explanation, kind_words
from gp_guard.gui import dialogs, tasks
from gp_guard.gui.pages import PageContext
from gp_guard.gui.widgets.buttons import add_button
from gp_guard.i18n import N_, _

PATTERN = N_("Data exports (*.csv *.txt *.xlsx);;All files (*)")
CRITERIA = {"singling_out": N_("Singling out"), "linkability": N_("Linkability"), "inference": N_("Inference")}


def choose_file(parent: QWidget, title: str) -> str:
    return QFileDialog.getOpenFileName(parent, title, "", _(PATTERN))[0]


def choose_save_file(parent: QWidget, name: str) -> str:
    return QFileDialog.getSaveFileName(parent, _("Save the safer copy"), name, "CSV (*.csv)")[0]


class ExportPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.check_task: tasks.Task | None = None
        self.token: service.CancelToken | None = None
        self.path: Path | None = None
        self.compare_path: Path | None = None
        self.result: service.CheckResult | None = None
        self.role_boxes: dict[str, QComboBox] = {}
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        title = QLabel(_("Data sharing"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        intro = QLabel(_("Before a data export leaves the practice (a study, a registry, a panel, a thesis), check what it really contains. Choose the file or drop it here; it is read on this computer only."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.choose_button = add_button(row, _("Choose a file to check…"), self.choose)
        self.compare_button = add_button(row, _("Compare with an earlier export…"), self.choose_compare)
        self.recheck_button = add_button(row, _("Check again with these roles"), self.recheck)
        row.addStretch(1)
        layout.addLayout(row)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        layout.addWidget(self.file_label)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Progress"))
        self.progress.setRange(0, 100)
        row.addWidget(self.progress, 1)
        self.cancel_button = add_button(row, _("Cancel"), self.cancel)
        layout.addLayout(row)
        self.verdict_label = QLabel()
        self.verdict_label.setObjectName("pageTitle")
        self.verdict_label.setWordWrap(True)
        layout.addWidget(self.verdict_label)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        self.table = QTreeWidget()
        self.table.setHeaderLabels([_("Column"), _("Role"), _("Found")])
        self.table.setRootIsDecorated(False)
        self.table.setAccessibleName(_("Columns of the file and their role"))
        layout.addWidget(self.table, 2)
        self.identifiers = QListWidget()
        self.identifiers.setAccessibleName(_("Direct identifiers found, with masked examples"))
        layout.addWidget(self.identifiers, 1)
        self.fixes = QListWidget()
        self.fixes.setAccessibleName(_("Proposed fixes"))
        self.fixes.currentRowChanged.connect(lambda _row: self._set_busy(self.check_task is not None))
        layout.addWidget(self.fixes, 1)
        row = QHBoxLayout()
        self.write_button = add_button(row, _("Write a safer copy with the chosen fix…"), self.write_safer)
        row.addStretch(1)
        layout.addLayout(row)
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.choose_button.setEnabled(not busy)
        self.compare_button.setEnabled(not busy)
        self.recheck_button.setEnabled(not busy and self.result is not None)
        self.write_button.setEnabled(not busy and self.result is not None and self.fixes.currentRow() >= 0)
        self.cancel_button.setEnabled(busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        # no empty boxes before the first result: the page shows what to do, then what was found
        for widget in (self.table, self.identifiers, self.fixes, self.write_button):
            widget.setVisible(self.result is not None)

    # -- drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and self.check_task is None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.start(Path(urls[0].toLocalFile()))

    # -- actions --------------------------------------------------------------------------------
    def choose(self) -> None:
        chosen = choose_file(self, _("Choose the export to check"))
        if chosen:
            self.start(Path(chosen))

    def choose_compare(self) -> None:
        chosen = choose_file(self, _("Choose the earlier export"))
        if chosen:
            self.compare_path = Path(chosen)
            if self.path is not None:
                self.start(self.path, self._roles())

    def recheck(self) -> None:
        if self.path is not None:
            self.start(self.path, self._roles())

    def _roles(self) -> dict[str, str]:
        if self.result is None:
            return {}
        chosen = {name: box.currentData() for name, box in self.role_boxes.items()}
        return {c.name: chosen[c.name] for c in self.result.columns if chosen.get(c.name) and chosen[c.name] != c.detected[0]}

    def start(self, path: Path, roles: dict[str, str] | None = None) -> None:
        if self.check_task is not None:
            return
        self.path = path
        self.token = token = service.CancelToken()
        compare, chosen = self.compare_path, dict(roles or {})

        def work(report: Any) -> service.CheckResult:
            return service.check(path, compare=compare, roles=chosen, progress=report, cancel=token)

        self.file_label.setText(_("Checking {name}…").format(name=path.name))
        self.progress.setValue(0)
        self.destroyed.connect(lambda *_a: token.cancel())  # the page rebuilt or closed: stop the work
        self.check_task = tasks.run_task(work, on_done=self._show, on_error=self._failed, on_progress=self._progress)
        self.check_task.finished.connect(self._over)
        self._set_busy(True)
        self.cancel_button.setFocus()

    def _alive(self) -> bool:
        return shiboken6.isValid(self) and shiboken6.isValid(self.progress)

    def _progress(self, p: service.Progress) -> None:
        if not self._alive():
            return
        self.progress.setValue(p.percent)
        self.progress.setAccessibleDescription(_("{percent} % done").format(percent=p.percent))

    def _over(self) -> None:
        self.check_task = None
        self.token = None
        if self._alive():
            self._set_busy(False)

    def cancel(self) -> None:
        if self.token is not None:
            self.token.cancel()
            self.file_label.setText(_("Stopping…"))

    def wait(self, timeout: float = 15.0) -> bool:
        return self.check_task.wait(timeout) if self.check_task is not None else True

    def _failed(self, exc: BaseException) -> None:
        if not self._alive():
            return
        if isinstance(exc, service.Cancelled):
            self.file_label.setText(_("Check stopped; nothing was changed."))
            return
        if isinstance(exc, service.ExportError):
            text = exc.text()
        else:
            text = _("Unexpected error ({kind}); the file was not changed. The details are in the log.").format(kind=type(exc).__name__)
        self.file_label.setText(text)
        dialogs.inform(self, _("Data sharing"), text, error=True)

    # -- the result -----------------------------------------------------------------------------
    def _show(self, result: service.CheckResult) -> None:
        if not self._alive():
            return
        self.result = result
        self.file_label.setText(_("{file}: {rows} rows, {persons} patients").format(file=result.file.name, rows=result.rows, persons=result.persons))
        self.verdict_label.setText(result.verdict.title())
        parts = [explanation(result.verdict, result.risk)]
        for key, label in CRITERIA.items():
            answer = _("yes") if result.verdict.criteria[key] else _("no")
            parts.append(_("{label}: {answer}").format(label=_(label), answer=answer))
            parts += [f"  • {line}" for line in result.verdict.evidence[key]]
        if result.compare is not None and result.compare.shared_ids_ratio is None:
            parts.append(_("No identifier column to compare with {file}.").format(file=Path(result.compare.file).name))
        self.details.setText("\n".join(parts))
        self._fill_table(result)
        self.identifiers.clear()
        for item in result.direct:
            where = _("in free text") if item.in_free_text else _("whole column")
            self.identifiers.addItem(_("{column}: {kind}, rows: {rows} ({where}), e.g. {example}").format(
                column=item.column, kind=_(KIND_WORDS.get(item.kind, item.kind)), rows=item.rows, where=where,
                example=item.example or "-"))
        self.fixes.clear()
        for proposal in result.proposals:
            actions = "; ".join(_("{label}: {answer}").format(label=a.column, answer=_(LABELS[a.to or "drop"])) for a in proposal.actions)
            mark = " " + _("(recommended)") if proposal.recommended else ""
            l_text = str(proposal.l_min) if proposal.risk.l_diversity else "-"
            head = _("{label}: {answer}").format(label=_(TITLES[proposal.id]), answer=f"k = {proposal.risk.k}, l = {l_text}")
            self.fixes.addItem(f"{head}{mark}\n{actions}")
            if proposal.recommended:
                self.fixes.setCurrentRow(self.fixes.count() - 1)
        self._set_busy(False)

    def _fill_table(self, result: service.CheckResult) -> None:
        self.table.clear()
        self.role_boxes.clear()
        found = {}
        for item in result.direct:
            found.setdefault(item.column, []).append(_(KIND_WORDS.get(item.kind, item.kind)))
        for column in result.columns:
            item = QTreeWidgetItem([column.name, "", ", ".join(found.get(column.name, [])) or kind_words(column.role, column.kind)])
            self.table.addTopLevelItem(item)
            box = QComboBox()
            for role in ROLES:
                box.addItem(_(ROLE_WORDS[role]), role)
            box.setCurrentIndex(ROLES.index(column.role))
            box.setAccessibleName(_("Role of the column {column}").format(column=column.name))
            self.table.setItemWidget(item, 1, box)
            self.role_boxes[column.name] = box
        for index in range(3):
            self.table.resizeColumnToContents(index)

    def write_safer(self) -> None:
        if self.result is None or self.fixes.currentRow() < 0:
            return
        proposal = self.result.proposals[self.fixes.currentRow()]
        target = choose_save_file(self, str(self.result.file.with_name(self.result.file.stem + "_safer.csv")))
        if not target:
            return
        result = self.result
        self.token = token = service.CancelToken()
        self.file_label.setText(_("Writing the safer copy…"))
        self.check_task = tasks.run_task(
            lambda report: service.write_safer(result, target, proposal.id, progress=report, cancel=token),
            on_done=self._written, on_error=self._failed, on_progress=self._progress)
        self.check_task.finished.connect(self._over)
        self._set_busy(True)

    def _written(self, again: service.CheckResult) -> None:
        self.path = again.file
        self._show(again)
        self.file_label.setText(_("Safer copy written: {name}. Its own check is shown below.").format(name=again.file.name))
