"""The one entry point of the export check; the CLI, the GUI page and the tests all call ``check``.

``check(path, compare=..., roles=..., progress=..., cancel=...)`` reads the file, gives each
column a role, finds direct and linkable identifiers, counts the risk per person, decides the
verdict and proposes fixes. ``progress`` receives ``Progress`` values from the working thread;
``cancel`` is a ``work.CancelToken`` (anything with a ``cancelled`` property): the check stops
at the next chunk and raises ``Cancelled``. Nothing of the file's content is logged.
"""

from __future__ import annotations

import gc
import logging
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import repeat
from operator import add, mul
from pathlib import Path
from typing import Any

from gp_guard.export import linkage, proposals, readers, risk
from gp_guard.export.identifiers import mask
from gp_guard.export.proposals import Proposal
from gp_guard.export.readers import Cancelled, ExportError
from gp_guard.export.roles import QUASI_HINTS, ROLES, SENSITIVE_HINTS, Column, classify, header_key
from gp_guard.export.verdict import Direct, Linkable, Verdict, decide
from gp_guard.i18n import N_
from gp_guard.work import Cancel, CancelToken

__all__ = ["CancelToken", "Cancelled", "CheckResult", "ExportError", "Progress", "check", "write_safer"]
log = logging.getLogger(__name__)
STAGES = ("read", "columns", "risk", "proposals")


