"""What the report reads from the vault and the breach register, when they are set up.

What they provide, read through ``vault_summary`` and ``breach_summary``:

- ``gp_guard.vault.report_summary(store)`` returns ``None`` (vault not set up) or an object or
  mapping with ``folders_protected`` (int), ``last_verified`` (date, datetime or ISO text, or
  None) and ``recovery_kit_confirmed`` (same types, or None).
- ``gp_guard.breach.report_summary(store)`` returns ``None`` (register empty or absent) or an
  object or mapping with ``entries``: a sequence whose items have ``aware_at`` (date/datetime/ISO),
  ``severity`` (one of "low", "medium", "high", "very_high"), ``notified_authority`` (bool),
  ``people_informed`` (bool) and ``closed`` (bool); optionally ``notify_decided`` (bool: decided
  to notify, the notification not recorded yet). ``notified_authority`` is true only once the
  notification is recorded (its date and the CNIL's receipt number), never on a decision alone.

Only those fields are read, and each is coerced to an int, a bool, a date or one of the known
words: whatever else a record holds (descriptions, names, free text) can never reach a report.
A provider that fails reads as "not set up yet" (logged, by the kind of error only: its text may
hold what the report must not).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from gp_guard import breach
from gp_guard.checklist.facts import VaultFacts, as_date, field, vault_facts
from gp_guard.i18n import N_, _
from gp_guard.store import Store

log = logging.getLogger(__name__)

BREACH_SEVERITIES = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
    "very_high": N_("Very high"),
}


VaultSummary = VaultFacts  # what the report shows of the vault is what the checklist reads


@dataclass(frozen=True)
class BreachEntry:
    aware_on: dt.date | None
    severity: str  # a key of BREACH_SEVERITIES, or "" when unknown
    notified_authority: bool
    people_informed: bool
    closed: bool
    notify_decided: bool = False  # decided to notify; the notification is not recorded yet

    @property
    def severity_label(self) -> str:
        return _(BREACH_SEVERITIES[self.severity]) if self.severity else _("Not assessed")


@dataclass(frozen=True)
class BreachSummary:
    entries: tuple[BreachEntry, ...]

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def open(self) -> int:
        return sum(1 for e in self.entries if not e.closed)

    @property
    def notified(self) -> int:
        return sum(1 for e in self.entries if e.notified_authority)

    @property
    def to_notify(self) -> int:
        """Decided to notify, notification not recorded yet."""
        return sum(1 for e in self.entries if e.notify_decided and not e.notified_authority)


def vault_summary(store: Store) -> VaultSummary | None:
    return vault_facts(store)  # the checklist's reading of the vault: the two cannot disagree


def breach_summary(store: Store) -> BreachSummary | None:
    try:
        raw = breach.report_summary(store)
    except Exception as exc:  # noqa: BLE001 - the report is still produced, the section says "not set up"
        log.warning("the breach register could not be read for the report: %s", type(exc).__name__)
        return None
    if raw is None:
        return None
    entries = []
    for record in field(raw, "entries") or ():
        severity = field(record, "severity")
        entries.append(BreachEntry(
            as_date(field(record, "aware_at")),
            severity if isinstance(severity, str) and severity in BREACH_SEVERITIES else "",
            field(record, "notified_authority") is True,
            field(record, "people_informed") is True,
            field(record, "closed") is True,
            field(record, "notify_decided") is True,
        ))
    entries.sort(key=lambda e: e.aware_on or dt.date.min)
    return BreachSummary(tuple(entries))
