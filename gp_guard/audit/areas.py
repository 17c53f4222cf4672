"""The state of each area (firewall, encryption, updates, …) from the latest audit: the dashboard's
tiles, as the Windows Security app shows them. Qt-free."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from gp_guard.audit.model import Area, CheckMeta, Severity, Status
from gp_guard.i18n import Np_, _, translate


class Tone(StrEnum):
    GOOD = "good"  # everything checked is in order
    ATTENTION = "attention"  # something to review, or a medium/low point to fix
    ACTION = "action"  # a critical or high point to fix
    UNKNOWN = "unknown"  # nothing could be checked in this area

    @property
    def status(self) -> Status:
        """The status whose colour and mark the tile borrows (never colour alone: words too)."""
        return {Tone.GOOD: Status.PASS, Tone.ATTENTION: Status.WARN, Tone.ACTION: Status.FAIL,
                Tone.UNKNOWN: Status.SKIPPED}[self]


_TO_FIX = Np_("{count} point to fix", "{count} points to fix")
_TO_REVIEW = Np_("{count} point to review", "{count} points to review")
_CHECKED = Np_("{count} point checked", "{count} points checked")


@dataclass(frozen=True)
class AreaState:
    area: Area
    tone: Tone
    to_fix: int
    to_review: int
    in_order: int
    first_check: str  # the check to open when the tile is chosen ("" when none)

    def sentence(self) -> str:
        """One sentence in the current language: what the doctor should know about this area."""
        if self.tone is Tone.UNKNOWN:
            return _("Not checked on this computer")
        parts = []
        if self.to_fix:
            parts.append(translate(_TO_FIX, {"count": self.to_fix}).format(count=self.to_fix))
        if self.to_review:
            parts.append(translate(_TO_REVIEW, {"count": self.to_review}).format(count=self.to_review))
        if not parts:
            return translate(_CHECKED, {"count": self.in_order}).format(count=self.in_order)
        return ", ".join(parts)


def area_states(statuses: Mapping[str, str], metas: Mapping[str, CheckMeta]) -> list[AreaState]:
    """One state per area that has checks in ``statuses`` (a run's check id -> status), in the
    order of ``Area``; information-only checks do not colour a tile."""
    states = []
    for area in Area:
        seen = [(metas[i], Status(s)) for i, s in statuses.items()
                if i in metas and metas[i].area is area and s in Status._value2member_map_]
        if not seen:
            continue
        scored = [(m, s) for m, s in seen if m.severity is not Severity.INFO]
        fails = [m for m, s in scored if s is Status.FAIL]
        reviews = [m for m, s in scored if s in (Status.WARN, Status.ERROR)]
        passes = [m for m, s in scored if s is Status.PASS]
        if any(m.severity in (Severity.CRITICAL, Severity.HIGH) for m in fails):
            tone = Tone.ACTION
        elif fails or reviews:
            tone = Tone.ATTENTION
        elif passes:
            tone = Tone.GOOD
        else:
            tone = Tone.UNKNOWN
        worst = sorted(fails, key=lambda m: m.severity.rank) + sorted(reviews, key=lambda m: m.severity.rank)
        states.append(AreaState(area, tone, len(fails), len(reviews), len(passes),
                                worst[0].id if worst else seen[0][0].id))
    return states
