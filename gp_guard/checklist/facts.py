"""What the checklist reads from the other features, gathered in one place.

The audit's latest run is read by ``progress``; the vault's two items (folders protected,
recovery kit confirmed) come from here, so the CLI, the window and the report show the same state
for the same data (they once disagreed: the window passed the vault facts, the CLI did not).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from gp_guard.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VaultFacts:
    """What the vault says about the two items it can tick (None: vault not set up)."""

    folders_protected: int = 0
    last_verified: dt.date | None = None
    recovery_kit_confirmed: dt.date | None = None


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or ISO text; None for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None


def as_count(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def field(source: Any, name: str) -> Any:
    if isinstance(source, dict):
        return source.get(name)
    return getattr(source, name, None)


def vault_facts_from(raw: Any) -> VaultFacts | None:
    """Coerce what ``gp_guard.vault.report_summary`` returned: counts and dates only."""
    if raw is None:
        return None
    return VaultFacts(as_count(field(raw, "folders_protected")), as_date(field(raw, "last_verified")),
                      as_date(field(raw, "recovery_kit_confirmed")))


def vault_facts(store: Store) -> VaultFacts | None:
    """The vault's state for the checklist; None while the vault is not set up or cannot be read."""
    from gp_guard import vault

    try:
        return vault_facts_from(vault.report_summary(store))
    except Exception as exc:  # noqa: BLE001 - the checklist still shows; the vault items read "to do"
        log.warning("the vault state could not be read for the checklist: %s", type(exc).__name__)
        return None
