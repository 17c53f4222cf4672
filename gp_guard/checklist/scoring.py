"""Guided mode: the next three actions with the best risk reduction for the effort.

Each open item (to do, to review again, or not checked yet) is ranked by ``risk / effort.cost``;
items of the "first hour" path come first on a tie, then catalogue order. An expired attestation
counts like an open item: a restore test from last year protects little today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gp_guard.checklist.items import FIRST_HOUR, ITEMS
from gp_guard.checklist.progress import ItemStatus, State

OPEN = (State.TODO, State.EXPIRED, State.UNKNOWN)


def value(status: ItemStatus) -> float:
    """Risk removed per unit of effort."""
    return status.item.risk / status.item.effort.cost


def next_actions(statuses: Sequence[ItemStatus], count: int = 3) -> list[ItemStatus]:
    order = {item.id: index for index, item in enumerate(ITEMS)}
    candidates = [s for s in statuses if s.state in OPEN]
    candidates.sort(key=lambda s: (-value(s), s.item.id not in FIRST_HOUR, order.get(s.item.id, 999)))
    return candidates[:count]


@dataclass(frozen=True)
class Completion:
    """How many items of the checklist are done (not the progress of a running job: see work.py)."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(statuses: Sequence[ItemStatus]) -> Completion:
    return Completion(sum(1 for s in statuses if s.state is State.DONE), len(statuses))


def first_hour(statuses: Sequence[ItemStatus]) -> list[ItemStatus]:
    """The "first hour" path, in its order, with each step's state."""
    by_item = {s.item.id: s for s in statuses}
    return [by_item[i] for i in FIRST_HOUR if i in by_item]


def first_hour_done(statuses: Sequence[ItemStatus]) -> bool:
    return all(s.state is State.DONE for s in first_hour(statuses))
