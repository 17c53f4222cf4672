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

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
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
           sensitive: dict[str, Sequence[str]], rows: int) -> Risk:
    keys = class_keys(qi_columns, rows)
    if persons is None:  # one row, one person
        pairs: set[tuple[object, object]] | list[tuple[object, object]] = list(zip(keys, range(rows)))
        count = rows
    else:
        pairs = set(zip(keys, persons))
        count = len(set(persons))
    size = Counter(map(itemgetter(0), pairs))
    members: dict[object, list[object]] = defaultdict(list)
    small = {key for key, n in size.items() if n < 11}
    for key, person in pairs:
        if key in small:
            members[key].append(person)

    def share(limit: int) -> float:
        exposed = {p for key in small if size[key] < limit for p in members[key]}
        return len(exposed) / count if count else 0.0

    risk = Risk(count, min(size.values()) if size else 0, share(2), share(5), share(11), len(size))
    for name, values in sensitive.items():
        pairs_v = {(k, v) for k, v in zip(keys, values) if v.strip()}
        distinct = Counter(map(itemgetter(0), pairs_v))
        lows = [key for key, n in size.items() if n < 2 or distinct.get(key, 2) < 2]
        l_values = [1 if size[key] < 2 else distinct[key] for key in distinct]
        risk.l_diversity[name] = min(l_values) if l_values else 0
        if persons is None:
            exposed = sum(size[key] for key in lows)
        else:
            low_set = set(lows)
            exposed = len({p for key, p in pairs if key in low_set})
        risk.l1_ratio[name] = exposed / count if count else 0.0
    return risk
