"""Data-breach walkthrough: plain questions, live 72-hour countdown, proposed decisions, texts, PDF.

A thin face over gp_guard.breach: every answer is saved (encrypted) the moment it is given, so a
restart, or an app killed mid-walkthrough, loses at most the answer being typed. The app
proposes; the doctor decides, confirms, and writes the reasoning for every "no".
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gp_guard.breach import guidance, labels, open_breaches, walkthrough
from gp_guard.breach.input import InputError
from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import Register, RegisterError, open_count
from gp_guard.breach.register import exists as register_exists
from gp_guard.breach.walkthrough import Walkthrough
from gp_guard.gui import dialogs
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages.breach_widgets import (
    FIRST_TIME,
    LAST_TIME,
    NOT_KNOWN_TIME,
    ComboBox,
    DateTimeEdit,
    NewPassphraseDialog,
    Stepper,
)
from gp_guard.i18n import N_, _, ngettext

STEP_TITLES = (N_("When"), N_("What happened"), N_("Proposal"), N_("Your decisions"), N_("Texts to send"), N_("What you did"))
CURRENT = "breach.current"  # id of the record shown (a number, no patient data)
UNKNOWN = N_("Not known yet")
TRI = ((UNKNOWN, None), (N_("Yes"), True), (N_("No"), False))
YES_NO = {True: N_("Yes"), False: N_("No")}  # a question answered yes or no (or not known yet)

QUESTIONS: list[tuple[str, str, str, dict[Any, str]]] = [
    # (answer name, question, short explanation, choices: dict of labels, or YES_NO)
    ("incident_type", N_("What happened?"), N_("Choose the closest; you can describe it in your own words below."), labels.INCIDENT_TYPES),
    ("malicious", N_("Did someone act on purpose?"), N_("A theft, an attack or a misuse. An honest mistake is not."), YES_NO),
    ("confidentiality", N_("Could someone have seen or taken the data?"), N_("If you cannot tell yet, say so: it will be asked again."), labels.CONFIDENTIALITY),
    ("recipients_trusted", N_("Did the recipients give the data back or delete it?"), N_("Only for known recipients bound to confidentiality, e.g. a colleague or a laboratory."), YES_NO),
    ("integrity", N_("Was data changed?"), N_("For example, a medical file modified by someone else."), labels.INTEGRITY),
    ("availability", N_("Is data missing or out of reach?"), N_("Is there a backup, and could you restore it?"), labels.AVAILABILITY),
    ("care_disrupted", N_("Was care disrupted?"), N_("Appointments cancelled, files or prescriptions unavailable during a consultation."), YES_NO),
    ("vulnerable_subjects", N_("Are minors or vulnerable patients concerned?"), N_("Children, protected adults, patients in psychiatric or addiction care."), YES_NO),
    ("data_unintelligible", N_("Was the data encrypted, with a key that is still safe?"), N_("For example a BitLocker or FileVault disk whose password was not written on the computer."), YES_NO),
    ("identifiable", N_("Can the patients be recognised from the data?"), N_("Names and dates of birth make it direct."), labels.IDENTIFIABLE),
]


def ask_passphrase(parent: QWidget, first: bool) -> str:
    """The seam the tests patch: the passphrase of the register when no keyring exists. A new one
    is typed twice in one dialog that says what its loss means (a typo would lock the register)."""
    if first:
        dialog = NewPassphraseDialog(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            raise RegisterError(N_("The breach register stays closed: no passphrase was given."))
        return dialog.passphrase()
    value, ok = QInputDialog.getText(parent, _("Breach register"), _("Passphrase of the breach register:"), QLineEdit.EchoMode.Password)
    if not ok:
        raise RegisterError(N_("The breach register stays closed: no passphrase was given."))
    return value


def save_path(parent: QWidget, suggested: str, kind: str = "pdf") -> str:
    """The seam the tests patch: where to write the PDF dossier (or the letter, kind "txt")."""
    if kind == "txt":
        path, _filter = QFileDialog.getSaveFileName(parent, _("Save the letter"), suggested, _("Text (*.txt)"))
    else:
        path, _filter = QFileDialog.getSaveFileName(parent, _("Save the PDF dossier"), suggested, "PDF (*.pdf)")
    return path


def countdown_text(record: BreachRecord, now: dt.datetime | None = None) -> str:
    return walkthrough.countdown_text(record, now)


class BreachPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.register: Register | None = None
        self.walk: Walkthrough | None = None  # the breach shown, through the core service
        self.answers: dict[str, QComboBox] = {}
        self.categories: dict[str, QCheckBox] = {}
        self.optional_times: dict[str, QDateTimeEdit] = {}
        self.sections: list[tuple[str, str]] = []
        self._loading = False
        outer = QVBoxLayout(self)
        title = QLabel(_("Data breach"))
        title.setObjectName("pageTitle")
        outer.addWidget(title)
        intro = QLabel(_("A stolen laptop, ransomware, a letter sent to the wrong patient: answer what you know, step by step. Each answer is saved at once. gp_guard proposes; you decide."))
        intro.setWordWrap(True)
        outer.addWidget(intro)

        top = QHBoxLayout()
        self.picker = self._combo(_("Breach shown"))
        self.picker.activated.connect(lambda _i: self._open(self.picker.currentData()))
        self.new_button = self._button(_("Record a new breach"), lambda: self._new(False))
        self.exercise_button = self._button(_("Start an exercise"), lambda: self._new(True))
        top.addWidget(self.picker, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.exercise_button)
        outer.addLayout(top)
        status = QHBoxLayout()
        self.countdown = QLabel()
        self.countdown.setObjectName("breachCountdown")
        self.countdown.setAccessibleName(_("Time left to notify"))
        self.countdown.setWordWrap(True)
        self.unlock_button = self._button(_("Open the register…"), self.unlock)
        status.addWidget(self.countdown, 1)
        status.addWidget(self.unlock_button)
        outer.addLayout(status)

        # the verdict in large type: the one sentence the doctor acts on
        self.verdict = QLabel()
        self.verdict.setObjectName("breachVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName(_("What to do now"))
        font = self.verdict.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.verdict.setFont(font)
        self.verdict_patients = QLabel()
        self.verdict_patients.setWordWrap(True)
        outer.addWidget(self.verdict)
        outer.addWidget(self.verdict_patients)

        # the walkthrough as a wizard: one step per screen, Previous / Next
        self.stepper = Stepper([_(t) for t in STEP_TITLES])
        self.stepper.chosen.connect(self.go_to)
        outer.addWidget(self.stepper)
        self.body = QStackedWidget()
        self.body.setAccessibleName(_("Breach walkthrough"))
        outer.addWidget(self.body, 1)
        self.rows: dict[QWidget, tuple[QFormLayout, QWidget | None]] = {}  # rows that may not apply
        self._build_when()
        self._build_questions()
        self._build_proposal()
        self._build_texts()
        nav = QHBoxLayout()
        self.back_button = self._button(_("Previous"), lambda: self.go_to(self.body.currentIndex() - 1))
        self.next_button = self._button(_("Next"), lambda: self.go_to(self.body.currentIndex() + 1))
        nav.addWidget(self.back_button)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        outer.addLayout(nav)
        actions = QHBoxLayout()
        self.pdf_button = self._button(_("Save the PDF dossier…"), self._pdf)
        self.close_button = self._button(_("Close this breach"), self._close_breach)
        self.delete_button = self._button(_("Delete this record (made by mistake)…"), self._delete)
        actions.addWidget(self.pdf_button)
        actions.addWidget(self.close_button)
        actions.addWidget(self.delete_button)
        actions.addStretch(1)
        outer.addLayout(actions)
        self.body.setEnabled(False)
        self.go_to(0)

        self.timer = QTimer(self)
        self.timer.setInterval(30_000)
        self.timer.timeout.connect(self._countdown)
        self.timer.start()
        saved = ctx.store.get_setting(CURRENT)
        if saved and saved.isascii() and saved.isdigit():  # "²".isdigit() is true: ASCII digits only
            self._open(int(saved), quiet=True)
        self._tick()

    @property
    def record(self) -> BreachRecord | None:
        return self.walk.record if self.walk is not None else None

    # -- what survives a rebuild of the window (language switch) ---------------------------
    def kept_state(self) -> tuple[Register | None, int | None]:
        """The opened register and the record shown: a language switch must not close them."""
        return self.register, self.record.id if self.record is not None else None

    def restore_state(self, state: tuple[Register | None, int | None]) -> None:
        register, record_id = state
        if register is None:
            return
        self.register = register
        if record_id is not None:
            self._open(record_id)
        else:
            self._refresh_picker()
            self._tick()

    # -- building blocks -------------------------------------------------------------------
    def _combo(self, name: str) -> QComboBox:
        combo = ComboBox()
        combo.setAccessibleName(name)
        return combo

    def _step(self) -> None:
        """A new screen of the wizard; the groups built next go on it."""
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        inner = QWidget()
        self.form = QVBoxLayout(inner)
        self.form.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll.setWidget(inner)
        scroll.setAccessibleName(_(STEP_TITLES[self.body.count()]))
        self.body.addWidget(scroll)

    def go_to(self, index: int) -> None:
        """Show step ``index`` (clamped); Previous and Next follow."""
        index = max(0, min(index, self.body.count() - 1))
        self.body.setCurrentIndex(index)
        self.stepper.set_current(index)
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < self.body.count() - 1)

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text)
        button.clicked.connect(slot)
        return button

    def _text(self, name: str, lines: int = 3, read_only: bool = False) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(name)
        edit.setTabChangesFocus(True)  # Tab leaves the field: no keyboard trap
        edit.setReadOnly(read_only)
        edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * (lines + 1))
        return edit

    def _line(self, name: str, setter: Callable[[BreachRecord, str], None]) -> QLineEdit:
        line = QLineEdit()
        line.setAccessibleName(name)
        line.textEdited.connect(lambda text: self._change(lambda r: setter(r, text.strip())))
        return line

    def _group(self, title: str) -> QFormLayout:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.form.addWidget(box)
        return form

    def _explained(self, form: QFormLayout, question: str, explanation: str, widget: QWidget) -> None:
        label = QLabel(f"<b>{question}</b><br>{explanation}")
        label.setWordWrap(True)
        label.setBuddy(widget)
        widget.setAccessibleDescription(explanation)
        form.addRow(label)  # the question spans the width; the answer below it
        form.addRow(widget)
        self.rows[widget] = (form, label)

    def _build_when(self) -> None:
        self._step()
        form = self._group(_("When"))
        self.aware = DateTimeEdit()
        self.aware.setDateTimeRange(FIRST_TIME, LAST_TIME)
        self.aware.setDateTime(QDateTime.currentDateTime())  # never "1 January 2000" before a breach is open
        self.aware.setAccessibleName(_("When you became aware of the breach"))
        self.aware.dateTimeChanged.connect(self._aware_changed)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.aware, 1)
        self.now_button = self._button(_("Now"), lambda: self.aware.setDateTime(QDateTime.currentDateTime()))
        self.now_button.setAccessibleName(_("Aware now"))
        line.addWidget(self.now_button)
        row.setFocusProxy(self.aware)
        self._explained(form, _("When did you become reasonably sure that patient data was affected?"),
                        _("The 72 hours start at that moment, nights and weekends included, not when the incident is over."), row)
        self.occurred = self._optional_time(_("When the breach started"), "occurred_from")
        self._explained(form, _("When did it start?"), _("An estimate is fine; leave 'Not known yet' if you cannot tell."), self.occurred)
        self.discovered_at = self._optional_time(_("When the breach was discovered"), "discovered_at")
        self._explained(form, _("When was it discovered?"), _("It can be earlier than the moment you were sure that patient data was affected."), self.discovered_at)
        self.discovered_by = self._combo(_("Who discovered it"))
        self.discovered_by.addItem(_(UNKNOWN), "")
        for key, label in labels.DISCOVERED_BY.items():
            self.discovered_by.addItem(_(label), key)
        self.discovered_by.currentIndexChanged.connect(
            lambda _i: self._change(lambda r: setattr(r.timeline, "discovered_by", self.discovered_by.currentData())))
        form.addRow(_("Who discovered it?"), self.discovered_by)
        form_p = self._group(_("Your practice"))
        self.practice_name = self._line(_("Name of the doctor or practice"), lambda r, t: setattr(r.controller, "name", t))
        form_p.addRow(_("Name"), self.practice_name)
        self.siren = self._line(_("SIREN number"), lambda r, t: setattr(r.controller, "siren", t))
        form_p.addRow(_("SIREN (9 digits, on your URSSAF documents)"), self.siren)
        self.contact = self._line(_("Phone or e-mail for patients and the CNIL"), lambda r, t: setattr(r.controller, "phone", t))
        form_p.addRow(_("Phone or e-mail to contact you"), self.contact)

    def _optional_time(self, name: str, field_name: str) -> QDateTimeEdit:
        """A date and time that may be unknown: its minimum shows 'Not known yet'."""
        edit = DateTimeEdit()
        edit.setDateTimeRange(NOT_KNOWN_TIME, LAST_TIME)
        edit.setSpecialValueText(_(UNKNOWN))
        edit.setAccessibleName(name)

        def changed(value: QDateTime) -> None:
            stamp = ""
            if value > NOT_KNOWN_TIME:
                local = value.toPython()
                assert isinstance(local, dt.datetime)
                stamp = local.astimezone().isoformat(timespec="minutes")
            self._change(lambda r: setattr(r.timeline, field_name, stamp))

        edit.dateTimeChanged.connect(changed)
        edit.open_calendar_on(self.aware.dateTime)
        self.optional_times[field_name] = edit
        return edit

    def _build_questions(self) -> None:
        self._step()
        form = self._group(_("What happened, and to which data"))
        for name, question, explanation, choices in QUESTIONS:
            combo = self._combo(_(question))
            combo.addItem(_(UNKNOWN), None)
            for value, label in choices.items():
                combo.addItem(_(label), value)
            combo.currentIndexChanged.connect(lambda _i, n=name, c=combo: self._answer(n, c.currentData()))
            self.answers[name] = combo
            self._explained(form, _(question), _(explanation), combo)
            if name == "incident_type":
                self.what = self._text(_("What happened, in your words"))
                self.what.textChanged.connect(lambda: self._change(lambda r: setattr(r.nature, "what_happened", self.what.toPlainText())))
                form.addRow(_("In your words (for the register and the CNIL)"), self.what)
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, (key, label) in enumerate(labels.DATA_CATEGORIES.items()):
            check = QCheckBox(_(label))
            check.setAccessibleName(_(label))
            check.toggled.connect(lambda _c: self._categories_changed())
            self.categories[key] = check
            grid.addWidget(check, index // 2, index % 2)
        self._explained(form, _("Which data is concerned?"), _("Tick all that apply. Leave all empty if you do not know yet."), box)
        self.count = QLineEdit()
        self.count.setMaxLength(12)  # up to MAX_PEOPLE; a longer number is a typing mistake
        self.count.setAccessibleName(_("Number of patients concerned"))
        self.count.setPlaceholderText(_(UNKNOWN))
        self.count.textEdited.connect(self._count_changed)
        self._explained(form, _("About how many patients are concerned?"), _("An estimate is enough; leave empty if unknown."), self.count)
        self.consequences = self._text(_("Likely consequences for the patients"))
        self.consequences.textChanged.connect(lambda: self._change(lambda r: setattr(r.consequences, "likely_consequences", self.consequences.toPlainText())))
        self._explained(form, _("What could happen to the patients?"), _("For example: their medical information read by strangers, fraud, care delayed."), self.consequences)
        self.measures = self._text(_("Measures taken"))
        self.measures.textChanged.connect(lambda: self._change(lambda r: setattr(r.consequences, "measures_taken", self.measures.toPlainText())))
        self._explained(form, _("What have you done so far?"), _("For example: passwords changed, computer unplugged, backup restored, recipient asked to delete."), self.measures)
        self.planned = self._text(_("Measures planned"))
        self.planned.textChanged.connect(lambda: self._change(lambda r: setattr(r.consequences, "measures_planned", self.planned.toPlainText())))
        self._explained(form, _("What will you do so that it does not happen again?"), _("For example: encrypt the laptop disk, a second backup kept away from the practice."), self.planned)

    def _build_proposal(self) -> None:
        self._step()
        form = self._group(_("What gp_guard proposes"))
        self.proposal = QLabel()
        self.proposal.setWordWrap(True)
        self.proposal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.proposal.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.proposal.setAccessibleName(_("Proposed decisions and reasons"))
        form.addRow(self.proposal)
        self._step()
        decide = self._group(_("Your decisions"))
        self.proposed_short = QLabel()  # the proposal in one line, beside the choice it informs
        self.proposed_short.setWordWrap(True)
        decide.addRow(self.proposed_short)
        self.notify_choice = self._combo(_("Notify the CNIL?"))
        self.notify_reason = self._text(_("Why the CNIL is not notified"))
        self.notify_draft = self._button(_("Propose a draft reasoning for the CNIL decision"), lambda: self._draft(self.notify_reason))
        self.inform_choice = self._combo(_("Inform the patients?"))
        self.inform_reason = self._text(_("Why the patients are not informed"))
        self.inform_draft = self._button(_("Propose a draft reasoning for the patients decision"), lambda: self._draft(self.inform_reason))
        for combo, reason, draft, question in ((self.notify_choice, self.notify_reason, self.notify_draft, _("Do you notify the CNIL?")),
                                               (self.inform_choice, self.inform_reason, self.inform_draft, _("Do you inform the patients?"))):
            for label, value in TRI:
                combo.addItem(_("Not decided yet") if value is None else _(label), value)
            combo.currentIndexChanged.connect(lambda _i: self._decisions_changed())
            reason.textChanged.connect(self._decisions_changed)
            decide.addRow(question, combo)
            decide.addRow(_("Your reasoning (required for 'No')"), reason)
            decide.addRow(draft)
            self.rows[reason] = self.rows[draft] = (decide, None)
        self.lateness = self._text(_("Reasons for notifying after 72 hours"))
        self.lateness.textChanged.connect(lambda: self._do(lambda w: w.decide(lateness_reasons=self.lateness.toPlainText())))
        decide.addRow(_("If past 72 hours: the reasons for the delay"), self.lateness)
        self.rows[self.lateness] = (decide, None)
        self.confirm_button = self._button(_("Confirm my decisions"), self._confirm)
        decide.addRow(self.confirm_button)

    def _build_texts(self) -> None:
        self._step()
        form = self._group(_("Texts to copy and next steps"))
        self.cnil_text = self._text(_("Text for the CNIL notification form"), 10, read_only=True)
        form.addRow(_("For the CNIL form (notifications.cnil.fr), section by section"), self.cnil_text)
        copy_row = QWidget()
        copy_line = QHBoxLayout(copy_row)
        copy_line.setContentsMargins(0, 0, 0, 0)
        self.section_choice = self._combo(_("Section of the CNIL form"))
        self.copy_section = self._button(_("Copy this section"), self._copy_section)
        self.copy_all = self._button(_("Copy the CNIL text"), lambda: self._copy(self.cnil_text.toPlainText()))
        copy_line.addWidget(self.section_choice, 1)
        copy_line.addWidget(self.copy_section)
        copy_line.addWidget(self.copy_all)
        form.addRow(copy_row)
        self.copied = QLabel()
        self.copied.setObjectName("breachCopied")
        form.addRow(self.copied)
        self.letter = self._text(_("Letter to the patients"), 10)
        self.letter.textChanged.connect(lambda: self._change(lambda r: setattr(r.patients, "letter_text", self.letter.toPlainText())))
        form.addRow(_("Letter to the patients (you can edit it)"), self.letter)
        letter_row = QHBoxLayout()
        letter_row.addWidget(self._button(_("Copy the letter"), lambda: self._copy(self.letter.toPlainText())))
        letter_row.addWidget(self._button(_("Save the letter…"), self._save_letter))
        form.addRow(letter_row)
        self.steps = QLabel()
        self.steps.setWordWrap(True)
        self.steps.setOpenExternalLinks(True)
        self.steps.setAccessibleName(_("Other steps"))
        form.addRow(self.steps)
        self._step()
        done = self._group(_("What you sent and did"))
        self.kind = self._combo(_("Type of notification"))
        for key, label in labels.NOTIFICATION_KINDS.items():
            self.kind.addItem(_(label), key)
        self.kind.currentIndexChanged.connect(lambda _i: self._change(lambda r: setattr(r.cnil, "kind", self.kind.currentData())))
        self._explained(done, _("Which notification are you sending?"), _("Initial now if you do not know everything yet; complementary later, with the number of the initial one."), self.kind)
        self.receipt = self._line(_("Number given by the CNIL"), lambda r, t: setattr(r.cnil, "receipt_number", t))
        done.addRow(_("Number given by the CNIL after sending"), self.receipt)
        self.channel = self._combo(_("How the patients are informed"))
        for key, label in labels.CHANNELS.items():
            self.channel.addItem(_(label), key)
        self.channel.currentIndexChanged.connect(lambda _i: self._change(lambda r: setattr(r.patients, "channel", self.channel.currentData())))
        done.addRow(_("How the patients are informed"), self.channel)
        self.done_when = DateTimeEdit()  # the real time of a step done earlier (a complaint filed this morning)
        self.done_when.setDateTimeRange(NOT_KNOWN_TIME, LAST_TIME)
        self.done_when.setSpecialValueText(_("Now"))
        self.done_when.setAccessibleName(_("When it was done"))
        self.done_when.open_calendar_on(QDateTime.currentDateTime)
        self.done_when.setDateTime(NOT_KNOWN_TIME)
        self._explained(done, _("When was it done?"), _("Leave 'Now' to note the current time, or give the real time, e.g. when the complaint was filed."), self.done_when)
        self.done_buttons: dict[str, QPushButton] = {}
        marks = (("cnil", N_("CNIL notified: note the time now")), ("patients", N_("Patients informed: note the time now")),
                 ("vendor", N_("Vendor or IT provider told: note the time now")), ("police", N_("Complaint filed: note the time now")),
                 ("cert", N_("CERT Santé report sent: note the time now")), ("cyber", N_("cybermalveillance.gouv.fr contacted: note the time now")),
                 ("insurer", N_("Insurer told: note the time now")))
        for key, label in marks:
            button = self._button(_(label), self._marker(key))
            self.done_buttons[key] = button
            done.addRow(button)
        self.done_list = QLabel()
        self.done_list.setWordWrap(True)
        done.addRow(self.done_list)

    # -- records ---------------------------------------------------------------------------
    def _ensure_register(self) -> Register | None:
        if self.register is None:
            try:
                self.register = Register.open(self.ctx.store, lambda first: ask_passphrase(self, first))
            except RegisterError as exc:
                dialogs.show_error(self, _("Breach register"), exc)
                return None
        return self.register

    def unlock(self) -> bool:
        """Open the register (asking the passphrase when there is no keyring) and show a breach:
        the one shown last, else the open breach whose deadline comes first. True when open."""
        was_locked = self.register is None
        register = self._ensure_register()
        if register is None:
            return False
        if was_locked or self.record is None:
            target = self._last_or_open(register)
            if target is not None:
                self._open(target)
                return True
        self._refresh_picker()
        self._tick()
        return True

    def _last_or_open(self, register: Register) -> int | None:
        saved = self.ctx.store.get_setting(CURRENT)
        if saved and saved.isascii() and saved.isdigit():
            try:
                if register.get(int(saved)).status != "deleted":
                    return int(saved)
            except RegisterError:
                pass
        breaches = open_breaches(self.ctx.store)
        if breaches:
            return breaches[0].id
        real = [r for r in register.list() if r.status == "open"]
        return real[-1].id if real else None

    def _refresh_picker(self) -> None:
        if self.register is None:
            return
        self.picker.clear()
        for exercise in (False, True):
            for record in self.register.list(exercise=exercise):
                prefix = _("Exercise") + " · " if exercise else ""
                suffix = " · " + _("deleted") if record.status == "deleted" else ""
                self.picker.addItem(f"{prefix}{record.ref} · {record.title or _('untitled')}{suffix}", record.id)
        if self.record is not None:
            self.picker.setCurrentIndex(max(0, self.picker.findData(self.record.id)))
        self._tick()

    def _new(self, exercise: bool) -> None:
        was_locked = self.register is None
        register = self._ensure_register()
        if register is None:
            return
        if was_locked and not exercise and open_count(self.ctx.store):
            # the doctor came back to an open breach: show it, never a phantom record by default
            self.unlock()
            if not dialogs.ask(self, _("Record a new breach"),
                               _("Breach {ref} is still open and is now shown. Record another, different breach?").format(
                                   ref=self.record.ref if self.record else ""),
                               yes=_("Record another breach"), no=_("Show the open breach")):
                return
        self.walk = Walkthrough.start(register, exercise)  # the clock starts now
        self.ctx.store.set_setting(CURRENT, str(self.walk.record.id))
        self._refresh_picker()
        self._load()
        self.go_to(0)

    def _open(self, breach_id: int | None, quiet: bool = False) -> None:
        if breach_id is None:
            return
        register = self.register or (None if quiet and not self._can_open_quietly() else self._ensure_register())
        if register is None:
            return
        try:
            self.walk = Walkthrough.open(register, int(breach_id))
        except RegisterError:
            return
        self.ctx.store.set_setting(CURRENT, str(breach_id))
        self._refresh_picker()
        self._load()

    def _can_open_quietly(self) -> bool:
        """On start, open the keyring silently; never ask for a passphrase before the doctor acts."""
        try:
            self.register = Register.open(self.ctx.store)
        except RegisterError:
            return False
        return True

    def _load(self) -> None:
        record = self.record
        if record is None:
            return
        self._loading = True
        try:
            self.body.setEnabled(record.status != "deleted")
            if record.timeline.aware_at:
                stamp = dt.datetime.fromisoformat(record.timeline.aware_at)
                self.aware.setDateTime(QDateTime.fromSecsSinceEpoch(int(stamp.timestamp())))
            else:
                self.aware.setDateTime(QDateTime.currentDateTime())
            for name, edit in self.optional_times.items():
                value = getattr(record.timeline, name)
                edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(dt.datetime.fromisoformat(value).timestamp()))
                                 if value else NOT_KNOWN_TIME)
            self.discovered_by.setCurrentIndex(max(0, self.discovered_by.findData(record.timeline.discovered_by)))
            self.practice_name.setText(record.controller.name)
            self.siren.setText(record.controller.siren)
            self.contact.setText(record.controller.phone)
            for name, combo in self.answers.items():
                combo.setCurrentIndex(max(0, combo.findData(record.facts.get(name))))
            self.what.setPlainText(record.nature.what_happened)
            for key, check in self.categories.items():
                check.setChecked(key in (record.facts.get("data_categories") or []))
            count = record.facts.get("subjects_count")
            self.count.setText("" if count is None else str(count))
            for combo, decision in ((self.notify_choice, record.notify), (self.inform_choice, record.inform)):
                combo.setCurrentIndex(max(0, combo.findData(decision.decided)))
            self.notify_reason.setPlainText(record.notify.reasoning)
            self.inform_reason.setPlainText(record.inform.reasoning)
            self.lateness.setPlainText(record.cnil.lateness_reasons)
            self.consequences.setPlainText(record.consequences.likely_consequences)
            self.measures.setPlainText(record.consequences.measures_taken)
            self.planned.setPlainText(record.consequences.measures_planned)
            self.kind.setCurrentIndex(max(0, self.kind.findData(record.cnil.kind)))
            self.receipt.setText(record.cnil.receipt_number)
            self.channel.setCurrentIndex(max(0, self.channel.findData(record.patients.channel or "letter")))
            self.letter.setPlainText(self.walk.patient_letter() if self.walk else "")
        finally:
            self._loading = False
        self._refresh_outputs()

    # -- answers (each saved at once, through the core service) -----------------------------
    def _do(self, action: Callable[[Walkthrough], object], title: str | None = None) -> bool:
        """Run one step of the walkthrough; a refused step is said, nothing is lost. True when done."""
        if self._loading or self.walk is None:
            return False
        try:
            action(self.walk)
        except (InputError, RegisterError) as exc:  # NotReady is a RegisterError
            dialogs.show_error(self, title or _("Data breach"), exc)
            return False
        finally:
            self._refresh_outputs()
        return True

    def _change(self, apply: Callable[[BreachRecord], None]) -> None:
        self._do(lambda w: w.change(apply))

    def _answer(self, name: str, value: Any) -> None:
        self._do(lambda w: w.answer(name, value))

    def _aware_changed(self, value: QDateTime) -> None:
        local = value.toPython()
        assert isinstance(local, dt.datetime)
        # a date the register cannot hold is said, and nothing is saved
        self._do(lambda w: w.answer("aware_at", walkthrough.stamp(local.astimezone())))
        self._tick()

    def _categories_changed(self) -> None:
        chosen = [k for k, c in self.categories.items() if c.isChecked()]
        self._answer("data_categories", chosen or None)

    def _count_changed(self, text: str) -> None:
        digits = "".join(ch for ch in text if ch in "0123456789")[:12]  # ASCII digits: "²".isdigit() is true
        if digits != text:
            self.count.setText(digits)
        self._answer("subjects_count", int(digits) if digits else None)

    def _decisions_changed(self) -> None:
        self._do(lambda w: w.decide(self.notify_choice.currentData(), self.inform_choice.currentData(),
                                    self.notify_reason.toPlainText(), self.inform_reason.toPlainText()))

    def _draft(self, target: QPlainTextEdit) -> None:
        draft = self.walk.draft_reasoning() if self.walk else ""
        if draft:
            target.setPlainText(draft)  # in the record's language; the process's language is untouched
            target.setFocus()

    def _confirm(self) -> None:
        if self._do(lambda w: w.confirm(), _("Your decisions")):
            dialogs.inform(self, _("Your decisions"), _("Your decisions and your reasoning are saved in the breach register."))

    # -- outputs ---------------------------------------------------------------------------
    def _refresh_outputs(self) -> None:
        record = self.record
        self._tick()
        if record is None or self.walk is None:
            return
        self._show_what_applies(record)
        result = self.walk.proposal()
        if result is None:
            self.proposal.setText(_("Enter when you became aware of the breach to see the proposal."))
            self.proposed_short.setText(self.proposal.text())
        else:
            self.proposal.setText(walkthrough.proposal_text(result))
            yes, no = _("yes"), _("no")
            self.proposed_short.setText(_("gp_guard proposes: notify the CNIL: {notify}; inform the patients: {inform}. You decide.").format(
                notify=yes if result.notify_authority else no, inform=yes if result.inform_data_subjects else no))
        self.cnil_text.setPlainText(self.walk.cnil_text())
        self.sections = self.walk.cnil_sections()
        chosen = self.section_choice.currentIndex()
        if self.section_choice.count() != len(self.sections):
            self.section_choice.clear()
            for title, _body in self.sections:
                self.section_choice.addItem(title)
        self.section_choice.setCurrentIndex(max(0, chosen))
        if not record.patients.letter_text and not self.letter.hasFocus():
            self._loading = True
            self.letter.setPlainText(self.walk.patient_letter())
            self._loading = False
        self.done_list.setText("\n".join(walkthrough.done_lines(record)))
        steps = guidance.steps_for(record.facts.get("incident_type"))
        self.steps.setText("<br><br>".join(
            f"<b>{_(s.title)}</b><br>{_(s.text)}" + (f" <a href='{s.url}'>{s.url}</a>" if s.url else "") for s in steps))

    def _row_visible(self, widget: QWidget, visible: bool) -> None:
        form, label = self.rows[widget]
        form.setRowVisible(widget, visible)
        if label is not None:
            form.setRowVisible(label, visible)

    def _show_what_applies(self, record: BreachRecord) -> None:
        """Boxes that do not apply are hidden: the reasoning asked for a "no", the reasons for a
        delay once the 72 hours are over, the question on known recipients."""
        for decision, reason, draft in ((record.notify, self.notify_reason, self.notify_draft),
                                        (record.inform, self.inform_reason, self.inform_draft)):
            needed = decision.decided is False or bool(decision.reasoning.strip())
            self._row_visible(reason, needed)
            self._row_visible(draft, needed)
        due = record.deadline()
        late = due is not None and record.notify.decided is not False and (
            bool(record.cnil.lateness_reasons.strip()) or dt.datetime.now(dt.UTC) > due)
        self._row_visible(self.lateness, late)
        self._row_visible(self.answers["recipients_trusted"], record.facts.get("confidentiality") == "known_recipients")

    def _marker(self, key: str) -> Callable[[], None]:
        return lambda: self._mark_done(key)

    def _mark_done(self, key: str) -> None:
        # "notified" only with the CNIL's receipt number: the register never says more than happened
        given = self.done_when.dateTime()
        when = None if given == NOT_KNOWN_TIME else given.toPython().astimezone()  # type: ignore[union-attr]
        if self._do(lambda w: w.mark_done(key, when, receipt=self.receipt.text(), kind=self.kind.currentData(),
                                          channel=self.channel.currentData(), letter_text=self.letter.toPlainText())):
            self.done_when.setDateTime(NOT_KNOWN_TIME)  # the next step is noted 'now' again
        elif key == "cnil":
            self.receipt.setFocus()

    def _countdown(self) -> None:
        """Every 30 s: only the time left and the verdict change (no database access)."""
        if self.record is not None and self.record.status != "deleted":
            exercise = _("EXERCISE: a fictitious breach, outside the register.") + " " if self.record.exercise else ""
            self.countdown.setText(exercise + countdown_text(self.record))
            self.verdict.setText(walkthrough.verdict_text(self.record))
            self.verdict_patients.setText(walkthrough.patients_verdict_text(self.record))

    def _locked_count(self) -> int | None:
        """Open breaches while the register is closed (None: no register, or it is open)."""
        if self.register is not None:
            return None
        try:
            return open_count(self.ctx.store) if register_exists(self.ctx.store) else None
        except sqlite3.Error:  # the page must still show; the register page says more when opened
            return None

    def _tick(self) -> None:
        count = self._locked_count()
        locked = count is not None
        self.unlock_button.setVisible(locked)
        self.delete_button.setEnabled(self.record is not None and self.record.status != "deleted")
        for widget in (self.stepper, self.back_button, self.next_button, self.pdf_button, self.close_button):
            widget.setVisible(self.record is not None)
        if self.record is None or self.record.status == "deleted":
            self.verdict.clear()
            self.verdict_patients.clear()
        if self.record is not None and self.record.status == "deleted":
            self.countdown.setText(walkthrough.deleted_text(self.record))
        elif self.record is not None:
            self._countdown()
        elif count is not None:
            if count:
                self.countdown.setText(ngettext("{count} breach in progress — open the register to continue it.",
                                                "{count} breaches in progress — open the register to continue them.", count).format(count=count))
            else:
                self.countdown.setText(_("The breach register is closed. Open it to see the breaches recorded, or record a new one."))
        else:
            self.countdown.setText(_("No breach is open. If something happened, press 'Record a new breach'."))

    def _copy_section(self) -> None:
        index = self.section_choice.currentIndex()
        if 0 <= index < len(self.sections):
            self._copy(self.sections[index][1])

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.setText(_("Copied: paste it where it goes (Ctrl+V)."))  # the copy is seen to work

    def _pdf(self) -> None:
        if self.record is None:
            return
        from gp_guard.breach.dossier import breach_dossier

        path = save_path(self, str(Path.home() / f"violation-{self.record.ref}.pdf"))
        if not path:
            return
        try:
            written = breach_dossier(self.record, Path(path))
        except OSError as exc:
            dialogs.inform(self, _("Save the PDF dossier…"), _("Cannot read or write {path}: {reason}").format(path=path, reason=exc.strerror or exc), error=True)
            return
        self._do(lambda w: w.note(N_("PDF dossier saved")))
        dialogs.inform(self, _("Save the PDF dossier…"), _("Written (readable by you only): {path}").format(path=written))

    def _save_letter(self) -> None:
        """The letter as a text file to print or send (0600: it names the patients' data)."""
        if self.record is None:
            return
        from gp_guard.paths import write_private_bytes

        path = save_path(self, str(Path.home() / f"lettre-patients-{self.record.ref}.txt"), "txt")
        if not path:
            return
        try:
            written = write_private_bytes(Path(path), self.letter.toPlainText().encode("utf-8"))
        except OSError as exc:
            dialogs.inform(self, _("Save the letter…"), _("Cannot read or write {path}: {reason}").format(path=path, reason=exc.strerror or exc), error=True)
            return
        dialogs.inform(self, _("Save the letter…"), _("Written (readable by you only): {path}").format(path=written))

    def _delete(self) -> None:
        record, register = self.record, self.register
        if self.walk is None or record is None or register is None or record.id is None or record.status == "deleted":
            return
        if record.exercise:
            text = _("Delete this exercise? It is removed for good.")
        else:
            text = _("Delete breach {ref}? Do it only for a record made by mistake. It leaves the countdown and the counts, but stays in the register's history, marked deleted, with your name and the time.").format(ref=record.ref)
        if not dialogs.ask(self, _("Delete this record"), text, yes=_("Delete"), no=_("Keep it")):
            return
        try:
            self.walk.delete()
        except RegisterError as exc:
            dialogs.show_error(self, _("Delete this record"), exc)
            return
        if record.exercise:
            self.walk = None
            self.body.setEnabled(False)
        else:
            self._load()
        self._refresh_picker()

    def _close_breach(self) -> None:
        walk = self.walk
        if walk is None:
            return
        if walk.problems() or not walk.confirmed():  # said before asking: the rule is the service's
            dialogs.inform(self, _("Close this breach"), _("Confirm your decisions, with your reasoning, before closing the breach."), error=True)
            return
        if not dialogs.ask(self, _("Close this breach"), _("Close this breach? It stays in the register; you can still open it.")):
            return
        self._do(lambda w: w.close(), _("Close this breach"))
