"""`gp-guard breach ...`: output format, exit status 2 naming the bad field, register commands."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gp_guard.cli import breach as cli_breach
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
    code = ("import sys, argparse; from gp_guard.cli import breach as cli_breach; p = argparse.ArgumentParser(); "
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


def cli_process(args: list[str], stdin: str = "", home: Path | None = None, lang: str = "en") -> subprocess.CompletedProcess:
    """gp-guard in its own process (a restart), with no keyring at all, as on many practice PCs."""
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "GP_GUARD_LANG": lang}
    if home is not None:
        env["GP_GUARD_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "gp_guard", "breach", *args, "--lang", lang], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120, cwd=Path(__file__).parents[2])


def test_restart_without_keyring_finds_unlocks_and_continues_the_open_breach(no_keyring, tmp_path, _private_home):
    from gp_guard.breach.register import Register
    from gp_guard.store import open_default

    store = open_default()
    register = Register.open(store, lambda first: "cheval agrafe batterie")
    real = register.save(sample())
    phantom = register.save(sample())
    store.close()
    listed = cli_process(["list"], "cheval agrafe batterie\r\n", _private_home, "fr")  # a CRLF line is fine
    assert listed.returncode == 0, listed.stderr
    assert real.ref in listed.stdout and phantom.ref in listed.stdout
    assert "décision : notifier la CNIL (notification pas encore enregistrée)" in listed.stdout
    assert "notifiée" not in listed.stdout.replace("pas encore enregistrée", "")
    done = cli_process(["notified", str(real.id), "--receipt", "CNIL-2026-0042", "--at", "2026-03-03T10:15:00+01:00"],
                       "cheval agrafe batterie\n", _private_home, "fr")
    assert done.returncode == 0, done.stderr
    assert "la notification à la CNIL est enregistrée (n° CNIL-2026-0042)" in done.stdout
    gone = cli_process(["delete", str(phantom.id), "--reason", "enregistrée deux fois"], "cheval agrafe batterie\n", _private_home, "fr")
    assert gone.returncode == 0, gone.stderr
    assert "marquée comme supprimée" in gone.stdout
    listed = cli_process(["list"], "cheval agrafe batterie\n", _private_home, "fr").stdout
    lines = {line.split()[1]: line for line in listed.splitlines()}
    assert "CNIL notifiée le 03/03/2026 à 10:15 (UTC+01:00) (n° CNIL-2026-0042)" in lines[real.ref]
    assert "[supprimée le" in lines[phantom.ref] and "supprimée" not in lines[real.ref]
    shown = cli_process(["show", str(phantom.id)], "cheval agrafe batterie\n", _private_home, "fr").stdout
    assert shown.startswith("[supprimée le")
    wrong = cli_process(["list"], "not the passphrase\n", _private_home)
    assert wrong.returncode == 2 and "This passphrase does not open the breach register." in wrong.stderr
    empty = cli_process(["list"], "", _private_home)
    assert empty.returncode == 2 and "No passphrase was given" in empty.stderr and "8 characters" not in empty.stderr


def test_list_with_no_register_yet_asks_nothing(no_keyring, tmp_path):
    from gp_guard.breach.register import SETTING_CHECK
    from gp_guard.store import open_default

    proc = cli_process(["list"], "", tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "No breach recorded." and proc.stderr == ""
    assert open_default().get_setting(SETTING_CHECK) is None  # no register was created on the way
    shown = cli_process(["show", "1"], "", tmp_path / "home")
    assert shown.returncode == 2 and "No breach with number 1" in shown.stderr


def test_exports_are_private_and_say_where(memory_keyring, capsys, tmp_path, monkeypatch):
    from gp_guard.breach.register import Register
    from gp_guard.store import open_default

    saved = Register.open(open_default()).save(sample())
    monkeypatch.chdir(tmp_path)
    for argv, name in ((["export", "--csv", "r.csv"], "r.csv"), (["export", "--pdf", "r.pdf"], "r.pdf"),
                       (["dossier", str(saved.id), "d.pdf"], "d.pdf")):
        assert run(argv) == 0
        assert str(tmp_path / name) in capsys.readouterr().out
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


BAD_INPUTS = [
    ('{"aware_at": "2026-03-02T09:00:00Z", "subjects_count": ' + "9" * 5000 + "}", "too long"),
    ('{"aware_at": "2026-03-02T09:00:00Z", "subjects_count": ' + "9" * 400 + "}", "subjects_count"),
    ('{"aware_at": "9999-12-31T23:59:59+00:00"}', "year 9999"),
    ('{"aware_at": "0001-01-01T00:00:00"}', "year 1 "),
    ("[" * 100_000 + "]" * 100_000, "too deeply"),
    ('{"aware_at": "2026-03-02T09:00:00Z", "data_categories": ' + "[" * 100_000 + "]" * 100_000 + "}", "too deeply"),
    ('{"aware_at": "2026-03-02T09:00:00Z", "' + "k" * 1_000_000 + '": 1}', "unknown field"),
    ('{"aware_at": "2026-03-02T09:00:00Z", "incident_type": "' + "x" * 1_000_000 + '"}', "unknown value"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_hostile_inputs_get_a_short_clear_message(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert run(["assess", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err) < 2000 and "Traceback" not in err


def test_encodings_from_windows_editors(tmp_path, capsys):
    body = '{"aware_at": "2026-03-02T09:00:00+01:00", "incident_type": "stolen_device"}'
    for name, data in (("bom.json", "\ufeff".encode() + body.encode()), ("utf16.json", body.encode("utf-16"))):
        (tmp_path / name).write_bytes(data)
        assert run(["assess", str(tmp_path / name), "--json"]) == 0, capsys.readouterr().err
        assert json.loads(capsys.readouterr().out)["notify_authority"] is True
    (tmp_path / "latin1.json").write_bytes('{"aware_at": "2026-03-02T09:00:00Z", "été": 1}'.encode("latin-1"))
    assert run(["assess", str(tmp_path / "latin1.json")]) == 2
    assert "not UTF-8 text (perhaps Latin-1" in capsys.readouterr().err
    (tmp_path / "utf16le.json").write_bytes(body.encode("utf-16-le"))
    assert run(["assess", str(tmp_path / "utf16le.json")]) == 2
    assert "UTF-16 without its mark" in capsys.readouterr().err


def test_now_out_of_range_and_dates_in_the_wrong_order(tmp_path, capsys):
    assert run(["assess", str(CASE11), "--now", "0001-01-01T00:00:00"]) == 2
    assert "--now: the year 1 cannot be right" in capsys.readouterr().err
    path = tmp_path / "order.json"
    path.write_text('{"aware_at": "2026-03-02T09:00:00Z", "occurred_at": "2030-01-01T00:00:00Z"}', encoding="utf-8")
    assert run(["assess", str(path)]) == 0
    assert "started after you became aware of it" in capsys.readouterr().out


def test_huge_breach_number(memory_keyring, capsys):
    from gp_guard.breach.register import Register
    from gp_guard.store import open_default

    Register.open(open_default()).save(sample())
    assert run(["show", "99999999999999999999999"]) == 2
    assert "No breach with number" in capsys.readouterr().err
