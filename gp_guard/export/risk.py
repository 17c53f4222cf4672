"""Re-identification risk counted per person, not per row.

A class is the set of persons sharing one combination of quasi-identifier values (year of birth,
sex, postcode...). Its size is the number of distinct persons in it: an export with four
consultations per patient does not make a patient four times harder to find. A person whose
values change between rows (a weight) belongs to several classes and is as exposed as in the
smallest one.

- k-anonymity: the size of the smallest class.
- unique / below 5 / below 11: share of persons in a class of 1, of fewer than 5, of fewer than 11.
- l-diversity of a sensitive column: the smallest number of distinct values in a class; a class of
  one person counts as l = 1 (whatever it holds is that person's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter

K_MIN = 10  # the threshold for "no risk found"; 5 and 11 are shown as well
L_MIN = 2


@dataclass
class Risk:
    persons: int
    k: int
    unique_ratio: float
    below_5_ratio: float
    below_11_ratio: float
    classes: int
    l_diversity: dict[str, int] = field(default_factory=dict)
    l1_ratio: dict[str, float] = field(default_factory=dict)  # share of persons in a class with l = 1


def class_keys(columns: Sequence[Sequence[str]], rows: int) -> Sequence[object]:
    """One hashable key per row: the row's quasi-identifier values."""
    if not columns:
        return [()] * rows
    if len(columns) == 1:
        return columns[0]
    return list(zip(*columns))


def assess(qi_columns: Sequence[Sequence[str]], persons: Sequence[str] | None,
           sensitive: dict[str, Sequence[str]], rows: int, detailed: bool = True) -> Risk:
    """k, the shares of exposed persons and l per sensitive column. Every loop over rows is done
    by C code (zip, map, compress, set, Counter): about a second for 1,000,000 rows.
    ``detailed=False`` skips the shares of persons with l = 1 (the proposals do not show them)."""
    keys = class_keys(qi_columns, rows)
    if persons is None:  # one row, one person
        people: Sequence[object] = range(rows)
        pairs = list(zip(keys, people))
        count = rows
    else:
        people = persons
        pairs = list(set(zip(keys, persons)))
        count = len(set(persons))
    of_pair = list(map(itemgetter(0), pairs))
    size = Counter(of_pair)
    sizes = list(map(size.__getitem__, of_pair))
    who = list(map(itemgetter(1), pairs))

    def share(limit: int) -> float:
        return len(set(compress(who, map(limit.__gt__, sizes)))) / count if count else 0.0

    k = min(size.values()) if size else 0
    risk = Risk(count, k, share(2), share(5), share(11), len(size))
    if not sensitive:
        return risk
    big = {key for key, n in size.items() if n >= 2}
    chosen = list(map(big.__contains__, keys)) if k < 2 and (detailed or big) else None
    for name, values in sensitive.items():
        if k < 2 and not detailed:
            risk.l_diversity[name] = 1  # a class of one person: whatever it holds is that person's
            continue
        if chosen is None:
            pairs_v = set(zip(keys, values))
        else:
            pairs_v = set(zip(compress(keys, chosen), compress(values, chosen)))
        distinct = Counter(map(itemgetter(0), pairs_v))
        risk.l_diversity[name] = 1 if k < 2 else (min(distinct.values()) if distinct else 0)
        if detailed:
            low = {key for key, n in size.items() if n < 2 or distinct.get(key, 2) < 2}
            exposed = len(set(compress(who, map(low.__contains__, of_pair))))
            risk.l1_ratio[name] = exposed / count if count else 0.0
    return risk
