"""The breach record: the EDPB notification template's sections plus the CNIL's extras.

One dataclass per section; field names follow the EDPB template (../shared/reference/breach.md
§1.2). ``facts`` holds the answers in the ``gp-guard breach assess`` input format (partial
answers allowed), so the assessment of a record is ``assess(record.facts_input())``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from gp_guard.breach import input as binput
from gp_guard.breach.assess import Assessment, assess, deadline
from gp_guard.i18n import N_, format_datetime

NOTIFICATION_KINDS = ("initial", "complementary", "complete")  # CNIL: initiale / complémentaire
DISCOVERED_BY = ("controller", "processor", "data_subject", "third_party", "press", "other")
CHANNELS = ("letter", "email", "phone", "in_person", "public")
STATUSES = ("open", "closed", "deleted")  # deleted: a record made by mistake, kept with who and when
MEASURES_IN_PLACE = (
    "pseudonymisation", "backup", "encryption", "policies", "training", "incident_log",
    "access_levels", "mfa", "audits", "physical_access", "up_to_date_it",
)


# a bracketed instruction of a draft: "[Complete or correct in your own words.]", "[nom du médecin]"
# (at least two words, so that "[sic]" or "[1]" written by the doctor are not taken for one)
PLACEHOLDER = re.compile(r"\[[^\[\]\n]*\w\s+\w[^\[\]\n]*\]")


def has_placeholder(text: str) -> bool:
    """True while a draft still holds a bracketed instruction meant for the doctor."""
    return bool(PLACEHOLDER.search(text or ""))


@dataclass
class Controller:
    """The practice (EDPB 'Controller' block; the CNIL asks for the SIREN)."""

    name: str = ""
    siren: str = ""  # 9 digits; empty with no_siren ticked
    no_siren: bool = False
    address: str = ""
    email: str = ""
    phone: str = ""
    legal_representative: str = ""  # the CNIL asks for both blocks, even for the same person
    contact_person: str = ""
    sector: str = "private"
    size: str = "microenterprise"
    activity_code: str = "86.21Z"  # NAF: activité des médecins généralistes


@dataclass
class Timeline:
    """EDPB 3.1: occurred / discovered / aware, and who discovered it."""

    occurred_from: str = ""  # ISO 8601
    occurred_to: str = ""
    occurred_estimated: bool = False
    ongoing: bool = False
    discovered_at: str = ""
    discovered_by: str = ""  # DISCOVERED_BY
    aware_at: str = ""  # the 72-hour clock starts here
    comments: str = ""


@dataclass
class Nature:
    """EDPB 3.2-3.5 in the doctor's words (the scored answers live in ``facts``)."""

    what_happened: str = ""
    cause: str = ""
    systems: str = ""  # software and machines concerned, where they are
    subjects_description: str = ""  # e.g. "patients seen in March 2026"
    records_count: int | None = None
    measures_in_place: list[str] = field(default_factory=list)


@dataclass
class Consequences:
    """EDPB 4.1-4.3."""

    likely_consequences: str = ""
    measures_taken: str = ""
    measures_planned: str = ""


@dataclass
class Decision:
    """What the doctor decided after reading the proposal; ``reasoning`` is mandatory for 'no'."""

    proposed: bool | None = None
    decided: bool | None = None
    reasoning: str = ""
    confirmed_at: str = ""

    def missing_reasoning(self) -> bool:
        return self.decided is False and not self.reasoning.strip()


@dataclass
class CnilNotification:
    """CNIL téléservice extras."""

    kind: str = "initial"  # NOTIFICATION_KINDS
    notified_at: str = ""
    receipt_number: str = ""  # numéro de la notification donné par la CNIL
    previous_receipt_number: str = ""  # for a complementary notification
    lateness_reasons: str = ""  # required once 72 hours have passed
    texts_sent: dict[str, str] = field(default_factory=dict)


@dataclass
class PatientInformation:
    art34_exemption: str | None = None  # None, "a", "b", "c"
    informed_at: str = ""
    channel: str = ""  # CHANNELS
    all_informed: bool = True
    letter_text: str = ""


@dataclass
class OtherReports:
    police_complaint_at: str = ""
    cert_sante_at: str = ""  # signalement.social-sante.gouv.fr, voluntary for a solo practice
    vendor_informed_at: str = ""
    cybermalveillance_at: str = ""
    insurer_at: str = ""
    notes: str = ""


@dataclass
class Event:
    at: str
    text: str


