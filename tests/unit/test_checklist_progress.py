"""Attestations in the store, expiry, audit ticks with the evidence date, history and snapshots."""

from __future__ import annotations

import datetime as dt

import pytest

from gp_guard.audit import history
from gp_guard.audit.model import Finding, Outcome, Status
from gp_guard.audit.registry import all_checks
from gp_guard.checklist import progress
from gp_guard.store import Store, open_default


@pytest.fixture
def store() -> Store:
    return open_default()


def _by_id(statuses):
    return {s.item.id: s for s in statuses}


def _save_run(store, when: dt.datetime, results: dict[str, Status]) -> int:
    metas = {c.id: c.meta for c in all_checks()}
    findings = [Finding(metas[i], Outcome(s), "linux") for i, s in results.items()]
    return history.save_run(store, when, 1.0, 50, "D", "linux", findings)


def test_attested_item_is_done_until_its_review_date(store):
    day = dt.date(2026, 1, 10)
    progress.attest(store, "bkp-restore", on=day, note="restored on the spare PC")
    status = _by_id(progress.statuses(store, today=dt.date(2026, 7, 9)))["BKP-RESTORE"]
    assert status.state is progress.State.DONE
    assert status.due == dt.date(2026, 7, 10)
    assert status.note == "restored on the spare PC"
    assert "10 January 2026" in status.describe() and "10 July 2026" in status.describe()
    later = _by_id(progress.statuses(store, today=dt.date(2026, 7, 10)))["BKP-RESTORE"]
    assert later.state is progress.State.EXPIRED
    assert "to review again since 10 July 2026" in later.describe()


def test_attestations_survive_a_restart_and_keep_their_history(store, tmp_path):
    progress.attest(store, "AWR-PHISHING", on=dt.date(2025, 3, 1))
    progress.attest(store, "AWR-PHISHING", on=dt.date(2026, 3, 1), note="again")
    progress.withdraw(store, "AWR-PHISHING")
    path = store.path
    store.close()
    reopened = Store(path)
    rows = progress.attestations(reopened, "AWR-PHISHING")
    assert [(r.attested_on.year, r.withdrawn) for r in rows] == [(2025, False), (2026, False), (2026, True)]
    assert _by_id(progress.statuses(reopened))["AWR-PHISHING"].state is progress.State.TODO
    reopened.close()


def test_refusals_are_typed_and_translatable(store):
    with pytest.raises(progress.ChecklistError) as unknown:
        progress.attest(store, "NOPE")
    assert unknown.value.text() == "Unknown checklist item: NOPE."
    with pytest.raises(progress.ChecklistError, match="ticked by the audit"):
        progress.attest(store, "PC-DISK")
    with pytest.raises(progress.ChecklistError, match="future"):
        progress.attest(store, "BKP-KIT", on=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(progress.ChecklistError, match="too long"):
        progress.attest(store, "BKP-KIT", note="x" * (progress.NOTE_MAX + 1))
    assert progress.attestations(store) == []


def test_linked_items_follow_the_latest_audit_with_its_date(store):
    assert _by_id(progress.statuses(store))["PC-DISK"].state is progress.State.UNKNOWN
    _save_run(store, dt.datetime(2026, 5, 2, 9, 0, tzinfo=dt.UTC),
              {"CRY-01": Status.FAIL, "ACC-02": Status.PASS, "FW-01": Status.SKIPPED,
               "UPD-01": Status.PASS, "UPD-02": Status.WARN})
    by_id = _by_id(progress.statuses(store))
    assert by_id["PC-DISK"].state is progress.State.TODO
    assert by_id["PC-DISK"].evidence_date == dt.date(2026, 5, 2)
    assert by_id["PC-DISK"].describe() == "Checked by the audit of 2 May 2026"
    assert by_id["PC-LOCK"].state is progress.State.DONE
    assert by_id["PC-FIREWALL"].state is progress.State.UNKNOWN  # skipped: not evaluated
    assert by_id["PC-UPDATES"].state is progress.State.TODO  # a warning is still to do
    _save_run(store, dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC), {"CRY-01": Status.PASS})
    again = _by_id(progress.statuses(store))
    assert again["PC-DISK"].state is progress.State.DONE
    assert again["PC-DISK"].evidence_date == dt.date(2026, 6, 1)
    assert again["PC-LOCK"].state is progress.State.UNKNOWN  # only the latest run counts


def test_vault_items_follow_the_vault_once_set_up(store):
    facts = progress.VaultFacts(folders_protected=2, last_verified=dt.date(2026, 4, 1),
                                recovery_kit_confirmed=None)
    by_id = _by_id(progress.statuses(store, vault=facts))
    assert by_id["PC-VAULT"].state is progress.State.DONE and by_id["PC-VAULT"].source == "vault"
    assert by_id["BKP-KIT"].state is progress.State.TODO  # kit not confirmed: attestable
    progress.attest(store, "BKP-KIT")
    assert _by_id(progress.statuses(store, vault=facts))["BKP-KIT"].source == "attestation"


def test_progress_shows_over_time(store):
    progress.statuses(store, today=dt.date(2026, 1, 1))
    progress.attest(store, "GOV-CONTACTS", on=dt.date(2026, 1, 2))
    progress.statuses(store, today=dt.date(2026, 1, 2))
    progress.statuses(store, today=dt.date(2026, 1, 2))  # one snapshot a day
    line = progress.timeline(store)
    assert [(s.day.day, s.done) for s in line] == [(1, 0), (2, 1)]


def test_timeline_text_keeps_the_days_with_a_change():
    day = dt.date(2026, 1, 1)
    points = [progress.Snapshot(day + dt.timedelta(days=i), done, 40) for i, done in enumerate([2, 2, 5, 5, 5])]
    assert progress.timeline_text(points) == "1 January 2026: 2 → 3 January 2026: 5 → 5 January 2026: 5"
    assert progress.timeline_text(points[:1]) == ""
