"""What the IT provider may see of one practice, gathered once after an audit.

Everything here is readable without a key or a passphrase:

- the audit: score, grade, and each finding's id, area, severity, kind and status (no message, no
  evidence: those can name files, users or programs);
- the vault (``vault.folder.status`` and ``vault.keys``): how many folders are protected, how many
  files are encrypted or still in clear in them, whether the recovery kit was confirmed; the
  folders' paths stay local;
- the breach register (``breach.open_breaches``): the open breaches' reference (a random
  ``V-XXXXXXXX``) and 72-hour deadline, which the register keeps in clear for the dashboard.
  Everything else of a breach is sealed and is not needed here.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gp_guard.version import __version__

if TYPE_CHECKING:
    from gp_guard.audit.service import AuditReport
    from gp_guard.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckState:
    id: str
    area: str
    severity: str
    kind: str  # "check" or "question"
    status: str  # pass, warn, fail, skipped, error


@dataclass(frozen=True)
class VaultState:
    configured: bool = False  # keys created
    readable: bool = True  # False: the vault's state could not be read (see the log)
    folders: int = 0
    folders_protected: int = 0  # every file encrypted
    folders_with_problems: int = 0  # missing folder, failed or unfinished files
    files_encrypted: int = 0
    files_in_clear: int = 0  # in the protected folders
    kit_confirmed: bool = False

    @property
    def status(self) -> str:
        """One word for the whole vault: pass, warn, fail or skipped (not set up)."""
        if not self.configured:
            return "skipped"
        if not self.readable or self.files_in_clear or self.folders_with_problems:
            return "fail"
        return "pass" if self.kit_confirmed and self.folders else "warn"


@dataclass(frozen=True)
class BreachClock:
    ref: str
    deadline: dt.datetime

    def hours_left(self, now: dt.datetime) -> float:
        return (self.deadline - now).total_seconds() / 3600


URGENT_HOURS = 24  # under this, the breach clock is an emergency (also in the alert rules)


@dataclass(frozen=True)
class State:
    at: dt.datetime  # when this state was gathered
    audited_at: dt.datetime
    duration_s: float
    platform: str
    score: int
    grade: str
    capped_by: str  # "critical", "high" or "none"
    checks: tuple[CheckState, ...]
    vault: VaultState
    breaches: tuple[BreachClock, ...]  # open, soonest deadline first
    readable_breaches: bool = True
    practice: str = ""  # the provider's label for this practice, if set
    version: str = __version__

    @property
    def breach_status(self) -> str:
        """pass (none open), warn (open, time left), fail (under 24 h or overdue or unreadable)."""
        if not self.readable_breaches:
            return "fail"
        if not self.breaches:
            return "pass"
        soonest = self.breaches[0].hours_left(self.at)
        return "fail" if soonest < URGENT_HOURS else "warn"


def _vault(store: Store) -> VaultState:
    from gp_guard.vault import folder, keys

    try:
        if not keys.has_keys():
            return VaultState()
        folders = folder.status(store=store)
        return VaultState(
            configured=True,
            folders=len(folders),
            folders_protected=sum(1 for f in folders if f.state == "protected"),
            folders_with_problems=sum(1 for f in folders if f.state in ("missing", "failed")),
            files_encrypted=sum(f.encrypted for f in folders),
            files_in_clear=sum(f.plain for f in folders),
            kit_confirmed=keys.kit_confirmed(),
        )
    except Exception as exc:  # noqa: BLE001 - monitoring reports an unreadable vault, never stops
        log.warning("vault state unreadable for monitoring: %s", type(exc).__name__)
        return VaultState(configured=True, readable=False)


def _breaches(store: Store) -> tuple[tuple[BreachClock, ...], bool]:
    from gp_guard.breach import open_breaches

    try:
        return tuple(BreachClock(b.ref, b.deadline) for b in open_breaches(store)), True
    except Exception as exc:  # noqa: BLE001 - as above
        log.warning("breach register unreadable for monitoring: %s", type(exc).__name__)
        return (), False


def gather(report: AuditReport, store: Store | None, *, practice: str = "",
           now: dt.datetime | None = None) -> State:
    """The state after ``report``: the audit itself, and the vault and breach clock from ``store``."""
    checks = tuple(
        CheckState(f.id, str(f.meta.area), str(f.severity), f.kind, str(f.status))
        for f in sorted(report.findings, key=lambda f: f.id)
    )
    vault, (breaches, readable) = (_vault(store), _breaches(store)) if store is not None else (VaultState(), ((), True))
    return State(
        at=now or dt.datetime.now(dt.UTC),
        audited_at=report.started_at,
        duration_s=report.duration_s,
        platform=report.platform,
        score=report.score.value,
        grade=report.score.grade,
        capped_by=report.score.capped_by or "none",
        checks=checks,
        vault=vault,
        breaches=breaches,
        readable_breaches=readable,
        practice=clean_label(practice),
    )


def clean_label(text: str) -> str:
    """A practice label safe in every output: one line, printable, at most 64 characters."""
    return "".join(c for c in text if c.isprintable()).strip()[:64]
