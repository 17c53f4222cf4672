"""The JSON input of ``gp-guard breach assess`` (documented in docs/breach.md).

Every field but ``aware_at`` may be missing or null: it then counts as "still unknown". Unknown
fields and unknown enum values are refused with an :class:`InputError` naming the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from gp_guard.errors import UserError
from gp_guard.i18n import N_

INCIDENT_TYPES = (
    "ransomware", "malware", "hacking", "phishing", "credential_stuffing", "lost_device",
    "stolen_device", "lost_paper", "stolen_paper", "misdirected_mail", "misdirected_email",
    "insider_misuse", "impersonation", "misconfiguration", "publication", "other",
)
CONFIDENTIALITY = ("none", "unknown_if_accessed", "known_recipients", "unknown_recipients", "published")
INTEGRITY = ("none", "altered_recoverable", "altered_unrecoverable")
AVAILABILITY = ("none", "temporary", "permanent")
DATA_CATEGORIES = (
    "identification", "contact", "health", "genetic", "social_security_number", "financial",
    "credentials", "official_documents", "location", "behavioural", "professional", "preferences", "other",
)
IDENTIFIABLE = ("direct", "indirect", "pseudonymised")

ENUMS: dict[str, tuple[str, ...]] = {
    "incident_type": INCIDENT_TYPES,
    "confidentiality": CONFIDENTIALITY,
    "integrity": INTEGRITY,
    "availability": AVAILABILITY,
    "identifiable": IDENTIFIABLE,
}
BOOLS = ("malicious", "recipients_trusted", "care_disrupted", "vulnerable_subjects", "data_unintelligible")
TIMES = ("aware_at", "occurred_at")
FIELDS = (
    "aware_at", "occurred_at", "incident_type", "malicious", "confidentiality", "recipients_trusted",
    "integrity", "availability", "care_disrupted", "data_categories", "subjects_count",
    "vulnerable_subjects", "data_unintelligible", "identifiable",
)


class InputError(UserError, ValueError):
    """A breach description that cannot be read; ``field`` names the faulty field ('' for the whole)."""

    def __init__(self, field_name: str, message: str, **values: object) -> None:
        super().__init__(message, field=field_name, **values)
        self.field = field_name


@dataclass(frozen=True)
class BreachInput:
    aware_at: dt.datetime
    occurred_at: dt.datetime | None = None
    incident_type: str | None = None
    malicious: bool | None = None
    confidentiality: str | None = None
    recipients_trusted: bool | None = None
    integrity: str | None = None
    availability: str | None = None
    care_disrupted: bool | None = None
    data_categories: tuple[str, ...] | None = None
    subjects_count: int | None = None
    vulnerable_subjects: bool | None = None
    data_unintelligible: bool | None = None
    identifiable: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The input format again (times as ISO 8601); missing answers are left out."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if key == "extra" or value is None:
                continue
            if isinstance(value, dt.datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    def unknown_fields(self) -> list[str]:
        """Answers still missing (the ones that change the assessment)."""
        missing = [name for name in FIELDS if name not in ("aware_at", "occurred_at") and getattr(self, name) is None]
        if self.confidentiality not in ("known_recipients",) and "recipients_trusted" in missing:
            missing.remove("recipients_trusted")  # only asked when the recipients are known
        return missing


MIN_YEAR, MAX_YEAR = 1900, 2999  # a breach outside these years is a typing mistake (and 9999 + 72 h overflows)
MAX_PEOPLE = 10_000_000_000  # more than everyone alive: a typing mistake
SHOWN = 60  # characters of a faulty value or key repeated in a message


def short(value: object, limit: int = SHOWN) -> str:
    """A value as it may appear in an error message: at most ``limit`` characters."""
    text = value if isinstance(value, str) else repr(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        text = "…"  # a very long number: its digits are not worth repeating (nor converting)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_time(name: str, value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise InputError(short(name), N_("{field}: expected a date and time in ISO 8601, e.g. 2026-03-14T09:30:00+01:00."))
    try:
        stamp = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(short(name), N_("{field}: expected a date and time in ISO 8601, e.g. 2026-03-14T09:30:00+01:00.")) from None
    if not MIN_YEAR <= stamp.year <= MAX_YEAR:
        raise InputError(short(name), N_("{field}: the year {year} cannot be right: give a date between {low} and {high}."),
                         year=stamp.year, low=MIN_YEAR, high=MAX_YEAR)
    if stamp.tzinfo is None:
        stamp = stamp.astimezone()  # a time without offset is this computer's local time
    return stamp


def parse(data: object) -> BreachInput:
    """Check and convert one breach description (a decoded JSON object)."""
    if not isinstance(data, dict):
        raise InputError("", N_("The breach description must be a JSON object ({{...}})."))
    for key in data:
        if key not in FIELDS:
            raise InputError(short(str(key)), N_("{field}: unknown field. Known fields: {known}."), known=", ".join(FIELDS))
    if data.get("aware_at") is None:
        raise InputError("aware_at", N_("{field} is required: when you became reasonably sure that personal data were affected."))
    values: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key in TIMES:
            values[key] = parse_time(key, value)
        elif key in BOOLS:
            if not isinstance(value, bool):
                raise InputError(key, N_("{field}: expected true or false."))
            values[key] = value
        elif key in ENUMS:
            if not isinstance(value, str) or value not in ENUMS[key]:
                raise InputError(key, N_("{field}: unknown value {value!r}. Possible values: {known}."),
                                 value=short(value), known=", ".join(ENUMS[key]))
            values[key] = value
        elif key == "subjects_count":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PEOPLE:
                raise InputError(key, N_("{field}: expected a whole number of people, from 0 to {most}."), most=f"{MAX_PEOPLE:_}".replace("_", " "))
            values[key] = value
        elif key == "data_categories":
            if not isinstance(value, list):
                raise InputError(key, N_("{field}: expected a list, e.g. [\"identification\", \"health\"]."))
            for item in value:
                if not isinstance(item, str) or item not in DATA_CATEGORIES:
                    raise InputError(key, N_("{field}: unknown value {value!r}. Possible values: {known}."),
                                     value=short(item), known=", ".join(DATA_CATEGORIES))
            values[key] = tuple(dict.fromkeys(value))
    return BreachInput(**values)
