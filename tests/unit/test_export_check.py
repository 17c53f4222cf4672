"""The export check on synthetic exports made by tests/export_gen.py (issue 17, "Done when")."""

from __future__ import annotations

import threading

import pytest

from gp_guard.export import service
from gp_guard.export.readers import Cancelled
from tests import export_gen as gen


def test_observatory_export_with_a_stable_pseudonym_is_pseudonymised(tmp_path):
    made = gen.observatory(tmp_path / "observatoire.csv", patients=800, seed=1)
    result = service.check(made.path)
    assert result.verdict.key == "pseudonymised"
    assert result.verdict.criteria["linkability"] and result.verdict.criteria["singling_out"]
    assert result.rows == made.rows and result.persons == 800  # counted per patient, not per row
    assert [item.column for item in result.linkable] == ["id_patient"]
    assert result.direct == []
    assert result.risk.k == 1 and result.risk.unique_ratio > 0.5
    roles = {c.name: c.role for c in result.columns}
    assert roles["annee_naissance"] == roles["code_postal"] == roles["sexe"] == "quasi"
    assert roles["diagnostic"] == roles["prescription"] == roles["allergies"] == "sensitive"


def test_k_is_counted_per_person_not_per_row(tmp_path):
    path = tmp_path / "visits.csv"
    lines = ["id;annee_naissance;sexe;diagnostic"]
    for person in range(30):  # 30 patients, 5 rows each, all in one class
        lines += [f"P{person:05d}X;1950;F;E11" for _ in range(5)]
    lines += [f"Q{9:05d}Y;1931;M;I10" for _ in range(12)]  # one patient, 12 rows, alone in a class
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = service.check(path)
    assert result.persons == 31
    assert result.risk.k == 1  # 12 rows, but one person
    assert result.risk.unique_ratio == pytest.approx(1 / 31)


def test_two_yearly_exports_sharing_80_percent_of_pseudonyms(tmp_path):
    ids = gen.pseudonyms(1250, seed=9)
    first = gen.observatory(tmp_path / "2023.csv", patients=1000, seed=2, ids=ids[:1000])
    second = gen.observatory(tmp_path / "2024.csv", patients=1000, seed=3, ids=ids[200:1000] + ids[1000:1200])
    result = service.check(second.path, compare=first.path)
    assert result.compare is not None
    assert result.compare.shared_ids_ratio == pytest.approx(0.8, abs=0.01)
    assert result.to_json()["compare"] == {"file": str(first.path), "shared_ids_ratio": result.compare.shared_ids_ratio}


def test_cp1252_semicolon_export_with_a_nir_in_an_innocent_column_and_names_is_identifying(tmp_path):
    made = gen.observatory(tmp_path / "excel.csv", patients=400, seed=4, delimiter=";", encoding="cp1252",
                           decimal_comma=True, nir_column="champ3", name_columns=True, pseudonym=False)
    raw = made.path.read_bytes()
    assert b"\xe9" in raw  # cp1252 "é", not UTF-8
    result = service.check(made.path)
    assert result.verdict.key == "identifying"
    found = {(d.column, d.kind) for d in result.direct}
    assert ("champ3", "nir") in found and ("nom", "name") in found and ("prénom", "name") in found
    nir_hit = next(d for d in result.direct if d.column == "champ3")
    assert nir_hit.rows == made.rows and not nir_hit.in_free_text
    assert all(d.example and d.example not in raw.decode("cp1252") for d in result.direct)
    assert result.persons == 400  # the NIR names the patient of each row
    assert {c.name: c.kind for c in result.columns}["poids"] == "weight"


def test_generalised_file_with_k_at_least_20_is_no_risk_found(tmp_path):
    made = gen.generalised(tmp_path / "generalise.csv", persons=5000)
    result = service.check(made.path)
    assert result.risk.k >= 20
    assert all(v >= 2 for v in result.risk.l_diversity.values())
    assert result.verdict.key == "no_risk_found"
    assert not any(result.verdict.criteria.values())


