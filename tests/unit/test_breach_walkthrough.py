"""The breach walkthrough service both faces call: rules, truthful record, texts in a given language."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from gp_guard import i18n
from gp_guard.breach import walkthrough
from gp_guard.breach.register import Register, RegisterError
from gp_guard.breach.walkthrough import NotReady, Walkthrough


@pytest.fixture
def walk(memory_keyring):
    from gp_guard.store import open_default

    return Walkthrough.start(Register.open(open_default()))


AWARE = dt.datetime(2026, 12, 7, 17, 18).astimezone()  # local time: the deadline is Thursday 10 December


def answered(walk: Walkthrough) -> Walkthrough:
    walk.answer("aware_at", AWARE.isoformat())
    for name, value in {"incident_type": "stolen_device", "malicious": True, "confidentiality": "unknown_recipients",
                        "data_categories": ["health"], "subjects_count": 40, "data_unintelligible": False}.items():
        walk.answer(name, value)
    return walk


def test_translation_gives_a_language_without_switching_the_process():
    fr = i18n.translation("fr")
    assert i18n.current_language() == "en"
    assert fr("Choose Yes or No for both decisions.") == "Choisissez Oui ou Non pour les deux décisions."
    assert i18n._("Choose Yes or No for both decisions.") == "Choose Yes or No for both decisions."
    assert i18n.translation("en")("Exercise") == "Exercise"
    with pytest.raises(ValueError):
        i18n.translation("de")


def test_the_draft_is_in_the_records_language_while_another_thread_speaks_english(walk):
    answered(walk)
    seen: list[str] = []
    stop = threading.Event()

    def worker() -> None:  # an audit's progress messages, say, while the draft is written
        while not stop.is_set():
            seen.append(i18n._("Exercise"))

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        drafts = [walk.draft_reasoning() for _ in range(20)]
    finally:
        stop.set()
        thread.join()
    assert set(seen) == {"Exercise"} and i18n.current_language() == "en"
    assert "Le risque est élevé" in drafts[0] and "Calcul : 4 × 1 + 1 = 5." in drafts[0]
    assert drafts[0].endswith("[Complétez ou corrigez avec vos propres mots.]")
    assert walk.record.title == "Ordinateur, téléphone ou clé USB volé"  # the record's language, not the window's


def test_proposal_and_verdict_in_the_language_asked(walk):
    answered(walk)
    result = walk.proposal()
    french = walkthrough.proposal_text(result, "fr")
    assert "Notifier la CNIL : oui" in french and "Gravité : 5 (niveau très élevé) = 4 × 1 + 1" in french
    assert "10 décembre 2026 à 17 h 18" in french
    assert "Notify the CNIL: yes" in walkthrough.proposal_text(result, "en")
    now = AWARE + dt.timedelta(hours=1)
    assert walkthrough.verdict_text(walk.record, now, "fr") == "Notifiez la CNIL avant le jeudi 10 décembre 2026 à 17 h 18."
    assert walkthrough.verdict_text(walk.record, now, "en") == "Notify the CNIL before Thursday 10 December 2026 at 17:18."
    assert walkthrough.patients_verdict_text(walk.record, now, "fr").startswith("Informez aussi les patients")
    late = walkthrough.verdict_text(walk.record, AWARE + dt.timedelta(hours=80), "fr")
    assert late.startswith("Les 72 heures ont pris fin le 10 décembre 2026 à 17 h 18")
    assert walkthrough.countdown_text(walk.record, now, "fr").startswith("Il reste 71 heures 00 minutes")
    assert i18n.current_language() == "en"


def test_confirm_needs_both_decisions_and_the_reasoning(walk):
    answered(walk)
    with pytest.raises(NotReady) as refused:
        walk.confirm()
    assert refused.value.problems[0] == "Choose Yes or No for both decisions."
    walk.decide(True, False)
    with pytest.raises(NotReady, match="Write why the patients are not informed."):
        walk.confirm()
    walk.decide(inform_reasoning=walk.draft_reasoning())
    with pytest.raises(NotReady, match="square brackets"):
        walk.confirm()
    walk.decide(inform_reasoning="Patients prévenus après l'enquête.")
    walk.confirm()
    again = walk.register.get(walk.record.id)
    assert again.notify.confirmed_at and again.inform.confirmed_at and again.cnil.texts_sent
    assert (again.notify.proposed, again.inform.proposed) == (True, True)
    assert again.events[-1].text == "Décisions confirmées : notifier la CNIL, ne pas informer les patients."
    # a decision is not a notification: the record still says "to notify"
    assert again.cnil_state() == "to_notify" and not again.cnil_notified()


def test_changing_a_decision_withdraws_its_confirmation(walk):
    answered(walk)
    walk.decide(True, True)
    walk.confirm()
    walk.decide(inform=False, inform_reasoning="Finalement, données chiffrées.")
    assert walk.record.notify.confirmed_at and not walk.record.inform.confirmed_at
    with pytest.raises(NotReady, match="Confirm your decisions"):
        walk.close()


def test_close_needs_confirmed_decisions_and_happens_once(walk):
    answered(walk)
    with pytest.raises(NotReady):
        walk.close()
    assert walk.register.get(walk.record.id).status == "open"
    walk.decide(True, True)
    walk.confirm()
    walk.close()
    closed = walk.register.get(walk.record.id)
    assert closed.status == "closed" and closed.events[-1].text == "Violation clôturée"
    with pytest.raises(RegisterError, match="already closed"):
        walk.close()


def test_notified_only_with_the_receipt_and_steps_noted_with_french_dates(walk):
    from gp_guard.breach.input import InputError

    answered(walk)
    with pytest.raises(InputError):
        walk.mark_done("cnil", receipt=" ")
    assert walk.register.get(walk.record.id).cnil.notified_at == ""
    when = dt.datetime(2026, 12, 8, 9, 5).astimezone()
    walk.mark_done("cnil", when, receipt="CNIL-2026-0042", kind="initial")
    walk.mark_done("police", when)
    assert walk.register.get(walk.record.id).cnil_state() == "notified"
    assert walkthrough.done_lines(walk.record, "fr") == ["✓ CNIL notifiée — 8 décembre 2026 à 9 h 05",
                                                          "✓ Plainte déposée — 8 décembre 2026 à 9 h 05"]
    assert walkthrough.verdict_text(walk.record, when, "fr") == "La CNIL a été notifiée le 8 décembre 2026 à 9 h 05 (n° CNIL-2026-0042)."


def test_a_deleted_record_takes_no_more_steps(walk):
    answered(walk)
    walk.delete("enregistrée deux fois")
    assert walk.record.status == "deleted"
    with pytest.raises(RegisterError, match="marked as deleted"):
        walk.confirm()
    text = walkthrough.deleted_text(walk.record, "fr")
    assert text.startswith("Cette fiche a été supprimée le ") and i18n.format_datetime(walk.record.deleted_at, "fr") in text
