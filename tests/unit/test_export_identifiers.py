"""Direct identifiers by content: the NIR key (97 - n mod 97, Corsica 2A/2B), spaces, free text,
names from the INSEE lists with titles, phones, e-mails, addresses, RPPS, masking."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from gp_guard.export import identifiers as ids
from tests.export_gen import nir, spaced, wrong_key


def kinds(text: str) -> set[str]:
    return {kind for kind, _whole, _m in ids.scan_value(text)}


@given(st.integers(1, 2), st.integers(0, 99), st.integers(1, 12), st.sampled_from(["35", "75", "2A", "2B", "99"]),
       st.integers(1, 999), st.integers(1, 999))
def test_every_nir_built_with_its_key_is_valid_and_any_other_key_is_not(sex, yy, mm, dept, commune, order):
    body = f"{sex}{yy:02d}{mm:02d}{dept}{commune:03d}{order:03d}"
    key = ids.nir_key(body)
    assert ids.nir_key_ok(body + key)
    assert ids.nir_key_ok(spaced(body + key))
    for other in {(int(key) + delta) % 100 for delta in (1, 2, 50, 96)}:
        assert not ids.nir_key_ok(body + f"{other:02d}")


def test_known_key_values():
    # a sample NIR often quoted in French guides: 2 55 08 14 168 025, key 38
    assert ids.nir_key("2550814168025") == "38"
    assert ids.nir_key_ok("2 55 08 14 168 025 38") and not ids.nir_key_ok("2 55 08 14 168 025 39")
    # Corsica: 2A counts as 19, 2B as 18
    assert ids.nir_key("184062A123456") == ids.nir_key("1840619123456")
    assert ids.nir_key("184062B123456") == ids.nir_key("1840618123456")
    assert ids.nir_key("1840619123456") != ids.nir_key("1840618123456")


def test_nir_found_whole_with_spaces_and_inside_text():
    rng = random.Random(5)
    value = nir(rng)
    assert ("nir", True, value) in ids.scan_value(value)
    assert "nir" in kinds(spaced(value))
    assert "nir" in kinds(f"Patient rappelé, sécu {spaced(value)}, pour la mutuelle")
    assert "nir" in kinds(f"NIR:{value}.")


def test_numbers_failing_the_key_are_not_nirs():
    rng = random.Random(6)
    for _ in range(200):
        assert "nir" not in kinds(wrong_key(nir(rng)))
    assert "nir" not in kinds("123456789012345")  # sex digit 1, month 45: shape fails
    hits = ids.scan_distinct(Counter({wrong_key(nir(rng)): 3 for _ in range(50)}))
    assert "nir" not in hits


def test_nir_inside_an_identifier_is_not_taken():
    rng = random.Random(7)
    assert "nir" not in kinds("AB" + nir(rng) + "CD")


def test_names_with_titles_and_first_name_surname_pairs():
    assert "name" in kinds("Adressé par le Dr Lambert pour avis")
    assert "name" in kinds("Vu avec Mme Dupont ce jour")
    assert "name" in kinds("Jean DUPONT")
    assert "name" in kinds("DUPONT Jean")
    assert "name" in kinds("Nathalie Moreau")
    assert ids.name_value("Martin") and ids.name_value("Céline")


def test_medical_words_and_eponyms_are_not_names():
    for text in ("Maladie de Parkinson stable", "Bilan sanguin prescrit", "Revu à 3 mois", "Maladie de Crohn",
                 "Hypertension Artérielle", "Diabète de type 2", "ECG normal"):
        assert "name" not in kinds(text), text
    assert not ids.name_value("E11") and not ids.name_value("Revu à 3 mois, bilan sanguin prescrit ce jour")


def test_phones_emails_addresses_rpps_ins_birth_dates():
    assert "phone" in kinds("06 12 34 56 78") and "phone" in kinds("rappel au +33 6 12 34 56 78")
    assert "phone" not in kinds("ab0612345678cd")
    assert "email" in kinds("jean.dupont@exemple.fr")
    assert "address" in kinds("12 rue des Lilas, 35000 Rennes")
    assert "rpps" in kinds("10003456786")  # 11 digits from 10, Luhn key 6
    assert "rpps" not in kinds("10003456785")
    assert "ins" in kinds("123^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO^INS")
    assert "birth_date" in kinds("née le 12/03/1954 à Rennes")


def test_mask_keeps_only_the_first_character_of_each_word():
    assert ids.mask("1 84 12 75 123 456 78") == "1 •• •• •• ••• ••• ••"
    assert ids.mask("Jean DUPONT") == "J••• D•••••"
    assert "dupont" not in ids.mask("jean.dupont@exemple.fr")


def test_scan_counts_rows_and_keeps_a_masked_example():
    rng = random.Random(8)
    value = nir(rng)
    hits = ids.scan_distinct(Counter({value: 4, "Revu à 3 mois": 10, f"sécu {value}": 2}))
    assert hits["nir"].rows_full == 4 and hits["nir"].rows_text == 2
    assert value not in hits["nir"].example and hits["nir"].example.startswith(value[0])