def test_a_nir_hidden_in_one_comment_among_thousands_is_found(tmp_path):
    made = gen.observatory(tmp_path / "comments.csv", patients=1500, seed=5, comment_nir_row=4321)
    assert made.rows > 5000
    result = service.check(made.path)
    hidden = [d for d in result.direct if d.kind == "nir"]
    assert [(d.column, d.rows, d.in_free_text) for d in hidden] == [("commentaire", 1, True)]
    assert result.verdict.key == "identifying"


def test_numbers_failing_the_nir_key_are_not_nirs(tmp_path):
    made = gen.observatory(tmp_path / "numbers.csv", patients=600, seed=6, bad_key_column="numero_secu")
    result = service.check(made.path)
    assert not any(d.kind == "nir" for d in result.direct)
    assert result.verdict.key == "pseudonymised"


@pytest.mark.parametrize("algorithm", ["sha256", "sha1", "md5"])
def test_an_unsalted_hash_of_the_nir_is_linkable(tmp_path, algorithm):
    made = gen.observatory(tmp_path / "hash.csv", patients=500, seed=7, hash_nir=algorithm, pseudonym=False)
    result = service.check(made.path)
    assert [item.column for item in result.linkable] == ["cle_patient"]
    assert result.verdict.key == "pseudonymised" and result.verdict.criteria["linkability"]
    assert "reversed" in result.linkable[0].why
    assert result.persons == 500


def test_a_hash_next_to_its_nir_is_recognised(tmp_path):
    made = gen.observatory(tmp_path / "both.csv", patients=300, seed=8, hash_nir="sha256", nir_column="nir", pseudonym=False)
    result = service.check(made.path)
    why = next(item.why for item in result.linkable if item.column == "cle_patient")
    assert "SHA-256" in why and "column nir" in why


def test_role_override_changes_the_verdict(tmp_path):
    made = gen.observatory(tmp_path / "obs.csv", patients=300, seed=10)
    result = service.check(made.path, roles={"id_patient": "other", "code_postal": "other"})
    columns = {c.name: (c.role, c.kind) for c in result.columns}
    assert columns["id_patient"] == ("other", "other") and result.linkable == []
    assert "code_postal" not in result.quasi_identifiers
    with pytest.raises(service.ExportError) as error:
        service.check(made.path, roles={"nope": "quasi"})
    assert "nope" in error.value.text()
    with pytest.raises(service.ExportError):
        service.parse_roles(["id_patient=secret"])


def test_proposals_reach_k_and_l_and_the_safer_copy_is_checked_again(tmp_path):
    made = gen.observatory(tmp_path / "obs.csv", patients=3000, visits=2.0, seed=11)
    result = service.check(made.path)
    best = result.recommended()
    assert best is not None and best.reaches()
    assert any(a.column == "id_patient" and a.action == "drop" for a in best.actions)
    safer = tmp_path / "SAFER.csv"
    again = service.write_safer(result, safer)
    assert (safer.stat().st_mode & 0o777) == 0o600
    assert "id_patient" not in {c.name for c in again.columns}
    assert again.verdict.key == "no_risk_found"
    assert again.risk.k >= best.risk.k  # rows without the pseudonym are at least as hidden
    with pytest.raises(service.ExportError):
        service.write_safer(result, made.path)


def test_progress_is_reported_and_cancel_stops_the_check(tmp_path, monkeypatch):
    from gp_guard.export import readers

    monkeypatch.setattr(readers, "CHUNK_ROWS", 500)
    made = gen.observatory(tmp_path / "obs.csv", patients=2000, seed=12)
    seen = []
    service.check(made.path, progress=seen.append)
    assert [p.stage for p in seen][0] == "read" and seen[-1].stage == "proposals"
    assert [p.percent for p in seen] == sorted(p.percent for p in seen)
    token = service.CancelToken()
    stopped = threading.Event()

    def progress(p):
        if p.stage == "read" and p.done > 0:
            token.cancel()
            stopped.set()

    with pytest.raises(Cancelled):
        service.check(made.path, progress=progress, cancel=token)
    assert stopped.is_set()


