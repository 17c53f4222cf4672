"""Severity (ENISA 2013: SE = DPC × EI + CB) and the proposed Art. 33 / Art. 34 decisions.

The score is evidence, not the legal test: the decisions follow the GDPR and the EDPB examples
(Guidelines 01/2021), with "when in doubt, notify" for every answer still unknown. The app
proposes; the doctor decides (see ``model.Decision``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gp_guard.breach.input import BreachInput
from gp_guard.i18n import N_, Lazy, LazyList, _

DEADLINE = dt.timedelta(hours=72)
LARGE_SCALE = 10_000  # people: beyond it, exposure of directly identifying data is a high risk
FEW_PEOPLE = 100  # an honest mistake with ordinary data about fewer people is unlikely to harm
# "ordinary data": names, contact details and what people ordered or chose, as in EDPB 01/2021 case 13
# (packing bills sent to the wrong customers: names, addresses, items bought) and case 15 (a course's
# participant list with a meal preference sent to former participants): documented, not notified.
# Anything more (dates of birth, policy or contract details: case 16, or data the doctor could not
# name: "other") is not ordinary, and the CNIL is notified.
ORDINARY = frozenset({"identification", "contact", "preferences"})

# ENISA Annex 1: simple 1, behavioural 2, financial 3, sensitive 4 (GP defaults explained below)
DPC_BASE = {
    "identification": 1, "contact": 1, "preferences": 1, "professional": 1, "other": 1,
    "behavioural": 2, "location": 2,
    "financial": 3, "credentials": 3, "social_security_number": 3, "official_documents": 3,
    "health": 4, "genetic": 4,
}
EI = {"direct": 1.0, "indirect": 0.75, "pseudonymised": 0.5}
EI_UNINTELLIGIBLE = 0.25
CB_CONFIDENTIALITY = {"none": 0.0, "unknown_if_accessed": 0.0, "known_recipients": 0.25,
                      "unknown_recipients": 0.5, "published": 0.5}
CB_INTEGRITY = {"none": 0.0, "altered_recoverable": 0.25, "altered_unrecoverable": 0.5}
CB_AVAILABILITY = {"none": 0.0, "temporary": 0.25, "permanent": 0.5}
CB_MALICIOUS = 0.5
BANDS = ((4.0, "very_high"), (3.0, "high"), (2.0, "medium"), (0.0, "low"))
BAND_LABELS = {
    "low": N_("Low: people will not be affected, or only by a few inconveniences they will overcome easily."),
    "medium": N_("Medium: people may meet significant inconveniences that they can overcome despite some difficulties."),
    "high": N_("High: people may suffer significant consequences that they should overcome, but with serious difficulties."),
    "very_high": N_("Very high: people may suffer significant or even irreversible consequences that they may not overcome."),
}


class Num(float):
    """A number that follows the language when formatted: 4.5 in English, 4,5 in French."""

    lang: str | None = None  # None: the process's current language

    def __format__(self, spec: str) -> str:
        from gp_guard.i18n import current_language

        text = format(float(self), spec)
        return text.replace(".", ",") if (self.lang or current_language()) == "fr" else text

    def in_language(self, lang: str) -> Num:
        number = Num(self)
        number.lang = lang
        return number


@dataclass(frozen=True)
class Reason:
    """One sentence of the explanation, kept untranslated so it follows the language."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        """The sentence in the current language, or in ``lang`` (no global language switch)."""
        if lang is None:
            return _(self.template).format(**self.values)
        from gp_guard.i18n import translation

        values = {k: v.in_language(lang) if hasattr(v, "in_language") else v for k, v in self.values.items()}
        return translation(lang)(self.template).format(**values)


@dataclass(frozen=True)
class EnisaSeverity:
    score: float
    band: str
    dpc: float
    ei: float
    cb: float
    explanation: tuple[Reason, ...]


@dataclass(frozen=True)
class Assessment:
    severity: EnisaSeverity
    notify_authority: bool
    inform_data_subjects: bool
    art34_exemption: str | None
    deadline: dt.datetime
    overdue: bool
    reasons: tuple[Reason, ...]
    unknown: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The output format of ``gp-guard breach assess --json`` (docs/breach.md)."""
        return {
            "severity": {"score": self.severity.score, "band": self.severity.band, "dpc": self.severity.dpc,
                         "ei": self.severity.ei, "cb": self.severity.cb},
            "notify_authority": self.notify_authority,
            "inform_data_subjects": self.inform_data_subjects,
            "art34_exemption": self.art34_exemption,
            "deadline": self.deadline.isoformat(),
            "overdue": self.overdue,
            "reasons": [r.text() for r in self.reasons],
        }


