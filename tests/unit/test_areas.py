"""The dashboard's area tiles: one state per area, in words, from the latest audit."""

from __future__ import annotations

import pytest

from gp_guard import i18n
from gp_guard.audit.areas import Tone, area_states
from gp_guard.audit.model import Area
from gp_guard.audit.registry import all_checks
from gp_guard.audit.service import run_audit
from tests.helpers import recorded

METAS = {c.id: c.meta for c in all_checks()}


def _states(host: str):
    report = run_audit(recorded(host), None, no_network=True, save=False)
    return {s.area: s for s in area_states({f.id: str(f.status) for f in report.findings}, METAS)}


def test_weak_pc_needs_action_where_critical_or_high_points_fail():
    states = _states("win10_fr_weak")
    enc = states[Area.ENCRYPTION]
    assert enc.tone is Tone.ACTION and enc.to_fix >= 1 and enc.first_check in ("CRY-01", "CRY-02")
    assert enc.first_check == "CRY-01"  # the critical one first


def test_hardened_pc_is_mostly_in_order():
    states = _states("win11_fr_hardened")
    assert states[Area.FIREWALL].tone is Tone.GOOD
    assert states[Area.FIREWALL].sentence() == f"{states[Area.FIREWALL].in_order} points checked"


@pytest.mark.parametrize(("lang", "one", "two"), [("fr", "1 point à corriger", "2 points à corriger"),
                                                  ("en", "1 point to fix", "2 points to fix")])
def test_sentences_take_plural_forms(lang, one, two):
    i18n.set_language(lang)
    metas = {m.id: m for m in METAS.values() if m.area is Area.ACCOUNTS}
    ids = sorted(i for i, m in metas.items() if m.severity.value in ("medium", "low"))[:2]
    [single] = area_states({ids[0]: "fail"}, METAS)
    assert single.tone is Tone.ATTENTION and single.sentence() == one
    [double] = area_states({ids[0]: "fail", ids[1]: "fail"}, METAS)
    assert double.sentence() == two


def test_an_area_with_nothing_checked_says_so():
    [state] = area_states({"HW-01": "skipped"}, METAS)
    assert state.tone is Tone.UNKNOWN and state.sentence() == "Not checked on this computer"
