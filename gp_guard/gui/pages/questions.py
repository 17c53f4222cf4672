"""Questions the computer cannot answer: asked here, saved in the store, scored at the next audit."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gp_guard.audit import questions, service
from gp_guard.gui.pages import PageContext
from gp_guard.i18n import _


def unanswered_count(answers: dict[str, tuple[str, str]]) -> int:
    return sum(1 for q in questions.QUESTIONS if q.option(answers.get(q.id, ("", ""))[0]) is None)


class QuestionsPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: dict[str, QButtonGroup] = {}
        self.buttons: dict[str, dict[str, QRadioButton]] = {}
        layout = QVBoxLayout(self)
        title = QLabel(_("Questions about the practice"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        intro = QLabel(_("Some points cannot be seen from this computer. Your answers are kept on this computer only and count in the score at the next audit."))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName(_("Questions"))
        body = QWidget()
        body_layout = QVBoxLayout(body)
        answers = ctx.store.answers()
        previous: QWidget | None = None
        for question in questions.QUESTIONS:
            box = self._question_box(question, answers.get(question.id, ("", ""))[0])
            body_layout.addWidget(box)
            for radio in self.buttons[question.id].values():
                if previous is not None:
                    self.setTabOrder(previous, radio)
                previous = radio
        body_layout.addStretch(1)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)

        row = QHBoxLayout()
        self.save_button = QPushButton(_("Save my answers"))
        self.save_button.setAccessibleName(_("Save my answers"))
        self.save_button.clicked.connect(self.save)
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        row.addWidget(self.save_button)
        row.addWidget(self.saved_label, 1)
        layout.addLayout(row)
        if previous is not None:
            self.setTabOrder(previous, self.save_button)

    def _question_box(self, question: questions.Question, current: str) -> QGroupBox:
        box = QGroupBox(_(question.meta.title))
        box.setAccessibleName(_(question.meta.title))
        inner = QVBoxLayout(box)
        text = QLabel(f"<b>{_(question.text)}</b>")
        text.setWordWrap(True)
        inner.addWidget(text)
        why = QLabel(_(question.meta.why))
        why.setWordWrap(True)
        inner.addWidget(why)
        group = QButtonGroup(box)
        self.groups[question.id] = group
        self.buttons[question.id] = {}
        for option in question.options:
            radio = QRadioButton(_(option.label))
            radio.setAccessibleName(_(option.label))
            radio.setAccessibleDescription(_(question.text))
            radio.setProperty("option_value", option.value)
            radio.setChecked(option.value == current)
            group.addButton(radio)
            inner.addWidget(radio)
            self.buttons[question.id][option.value] = radio
        return box

    def choice(self, question_id: str) -> str | None:
        checked = self.groups[question_id].checkedButton()
        return str(checked.property("option_value")) if checked is not None else None

    def save(self) -> None:
        stored = self.ctx.store.answers()
        changed = 0
        new_score: int | None = None
        for question in questions.QUESTIONS:
            value = self.choice(question.id)
            if value is not None and stored.get(question.id, ("", ""))[0] != value:
                new_score = service.record_answer(self.ctx.store, question.id, value)
                changed += 1
        left = unanswered_count(self.ctx.store.answers())
        if changed and new_score is not None:
            text = _("Saved. Your answers count in the score now: {score}/100.").format(score=new_score)
        elif changed:
            text = _("Saved. Your answers will count in the score at the first audit.")
        else:
            text = _("Nothing to save: no answer was changed.")
        if left:
            text += " " + _("Questions still unanswered: {count}.").format(count=left)
        self.saved_label.setText(text)
        self.ctx.audit.answers_changed.emit()
