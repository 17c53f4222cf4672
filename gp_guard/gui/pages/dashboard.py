"""The dashboard: the score in numbers and words, its trend, what changed, questions left."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gp_guard.audit import history, questions, score
from gp_guard.audit.areas import area_states
from gp_guard.audit.model import CheckMeta, Severity, Status
from gp_guard.audit.registry import all_checks
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages.questions import unanswered_count
from gp_guard.gui.widgets import status_style
from gp_guard.gui.widgets.area_tiles import AreaTiles
from gp_guard.gui.widgets.breach_clock import BreachClock
from gp_guard.gui.widgets.later import Later
from gp_guard.gui.widgets.score_gauge import ScoreGauge
from gp_guard.gui.widgets.trend_chart import TrendChart
from gp_guard.i18n import N_, _, format_datetime

GRADE_WORDS = {
    "A": N_("Well protected"),
    "B": N_("Good, a few points to improve"),
    "C": N_("Fair: important points to fix"),
    "D": N_("Weak: several serious gaps"),
    "E": N_("At risk: start with the critical points"),
}


def _metas() -> dict[str, CheckMeta]:
    metas = {c.id: c.meta for c in all_checks()}
    metas.update({q.id: q.meta for q in questions.QUESTIONS})
    return metas


def priorities(statuses: dict[str, str], metas: dict[str, CheckMeta], limit: int = 5) -> list[tuple[str, str]]:
    """(check id, text) of the most serious failures of a run, then points to review."""
    order = {Status.FAIL.value: 0, Status.WARN.value: 1}
    picked = sorted(
        (order[status], metas[check_id].severity.rank, check_id)
        for check_id, status in statuses.items() if status in order and check_id in metas
    )
    return [
        (i, _("{severity} · {status} · {title}").format(
            severity=metas[i].severity.label, status=Status(statuses[i]).label,
            title=_(metas[i].title_for(Status(statuses[i])))))
        for _o, _r, i in picked[:limit]
    ]


def _status_word(value: str | None) -> str:
    if value is None:
        return _("not run")
    try:
        return Status(value).label
    except ValueError:
        return value


def cap_text(value: int, statuses: dict[str, str], metas: dict[str, CheckMeta]) -> str:
    """Why the score cannot go higher, when a critical or high failure holds it down."""
    failing = {metas[i].severity for i, s in statuses.items() if s == Status.FAIL.value and i in metas}
    if Severity.CRITICAL in failing and value == score.CAP_CRITICAL:
        return _("The score stays at {cap} at most while a critical point is to fix: start there.").format(cap=score.CAP_CRITICAL)
    if Severity.HIGH in failing and value == score.CAP_HIGH:
        return _("The score stays at {cap} at most while a high-severity point is to fix.").format(cap=score.CAP_HIGH)
    return ""


def change_text(change: history.Change, metas: dict[str, CheckMeta]) -> str:
    title = _(metas[change.check_id].title) if change.check_id in metas else change.check_id
    return _("{title}: {before} → {after}").format(
        title=title, before=_status_word(change.before), after=_status_word(change.after))


class DashboardPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        title = QLabel(_("Dashboard"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        # the clock's button opens the register too (its passphrase, without a keyring): the
        # doctor lands on her open breach, never on an empty page
        self.breach_clock = BreachClock(ctx.store, ctx.open_breach or (lambda: ctx.navigate("breach")))
        layout.addWidget(self.breach_clock)

        top = QHBoxLayout()
        score_box = QGroupBox(_("Security score"))
        score_layout = QGridLayout(score_box)
        self.gauge = ScoreGauge()
        self.score_label = QLabel()
        self.score_label.setObjectName("scoreText")
        self.grade_label = QLabel()
        self.grade_label.setWordWrap(True)
        self.date_label = QLabel()
        self.cap_label = QLabel()
        self.cap_label.setWordWrap(True)
        score_layout.addWidget(self.gauge, 0, 0, 4, 1)
        score_layout.addWidget(self.score_label, 0, 1)
        score_layout.addWidget(self.grade_label, 1, 1)
        score_layout.addWidget(self.date_label, 2, 1)
        score_layout.addWidget(self.cap_label, 3, 1)
        score_layout.setColumnStretch(1, 1)
        top.addWidget(score_box, 1)
        trend_box = QGroupBox(_("Trend"))
        trend_layout = QVBoxLayout(trend_box)
        self.chart = TrendChart()
        trend_layout.addWidget(self.chart)
        top.addWidget(trend_box, 1)
        layout.addLayout(top)

        areas_box = QGroupBox(_("State of each area"))
        areas_layout = QVBoxLayout(areas_box)
        self.tiles = AreaTiles()
        self.tiles.area_chosen.connect(lambda check_id: check_id and ctx.open_finding(check_id))
        areas_layout.addWidget(self.tiles)
        layout.addWidget(areas_box)

        run_row = QHBoxLayout()
        self.run_button = QPushButton(_("Run the audit"))
        self.run_button.setObjectName("primary")
        self.run_button.setAccessibleName(_("Run the audit"))
        self.run_button.clicked.connect(self._run)
        run_row.addWidget(self.run_button)
        run_row.addStretch(1)
        layout.addLayout(run_row)

        lists = QHBoxLayout()
        priorities_box = QGroupBox(_("To fix first"))
        priorities_layout = QVBoxLayout(priorities_box)
        self.priorities = QListWidget()
        self.priorities.setAccessibleName(_("To fix first"))
        self.priorities.setWordWrap(True)
        self.priorities.setIconSize(QSize(36, 16))  # the severity's bars and the status's mark
        self.priorities.itemActivated.connect(self._open_priority)
        priorities_layout.addWidget(self.priorities)
        lists.addWidget(priorities_box, 3)
        changes_box = QGroupBox(_("What changed since the previous audit"))
        changes_layout = QVBoxLayout(changes_box)
        self.changes = QListWidget()
        self.changes.setAccessibleName(_("Changes since the previous audit"))
        self.changes.setWordWrap(True)
        changes_layout.addWidget(self.changes)
        lists.addWidget(changes_box, 2)
        layout.addLayout(lists, 1)

        questions_box = QGroupBox(_("Questions for you"))
        questions_layout = QHBoxLayout(questions_box)
        self.questions_label = QLabel()
        self.questions_label.setWordWrap(True)
        self.answer_button = QPushButton(_("Answer the questions"))
        self.answer_button.setAccessibleName(_("Answer the questions"))
        self.answer_button.clicked.connect(lambda: ctx.navigate("questions"))
        questions_layout.addWidget(self.questions_label, 1)
        questions_layout.addWidget(self.answer_button)
        layout.addWidget(questions_box)

        self.setTabOrder(self.breach_clock.button, self.run_button)
        self.setTabOrder(self.run_button, self.priorities)
        self.setTabOrder(self.priorities, self.changes)
        self.setTabOrder(self.changes, self.answer_button)
        self.later = Later(self, self._refresh_score, self._refresh_lists)
        ctx.audit.finished.connect(self._audit_finished)
        ctx.audit.answers_changed.connect(self.refresh)
        self._lists_loaded = False
        self._refresh_score()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        # The lists need every check's texts (importing all check modules): after the first paint,
        # so the window shows up at once.
        super().paintEvent(event)
        if not self._lists_loaded:
            self._lists_loaded = True
            QTimer.singleShot(0, self._refresh_lists)

    def _open_priority(self, item: QListWidgetItem) -> None:
        check_id = item.data(Qt.ItemDataRole.UserRole)
        if check_id:
            self.ctx.open_finding(str(check_id))

    def _run(self) -> None:
        self.ctx.navigate("audit")
        self.ctx.audit.start()

    @Slot(object)
    def _audit_finished(self, _report: object) -> None:
        """A slot of the page: Qt disconnects it when a language switch deletes the page."""
        self.later.start()

    def refresh(self, *_args: object) -> None:
        self._refresh_score()
        self._refresh_lists()

    def _refresh_score(self) -> None:
        runs = history.runs(self.ctx.store)
        self.chart.set_scores([r.score for r in runs])
        if runs:
            last = runs[-1]
            self.score_label.setText(_("{score}/100").format(score=last.score))
            words = _(GRADE_WORDS.get(last.grade, GRADE_WORDS["E"]))
            self.grade_label.setText(_("Grade {grade}: {words}").format(grade=last.grade, words=words))
            self.date_label.setText(_("Last audit: {date}").format(date=format_datetime(last.started_at)))
            self.score_label.setAccessibleName(self.score_label.text())
            self.gauge.set_score(last.score, last.grade, words)
        else:
            self.score_label.setText("–")
            self.grade_label.setText(_("No audit yet. Run the first audit to get your score."))
            self.date_label.setText("")
            self.gauge.set_score(None)
        left = unanswered_count(self.ctx.store.answers())
        if left:
            self.questions_label.setText(_("Questions the computer cannot check, waiting for your answer: {count}.").format(count=left))
        else:
            self.questions_label.setText(_("You have answered every question. You can change your answers at any time."))
        self.answer_button.setText(_("Answer the questions") if left else _("Review my answers"))

    def _refresh_lists(self) -> None:
        self._lists_loaded = True
        runs = history.runs(self.ctx.store)
        metas = _metas()
        self.priorities.clear()
        statuses = history.statuses(self.ctx.store, runs[-1].id) if runs else {}
        self.cap_label.setText(cap_text(runs[-1].score, statuses, metas) if runs else "")
        self.tiles.set_states(area_states(statuses, metas))
        for check_id, text in priorities(statuses, metas):
            item = QListWidgetItem(text)
            item.setIcon(status_style.finding_icon(metas[check_id].severity, Status(statuses[check_id])))
            item.setData(Qt.ItemDataRole.UserRole, check_id)
            item.setToolTip(_("Press Enter or double-click to see the details."))
            self.priorities.addItem(item)
        if not self.priorities.count():
            self.priorities.addItem(_("Nothing to fix in the last audit.") if runs
                                    else _("Run an audit to see what to fix first."))
        self.changes.clear()
        changes = history.changes(self.ctx.store, runs[-1].id) if runs else []
        for change in changes:
            item = QListWidgetItem(change_text(change, metas))
            if change.after in Status._value2member_map_:
                item.setIcon(status_style.icon(Status(change.after)))
            self.changes.addItem(item)
        if not changes:
            self.changes.addItem(_("No change since the previous audit.") if len(runs) > 1
                                 else _("Changes will appear here after your second audit."))