@dataclass(frozen=True)
class Progress:
    """Where the check is: stage (one of STAGES), and done out of total for that stage."""

    stage: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        """Overall, the four stages weighted by their usual share of the time."""
        weights = {"read": (0, 45), "columns": (45, 20), "risk": (65, 10), "proposals": (75, 25)}
        start, span = weights[self.stage]
        return min(100, start + (span * self.done // self.total if self.total else 0))


@dataclass
class Compared:
    file: str
    shared_ids_ratio: float | None


@dataclass
class CheckResult:
    file: Path
    rows: int
    persons: int
    columns: list[Column]
    person_column: str | None
    direct: list[Direct]
    linkable: list[Linkable]
    risk: risk.Risk
    verdict: Verdict
    proposals: list[Proposal]
    compare: Compared | None = None
    delimiter: str = ""

    @property
    def quasi_identifiers(self) -> list[str]:
        return [c.name for c in self.columns if c.role == "quasi" or (c.role == "direct" and c.kind == "birth_date")]

    @property
    def sensitive(self) -> list[str]:
        return [c.name for c in self.columns if c.role == "sensitive"]

    def recommended(self) -> Proposal | None:
        return next((p for p in self.proposals if p.recommended), None)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON (docs/export.md)."""
        out: dict[str, Any] = {
            "file": str(self.file),
            "rows": self.rows,
            "persons": self.persons,
            "columns": [{"name": c.name, "role": c.role, "kind": c.kind} for c in self.columns],
            "verdict": self.verdict.key,
            "direct_identifiers": [{"column": d.column, "kind": d.kind, "rows": d.rows, "in_free_text": d.in_free_text}
                                   for d in self.direct],
            "linkable_ids": [{"column": item.column, "why": item.why} for item in self.linkable],
            "quasi_identifiers": self.quasi_identifiers,
            "sensitive": self.sensitive,
            "k_anonymity": self.risk.k,
            "unique_ratio": round(self.risk.unique_ratio, 4),
            "below_5_ratio": round(self.risk.below_5_ratio, 4),
            "below_11_ratio": round(self.risk.below_11_ratio, 4),
            "l_diversity": dict(self.risk.l_diversity),
            "criteria": dict(self.verdict.criteria),
            "proposals": [proposal_json(p) for p in self.proposals],
        }
        if self.compare is not None:
            out["compare"] = {"file": self.compare.file, "shared_ids_ratio": self.compare.shared_ids_ratio}
        return out


def proposal_json(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "recommended": p.recommended,
        "actions": [{"column": a.column, "action": a.action, "to": a.to or None} for a in p.actions],
        "k_anonymity": p.risk.k,
        "unique_ratio": round(p.risk.unique_ratio, 4),
        "l_diversity": dict(p.risk.l_diversity),
    }


def _kind_for(role: str, column: Column) -> str:
    if role == column.detected[0]:
        return column.detected[1]
    key = header_key(column.name)
    if role == "direct":
        return max(column.hits.values(), key=lambda h: h.rows).kind if column.hits else "other"
    if role == "quasi":
        return next((k for k, p in QUASI_HINTS.items() if re.search(p, key)), "other")
    if role == "sensitive":
        return next((k for k, p in SENSITIVE_HINTS.items() if re.search(p, key)), "other")
    if role == "linkable":
        return "hash" if column.detected[1] == "hash" else "pseudonym"
    return {"free_text": "text"}.get(role, "other")


def parse_roles(items: list[str] | None) -> dict[str, str]:
    """``COLUMN=ROLE`` options into a mapping; ExportError on a malformed one."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, role = item.rpartition("=")
        if not sep or not name.strip():
            raise ExportError(N_("--role expects COLUMN=ROLE, e.g. ville=quasi; got {item}."), item=item)
        role = role.strip().lower().replace("-", "_")
        if role not in ROLES:
            raise ExportError(N_("Unknown role {role}; the roles are: {roles}."), role=role, roles=", ".join(ROLES))
        out[name.strip()] = role
    return out


def _apply_roles(columns: list[Column], roles: Mapping[str, str]) -> set[str]:
    names = {c.name: c for c in columns}
    for name, role in roles.items():
        if name not in names:
            raise ExportError(N_("The file has no column named {column}."), column=name)
        column = names[name]
        column.role, column.kind = role, _kind_for(role, column)
    return set(roles)


def _birth_dates(columns: list[Column], coded: Callable[[int], risk.Coded], person: Column | None, chosen: set[str]) -> None:
    """A full date that stays the same for each person over their rows is a date of birth."""
    if person is None:
        return
    persons = coded(person.index)
    count = len(persons.values)
    for column in columns:
        if column.kind != "date" or column.name in chosen or count < 20 or column.distinct < 20:
            continue
        dates = coded(column.index)
        pairs = len(set(map(add, map(mul, persons.codes, repeat(dates.n)), dates.codes)))
        if pairs <= 1.02 * count and count < column.nonempty:
            column.role, column.kind = "direct", "birth_date"
            column.detected = ("direct", "birth_date")


def _direct(columns: list[Column], data: list[list[str]], chosen: set[str]) -> list[Direct]:
    """``data``: each column's distinct values in the order first seen (``Table.values``)."""
    found = []
    for column in columns:
        if column.role == "direct":
            hit = column.hits.get(column.kind)
            first = next((v for v in data[column.index] if v.strip()), "")
            found.append(Direct(column.name, column.kind, hit.rows if hit else column.nonempty, False,
                                hit.example if hit else mask(first.strip()[:40])))
            others = [h for h in column.hits.values() if h.kind != column.kind]
        elif column.name in chosen:
            continue  # the doctor said what this column is
        else:
            others = list(column.hits.values())
        for hit in others:
            found.append(Direct(column.name, hit.kind, hit.rows, hit.rows_text > 0 or column.role == "free_text", hit.example))
    return found


def _linkable(columns: list[Column], data: list[list[str]], person: Column | None, persons: int) -> list[Linkable]:
    """``data``: each column's distinct values in the order first seen (``Table.values``)."""
    out = []
    nir_values = [v for c in columns if c.role == "direct" and c.kind in ("nir", "ins")
                  for v in list(dict.fromkeys(data[c.index]))[:500]]
    nir_columns = [c.name for c in columns if c.role == "direct" and c.kind in ("nir", "ins")]
    for column in columns:
        if column.role != "linkable":
            continue
        values = data[column.index]
        distinct_values = set(values)
        algorithm = linkage.hash_algorithm(list(distinct_values)[:50]) if column.kind == "hash" else None
        of_column = None
        if column.kind == "hash" and nir_values:
            found = linkage.hash_of(distinct_values, nir_values)
            if found:
                algorithm, of_column = found, nir_columns[0]
        rows_per = column.nonempty / column.distinct if column.distinct else 1.0
        out.append(Linkable(column.name, linkage.why(column, rows_per, algorithm, of_column)))
    return out


def _compare(earlier: Path, columns: list[Column], data: list[list[str]], person: Column | None,
             cancelled: Callable[[], bool]) -> Compared:
    table = readers.read_table(earlier, cancelled=cancelled)
    ids = [c for c in columns if c.role == "linkable" or (c.role == "direct" and c.kind in linkage.PERSON_KINDS)]
    if person is not None:
        ids.sort(key=lambda c: c is not person)
    if not ids:
        return Compared(str(earlier), None)
    current = ids[0]
    if current.name in table.headers:
        other = table.values[table.headers.index(current.name)]
    else:  # the same kind of column under another name: the one sharing most values
        others = [classify(i, n, table.counts(i), table.rows) for i, n in enumerate(table.headers)]
        candidates = [c for c in others if c.role in ("linkable", "direct")]
        if not candidates:
            return Compared(str(earlier), 0.0)
        mine = set(data[current.index])
        other = max((table.values[c.index] for c in candidates), key=lambda col: len(mine & set(col)))
    return Compared(str(earlier), round(linkage.shared_ratio(set(data[current.index]), set(other)), 4))


def check(path: Path | str, *, compare: Path | str | None = None, roles: Mapping[str, str] | None = None,
          progress: Callable[[Progress], None] | None = None, cancel: Cancel | None = None) -> CheckResult:
    """Check one export (see the module docstring); raises ExportError or Cancelled."""
    # The cyclic garbage collector would scan millions of rows and tuples again and again while
    # they are built (none of them forms a cycle): measured 2-3x slower with it on.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _check(Path(path), compare, roles, progress, cancel)
    finally:
        if was_enabled:
            gc.enable()


def _check(path: Path, compare: Path | str | None, roles: Mapping[str, str] | None,
           progress: Callable[[Progress], None] | None, cancel: Cancel | None) -> CheckResult:

    def cancelled() -> bool:
        return cancel is not None and cancel.cancelled

    def report(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(Progress(stage, done, total))
        if cancelled():
            raise Cancelled()

    table = readers.read_table(path, report=lambda d, t: report("read", d, t), cancelled=cancelled)
    columns: list[Column] = []
    counts: list[Counter[str]] = []
    for index, name in enumerate(table.headers):
        report("columns", index, len(table.headers))
        counts.append(table.counts(index))
        columns.append(classify(index, name, counts[index], table.rows))
    chosen = _apply_roles(columns, roles or {})
    cache: dict[int, risk.Coded] = {}

    def coded(index: int) -> risk.Coded:
        if index not in cache:
            cache[index] = risk.Coded(table.codes[index], table.values[index])
        return cache[index]

    person = linkage.person_column(columns, table.values)
    _birth_dates(columns, coded, person, chosen)
    persons_coded = coded(person.index) if person is not None else None
    persons = len(persons_coded.values) if persons_coded is not None else table.rows
    report("risk", 0, 1)
    direct = _direct(columns, table.values, chosen)
    linkable = _linkable(columns, table.values, person, persons)
    qi_columns = [c for c in columns if c.role == "quasi" or (c.role == "direct" and c.kind == "birth_date")]
    sensitive = {c.name: coded(c.index) for c in columns if c.role == "sensitive"}
    assessed = risk.assess([coded(c.index) for c in qi_columns], persons_coded, sensitive, table.rows)
    compared = _compare(Path(compare), columns, table.values, person, cancelled) if compare else None
    verdict = decide(direct, linkable, assessed, [c.name for c in qi_columns],
                     compared.shared_ids_ratio if compared else None, Path(compare).name if compare else None)
    report("proposals", 0, 1)
    fixes = proposals.propose(columns, coded, persons_coded, table.rows, cancelled, base=assessed)
    report("proposals", 1, 1)
    log.info("export check: %d rows, %d columns, verdict %s", table.rows, len(columns), verdict.key)
    return CheckResult(path, table.rows, persons, columns, person.name if person else None, direct, linkable,
                       assessed, verdict, fixes, compared, table.delimiter)


def write_safer(result: CheckResult, target: Path | str, proposal_id: str | None = None,
                progress: Callable[[Progress], None] | None = None, cancel: Cancel | None = None) -> CheckResult:
    """Apply a proposal (the recommended one by default) to the checked file, write ``target`` and
    check the written file again; returns that second check."""
    target = Path(target)
    chosen = result.recommended() if proposal_id is None else next((p for p in result.proposals if p.id == proposal_id), None)
    if chosen is None:
        raise ExportError(N_("There is no proposal {id} for this file."), id=proposal_id or "-")
    if target.resolve() == result.file.resolve():
        raise ExportError(N_("The safer copy must not replace the checked file; choose another name."))
    if not target.parent.is_dir():
        raise ExportError(N_("The folder of {name} does not exist."), name=target.name)
    try:
        proposals.write(result.file, target, chosen)
    except OSError as exc:
        raise ExportError(N_("The safer copy could not be written: {reason}"), reason=exc.strerror or type(exc).__name__) from None
    return check(target, progress=progress, cancel=cancel)
