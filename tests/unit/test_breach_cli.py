"""`gp-guard breach ...`: output format, exit status 2 naming the bad field, register commands."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gp_guard import cli_breach
from tests.unit.test_breach_register import sample

FIXTURES = Path(__file__).parents[1] / "fixtures" / "breach"
CASE11 = FIXTURES / "edpb-01-2021-case11-stolen-device-not-encrypted.json"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="gp-guard")
    sub = parser.add_subparsers(dest="command")
    cli_breach.register(sub)
    return cli_breach.run(parser.parse_args(["breach", *argv]))


def test_assess_json_output(capsys):
    assert run(["assess", str(CASE11), "--json", "--now", "2026-03-02T10:00:00+01:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"severity", "notify_authority", "inform_data_subjects", "art34_exemption", "deadline", "overdue", "reasons"}
    assert set(out["severity"]) == {"score", "band", "dpc", "ei", "cb"}
    assert out["notify_authority"] is True and out["inform_data_subjects"] is True
    assert out["art34_exemption"] is None
    assert out["deadline"] == "2026-03-05T09:00:00+01:00" and out["overdue"] is False
    assert all(isinstance(r, str) and r for r in out["reasons"])


def test_assess_text_output_in_french(capsys):
    from gp_guard import i18n

    i18n.set_language("fr")
    assert run(["assess", str(CASE11), "--now", "2026-03-06T10:00:00+01:00"]) == 0
    out = capsys.readouterr().out
    assert "Notifier la CNIL : oui" in out and "Informer les patients : oui" in out
    assert "raisons du retard" in out  # overdue


@pytest.mark.parametrize(("content", "field"), [
    ('{"aware_at": "2026-03-02T09:00:00Z", "incident_type": "flood"}', "incident_type"),
    ('{"aware_at": "2026-03-02T09:00:00Z", "colour": "red"}', "colour"),
    ('{"incident_type": "ransomware"}', "aware_at"),
    ('{"aware_at": "2026-03-02T09:00:00Z", "subjects_count": "many"}', "subjects_count"),
])
def test_bad_input_exits_2_naming_the_field(tmp_path, capsys, content, field):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert run(["assess", str(path)]) == 2
    err = capsys.readouterr().err
    assert field in err


def test_not_json_and_missing_file_exit_2(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text("{nope", encoding="utf-8")
    assert run(["assess", str(path)]) == 2
    assert "line 1" in capsys.readouterr().err
    assert run(["assess", str(tmp_path / "absent.json")]) == 2


def test_list_show_export(memory_keyring, capsys, tmp_path):
    from gp_guard.breach.register import Register
    from gp_guard.store import open_default

    saved = Register.open(open_default()).save(sample())
    assert run(["list"]) == 0
    assert saved.ref in capsys.readouterr().out
    assert run(["show", str(saved.id)]) == 0
    shown = capsys.readouterr().out
    assert "SIREN : 123456789" in shown and "== Détail de la violation ==" in shown
    assert run(["show", "999"]) == 2
    assert "999" in capsys.readouterr().err
    assert run(["export", "--csv", str(tmp_path / "r.csv")]) == 0
    assert "Dossier de Mme" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert run(["dossier", str(saved.id), str(tmp_path / "d.pdf")]) == 0
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")


def test_assess_as_a_process(tmp_path):
    """The real entry point: a child process reading the fixture from standard input."""
    code = ("import sys, argparse; from gp_guard import cli_breach; p = argparse.ArgumentParser(); "
            "s = p.add_subparsers(dest='command'); cli_breach.register(s); "
            "sys.exit(cli_breach.run(p.parse_args(sys.argv[1:])))")
    env = {**os.environ, "GP_GUARD_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code, "breach", "assess", "-", "--json"], input=CASE11.read_text(),
                          capture_output=True, text=True, env=env, timeout=60, cwd=Path(__file__).parents[2])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["notify_authority"] is True


def test_through_the_gp_guard_command(capsys):
    """The real entry point: gp_guard.cli.main with the breach plug-in and --lang after the action."""
    from gp_guard import cli

    assert cli.main(["breach", "assess", str(CASE11), "--lang", "fr", "--now", "2026-03-02T10:00:00+01:00"]) == 0
    assert "Notifier la CNIL : oui" in capsys.readouterr().out
    assert cli.main(["breach", "assess", str(FIXTURES / "expected.json")]) == 2
    assert "unknown field" in capsys.readouterr().err
