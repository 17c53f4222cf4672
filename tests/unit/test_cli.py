"""The command line for IT providers: gp-guard audit / checks / answer."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from gp_guard.cli import main
from tests.helpers import HOSTS

FINDING_KEYS = {"id", "area", "severity", "status", "title", "why", "fix", "evidence", "references"}


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_audit_json_on_this_machine(capsys):
    code, out, _ = run(capsys, "audit", "--json", "--no-network")
    data = json.loads(out)
    assert {"version", "started_at", "duration_s", "score", "grade", "findings"} <= set(data)
    assert 0 <= data["score"] <= 100 and data["grade"] in "ABCDE"
    for item in data["findings"]:
        assert FINDING_KEYS <= set(item)
        assert item["status"] in {"pass", "fail", "warn", "skipped", "error"}
        assert item["severity"] in {"critical", "high", "medium", "low", "info"}
        assert isinstance(item["fix"], list)
    blocking = [f for f in data["findings"] if f["status"] == "fail" and f["severity"] in ("critical", "high")]
    assert code == (1 if blocking else 0)


def test_audit_json_in_french(capsys):
    _, out, _ = run(capsys, "audit", "--json", "--lang", "fr", "--only", "Q-BOX-01")
    finding = json.loads(out)["findings"][0]
    assert finding["title"] == "Aucune redirection de port ni DMZ sur la box internet"
    assert finding["status"] == "skipped"


def test_unknown_only_id_is_a_clear_error(capsys):
    code, out, err = run(capsys, "audit", "--only", "FW-01,NOPE-99")
    assert code == 2
    assert "NOPE-99" in err and "FW-01" in err
    assert out == ""
    code, _, err = run(capsys, "audit", "--lang", "fr", "--only", "NOPE-99")
    assert code == 2 and "Identifiant de vérification inconnu" in err


def test_answers_count_in_the_next_audit(capsys):
    code, out, _ = run(capsys, "answer", "Q-BOX-01", "yes")
    assert code == 0 and "recorded" in out
    code, out, _ = run(capsys, "audit", "--json", "--only", "Q-BOX-01")
    data = json.loads(out)
    assert data["findings"][0]["status"] == "fail"
    assert code == 1  # a critical failure
    assert data["score"] == 0 and data["grade"] == "E"


def test_bad_answer_is_refused(capsys):
    code, _, err = run(capsys, "answer", "Q-BOX-01", "maybe")
    assert code == 2 and "no, yes, unknown" in err
    code, _, err = run(capsys, "answer", "Q-NOPE", "yes")
    assert code == 2 and "Q-BOX-01" in err


def test_history_reports_changes_between_runs(capsys):
    run(capsys, "answer", "Q-BKP-01", "no")
    run(capsys, "audit", "--json", "--only", "Q-BKP-01,FW-01")
    run(capsys, "answer", "Q-BKP-01", "yes")  # counts at once, in the latest run
    store_statuses = run_statuses()
    assert store_statuses["Q-BKP-01"] == "pass"
    _, out, _ = run(capsys, "audit", "--json", "--only", "Q-BKP-01,FW-01")
    assert json.loads(out)["changes_since_last_run"] == []  # nothing changed since that run


def run_statuses() -> dict[str, str]:
    from gp_guard.audit import history
    from gp_guard.store import open_default

    store = open_default()
    return history.statuses(store, history.runs(store)[-1].id)


def test_corrupt_database_is_reported_and_recreated(capsys, _private_home):
    from gp_guard.paths import database_path

    database_path().write_bytes(b"garbage" * 1000)
    code, out, err = run(capsys, "audit", "--json", "--only", "Q-BOX-01")
    assert code == 0
    assert "damaged" in err and "corrupt-" in err
    json.loads(out)
    kept = [p for p in database_path().parent.iterdir() if ".corrupt-" in p.name]
    assert kept and kept[0].read_bytes() == b"garbage" * 1000


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_checks_list(capsys, lang):
    code, out, _ = run(capsys, "checks", "--lang", lang)
    assert code == 0
    assert "FW-01" in out and "Q-BOX-01" in out


def test_replay_a_recorded_windows_host(capsys):
    host = HOSTS / "win10_fr_weak"
    code, out, _ = run(capsys, "audit", "--json", "--replay", str(host))
    data = json.loads(out)
    assert data["platform"] == "windows"
    assert code in (0, 1)


def test_replay_of_a_missing_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "audit", "--replay", str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere" in err


def test_text_output_lists_what_to_fix(capsys):
    run(capsys, "answer", "Q-BOX-01", "yes")
    code, out, _ = run(capsys, "audit", "--only", "Q-BOX-01", "--lang", "fr")
    assert code == 1
    assert "Note de sécurité : 0/100 (niveau E)" in out
    assert "1. Ouvrez la page d'administration de la box" in out


def test_python_dash_m_entry_point(tmp_path):
    env = dict(os.environ, GP_GUARD_HOME=str(tmp_path), GP_GUARD_NO_NETWORK="1")
    proc = subprocess.run([sys.executable, "-m", "gp_guard", "audit", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["findings"]) >= 1


def test_settings_command_sets_the_backup_folder_that_bkp01_reads(capsys, tmp_path):
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    (folder / "cabinet-2026-11-22.zip").write_bytes(b"x")
    code, out, _ = run(capsys, "settings", "backup.target", str(folder))
    assert code == 0 and "saved" in out
    code, out, _ = run(capsys, "settings")
    assert f"backup.target = {folder}" in out
    _, out, _ = run(capsys, "audit", "--json", "--only", "BKP-01")
    finding = json.loads(out)["findings"][0]
    assert finding["status"] == "pass", finding
    assert any(str(folder) in e["value"] or str(folder) in e["source"] for e in finding["evidence"])


def test_settings_command_refuses_bad_input(capsys):
    code, _, err = run(capsys, "settings", "nope", "1")
    assert code == 2 and "backup.target" in err
    code, _, err = run(capsys, "settings", "language", "de")
    assert code == 2 and "system, fr, en" in err
    code, _, err = run(capsys, "settings", "audit_on_start", "maybe")
    assert code == 2


@pytest.mark.parametrize("only", ["", ",", " , ,, "])
def test_an_empty_only_list_is_an_error_not_a_full_audit(capsys, only):
    code, out, err = run(capsys, "audit", "--json", "--only", only)
    assert code == 2 and out == ""
    assert "--only" in err and "FW-01" in err
    code, _, err = run(capsys, "audit", "--lang", "fr", "--only", only)
    assert code == 2 and "au moins un identifiant" in err


@pytest.mark.parametrize("number", ["１２３４５６７８９０１", "١٢٣٤٥٦٧٨٩٠١", "1234567890¹"])
def test_practice_identity_refuses_digits_that_are_not_0_to_9(capsys, number):
    code, _, err = run(capsys, "practice", "--rpps", number)
    assert code == 2 and "11 digits" in err
    code, _, err = run(capsys, "practice", "--siren", "７３２８２９３２０")  # a valid SIREN, full width
    assert code == 2 and "9 digits" in err
    code, out, _ = run(capsys, "practice", "--rpps", "10123456789", "--siren", "732829320")
    assert code == 0 and "10123456789" in out


def test_html_report_and_log_are_private_even_under_umask_000(capsys, tmp_path):
    import stat

    from gp_guard import logs

    previous = os.umask(0)
    try:
        target = tmp_path / "rapport.html"
        (tmp_path / "rapport.html.tmp").write_text("left by a crash")
        os.chmod(tmp_path / "rapport.html.tmp", 0o666)
        code, out, err = run(capsys, "report", "--html", str(target))
        assert code == 0, err
        logs.setup()
        logging.getLogger("gp_guard.test").warning("a line")
    finally:
        os.umask(previous)
    assert "<html" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not (tmp_path / "rapport.html.tmp").exists()
    assert stat.S_IMODE(logs.log_file().stat().st_mode) == 0o600


def test_json_output_stays_valid_utf8_with_a_file_name_that_is_not(capfdbinary):
    """A Latin-1 file name found on disk (os.fsdecode gives surrogates) must not break the JSON."""
    import os as _os

    from gp_guard.cli.common import print_json

    name = _os.fsdecode(b"/tmp/radio_\xe9t\xe9.dcm")
    print_json({"evidence": name})
    raw = capfdbinary.readouterr().out
    data = json.loads(raw.decode("utf-8"))  # strict: valid UTF-8
    assert data == {"evidence": "/tmp/radio_\\xe9t\\xe9.dcm"}
