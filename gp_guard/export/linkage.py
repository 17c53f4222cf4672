"""Linkable identifiers: columns whose value stays the same for one person across rows and across
exports (the Cegedim failure), hashes of identifiers, and the share of identifiers two exports
have in common.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from gp_guard.export.roles import HEX_RE, Column
from gp_guard.i18n import _

ALGORITHMS = {32: "MD5", 40: "SHA-1", 64: "SHA-256"}
PERSON_KINDS = ("nir", "ins")


def person_column(columns: Sequence[Column], data: Sequence[Sequence[str]]) -> Column | None:
    """The column that names the person of each row: a linkable identifier (or a NIR/INS column)
    repeated over rows; the one repeated most. None: each row is taken as one person."""
    best, best_ratio = None, 0.0
    for column in columns:
        if column.role == "linkable" or (column.role == "direct" and column.kind in PERSON_KINDS):
            if column.distinct < 2:
                continue
            ratio = column.nonempty / column.distinct
            if ratio > best_ratio:
                best, best_ratio = column, ratio
    return best


def hash_algorithm(values: Sequence[str]) -> str | None:
    for value in values:
        value = value.strip()
        if HEX_RE.match(value):
            return ALGORITHMS[len(value)]
    return None


def hash_of(hash_distinct: set[str], candidates: Sequence[str]) -> str | None:
    """Which plain hash (MD5, SHA-1, SHA-256) of the candidates' values is in this column, if any."""
    lowered = {h.strip().lower() for h in hash_distinct}
    for value in candidates[:500]:
        for form in {value.strip(), value.replace(" ", "").strip(), value.replace(" ", "")[:13]}:
            if not form:
                continue
            for name in ("md5", "sha1", "sha256"):
                if hashlib.new(name, form.encode("utf-8")).hexdigest() in lowered:
                    return {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}[name]
    return None


def why(column: Column, rows_per_person: float, algorithm: str | None, of_column: str | None) -> str:
    """Why a column links a person's rows, in plain words (translated now)."""
    if column.kind == "hash" and of_column:
        return _("It is the {algorithm} fingerprint of column {column} without a secret key: anyone can recompute it from the identifier and link the files.").format(
            algorithm=algorithm or "hash", column=of_column)
    if column.kind == "hash":
        return _("It looks like a {algorithm} fingerprint of an identifier. Without a secret key it can be reversed: trying every possible NIR takes a few hours on a computer.").format(
            algorithm=algorithm or "MD5/SHA")
    if column.role == "direct":
        return _("A national identifier: the same for the person in every file.")
    if rows_per_person > 1.05:
        return _("The same code follows one person over {rows} rows on average: the person's care pathway can be rebuilt, and linked with any other export that uses the same code.").format(
            rows=f"{rows_per_person:.1f}")
    return _("A code that names one person: if it is used again in another export, the two can be linked.")


def shared_ratio(current: set[str], earlier: set[str]) -> float:
    """Share of the identifiers of this export also found in the earlier one."""
    current = {v for v in current if v.strip()}
    if not current:
        return 0.0
    return len(current & earlier) / len(current)
