"""The breach register: encrypted at rest, keyring or passphrase, survives a restart, exports."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess

import pytest

from gp_guard.breach import open_breaches, report_summary
from gp_guard.breach.dossier import breach_dossier, register_pdf
from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import (
    KEYRING_NAME,
    KEYRING_SERVICE,
    Register,
    RegisterError,
    WrongRegisterPassphrase,
    export_csv,
)
from gp_guard.paths import database_path
from gp_guard.store import Store
from tests.conftest import require_tool

SECRET_TEXT = "Dossier de Mme Zoé Lefèvre-Quintard volé dans la voiture"
PASSPHRASE = "cheval agrafe batterie"




@pytest.fixture
def store():
    from gp_guard.store import open_default

    return open_default()


def sample(exercise: bool = False) -> BreachRecord:
    record = BreachRecord(exercise=exercise, title="Vol de l'ordinateur portable")
    record.set_answer("aware_at", "2026-03-02T09:00:00+01:00")
    for name, value in {"incident_type": "stolen_device", "malicious": True, "confidentiality": "unknown_if_accessed",
                        "integrity": "none", "availability": "none", "care_disrupted": False,
                        "data_categories": ["identification", "health"], "subjects_count": 850,
                        "vulnerable_subjects": False, "data_unintelligible": False, "identifiable": "direct"}.items():
        record.set_answer(name, value)
    record.nature.what_happened = SECRET_TEXT
    record.controller.name = "Dr Jeanne Martin"
    record.controller.siren = "123456789"
    record.consequences.likely_consequences = "Des tiers pourraient lire des informations médicales."
    record.consequences.measures_taken = "Plainte déposée, mots de passe changés."
    record.notify.proposed = record.notify.decided = True
    record.inform.proposed = True
    record.inform.decided = False
    record.inform.reasoning = "Raison écrite par le médecin : les patients seront prévenus après l'enquête."
    record.cnil.receipt_number = "CNIL-2026-0042"
    return record


def database_bytes() -> bytes:
    path = database_path()
    out = path.read_bytes()
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            out += side.read_bytes()
    return out


def test_sensitive_fields_are_not_in_the_database_file(store, memory_keyring):
    register = Register.open(store)
    register.save(sample())
    raw = database_bytes()
    for plain in (SECRET_TEXT, "Zoé", "Lefèvre", "Dr Jeanne Martin", "123456789", "CNIL-2026-0042", "Raison écrite"):
        assert plain.encode("utf-8") not in raw, plain
    # the key is in the keyring, never in the database
    key = memory_keyring.items[(KEYRING_SERVICE, KEYRING_NAME)]
    assert key.encode() not in raw


def test_survives_a_restart(memory_keyring):
    store = Store(database_path())
    saved = Register.open(store).save(sample())
    store.close()
    again = Store(database_path())
    record = Register.open(again).get(saved.id)
    again.close()
    assert record.nature.what_happened == SECRET_TEXT
    assert record.inform.reasoning.startswith("Raison écrite")
    assert record.facts["data_categories"] == ["identification", "health"]


def test_passphrase_path_without_keyring(no_keyring):
    store = Store(database_path())
    asked: list[bool] = []

    def passphrase(first: bool) -> str:
        asked.append(first)
        return PASSPHRASE

    with pytest.raises(RegisterError):
        Register.open(store)  # no keyring and nobody to ask: a clear error, no silent plain-text fallback
    saved = Register.open(store, passphrase).save(sample())
    store.close()
    store = Store(database_path())
    assert Register.open(store, passphrase).get(saved.id).nature.what_happened == SECRET_TEXT
    assert asked == [True, False]
    with pytest.raises(WrongRegisterPassphrase):
        Register.open(store, lambda first: "not the passphrase")
    store.close()
    raw = database_bytes()
    assert PASSPHRASE.encode() not in raw and SECRET_TEXT.encode() not in raw


def test_keyring_key_replaced_is_refused(store, memory_keyring):
    Register.open(store).save(sample())
    memory_keyring.items[(KEYRING_SERVICE, KEYRING_NAME)] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    with pytest.raises(RegisterError):
        Register.open(store)


def test_tampered_row_is_detected(store, memory_keyring):
    register = Register.open(store)
    first, second = register.save(sample()), register.save(sample())
    with store.transaction() as conn:  # move one sealed record onto another row
        blob = conn.execute("SELECT sealed FROM breach WHERE id=?", (first.id,)).fetchone()[0]
        conn.execute("UPDATE breach SET sealed=? WHERE id=?", (blob, second.id))
    with pytest.raises(RegisterError):
        register.get(second.id)


def test_exercises_stay_out_of_the_register(store, memory_keyring):
    register = Register.open(store)
    real = register.save(sample())
    rehearsal = register.save(sample(exercise=True))
    assert [r.id for r in register.list()] == [real.id]
    assert [r.id for r in register.list(exercise=True)] == [rehearsal.id]
    assert [b.id for b in open_breaches(store)] == [real.id]
    summary = report_summary(store)
    assert summary is not None and len(summary.entries) == 1
    entry = summary.entries[0]
    # decided to notify, not recorded yet: never counted as notified
    assert (entry.severity, entry.notified_authority, entry.people_informed, entry.closed) == ("very_high", False, False, False)
    assert entry.notify_decided is True
    register.delete_exercise(real.id)  # a real breach is never deleted
    register.delete_exercise(rehearsal.id)
    assert [r.id for r in register.list()] == [real.id] and register.list(exercise=True) == []


def test_open_breaches_give_the_countdown(store, memory_keyring):
    register = Register.open(store)
    record = register.save(sample())
    (entry,) = open_breaches(store)
    assert entry.deadline == dt.datetime.fromisoformat("2026-03-05T09:00:00+01:00")
    assert entry.remaining(dt.datetime(2026, 3, 5, 7, 0, tzinfo=dt.UTC)) == dt.timedelta(hours=1)
    record.status = "closed"
    register.save(record)
    assert open_breaches(store) == []


def test_csv_export(store, memory_keyring, tmp_path):
    register = Register.open(store)
    register.save(sample())
    register.save(sample(exercise=True))
    out = tmp_path / "registre.csv"
    export_csv(register.list(), out)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert len(rows) == 1
    row = rows[0]
    assert row["what_happened"] == SECRET_TEXT
    assert row["notify_decided"] == "oui" and row["inform_decided"] == "non"
    assert row["inform_reasoning"].startswith("Raison écrite")
    assert row["severity_band"] == "very_high" and row["cnil_receipt_number"] == "CNIL-2026-0042"
    assert row["deadline"] == "2026-03-05T09:00:00+01:00"


def pdf_text(path) -> str:
    tool = require_tool("pdftotext", "to read back the PDF")
    return subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_register_pdf_export(store, memory_keyring, tmp_path):
    register = Register.open(store)
    register.save(sample())
    out = register_pdf(register.list(), tmp_path / "registre.pdf")
    text = " ".join(pdf_text(out).split())
    assert "Registre des violations de données" in text
    assert "Patients : décision : ne pas informer les patients — justification : Raison écrite" in text
    assert "CNIL : décision : notifier la CNIL (notification pas encore enregistrée)" in text
    assert "notifiée" not in text


def test_dossier_pdf(store, memory_keyring, tmp_path):
    record = sample()
    record.patients.letter_text = "Madame, Monsieur, je vous écris au sujet d'un vol."
    out = breach_dossier(record, tmp_path / "dossier.pdf", now=dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC))
    text = " ".join(pdf_text(out).split())
    for expected in ("Évaluation de la gravité (méthode ENISA)", "SE = DPC × EI + CB = 4 × 1 + 0,5 = 4,5",
                     "secret médical", "Décisions du médecin", "Texte de la notification à la CNIL",
                     "Projet de message aux patients (pas encore envoyé)", "je vous écris au sujet d'un vol", "Chronologie",
                     "Connaissance de la violation (début des 72 heures)", "SIREN : 123456789"):
        assert expected in text, expected
