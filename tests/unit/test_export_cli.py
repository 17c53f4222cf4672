"""`gp-guard export check`: exit status 0/1/2, the documented JSON, --compare, --role, --write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gp_guard import cli
from tests import export_gen as gen

KEYS = {"file", "rows", "persons", "columns", "verdict", "direct_identifiers", "linkable_ids", "quasi_identifiers",
        "sensitive", "k_anonymity", "unique_ratio", "below_5_ratio", "below_11_ratio", "l_diversity", "criteria",
        "proposals"}


def run(argv: list[str]) -> int:
    return cli.main(["export", "check", *argv])


def test_json_has_every_documented_field(tmp_path, capsys):
    made = gen.observatory(tmp_path / "obs.csv", patients=300, seed=1, comment_nir_row=10)
    assert run([str(made.path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert set(out) == KEYS
    assert out["verdict"] == "identifying" and out["rows"] == made.rows and out["persons"] == 300
    assert set(out["columns"][0]) == {"name", "role", "kind"}
    assert out["direct_identifiers"] == [{"column": "commentaire", "kind": "nir", "rows": 1, "in_free_text": True}]
    assert out["linkable_ids"][0]["column"] == "id_patient" and out["linkable_ids"][0]["why"]
    assert set(out["criteria"]) == {"singling_out", "linkability", "inference"}
    assert all(isinstance(v, bool) for v in out["criteria"].values())
    assert set(out["l_diversity"]) == set(out["sensitive"])
    assert {"id", "recommended", "actions", "k_anonymity", "unique_ratio", "l_diversity"} <= set(out["proposals"][0])
    assert made.nirs[0] not in json.dumps(out)  # no patient data in the output


def test_no_risk_found_exits_0_and_says_it_is_not_a_certificate(tmp_path, capsys):
    made = gen.generalised(tmp_path / "gen.csv")
    assert run([str(made.path)]) == 0
    out = capsys.readouterr().out
    assert "No risk found by this test" in out and "not a legal certificate" in out


def test_compare_prints_the_shared_share(tmp_path, capsys):
    ids = gen.pseudonyms(1250, seed=2)
    first = gen.observatory(tmp_path / "a.csv", patients=1000, seed=3, ids=ids[:1000])
    second = gen.observatory(tmp_path / "b.csv", patients=1000, seed=4, ids=ids[200:1200])
    assert run([str(second.path), "--compare", str(first.path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["compare"]["file"] == str(first.path)
    assert abs(out["compare"]["shared_ids_ratio"] - 0.8) < 0.01


def test_role_option_and_write_a_safer_copy(tmp_path, capsys):
    made = gen.observatory(tmp_path / "obs.csv", patients=3000, visits=2.0, seed=5)
    safer = tmp_path / "SAFER.csv"
    code = run([str(made.path), "--role", "commentaire=other", "--write", str(safer), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert {c["name"]: c["role"] for c in out["columns"]}["commentaire"] == "other"
    assert out["written"]["file"] == str(safer) and safer.exists()
    assert code == (0 if out["written"]["verdict"] == "no_risk_found" else 1)
    assert out["written"]["verdict"] == "no_risk_found"


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: p.write_bytes(b""), "is empty"),
    (lambda p: p.write_text("id;annee\n", encoding="utf-8"), "no data rows"),
    (lambda p: p.write_bytes(bytes(range(256)) * 40), "binary file"),
    (lambda p: p.write_bytes(b"PK\x03\x04not really a workbook"), "not a readable XLSX"),
    (lambda p: None, "does not exist"),
])
def test_unreadable_empty_or_missing_file_exits_2_with_a_clear_message(tmp_path, capsys, make, words):
    path = tmp_path / "export.csv"
    make(path)
    assert run([str(path)]) == 2
    captured = capsys.readouterr()
    assert words in captured.err and "export.csv" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_bad_role_exits_2(tmp_path, capsys):
    made = gen.generalised(tmp_path / "gen.csv", persons=100)
    assert run([str(made.path), "--role", "sexe"]) == 2
    assert "COLUMN=ROLE" in capsys.readouterr().err
    assert run([str(made.path), "--role", "inconnue=quasi"]) == 2
    assert "inconnue" in capsys.readouterr().err


def test_french_output_from_a_real_process(tmp_path):
    made = gen.observatory(tmp_path / "obs.csv", patients=200, seed=6)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2]), "GP_GUARD_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "gp_guard", "export", "check", str(made.path), "--lang", "fr"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "Données pseudonymisées" in done.stdout and "Individualisation : oui" in done.stdout
    assert "quasi-identifiant (année de naissance)" in done.stdout and "year_of_birth" not in done.stdout
    missing = subprocess.run([sys.executable, "-m", "gp_guard", "export", "check", str(tmp_path / "absent.csv"), "--lang", "fr"],
                             capture_output=True, text=True, env=env, timeout=120)
    assert missing.returncode == 2 and "n'existe pas" in missing.stderr
