"""The breach walkthrough as one service, called by both faces (the GUI page, ``gp-guard breach``).

Qt-free. A :class:`Walkthrough` holds one record of the register and applies the rules: an answer
is checked and saved at once; the proposal is read from the assessment; confirming needs both
decisions, with the reasoning for every "no" and no draft instruction left; closing needs the
decisions confirmed; "notified" needs the CNIL's receipt number. The record says what happened and
no more: a decision is never written as a notification.

What the service writes into the record (the history, the drafts of reasoning) is in the record's
own language (``BreachRecord.language``), through :func:`gp_guard.i18n.translation`: the process's
language never changes, so a ``_()`` in another thread is never affected. What is shown to the
doctor (the proposal, the verdict, the countdown) takes the language it is asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from gp_guard.breach import labels, letters, notification
from gp_guard.breach.assess import Assessment, Num, band_word
from gp_guard.breach.input import InputError
from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import Register, RegisterError
from gp_guard.i18n import N_, _, current_language, format_datetime, translation

# what the doctor did, noted with its time: key -> (label, section of the record, field)
DONE_STEPS: dict[str, tuple[str, str, str]] = {
    "cnil": (N_("CNIL notified"), "cnil", "notified_at"),
    "patients": (N_("Patients informed"), "patients", "informed_at"),
    "vendor": (N_("Vendor or IT provider told"), "other", "vendor_informed_at"),
    "police": (N_("Complaint filed"), "other", "police_complaint_at"),
    "cert": (N_("CERT Santé report sent"), "other", "cert_sante_at"),
    "cyber": (N_("cybermalveillance.gouv.fr contacted"), "other", "cybermalveillance_at"),
    "insurer": (N_("Insurer told"), "other", "insurer_at"),
}
TIMELINE_FIELDS = ("occurred_from", "discovered_at")  # the optional moments; aware_at is an answer
UNSET: Any = object()  # "leave this decision as it is"


class NotReady(RegisterError):
    """A step the record is not ready for; ``problems`` are the marked messages saying why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def text(self) -> str:
        return "\n".join(_(p) for p in self.problems)


def stamp(when: dt.datetime | None = None) -> str:
    """A moment as the record keeps it: local time with its offset, to the minute."""
    return (when or dt.datetime.now().astimezone()).isoformat(timespec="minutes")


def _lang(lang: str | None) -> str:
    return lang or current_language()


def day_and_time(value: dt.datetime | str, lang: str | None = None) -> str:
    """"jeudi 10 décembre 2026 à 17 h 18" / "Thursday 10 December 2026 at 17:18"."""
    from babel.dates import format_date as babel_date

    lang = _lang(lang)
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{babel_date(local.date(), 'EEEE', locale=lang)} {format_datetime(local, lang)}"


# -- texts shown to the doctor (both faces) -----------------------------------------------------
def proposal_text(result: Assessment, lang: str | None = None, bullet: str = "• ") -> str:
    """The proposal with its reasons: the severity, the two proposed decisions, the deadline."""
    lang = _lang(lang)
    tr = translation(lang)
    s = result.severity
    yes, no = tr(N_("yes")), tr(N_("no"))
    lines = [tr(N_("Severity: {score:g} ({band}) = {dpc:g} × {ei:g} + {cb:g}")).format(
        score=Num(s.score).in_language(lang), band=band_word(s.band, lang), dpc=Num(s.dpc).in_language(lang),
        ei=Num(s.ei).in_language(lang), cb=Num(s.cb).in_language(lang))]
    lines += [bullet + r.text(lang) for r in s.explanation]
    lines.append(tr(N_("Notify the CNIL: {answer}")).format(answer=yes if result.notify_authority else no))
    lines.append(tr(N_("Inform the patients: {answer}")).format(answer=yes if result.inform_data_subjects else no))
    if result.art34_exemption:
        lines.append(tr(labels.EXEMPTIONS[result.art34_exemption]))
    lines.append(tr(N_("Deadline (72 hours after awareness): {when}")).format(when=format_datetime(result.deadline, lang)))
    lines += [bullet + r.text(lang) for r in result.reasons]
    lines.append(tr(N_("This is a proposal: you decide, and you write down your reasons.")))
    return "\n".join(lines)