def deadline(aware_at: dt.datetime) -> dt.datetime:
    """72 clock hours after awareness, weekends and nights included (Art. 33(1))."""
    return aware_at + DEADLINE


def band(score: float) -> str:
    return next(name for floor, name in BANDS if score >= floor)


def severity(facts: BreachInput) -> EnisaSeverity:
    why: list[Reason] = []
    categories = facts.data_categories
    if not categories:
        dpc = 4.0
        why.append(Reason(N_("Data processing context 4: the data concerned is not known yet, so a patient file (health data) is assumed.")))
    else:
        top = max(categories, key=lambda c: DPC_BASE[c])
        dpc = float(DPC_BASE[top])
        why.append(Reason(N_("Data processing context {dpc:g}: the most sensitive data concerned is {category}."),
                          {"dpc": Num(dpc), "category": Lazy(_CATEGORY_WORDS[top])}))
        if top == "health":
            why.append(Reason(N_("Health data held by a doctor is covered by professional secrecy: it gets the highest score.")))
    if facts.vulnerable_subjects and dpc < 4:
        dpc += 1
        why.append(Reason(N_("Plus 1 because minors or vulnerable patients are concerned.")))
    if facts.data_unintelligible:
        ei = EI_UNINTELLIGIBLE
        why.append(Reason(N_("Ease of identification {ei:g}: the data cannot be read without a key that was not compromised."), {"ei": Num(ei)}))
    else:
        ident = facts.identifiable or "direct"
        ei = EI[ident]
        if facts.identifiable is None:
            why.append(Reason(N_("Ease of identification 1: not known yet, so people are assumed to be directly identifiable.")))
        else:
            why.append(Reason(N_("Ease of identification {ei:g} ({identifiable})."), {"ei": Num(ei), "identifiable": Lazy(_IDENT_WORDS[ident])}))
    parts = [
        (CB_CONFIDENTIALITY.get(facts.confidentiality or "none", 0.0), N_("loss of confidentiality")),
        (CB_INTEGRITY.get(facts.integrity or "none", 0.0), N_("loss of integrity")),
        (CB_AVAILABILITY.get(facts.availability or "none", 0.0), N_("loss of availability")),
        (CB_MALICIOUS if facts.malicious else 0.0, N_("malicious intent")),
    ]
    if facts.confidentiality == "known_recipients" and facts.recipients_trusted:
        parts[0] = (0.0, parts[0][1])
    cb = sum(points for points, _label in parts)
    for points, label in parts:
        if points:
            why.append(Reason(N_("Circumstances: plus {points:g} for {what}."), {"points": Num(points), "what": Lazy(label)}))
    score = round(dpc * ei + cb, 2)
    why.append(Reason(N_("Score {dpc:g} × {ei:g} + {cb:g} = {score:g}."), {"dpc": Num(dpc), "ei": Num(ei), "cb": Num(cb), "score": Num(score)}))
    why.append(Reason(BAND_LABELS[band(score)]))
    return EnisaSeverity(score, band(score), dpc, ei, round(cb, 2), tuple(why))


