"""The checklist catalogue: grounded, complete, every link valid, guided mode and first hour."""

from __future__ import annotations

import datetime as dt

from gp_guard.audit.service import known_ids
from gp_guard.checklist import items, progress, scoring
from gp_guard.checklist.items import FIRST_HOUR, ITEMS, Effort, Theme


def test_about_thirty_items_in_the_six_themes():
    assert 28 <= len(ITEMS) <= 45
    assert len({i.id for i in ITEMS}) == len(ITEMS)
    assert {i.theme for i in ITEMS} == set(Theme)
    assert sum(1 for i in ITEMS if i.linked) >= 10
    assert sum(1 for i in ITEMS if not i.linked) >= 10


def test_every_item_is_complete():
    for item in ITEMS:
        assert item.why and len(item.steps) >= 1 and item.helpers and item.references, item.id
        assert 1 <= item.risk <= 5, item.id
        assert item.linked or item.review_months, item.id  # attested items expire
        assert not (item.linked and item.review_months), item.id


def test_linked_check_ids_exist():
    known = set(known_ids())
    assert [c for i in ITEMS for c in i.checks if c not in known] == []


def test_first_hour_path_covers_the_issue():
    assert FIRST_HOUR == ("PC-DISK", "PC-LOCK", "PC-VAULT", "BKP-KIT", "NET-BOX", "BKP-RESTORE")
    by_id = items.by_id()
    assert by_id["PC-DISK"].checks == ("CRY-01",)
    assert by_id["PC-LOCK"].checks == ("ACC-02",)
    assert by_id["BKP-RESTORE"].review_months == 6
    assert "BOX-01" in by_id["NET-BOX"].checks and "Q-BOX-01" in by_id["NET-BOX"].checks


def test_next_actions_prefer_risk_for_little_effort():
    statuses = [progress.ItemStatus(i, progress.State.TODO, "", None) for i in ITEMS]
    picked = scoring.next_actions(statuses)
    assert len(picked) == 3
    best = max(scoring.value(s) for s in statuses)
    assert scoring.value(picked[0]) == best
    assert all(scoring.value(a) >= scoring.value(b) for a, b in zip(picked, picked[1:], strict=False))
    assert all(p.item.effort is Effort.MINUTES for p in picked)


def test_next_actions_skip_done_items_and_include_expired_ones():
    done = {i.id for i in ITEMS if i.risk == 5}
    statuses = [progress.ItemStatus(i, progress.State.DONE if i.id in done else progress.State.EXPIRED, "", None)
                for i in ITEMS]
    picked = scoring.next_actions(statuses)
    assert picked and not {p.item.id for p in picked} & done
    everything_done = [progress.ItemStatus(i, progress.State.DONE, "", None) for i in ITEMS]
    assert scoring.next_actions(everything_done) == []
    assert scoring.first_hour_done(everything_done)
    assert scoring.progress(everything_done).percent == 100


def test_add_months_clamps_to_the_end_of_month():
    assert progress.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert progress.add_months(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 15)
    assert progress.add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