def countdown_text(record: BreachRecord, now: dt.datetime | None = None, lang: str | None = None) -> str:
    """What is left of the 72 hours, the deadline written as a reader writes it."""
    due = record.deadline()
    if due is None:
        return translation(_lang(lang))(N_("Enter when you became aware of the breach: the 72 hours start then."))
    return deadline_text(due, now, lang)


def deadline_text(due: dt.datetime, now: dt.datetime | None = None, lang: str | None = None) -> str:
    """"41 h 12 min left to notify the CNIL (until 5 March 2026 at 09:00)." (the page and the dashboard)."""
    tr = translation(_lang(lang))
    left = due - (now or dt.datetime.now(dt.UTC))
    when = format_datetime(due, _lang(lang))
    if left.total_seconds() <= 0:
        return tr(N_("The 72 hours ended on {when}. Notify now and give the reasons for the delay.")).format(when=when)
    hours, rest = divmod(int(left.total_seconds()), 3600)
    return tr(N_("{hours} h {minutes:02d} min left to notify the CNIL (until {when}).")).format(
        hours=hours, minutes=rest // 60, when=when)


def verdict_text(record: BreachRecord, now: dt.datetime | None = None, lang: str | None = None) -> str:
    """The one sentence the doctor acts on, e.g. "Notifiez la CNIL avant le jeudi 10 décembre 2026 à 17 h 18."."""
    lang = _lang(lang)
    tr = translation(lang)
    if record.cnil_notified():
        return tr(N_("The CNIL was notified on {when} (no. {receipt}).")).format(
            when=format_datetime(record.cnil.notified_at, lang), receipt=record.cnil.receipt_number)
    try:
        result = record.assessment(now)
    except InputError:
        result = None
    if result is None:
        return tr(N_("Enter when you became aware of the breach: the 72 hours start then."))
    if record.notify.decided is False:
        return tr(N_("You decided not to notify the CNIL: your reasoning stays in the register."))
    if not result.notify_authority and record.notify.decided is None:
        return tr(N_("gp_guard does not propose notifying the CNIL: record the breach in the register with your reasoning."))
    if result.overdue:
        return tr(N_("The 72 hours ended on {when}: notify the CNIL now and give the reasons for the delay.")).format(
            when=format_datetime(result.deadline, lang))
    return tr(N_("Notify the CNIL before {when}.")).format(when=day_and_time(result.deadline, lang))


def patients_verdict_text(record: BreachRecord, now: dt.datetime | None = None, lang: str | None = None) -> str:
    """The second sentence: what gp_guard proposes (or the doctor decided) for the patients."""
    tr = translation(_lang(lang))
    if record.patients_informed():
        return tr(N_("The patients were informed on {when}.")).format(when=format_datetime(record.patients.informed_at, _lang(lang)))
    try:
        result = record.assessment(now)
    except InputError:
        result = None
    decided = record.inform.decided if record.inform.decided is not None else (result.inform_data_subjects if result else None)
    if decided is None:
        return ""
    return tr(N_("Inform the patients concerned too, in plain words.")) if decided else tr(N_("Informing the patients is not required."))


def done_lines(record: BreachRecord, lang: str | None = None) -> list[str]:
    """"✓ CNIL notifiée — 7 décembre 2026 à 17 h 36" for each step noted."""
    tr = translation(_lang(lang))
    out = []
    for label, section, name in DONE_STEPS.values():
        value = getattr(getattr(record, section), name)
        if value:
            out.append(f"✓ {tr(label)} — {format_datetime(value, _lang(lang))}")
    return out


def deleted_text(record: BreachRecord, lang: str | None = None) -> str:
    tr = translation(_lang(lang))
    return tr(N_("This record was deleted on {when} by {who} (made by mistake). It stays in the register's history.")).format(
        when=format_datetime(record.deleted_at, _lang(lang)), who=record.deleted_by or "?")


class Walkthrough:
    """One breach being worked through; each change is saved in the register at once."""

    def __init__(self, register: Register, record: BreachRecord) -> None:
        self.register = register
        self.record = record

    # -- records ---------------------------------------------------------------------------
    @classmethod
    def start(cls, register: Register, exercise: bool = False, now: dt.datetime | None = None,
              language: str = "fr") -> Walkthrough:
        """A new record; the clock starts now unless the doctor corrects it (when in doubt, the
        earlier moment)."""
        record = BreachRecord(exercise=exercise, language=language)
        tr = translation(language)
        record.title = tr(N_("Exercise")) if exercise else ""
        record.set_answer("aware_at", stamp(now))
        record.log(tr(N_("Follow-up of an exercise started in gp_guard")) if exercise
                   else tr(N_("Follow-up started in gp_guard")), now)
        return cls(register, register.save(record))

    @classmethod
    def open(cls, register: Register, breach_id: int) -> Walkthrough:
        return cls(register, register.get(breach_id))

    def _tr(self) -> Callable[[str], str]:
        return translation(self.record.language if self.record.language in ("fr", "en") else "fr")

    def save(self) -> BreachRecord:
        return self.register.save(self.record)

    def change(self, apply: Callable[[BreachRecord], None]) -> None:
        """A free-text or choice field the rules do not look at (the doctor's words): saved at once."""
        apply(self.record)
        self.save()

    def _writable(self) -> None:
        if self.record.status == "deleted":
            raise RegisterError(N_("Breach {ref} is marked as deleted."), ref=self.record.ref)

    # -- answers ---------------------------------------------------------------------------
    def answer(self, name: str, value: Any) -> None:
        """One answer of the assessment (checked like the JSON input; InputError: nothing saved)."""
        self.record.set_answer(name, value)
        if name == "incident_type" and value and not self.record.exercise:
            self.record.title = self._tr()(labels.INCIDENT_TYPES[value])
        self.save()

    def set_time(self, name: str, value: dt.datetime | None) -> None:
        """An optional moment of the timeline (None: not known yet)."""
        if name not in TIMELINE_FIELDS:
            raise ValueError(name)
        text = "" if value is None else stamp(value)
        setattr(self.record.timeline, name, text)
        self.save()

    def decide(self, notify: bool | None = UNSET, inform: bool | None = UNSET,
               notify_reasoning: str | None = None, inform_reasoning: str | None = None,
               lateness_reasons: str | None = None) -> None:
        """The doctor's decisions and reasoning. Changing a decision withdraws its confirmation:
        the record never shows a decision confirmed that the doctor has since changed."""
        for decision, value, reasoning in ((self.record.notify, notify, notify_reasoning),
                                           (self.record.inform, inform, inform_reasoning)):
            if value is not UNSET and value != decision.decided:
                decision.decided = value
                decision.confirmed_at = ""
            if reasoning is not None:
                decision.reasoning = reasoning
        if lateness_reasons is not None:
            self.record.cnil.lateness_reasons = lateness_reasons
        self.save()

    # -- the proposal and the decisions ----------------------------------------------------
    def proposal(self, now: dt.datetime | None = None) -> Assessment | None:
        """The assessment, or None while the moment of awareness is unknown."""
        try:
            return self.record.assessment(now)
        except InputError:
            return None

    def draft_reasoning(self, now: dt.datetime | None = None) -> str:
        """A draft of the reasoning in the record's language, ending with an instruction in brackets
        that confirming refuses until the doctor has replaced it with her own words."""
        result = self.proposal(now)
        if result is None:
            return ""
        lang = self.record.language
        tr = self._tr()
        dpc, ei, cb, score = (Num(x).in_language(lang) for x in (result.severity.dpc, result.severity.ei,
                                                                result.severity.cb, result.severity.score))
        draft = " ".join(r.text(lang) for r in result.reasons)
        draft += " " + tr(N_("Calculation: ")) + f"{dpc:g} × {ei:g} + {cb:g} = {score:g}."
        return draft + "\n" + tr(N_("[Complete or correct in your own words.]"))

    def problems(self) -> list[str]:
        """What must still be done before the decisions can be confirmed (marked strings)."""
        problems = self.record.problems()
        if self.record.notify.decided is None or self.record.inform.decided is None:
            problems.insert(0, N_("Choose Yes or No for both decisions."))
        return problems

    def confirm(self, now: dt.datetime | None = None) -> None:
        """Confirm both decisions: the proposal and the CNIL text of this moment are kept with
        them. Raises NotReady with what is missing. Nothing is sent: a decision is not a notification."""
        self._writable()
        problems = self.problems()
        if problems:
            raise NotReady(problems)
        r, tr = self.record, self._tr()
        result = self.proposal(now)
        if result is not None:
            r.notify.proposed, r.inform.proposed = result.notify_authority, result.inform_data_subjects
            r.patients.art34_exemption = result.art34_exemption
        r.notify.confirmed_at = r.inform.confirmed_at = stamp(now)
        r.cnil.texts_sent = dict(notification.sections(r, now))
        r.log(tr(N_("Decisions confirmed: {notify}, {inform}.")).format(
            notify=tr(N_("notify the CNIL")) if r.notify.decided else tr(N_("do not notify the CNIL")),
            inform=tr(N_("inform the patients")) if r.inform.decided else tr(N_("do not inform the patients"))), now)
        self.save()

    def confirmed(self) -> bool:
        return bool(self.record.notify.confirmed_at and self.record.inform.confirmed_at)

    def close(self, now: dt.datetime | None = None) -> None:
        """Close the breach once the decisions are confirmed; it stays in the register."""
        self._writable()
        if self.record.status == "closed":
            raise RegisterError(N_("Breach {ref} is already closed."), ref=self.record.ref)
        if self.problems() or not self.confirmed():
            raise NotReady([N_("Confirm your decisions, with your reasoning, before closing the breach.")])
        self.record.status = "closed"
        self.record.log(self._tr()(N_("Breach closed")), now)
        self.save()

    # -- what was sent and done ------------------------------------------------------------
    def record_notification(self, notified_at: str, receipt_number: str, kind: str | None = None) -> None:
        """The notification was sent on the CNIL téléservice: "notified" only with its receipt number."""
        self._writable()
        self.record.record_notification(notified_at, receipt_number, kind)
        self.save()

    def mark_done(self, key: str, when: dt.datetime | None = None, *, receipt: str = "", kind: str | None = None,
                  channel: str | None = None, letter_text: str | None = None) -> None:
        """Note that a step was done (DONE_STEPS), at ``when`` (default now)."""
        self._writable()
        if key == "cnil":
            self.record_notification(stamp(when), receipt, kind)
            return
        _label, section, name = DONE_STEPS[key]
        setattr(getattr(self.record, section), name, stamp(when))
        if key == "patients":
            self.record.patients.channel = self.record.patients.channel or channel or "letter"
            if letter_text is not None:
                self.record.patients.letter_text = letter_text  # the text actually sent
        self.save()

    def note(self, message: str) -> None:
        """A line of the record's history (a marked English message, written in the record's language)."""
        self.record.log(self._tr()(message))
        self.save()

    def delete(self, reason: str = "") -> BreachRecord:
        """A record made by mistake: marked deleted (kept in the history); an exercise is removed."""
        if self.record.id is None:
            raise RegisterError(N_("No breach with number {id} in the register."), id="?")
        self.record = self.register.delete(self.record.id, reason=reason)
        return self.record

    # -- texts -----------------------------------------------------------------------------
    def cnil_sections(self, now: dt.datetime | None = None) -> list[tuple[str, str]]:
        return notification.sections(self.record, now)

    def cnil_text(self, now: dt.datetime | None = None) -> str:
        return notification.as_text(self.record, now)

    def patient_letter(self) -> str:
        """The letter as edited by the doctor, else gp_guard's draft."""
        return self.record.patients.letter_text or letters.patient_letter(self.record)