def test_nothing_of_the_content_goes_to_the_log(tmp_path, caplog):
    made = gen.observatory(tmp_path / "obs.csv", patients=200, seed=13, nir_column="nir", name_columns=True)
    with caplog.at_level("DEBUG"):
        service.check(made.path)
    text = caplog.text
    assert "export check:" in text  # the check does log, but only counts and the verdict
    assert not any(value in text for value in made.nirs + made.pseudonyms)
    assert not any(name in text for name in gen.FIRST + [n.upper() for n in gen.LAST])


def test_xlsx_export_is_read(tmp_path):
    import openpyxl  # a dependency of gp_guard (pyproject.toml)

    made = gen.observatory(tmp_path / "obs.csv", patients=100, seed=14, nir_column="champ", pseudonym=False)
    book = openpyxl.Workbook()
    sheet = book.active
    import csv
    with made.path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append(row)
    book.save(tmp_path / "obs.xlsx")
    result = service.check(tmp_path / "obs.xlsx")
    assert result.rows == made.rows
    assert ("champ", "nir") in {(d.column, d.kind) for d in result.direct}


def test_a_stable_full_date_per_patient_is_a_date_of_birth_whatever_its_name(tmp_path):
    import random

    rng = random.Random(15)
    path = tmp_path / "dates.csv"
    lines = ["id_patient;champ_d;diagnostic"]
    for person in range(200):
        born = f"{rng.randint(1930, 2010)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        lines += [f"P{person:06d}Z;{born};{rng.choice(gen.ICD10)}" for _ in range(3)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = service.check(path)
    assert ("champ_d", "birth_date") in {(d.column, d.kind) for d in result.direct}
    assert result.verdict.key == "identifying"


def test_compare_finds_the_identifier_column_under_another_name(tmp_path):
    ids = gen.pseudonyms(1000, seed=16)
    first = gen.observatory(tmp_path / "a.csv", patients=500, seed=17, ids=ids[:500])
    renamed = tmp_path / "a_renamed.csv"
    text = first.path.read_text(encoding="utf-8").replace("id_patient", "code_anonyme", 1)
    renamed.write_text(text, encoding="utf-8")
    second = gen.observatory(tmp_path / "b.csv", patients=500, seed=18, ids=ids[250:750])
    result = service.check(second.path, compare=renamed)
    assert result.compare is not None and result.compare.shared_ids_ratio == pytest.approx(0.5, abs=0.01)
    with pytest.raises(service.ExportError) as error:
        service.check(second.path, compare=tmp_path / "absent.csv")
    assert "absent.csv" in error.value.text()


def test_every_kind_of_column_has_words_in_french():
    from gp_guard.export.identifiers import KINDS
    from gp_guard.export.roles import QUASI_HINTS, ROLES, SENSITIVE_HINTS
    from gp_guard.export.verdict import COLUMN_WORDS, KIND_WORDS, kind_words
    from gp_guard.i18n import _, set_language

    kinds = [*KINDS, *QUASI_HINTS, *SENSITIVE_HINTS, "hash", "pseudonym", "text", "date", "empty", "other"]
    assert set(kinds) <= set(COLUMN_WORDS) | set(KIND_WORDS)  # every kind the check gives has its words
    set_language("fr")
    try:
        words = {(role, kind): kind_words(role, kind) for role in ROLES for kind in kinds}
        known = {_(w) for w in [*COLUMN_WORDS.values(), *KIND_WORDS.values(), "nothing particular"]}
    finally:
        set_language("en")
    assert set(words.values()) <= known  # the translated words, never the internal code
    assert words["linkable", "pseudonym"] == "code désignant un patient (pseudonyme)"
    assert words["direct", "other"] == "identifiants" and words["other", "other"] == "rien de particulier"
    assert words["quasi", "year_of_birth"] == "année de naissance"
