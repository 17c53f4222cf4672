"""Synthetic data exports shaped like a GP software's "observatory" export (the Cegedim case):
one row per consultation, a stable per-patient pseudonym, year of birth, sex, socio-professional
category, postcode, height, weight, diagnosis, prescription, allergies, history, sick leave, a lab
value and a free comment. Used by the tests and by bench/export.py; nothing here is real.
"""

from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path

from gp_guard.export.identifiers import nir_key

FIRST = ["Jean", "Marie", "Pierre", "Nathalie", "Michel", "Isabelle", "Philippe", "Sylvie", "Alain", "Catherine",
         "Nicolas", "Sophie", "Julien", "Céline", "François", "Hélène", "Thomas", "Camille", "Éric", "Léa"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert"]
ICD10 = ["E11", "I10", "J45", "F32", "M54.5", "J06.9", "K21.0", "E78.0", "N39.0", "R51", "I48", "G43",
         "L20", "F41.1", "M17", "H10", "J20", "K59.0", "E03.9", "B34.9"]
ATC = ["A10BA02", "C09AA05", "R03AC02", "N06AB06", "M01AE01", "N02BE01", "A02BC01", "C10AA05", "J01CA04",
       "B01AF01", "N05BA12", "R06AE07", "H03AA01", "D07AC01", "C07AB07", "A06AD11", "G04CA02", "S01AA11"]
ALLERGIES = ["aucune", "pénicilline", "pollen", "acariens", "arachide", "iode", "latex", "aspirine"]
HISTORY = ["aucun", "HTA", "diabète type 2", "asthme", "infarctus", "AVC", "cancer du sein", "BPCO",
           "dépression", "appendicectomie", "fracture du col", "hypothyroïdie"]
CSP = ["1", "2", "3", "4", "5", "6", "7", "8"]
POSTCODES = ["35000", "35200", "35700", "35131", "35510", "35230", "35170", "35590", "35650", "35740",
             "29200", "29000", "56000", "56100", "22000", "44000", "44300", "49000", "53000", "72000",
             "75011", "75015", "69003", "13005", "33000", "31000", "59000", "67000", "06000", "20000"]
REGIONS = ["Bretagne", "Pays de la Loire", "Normandie"]
COMMENTS = ["Revu à 3 mois", "Bilan sanguin prescrit", "Adressé au cardiologue", "Renouvellement",
            "TA contrôlée", "Vaccin grippe fait", "Arrêt prolongé", "ECG normal", "Pas de fièvre", ""]


def nir(rng: random.Random, sex: int | None = None, year: int | None = None) -> str:
    """A NIR with a valid key (Corsica 2A/2B included now and then)."""
    sex = sex or rng.choice((1, 2))
    yy = f"{(year or rng.randint(1930, 2010)) % 100:02d}"
    month = f"{rng.randint(1, 12):02d}"
    dept = rng.choice(["35", "29", "75", "2A", "2B", "56", "69"])
    body = f"{sex}{yy}{month}{dept}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    return body + nir_key(body)


def wrong_key(value: str) -> str:
    key = (int(value[13:]) + 1) % 100
    return value[:13] + f"{key:02d}"


def spaced(value: str) -> str:
    return f"{value[0]} {value[1:3]} {value[3:5]} {value[5:7]} {value[7:10]} {value[10:13]} {value[13:]}"


@dataclass
class Made:
    path: Path
    rows: int
    pseudonyms: list[str] = field(default_factory=list)
    nirs: list[str] = field(default_factory=list)


def pseudonyms(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"P{rng.getrandbits(40):010X}" for _ in range(count)]


def observatory(path: Path, *, patients: int = 1000, visits: float = 4.0, seed: int = 1,
                ids: list[str] | None = None, delimiter: str = ",", encoding: str = "utf-8",
                decimal_comma: bool = False, nir_column: str | None = None, name_columns: bool = False,
                hash_nir: str | None = None, pseudonym: bool = True, comment_nir_row: int | None = None,
                bad_key_column: str | None = None) -> Made:
    """Write an observatory-shaped export; the keyword arguments add the faults the tests look for."""
    rng = random.Random(seed)
    ids = ids or pseudonyms(patients, seed + 1000)
    people = []
    for index in range(patients):
        sex = rng.choice((1, 2))
        year = rng.randint(1930, 2015)
        people.append({
            "id": ids[index], "sex": "M" if sex == 1 else "F", "year": year, "csp": rng.choice(CSP),
            "cp": rng.choice(POSTCODES), "height": rng.randint(150, 195), "weight": rng.randint(45, 110),
            "nir": nir(rng, sex, year), "first": rng.choice(FIRST), "last": rng.choice(LAST),
            "allergy": rng.choice(ALLERGIES), "history": rng.choice(HISTORY),
        })
    headers = []
    if pseudonym:
        headers.append("id_patient")
    if nir_column:
        headers.append(nir_column)
    if hash_nir:
        headers.append("cle_patient")
    if name_columns:
        headers += ["nom", "prénom"]
    if bad_key_column:
        headers.append(bad_key_column)
    headers += ["date_consultation", "annee_naissance", "sexe", "csp", "code_postal", "taille", "poids",
                "diagnostic", "prescription", "allergies", "antecedents", "arret_travail_jours", "glycemie",
                "commentaire"]
    made = Made(Path(path), 0, ids[:patients], [p["nir"] for p in people])
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        row_number = 0
        for person in people:
            for _visit in range(max(1, round(rng.expovariate(1 / visits))) if visits > 1 else 1):
                weight = person["weight"] + rng.choice((-1.5, -0.5, 0.0, 0.5, 1.0))
                glyc = f"{rng.uniform(0.7, 1.6):.2f}"
                row = []
                if pseudonym:
                    row.append(person["id"])
                if nir_column:
                    row.append(person["nir"])
                if hash_nir:
                    row.append(hashlib.new(hash_nir, person["nir"].encode()).hexdigest())
                if name_columns:
                    row += [person["last"].upper(), person["first"]]
                if bad_key_column:
                    row.append(wrong_key(person["nir"]))
                comment = rng.choice(COMMENTS)
                if comment_nir_row is not None and row_number == comment_nir_row:
                    comment = f"Rappeler le patient, n° sécu {spaced(person['nir'])} pour la mutuelle"
                weight_text = f"{weight:.1f}"
                if decimal_comma:
                    weight_text, glyc = weight_text.replace(".", ","), glyc.replace(".", ",")
                row += [f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", person["year"], person["sex"],
                        person["csp"], person["cp"], person["height"], weight_text, rng.choice(ICD10),
                        rng.choice(ATC), person["allergy"], person["history"], rng.choice((0, 0, 0, 3, 7, 15)),
                        glyc, comment]
                writer.writerow(row)
                row_number += 1
    made.rows = row_number
    return made


def generalised(path: Path, *, persons: int = 5000, seed: int = 3) -> Made:
    """One row per person, already generalised: decade of birth, sex, region, weight band, and
    health columns with many values. Every class holds well over 20 persons."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["annee_naissance", "sexe", "region", "diagnostic", "prescription"])
        for _ in range(persons):
            decade = rng.choice(range(1940, 2010, 10))
            writer.writerow([f"{decade}-{decade + 9}", rng.choice("MF"), rng.choice(REGIONS),
                             rng.choice(ICD10), rng.choice(ATC)])
    return Made(Path(path), persons)