_CATEGORY_WORDS = {
    "identification": N_("identity"), "contact": N_("contact details"), "health": N_("health data"),
    "genetic": N_("genetic data"), "social_security_number": N_("social security number"),
    "financial": N_("bank or payment data"), "credentials": N_("passwords or access codes"),
    "official_documents": N_("copies of identity documents"), "location": N_("location data"),
    "behavioural": N_("habits and behaviour"), "professional": N_("professional data"), "other": N_("other data"),
    "preferences": N_("orders and preferences"),
}
_IDENT_WORDS = {"direct": N_("people can be recognised directly"), "indirect": N_("people can be recognised by cross-checking"),
                "pseudonymised": N_("the data is pseudonymised")}

UNKNOWN_LABELS = {
    "incident_type": N_("what kind of incident it was"),
    "malicious": N_("whether someone acted on purpose"),
    "confidentiality": N_("whether anyone saw or took the data"),
    "recipients_trusted": N_("whether the recipients gave the data back or deleted it"),
    "integrity": N_("whether data was changed"),
    "availability": N_("whether data is missing or out of reach"),
    "care_disrupted": N_("whether care was disrupted"),
    "data_categories": N_("which data is concerned"),
    "subjects_count": N_("how many people are concerned"),
    "vulnerable_subjects": N_("whether minors or vulnerable patients are concerned"),
    "data_unintelligible": N_("whether the data was encrypted"),
    "identifiable": N_("whether people can be identified from the data"),
}
SENSITIVE = ("health", "genetic")