@dataclass
class BreachRecord:
    ref: str = field(default_factory=lambda: "V-" + uuid.uuid4().hex[:8].upper())
    id: int | None = None
    exercise: bool = False
    status: str = "open"
    created_at: str = ""
    title: str = ""
    # the language of what gp_guard writes into the record (drafts, history); the CNIL's texts and
    # the letters to patients are French (notification.py, letters.py), the register is kept in French
    language: str = "fr"
    facts: dict[str, Any] = field(default_factory=dict)  # input format of `breach assess`
    controller: Controller = field(default_factory=Controller)
    timeline: Timeline = field(default_factory=Timeline)
    nature: Nature = field(default_factory=Nature)
    consequences: Consequences = field(default_factory=Consequences)
    notify: Decision = field(default_factory=Decision)
    inform: Decision = field(default_factory=Decision)
    cnil: CnilNotification = field(default_factory=CnilNotification)
    patients: PatientInformation = field(default_factory=PatientInformation)
    other: OtherReports = field(default_factory=OtherReports)
    events: list[Event] = field(default_factory=list)
    deleted_at: str = ""  # ISO 8601; the record stays in the register's history, marked deleted
    deleted_by: str = ""  # the operating-system user who deleted it
    deleted_reason: str = ""

    # -- where the notifications stand ------------------------------------------------------
    def cnil_notified(self) -> bool:
        """True only once the notification is recorded: its date and the CNIL's receipt number."""
        return bool(self.cnil.notified_at and self.cnil.receipt_number.strip())

    def patients_informed(self) -> bool:
        """True only once the information of the patients is recorded (its date)."""
        return bool(self.patients.informed_at)

    def cnil_state(self) -> str:
        """'notified', 'to_notify' (decided, not recorded yet), 'not_notified' (decided no) or 'undecided'."""
        if self.cnil_notified():
            return "notified"
        return {True: "to_notify", False: "not_notified", None: "undecided"}[self.notify.decided]

    def patients_state(self) -> str:
        """'informed', 'to_inform' (decided, not recorded yet), 'not_informed' or 'undecided'."""
        if self.patients_informed():
            return "informed"
        return {True: "to_inform", False: "not_informed", None: "undecided"}[self.inform.decided]

    def record_notification(self, notified_at: str, receipt_number: str, kind: str | None = None) -> None:
        """The notification was sent on the CNIL téléservice: keep its date and receipt number."""
        receipt = receipt_number.strip()
        if not receipt:
            raise binput.InputError("receipt_number", N_("Give the number the CNIL gave you when the notification was sent (it is on the acknowledgement of receipt)."))
        if kind is not None and kind not in NOTIFICATION_KINDS:
            raise binput.InputError("kind", N_("{field}: unknown value {value!r}. Possible values: {known}."),
                                    value=binput.short(kind), known=", ".join(NOTIFICATION_KINDS))
        stamp = binput.parse_time("notified_at", notified_at)
        self.cnil.notified_at = stamp.isoformat(timespec="minutes")
        self.cnil.receipt_number = receipt
        if kind is not None:
            self.cnil.kind = kind
        self.notify.decided = True
        sent = format_datetime(stamp.replace(tzinfo=None), "fr")  # the practice's clock, as for the other events
        self.log(f"Notification à la CNIL enregistrée (envoyée le {sent}, n° {receipt}).")

    def mark_deleted(self, who: str, reason: str = "", when: dt.datetime | None = None) -> None:
        """A record made by mistake: it leaves the register's counts but stays in its history."""
        if self.status == "deleted":
            raise binput.InputError("id", N_("This breach is already marked as deleted."))
        stamp = (when or dt.datetime.now().astimezone()).isoformat(timespec="minutes")
        self.status, self.deleted_at, self.deleted_by, self.deleted_reason = "deleted", stamp, who, reason.strip()
        self.log(f"Fiche supprimée (créée par erreur) par {who}" + (f" : {reason.strip()}" if reason.strip() else "") + ".")

    # -- facts and assessment ----------------------------------------------------------------
    def facts_input(self) -> binput.BreachInput | None:
        """The answers as a checked input, or None while the moment of awareness is unknown."""
        data = dict(self.facts)
        data.setdefault("aware_at", self.timeline.aware_at or None)
        if self.timeline.occurred_from:
            data.setdefault("occurred_at", self.timeline.occurred_from)
        if not data.get("aware_at"):
            return None
        return binput.parse(data)

    def assessment(self, now: dt.datetime | None = None) -> Assessment | None:
        facts = self.facts_input()
        return assess(facts, now) if facts else None

    def deadline(self) -> dt.datetime | None:
        if not self.timeline.aware_at:
            return None
        return deadline(binput.parse_time("aware_at", self.timeline.aware_at))

    def set_answer(self, name: str, value: Any) -> None:
        """Record one answer (validated like the JSON input); None removes it."""
        if name == "aware_at":
            self.timeline.aware_at = "" if value is None else binput.parse_time(name, value).isoformat()
            return
        trial = {k: v for k, v in self.facts.items() if k != name}
        if value is not None:
            trial[name] = value
        binput.parse({**trial, "aware_at": "2000-01-01T00:00:00+00:00"})  # raises InputError
        self.facts = trial

    def log(self, text: str, when: dt.datetime | None = None) -> None:
        stamp = (when or dt.datetime.now().astimezone()).isoformat(timespec="minutes")
        self.events.append(Event(stamp, text))

    def problems(self) -> list[str]:
        """What must still be written before the record is complete (marked strings)."""
        out = []
        if has_placeholder(self.notify.reasoning) or has_placeholder(self.inform.reasoning):
            out.append(N_("Replace the text in square brackets in your reasoning with your own words."))
        if self.notify.missing_reasoning():
            out.append(N_("Write why the CNIL is not notified."))
        if self.inform.missing_reasoning():
            out.append(N_("Write why the patients are not informed."))
        due = self.deadline()
        late_at = self.cnil.notified_at or dt.datetime.now().astimezone().isoformat()
        if (due and self.notify.decided and not self.cnil.lateness_reasons.strip()
                and binput.parse_time("notified_at", late_at) > due):
            out.append(N_("Give the reasons for notifying after 72 hours."))
        return out

    # -- serialisation -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BreachRecord:
        kinds = {f.name: f.type for f in fields(cls)}
        sections = {"controller": Controller, "timeline": Timeline, "nature": Nature,
                    "consequences": Consequences, "notify": Decision, "inform": Decision,
                    "cnil": CnilNotification, "patients": PatientInformation, "other": OtherReports}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in kinds:
                continue  # a field of a later version: ignored, never fatal
            if key in sections and isinstance(value, dict):
                known = {f.name for f in fields(sections[key])}
                value = sections[key](**{k: v for k, v in value.items() if k in known})
            elif key == "events":
                value = [Event(**e) for e in value]
            values[key] = value
        return cls(**values)
