"""Fixes: what to remove and what to generalise, with the k and l each proposal reaches on this
file; and the streaming rewrite that applies one (``--write SAFER.csv``)."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gp_guard.export import readers
from gp_guard.export.generalise import FUNCTIONS, STEPS
from gp_guard.export.risk import K_MIN, L_MIN, Coded, Risk, assess
from gp_guard.export.roles import Column
from gp_guard.i18n import N_

TITLES = {
    "remove_identifiers": N_("Remove the identifiers"),
    "generalise": N_("Remove the identifiers and generalise"),
    "generalise_more": N_("Remove the identifiers and generalise more"),
    "generalise_and_drop": N_("Generalise more and remove the most detailed columns"),
}


@dataclass(frozen=True)
class Action:
    column: str
    action: str  # "drop" or "generalise"
    to: str = ""  # a key of generalise.FUNCTIONS, or "" for drop


@dataclass
class Proposal:
    id: str
    actions: list[Action]
    risk: Risk
    recommended: bool = False
    extra: list[str] = field(default_factory=list)

    @property
    def l_min(self) -> int:
        return min(self.risk.l_diversity.values()) if self.risk.l_diversity else 0

    def reaches(self) -> bool:
        return self.risk.k >= K_MIN and all(v >= L_MIN for v in self.risk.l_diversity.values())


def _removed(columns: Sequence[Column]) -> list[Action]:
    """Direct identifiers, linkable identifiers, and free text holding identifiers."""
    out = []
    for column in columns:
        if column.role in ("direct", "linkable") and column.kind != "birth_date":
            out.append(Action(column.name, "drop"))
        elif column.role == "direct":
            out.append(Action(column.name, "generalise", "year_5"))  # a date of birth becomes a 5-year band
        elif column.role in ("free_text", "other", "quasi", "sensitive") and column.hits:
            out.append(Action(column.name, "drop"))
    return out


def _generalised(columns: Sequence[Column], level: int, skip: set[str]) -> list[Action]:
    out = []
    for column in columns:
        if column.role != "quasi" or column.name in skip:
            continue
        step = STEPS.get(column.kind, ("", ""))[level]
        if step is None:
            out.append(Action(column.name, "drop"))
        elif step:
            out.append(Action(column.name, "generalise", step))
    return out


Codes = Callable[[int], Coded]  # column index -> its coded values (computed once, kept by the caller)


def evaluate(actions: Sequence[Action], columns: Sequence[Column], coded: Codes,
             persons: Coded | None, rows: int, l_from_k: int = 0) -> Risk:
    """k and l of the file once these actions are applied (still counted per person). l is only
    computed when k reaches ``l_from_k`` (the search for a proposal skips it below K_MIN)."""
    by_name = {a.column: a for a in actions}
    qi, sensitive = [], {}
    for column in columns:
        action = by_name.get(column.name)
        if action is not None and action.action == "drop":
            continue
        if column.role == "quasi" or (column.role == "direct" and column.kind == "birth_date"):
            values = coded(column.index)
            qi.append(values.mapped(FUNCTIONS[action.to]) if action is not None and action.to else values)
        elif column.role == "sensitive":
            sensitive[column.name] = coded(column.index)
    return assess(qi, persons, sensitive, rows, detailed=False, l_from_k=l_from_k)


def propose(columns: Sequence[Column], coded: Codes, persons: Coded | None,
            rows: int, cancelled: Callable[[], bool] = lambda: False, base: Risk | None = None) -> list[Proposal]:
    """Proposals in order of strength. ``base``: the file's own risk, reused for a proposal that
    only removes columns which are neither quasi-identifiers nor health data."""
    removed = _removed(columns)
    gone = {a.column for a in removed}
    candidates: list[tuple[str, list[Action]]] = []
    if removed:
        candidates.append(("remove_identifiers", removed))
    has_qi = any(c.role == "quasi" for c in columns) or any(c.kind == "birth_date" for c in columns)
    if has_qi:
        candidates.append(("generalise", removed + _generalised(columns, 0, gone)))
        candidates.append(("generalise_more", removed + _generalised(columns, 1, gone)))
    proposals: list[Proposal] = []
    seen: set[tuple[Action, ...]] = set()
    for key, actions in candidates:
        if cancelled():
            raise readers.Cancelled()
        if tuple(actions) in seen:
            continue
        seen.add(tuple(actions))
        untouched = base is not None and all(a.action == "drop" for a in actions) and not any(
            c.name in gone and (c.role in ("quasi", "sensitive") or c.kind == "birth_date") for c in columns)
        risk = base if untouched and base is not None else evaluate(actions, columns, coded, persons, rows)
        proposals.append(Proposal(key, actions, risk))
    if proposals and not any(p.reaches() for p in proposals) and has_qi:
        proposals.append(_drop_detailed(proposals[-1], columns, coded, persons, rows, cancelled))
    if proposals:
        best = next((p for p in proposals if p.reaches()), max(proposals, key=lambda p: (p.risk.k, p.l_min)))
        best.recommended = True
    return proposals


def _drop_detailed(start: Proposal, columns: Sequence[Column], coded: Codes,
                   persons: Coded | None, rows: int, cancelled: Callable[[], bool]) -> Proposal:
    """From the most generalised proposal, remove quasi-identifiers, most varied first, until k and
    l are reached (at most three columns)."""
    actions = list(start.actions)
    proposal = Proposal("generalise_and_drop", actions, start.risk)
    kept = [c for c in columns if c.role == "quasi" and not any(a.column == c.name and a.action == "drop" for a in actions)]
    kept.sort(key=lambda c: -c.distinct)
    searched = False
    for column in kept[:3]:
        if cancelled():
            raise readers.Cancelled()
        actions = [a for a in actions if a.column != column.name] + [Action(column.name, "drop")]
        proposal = Proposal("generalise_and_drop", actions, evaluate(actions, columns, coded, persons, rows, K_MIN))
        searched = True
        if proposal.reaches():
            break
    if searched and not proposal.reaches():  # the search counted k alone: count everything now
        proposal.risk = evaluate(proposal.actions, columns, coded, persons, rows)
    return proposal


def write(source: Path, target: Path, proposal: Proposal) -> int:
    """Apply the proposal to every row of ``source`` and write ``target`` (CSV, UTF-8 with BOM,
    0600: it still holds patient data). Returns the number of rows written."""
    headers, rows, _kind, _encoding, delimiter = readers.iter_rows(source)
    by_name = {a.column: a for a in proposal.actions}
    keep = [i for i, name in enumerate(headers) if not (name in by_name and by_name[name].action == "drop")]
    caches: dict[int, dict[str, str]] = {}
    functions = {}
    for index in keep:
        action = by_name.get(headers[index])
        if action is not None and action.to:
            functions[index] = FUNCTIONS[action.to]
            caches[index] = {}
    target = Path(target)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".gp_guard-", suffix=".csv")
    count = 0
    try:
        os.chmod(temp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, delimiter=delimiter or ";")
            writer.writerow([headers[i] for i in keep])
            width = len(headers)
            for row in rows:
                if not row:
                    continue
                if len(row) < width:
                    row = row + [""] * (width - len(row))
                line = []
                for index in keep:
                    value = row[index]
                    if index in functions:
                        cache = caches[index]
                        done = cache.get(value)
                        if done is None:
                            done = cache[value] = functions[index](value)
                        value = done
                    line.append(value)
                writer.writerow(line)
                count += 1
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return count