def assess(facts: BreachInput, now: dt.datetime | None = None) -> Assessment:
    """Score the breach and propose the two decisions, with the reasons."""
    now = now or dt.datetime.now(dt.UTC)
    sev = severity(facts)
    reasons: list[Reason] = []
    unknown = tuple(facts.unknown_fields())
    categories = facts.data_categories or ("health",)
    sensitive = any(c in SENSITIVE for c in categories) or facts.vulnerable_subjects is True
    conf = facts.confidentiality
    exposed = conf in ("unknown_if_accessed", "known_recipients", "unknown_recipients", "published")
    trusted = conf == "known_recipients" and facts.recipients_trusted is True
    unintelligible = facts.data_unintelligible is True

    # -- Art. 33: is a risk unlikely? --------------------------------------------------------
    conf_safe = conf == "none" or unintelligible or trusted
    avail_safe = facts.availability == "none" or (facts.availability == "temporary" and facts.care_disrupted is False)
    integ_safe = facts.integrity == "none"
    honest_small = (
        conf in ("unknown_if_accessed", "known_recipients") and facts.malicious is False
        and set(categories) <= ORDINARY and not sensitive and sev.score < 2 and facts.subjects_count is not None
        and facts.subjects_count < FEW_PEOPLE
    )
    unlikely = (conf_safe or honest_small) and avail_safe and integ_safe and not facts.care_disrupted
    doubt = unlikely and bool(unknown)
    notify = not unlikely or doubt
    if facts.occurred_at is not None and facts.occurred_at > facts.aware_at:
        reasons.append(Reason(N_("The breach is said to have started after you became aware of it: check these two dates.")))
    if facts.care_disrupted:
        reasons.append(Reason(N_("Care was disrupted: this is a risk for patients' health and safety.")))
    if exposed and not conf_safe:
        reasons.append(Reason(N_("Personal data may have been seen by people who should not have seen it.")))
    if facts.availability == "permanent":
        reasons.append(Reason(N_("Data is lost for good: it cannot be restored.")))
    if facts.integrity and facts.integrity != "none":
        reasons.append(Reason(N_("Data was changed: decisions could be taken on wrong information.")))
    if unintelligible:
        reasons.append(Reason(N_("The data was encrypted and the key was not compromised: nobody can read it.")))
    if trusted:
        reasons.append(Reason(N_("The recipients are bound to confidentiality and gave back or deleted the data.")))
    if unlikely and sev.score >= 3:
        reasons.append(Reason(N_("The severity score is high because of the kind of data, but the circumstances above make a risk unlikely.")))
    if honest_small and not conf_safe:
        reasons.append(Reason(N_("An honest mistake about a few people and ordinary data (no health data): a risk is unlikely.")))
    if notify and not doubt:
        reasons.append(Reason(N_("A risk for the people concerned cannot be ruled out: notify the CNIL within 72 hours of becoming aware (GDPR Art. 33).")))
    elif doubt:
        reasons.append(Reason(N_("Some answers are still unknown. When in doubt, notify: the CNIL will tell you whether the patients must be informed.")))
    else:
        reasons.append(Reason(N_("A risk for the people concerned is unlikely: record the breach in the register with this reasoning; no notification is needed.")))

    # -- Art. 34: is the risk high? ----------------------------------------------------------
    def high_risk(conf_counts: bool) -> bool:
        if facts.care_disrupted:
            return True
        if sev_raw.score >= 3 and (conf_counts or not exposed):
            return True
        if conf_counts and sensitive and facts.identifiable != "pseudonymised":
            return True
        if (conf_counts and conf in ("unknown_if_accessed", "unknown_recipients", "published")
                and (facts.identifiable or "direct") == "direct" and (facts.subjects_count or 0) >= LARGE_SCALE):
            return True
        if "health" in categories and (facts.availability == "permanent" or facts.integrity == "altered_unrecoverable"):
            return True
        return False

    # the score as if the data were readable and the recipients unknown, to see what measures remove
    sev_raw = severity(_replace(facts, data_unintelligible=False, recipients_trusted=False)) if (unintelligible or trusted) else sev
    raw_high = high_risk(exposed)
    exemption: str | None = None
    if raw_high and not high_risk(exposed and not conf_safe):
        exemption = "a" if unintelligible else "b"
    inform = notify and raw_high and exemption is None and (not unlikely or doubt)
    if inform:
        reasons.append(Reason(N_("The risk is high (severity {band}): inform the patients concerned without undue delay, in plain words (GDPR Art. 34)."),
                              {"band": Lazy(_BAND_WORDS[sev.band])}))
    elif exemption == "a":
        reasons.append(Reason(N_("The patients need not be informed: the data is unintelligible to anyone without the key (GDPR Art. 34(3)(a)).")))
    elif exemption == "b":
        reasons.append(Reason(N_("The patients need not be informed: the measures taken since remove the high risk (GDPR Art. 34(3)(b)).")))
    elif notify:
        reasons.append(Reason(N_("The risk does not look high: informing the patients is not required, but you may still do it.")))
    if inform and (facts.subjects_count or 0) >= LARGE_SCALE:
        reasons.append(Reason(N_("If writing to each person would take a disproportionate effort, a public communication can replace it (GDPR Art. 34(3)(c)).")))

    # -- clock and unknowns ------------------------------------------------------------------
    due = deadline(facts.aware_at)
    overdue = now > due
    if unknown:
        reasons.append(Reason(N_("Still unknown: {items}. Send an initial notification now and a complementary one when you know more."),
                              {"items": LazyList([UNKNOWN_LABELS[u] for u in unknown], separator=Lazy(N_("; ")))}))
    if overdue and notify:
        reasons.append(Reason(N_("More than 72 hours have passed since you became aware: notify now and give the reasons for the delay.")))
    return Assessment(sev, notify, inform, exemption, due, overdue, tuple(reasons), unknown)


_BAND_WORDS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "very_high": N_("very high")}


def band_word(name: str, lang: str | None = None) -> str:
    if lang is None:
        return _(_BAND_WORDS[name])
    from gp_guard.i18n import translation

    return translation(lang)(_BAND_WORDS[name])


def _replace(facts: BreachInput, **changes: Any) -> BreachInput:
    import dataclasses

    return dataclasses.replace(facts, **changes)
