"""The audit page: run, follow, cancel; findings by severity and the detail of the chosen one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gp_guard.audit import history
from gp_guard.audit.service import AuditReport
from gp_guard.gui import dialogs
from gp_guard.gui.pages import PageContext
from gp_guard.gui.widgets.finding_detail import FindingDetail
from gp_guard.gui.widgets.findings_tree import FINDING_ROLE, FindingsTree
from gp_guard.i18n import _, format_datetime


class AuditPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._last_pending = False  # the last saved audit's findings, not listed yet
        layout = QVBoxLayout(self)
        title = QLabel(_("Audit of this computer"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        intro = QLabel(_("The audit only reads the settings of this computer; it changes nothing and sends nothing."))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        row = QHBoxLayout()
        self.run_button = QPushButton(_("Run the audit"))
        self.run_button.setAccessibleName(_("Run the audit"))
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setAccessibleName(_("Cancel the audit"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(_("Audit progress"))
        self.progress.setTextVisible(True)
        self.progress.setFormat(_("%v / %m checks"))
        self.progress.setValue(0)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addWidget(self.progress, 1)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(_("Audit status"))
        layout.addWidget(self.status)

        self.only_action = QCheckBox(_("Show only what needs action"))
        self.only_action.setAccessibleName(_("Show only what needs action"))
        self.only_action.setToolTip(_("Hides the points that are in order and the checks that do not apply here."))
        layout.addWidget(self.only_action)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tree = FindingsTree()
        self.only_action.toggled.connect(self.tree.set_only_action)
        self.only_action.setChecked(True)
        self.detail = FindingDetail()
        self.tree.finding_selected.connect(self.detail.show_finding)
        self.detail.answer_requested.connect(lambda: ctx.navigate("questions"))
        splitter.addWidget(self.tree)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([560, 480])
        layout.addWidget(splitter, 1)

        self.setTabOrder(self.run_button, self.cancel_button)
        self.setTabOrder(self.cancel_button, self.only_action)
        self.setTabOrder(self.only_action, self.tree)
        self.setTabOrder(self.tree, self.detail.browser)
        self.setTabOrder(self.detail.browser, self.detail.settings_button)
        self.setTabOrder(self.detail.settings_button, self.detail.answer_button)
        self.setTabOrder(self.detail.answer_button, self.detail.copy_button)

        ctx.audit.started.connect(self._started)
        ctx.audit.progress.connect(self._progress)
        ctx.audit.finished.connect(self._finished)
        ctx.audit.failed.connect(self._failed)
        if ctx.audit.running:
            self._started()
        elif ctx.audit.report is not None:
            self._show_report(ctx.audit.report)
        else:
            self._show_last_run()

    def _show_last_run(self) -> None:
        """After a restart: the last saved audit in words now; its findings when the page is
        first shown (rebuilding them reads every check's texts: not before the window's first
        paint)."""
        runs = history.runs(self.ctx.store, limit=1)
        if not runs:
            self.status.setText(_("No audit has been run on this computer yet."))
            return
        self._last_pending = True
        self.status.setText(_("Results of the last audit, on {date}: score {score}/100 (grade {grade}). Run the audit again to bring them up to date.").format(
            date=format_datetime(runs[-1].started_at), score=runs[-1].score, grade=runs[-1].grade))

    def _load_last_run(self) -> None:
        if not self._last_pending:
            return
        self._last_pending = False
        last = history.last_run(self.ctx.store)
        if last is not None and self.ctx.audit.report is None and not self.ctx.audit.running:
            self.tree.set_findings(last.findings)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._load_last_run()

    def select(self, check_id: str) -> bool:
        """Show ``check_id`` in the list and its details; False when it is not listed."""
        self._load_last_run()
        for item in self.tree.finding_items():
            if item.data(0, FINDING_ROLE).id == check_id:
                if item.isHidden():
                    self.only_action.setChecked(False)
                self.tree.setCurrentItem(item)
                self.tree.scrollToItem(item)
                return True
        return False

    def start(self) -> None:
        self.ctx.audit.start()

    def cancel(self) -> None:
        self.ctx.audit.cancel()
        self.cancel_button.setEnabled(False)
        self.status.setText(_("Stopping the audit…"))

    def _started(self) -> None:
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the first check reports
        self.status.setText(_("The audit is running. You can keep using gp_guard meanwhile."))

    def _progress(self, done: int, total: int, _check_id: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _idle(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _finished(self, report: AuditReport) -> None:
        self._idle()
        self._show_report(report)

    def _show_report(self, report: AuditReport) -> None:
        self._last_pending = False
        total = self.progress.maximum() or len(report.findings)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(self.progress.maximum())
        if self.ctx.audit.cancelled:
            self.status.setText(_("The audit was cancelled. Checks that had not finished are listed as not checked; this run was not saved."))
        else:
            self.status.setText(_("Audit finished: score {score}/100 (grade {grade}).").format(
                score=report.score.value, grade=report.score.grade))
        self.tree.set_findings(report.findings)

    def _failed(self, message: str) -> None:
        self._idle()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status.setText(message)
        dialogs.inform(self.window(), _("The audit could not finish"), message, error=True)
