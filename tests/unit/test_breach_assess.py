"""The decision aid on the published EDPB and ICO examples, the ENISA score, and the input format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gp_guard.breach import input as binput
from gp_guard.breach.assess import assess, band, deadline
from gp_guard.breach.input import InputError, parse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "breach"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # 4 hours after the fixtures' aware_at
FULL = {
    "aware_at": "2026-03-02T09:00:00+01:00", "occurred_at": "2026-03-01T22:00:00+01:00",
    "incident_type": "stolen_device", "malicious": True, "confidentiality": "unknown_if_accessed",
    "recipients_trusted": False, "integrity": "none", "availability": "none", "care_disrupted": False,
    "data_categories": ["identification", "health"], "subjects_count": 800, "vulnerable_subjects": False,
    "data_unintelligible": False, "identifiable": "direct",
}


def test_every_fixture_has_an_expectation():
    files = {p.name for p in FIXTURES.glob("*.json")} - {"expected.json"}
    assert files == set(EXPECTED)
    assert len(files) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_published_example(name):
    result = assess(parse(json.loads((FIXTURES / name).read_text(encoding="utf-8"))), NOW).to_json()
    expected = EXPECTED[name]
    for key in ("notify_authority", "inform_data_subjects"):
        if key in expected:
            assert result[key] is expected[key], (name, key, result["reasons"])
    if "severity" in expected:
        assert result["severity"]["score"] == expected["severity"]["score"]
        assert result["severity"]["band"] == expected["severity"]["band"]
    # a decision the app proposes always comes with its reasons
    assert result["reasons"]


def test_enisa_formula_and_components():
    result = assess(parse(FULL), NOW)
    s = result.severity
    assert (s.dpc, s.ei, s.cb) == (4.0, 1.0, 0.5)  # health data; direct; malicious, confidentiality unknown
    assert s.score == pytest.approx(s.dpc * s.ei + s.cb) == 4.5
    assert s.band == "very_high"
    texts = [r.text() for r in s.explanation]
    assert any("professional secrecy" in t for t in texts)


def test_vulnerable_patients_raise_the_data_context():
    plain = assess(parse({**FULL, "data_categories": ["identification"]}), NOW).severity
    minors = assess(parse({**FULL, "data_categories": ["identification"], "vulnerable_subjects": True}), NOW).severity
    assert minors.dpc == plain.dpc + 1


def test_encryption_lowers_identifiability_and_gives_exemption_a():
    result = assess(parse({**FULL, "data_unintelligible": True}), NOW)
    assert result.severity.ei == 0.25
    assert result.notify_authority is False
    assert result.inform_data_subjects is False
    assert result.art34_exemption == "a"


def test_trusted_recipient_who_deleted_gives_exemption_b():
    data = {**FULL, "incident_type": "misdirected_email", "malicious": False, "confidentiality": "known_recipients",
            "recipients_trusted": True}
    result = assess(parse(data), NOW)
    assert result.art34_exemption == "b" and result.inform_data_subjects is False
    untrusted = assess(parse({**data, "recipients_trusted": False}), NOW)
    assert untrusted.inform_data_subjects is True and untrusted.art34_exemption is None


def test_large_scale_mentions_public_communication():
    result = assess(parse({**FULL, "subjects_count": 50_000}), NOW)
    assert any("34(3)(c)" in r.text() for r in result.reasons)


@pytest.mark.parametrize("missing", ["confidentiality", "availability", "integrity", "malicious", "data_categories"])
def test_when_in_doubt_notify(missing):
    """The case-10 answers say 'document only'; remove one answer and the proposal is to notify."""
    safe = {**FULL, "data_unintelligible": True}
    assert assess(parse(safe), NOW).notify_authority is False
    partial = {k: v for k, v in safe.items() if k != missing}
    result = assess(parse(partial), NOW)
    assert result.notify_authority is True
    assert missing in result.unknown
    assert any("complementary" in r.text() for r in result.reasons)


def test_deadline_is_72_clock_hours_after_awareness_and_overdue():
    facts = parse({"aware_at": "2026-03-27T18:00:00+01:00"})  # a Friday evening: weekends count
    assert deadline(facts.aware_at).isoformat() == "2026-03-30T18:00:00+01:00"
    before = assess(facts, dt.datetime(2026, 3, 30, 16, 59, tzinfo=dt.UTC))
    after = assess(facts, dt.datetime(2026, 3, 30, 17, 1, tzinfo=dt.UTC))
    assert (before.overdue, after.overdue) == (False, True)
    assert before.to_json()["deadline"] == "2026-03-30T18:00:00+01:00"
    assert any("reasons for the delay" in r.text() for r in after.reasons)


@pytest.mark.parametrize(("score", "name"), [(0, "low"), (1.99, "low"), (2, "medium"), (3, "high"), (3.99, "high"), (4, "very_high"), (5.5, "very_high")])
def test_bands(score, name):
    assert band(score) == name


def test_reasons_follow_the_language():
    from gp_guard import i18n

    result = assess(parse(FULL), NOW)
    english = result.to_json()["reasons"]
    i18n.set_language("fr")
    french = result.to_json()["reasons"]
    assert english != french and any("CNIL" in t and "72 heures" in t for t in french)


# -- input validation: each bad field is named -------------------------------------------------
BAD = [
    ({"aware_at": None}, "aware_at"),
    ({"aware_at": "yesterday"}, "aware_at"),
    ({"aware_at": 1700000000}, "aware_at"),
    ({"occurred_at": "2026-13-01"}, "occurred_at"),
    ({"incident_type": "flood"}, "incident_type"),
    ({"malicious": "yes"}, "malicious"),
    ({"malicious": 1}, "malicious"),
    ({"confidentiality": "leaked"}, "confidentiality"),
    ({"recipients_trusted": "true"}, "recipients_trusted"),
    ({"integrity": "changed"}, "integrity"),
    ({"availability": "gone"}, "availability"),
    ({"care_disrupted": 0}, "care_disrupted"),
    ({"data_categories": "health"}, "data_categories"),
    ({"data_categories": ["health", "blood"]}, "data_categories"),
    ({"subjects_count": -1}, "subjects_count"),
    ({"subjects_count": 2.5}, "subjects_count"),
    ({"subjects_count": True}, "subjects_count"),
    ({"subjects_count": "12"}, "subjects_count"),
    ({"vulnerable_subjects": "no"}, "vulnerable_subjects"),
    ({"data_unintelligible": None, "data_encrypted": True}, "data_encrypted"),
    ({"identifiable": "anonymous"}, "identifiable"),
    ({"Aware_at": "2026-03-02T09:00:00"}, "Aware_at"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_field_is_named(change, field):
    data = {**FULL, **change}
    if "aware_at" in change and change["aware_at"] is None:
        data.pop("aware_at")
    if "Aware_at" in change:
        data.pop("aware_at")
    with pytest.raises(InputError) as err:
        parse(data)
    assert err.value.field == field
    assert field in str(err.value)


def test_whole_document_must_be_an_object():
    with pytest.raises(InputError):
        parse([FULL])


def test_error_message_is_translated():
    from gp_guard import i18n

    with pytest.raises(InputError) as err:
        parse({**FULL, "integrity": "changed"})
    i18n.set_language("fr")
    assert "integrity" in err.value.text() and "Valeurs possibles" in err.value.text()


def test_naive_time_is_local_time():
    facts = parse({"aware_at": "2026-03-02T09:00:00"})
    assert facts.aware_at.tzinfo is not None


def test_to_json_round_trips():
    facts = parse(FULL)
    assert parse(facts.to_json()) == facts


# -- hypothesis: any JSON object either parses or fails with a named field ----------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**7) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)
field_values = {
    "aware_at": st.sampled_from(["2026-03-02T09:00:00+01:00", "2026-03-02", "nope"]) | json_values,
    "occurred_at": st.sampled_from(["2026-03-01T22:00:00Z"]) | json_values,
    "data_categories": st.lists(st.sampled_from(binput.DATA_CATEGORIES + ("x",)), max_size=5) | json_values,
    **{name: st.sampled_from(values + ("bogus",)) | json_values for name, values in binput.ENUMS.items()},
    **{name: st.booleans() | json_values for name in binput.BOOLS},
    "subjects_count": st.integers(-5, 10**6) | json_values,
}


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=field_values), st.dictionaries(st.text(max_size=8), json_values, max_size=2))
def test_parser_never_crashes(known, extra):
    data = {**extra, **known}
    try:
        facts = parse(data)
    except InputError as exc:
        assert exc.field == "" or exc.field in data or exc.field == "aware_at"
        return
    result = assess(facts, NOW)
    out = result.to_json()
    assert out["severity"]["band"] in ("low", "medium", "high", "very_high")
    assert 0 <= out["severity"]["score"] <= 6
    assert out["art34_exemption"] in (None, "a", "b", "c")
    # a proposal to inform the patients always comes with a notification to the CNIL
    assert not out["inform_data_subjects"] or out["notify_authority"]
    json.dumps(out)


def test_honest_small_mistake_is_document_only_for_names_and_contacts_alone():
    """EDPB 01/2021 case 13 (packing bill, names and addresses): no notification; case 16 (a letter with
    date of birth and contract details to the wrong person): notify the authority, but no high risk."""
    mistake = {"aware_at": "2026-03-02T09:00:00+01:00", "incident_type": "misdirected_mail", "malicious": False,
               "confidentiality": "known_recipients", "recipients_trusted": False, "integrity": "none",
               "availability": "none", "care_disrupted": False, "subjects_count": 2, "vulnerable_subjects": False,
               "data_unintelligible": False, "identifiable": "direct"}
    names_only = assess(parse({**mistake, "data_categories": ["identification", "contact"]}), NOW)
    assert names_only.notify_authority is False and names_only.inform_data_subjects is False
    for more in ("other", "professional", "location"):
        result = assess(parse({**mistake, "data_categories": ["identification", more]}), NOW)
        assert result.notify_authority is True, more
        assert result.inform_data_subjects is False, more


SMALL_MISTAKE = {"aware_at": "2026-03-02T09:00:00+01:00", "malicious": False, "confidentiality": "known_recipients",
                 "recipients_trusted": False, "integrity": "none", "availability": "none", "care_disrupted": False,
                 "vulnerable_subjects": False, "data_unintelligible": False, "identifiable": "direct"}


@pytest.mark.parametrize(("case", "facts", "notify", "inform"), [
    # EDPB 01/2021 §6.1 CASE No. 13: a few packing bills (names, addresses, items bought) sent to the
    # wrong customers, honest recipients: documented only, by letter as by e-mail
    ("13 letters", {"incident_type": "misdirected_mail", "data_categories": ["identification", "contact", "preferences"],
                    "subjects_count": 3}, False, False),
    ("13 e-mails", {"incident_type": "misdirected_email", "data_categories": ["identification", "contact", "preferences"],
                    "subjects_count": 3}, False, False),
    # §6.2 CASE No. 14: confidential data (social security numbers) of > 60,000 people e-mailed by
    # mistake: the authority and the people
    ("14", {"incident_type": "misdirected_email", "data_categories": ["identification", "contact", "social_security_number"],
            "subjects_count": 60_000}, True, True),
    # §6.3 CASE No. 15: a course's participant list with a meal preference e-mailed to about fifteen
    # former participants: documented only
    ("15", {"incident_type": "misdirected_email", "data_categories": ["identification", "contact", "preferences"],
            "subjects_count": 15}, False, False),
    # §6.4 CASE No. 16: an insurer's letters with policy details (no health, payment or bank data)
    # sent to the wrong policyholders: notify the authority, no communication to the persons
    ("16 one letter", {"incident_type": "misdirected_mail", "data_categories": ["identification", "contact", "other"],
                       "subjects_count": 1}, True, False),
    ("16 many letters", {"incident_type": "misdirected_mail", "data_categories": ["identification", "contact", "other"],
                         "subjects_count": 300}, True, False),
])
def test_edpb_postal_and_email_mistakes(case, facts, notify, inform):
    result = assess(parse({**SMALL_MISTAKE, **facts}), NOW)
    assert (result.notify_authority, result.inform_data_subjects) == (notify, inform), (case, [r.text() for r in result.reasons])


def test_a_meal_preference_is_ordinary_but_a_diagnosis_is_not():
    preference = assess(parse({**SMALL_MISTAKE, "incident_type": "misdirected_email", "data_categories": ["identification", "preferences"], "subjects_count": 15}), NOW)
    diagnosis = assess(parse({**SMALL_MISTAKE, "incident_type": "misdirected_email", "data_categories": ["identification", "health"], "subjects_count": 15}), NOW)
    assert preference.notify_authority is False and diagnosis.notify_authority is True
