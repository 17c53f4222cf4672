"""The role of each column: direct identifier, linkable identifier, quasi-identifier, sensitive
attribute, free text or other; from its name and, above all, its content.

A column name only suggests; content decides for identifiers (a NIR is found in a column called
"champ3", and a number failing the NIR key is not a NIR whatever the column is called).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from gp_guard.export.identifiers import Hit, fold, name_value, scan_distinct
from gp_guard.i18n import N_

SAMPLE = 5000
ROLES = ("direct", "linkable", "quasi", "sensitive", "free_text", "other")
ROLE_WORDS = {
    "direct": N_("direct identifier"), "linkable": N_("linkable identifier"), "quasi": N_("quasi-identifier"),
    "sensitive": N_("health data"), "free_text": N_("free text"), "other": N_("other"),
}

# kind -> pattern on the folded column name (lower case, words joined by "_")
QUASI_HINTS = {
    "year_of_birth": r"annee_?(de_)?naiss|annee|yob|birth_?year|an_nais",
    "age": r"^age|_age$|_age_|^ages?$|tranche_age",
    "sex": r"sexe?|genre|gender",
    "postcode": r"code_?postal|^cp$|_cp$|^cp_|post_?code|zip",
    "commune": r"commune|ville|city|localite|insee_com|code_insee",
    "department": r"departement|^dept?$|^dep_|_dep$|departement",
    "region": r"region",
    "profession": r"csp|pcs|profession|metier|socio|occupation|emploi",
    "height": r"taille|height|stature",
    "weight": r"poids|weight|masse",
    "bmi": r"imc|bmi",
}
SENSITIVE_HINTS = {
    "diagnosis": r"diagnos|diag|cim|icd|patholog|motif|affection|ald|maladie",
    "drug": r"prescri|medic|traitement|atc|molecule|ordonnance|cip|specialite",
    "lab": r"glyc|hba1c|cholest|creat|tsh|ldl|hdl|biolog|resultat|labo|analyse|inr|crp|ferrit|hemoglo|dfg",
    "allergy": r"allerg",
    "history": r"antecedent|atcd|histoire|history",
    "sick_leave": r"arret|sick|^ij$|indemn",
}
DIRECT_HINTS = {
    "name": r"(^|_)(nom|prenom|name|firstname|lastname|surname|nom_naissance|nom_usage|patient)($|_)",
    "birth_date": r"naissance|ddn|birth|dob|date_nais|^ne_le",
    "phone": r"tel|phone|portable|mobile",
    "email": r"mail|courriel",
    "address": r"adresse|address|^rue$|voie",
    "rpps": r"rpps|adeli",
    "nir": r"nir|secu|securite_sociale|ssn|matricule",
    "ins": r"(^|_)ins($|_)",
}
LINK_HINTS = r"(^|_)(id|ident|identifiant|pseudo\w*|code_patient|num\w*_patient|patient_id|ipp|dossier|uuid|hash|cle|token|ref)($|_)"
FREE_TEXT_HINTS = r"comment|note|observ|texte|remarq|libre|conclusion|compte_rendu|courrier"

HEX_RE = re.compile(r"(?i)^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$")
B64_RE = re.compile(r"^[A-Za-z0-9+/_\-]{22,24}={0,2}$|^[A-Za-z0-9+/_\-]{27,28}=?$|^[A-Za-z0-9+/_\-]{43,44}=?$")
UUID_RE = re.compile(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{4,40}$")
DATE_RE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+)?|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4})$")
YEAR_RE = re.compile(r"^(?:19|20)\d\d$")
SEX_VALUES = {"M", "F", "H", "HOMME", "FEMME", "MASCULIN", "FEMININ", "MALE", "FEMALE", "MAN", "WOMAN"}


@dataclass
class Column:
    index: int
    name: str
    role: str
    kind: str
    hits: dict[str, Hit] = field(default_factory=dict)
    distinct: int = 0
    nonempty: int = 0
    detected: tuple[str, str] = ("other", "other")  # before the doctor's choice


def header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(name).lower()).strip("_")


def _hint(key: str, table: Mapping[str, str]) -> str | None:
    for kind, pattern in table.items():
        if re.search(pattern, key):
            return kind
    return None


def _share(counts: Mapping[str, int], test, nonempty: int) -> float:  # type: ignore[no-untyped-def]
    if not nonempty:
        return 0.0
    return sum(n for v, n in counts.items() if v.strip() and test(v.strip())) / nonempty


def classify(index: int, name: str, counts: Counter[str], rows: int) -> Column:
    """The detected role and kind of one column from its header and its distinct values."""
    nonempty = rows - sum(n for v, n in counts.items() if not v.strip())
    distinct = sum(1 for v in counts if v.strip())
    column = Column(index, name, "other", "other", distinct=distinct, nonempty=nonempty)
    column.hits = scan_distinct(counts)
    if len(counts) > SAMPLE:  # shapes are judged on the first distinct values (all are scanned above)
        sample = Counter(dict(itertools.islice(counts.items(), SAMPLE)))
        scale = sum(sample.values()) / rows
        column = Column(index, name, "other", "other", column.hits, distinct, nonempty)
        role, kind = _decide(header_key(name), sample, column, max(1, round(nonempty * scale)), counts)
    else:
        role, kind = _decide(header_key(name), counts, column, nonempty, counts)
    column.role, column.kind = role, kind
    column.detected = (role, kind)
    return column


def _decide(key: str, counts: Counter[str], column: Column, nonempty: int, full: Counter[str]) -> tuple[str, str]:
    distinct = column.distinct
    if not nonempty:
        return "other", "empty"
    for hit in column.hits.values():  # content: a column made of identifiers
        if hit.rows_full >= 0.5 * column.nonempty:
            if hit.kind == "nir" and _hint(key, {"ins": DIRECT_HINTS["ins"]}):
                return "direct", "ins"
            return "direct", hit.kind
    quasi, sensitive = _hint(key, QUASI_HINTS), _hint(key, SENSITIVE_HINTS)
    direct = _hint(key, DIRECT_HINTS)
    dates = _share(counts, DATE_RE.match, nonempty)
    if direct == "birth_date" and dates >= 0.8:
        return "direct", "birth_date"
    if direct == "name" and not quasi and not sensitive and _share(counts, name_value, nonempty) >= 0.3:
        return "direct", "name"
    if dates >= 0.8:
        return ("quasi", "year_of_birth") if quasi == "year_of_birth" else ("other", "date")
    if quasi:
        return "quasi", quasi
    if sensitive:
        return "sensitive", sensitive
    if re.search(FREE_TEXT_HINTS, key):
        return "free_text", "text"
    if _share(counts, lambda v: bool(HEX_RE.match(v) or B64_RE.match(v)), nonempty) >= 0.8 and distinct >= 2:
        return "linkable", "hash"
    if _share(counts, UUID_RE.match, nonempty) >= 0.8:
        return "linkable", "pseudonym"
    if re.search(LINK_HINTS, key) and distinct >= 2:
        return "linkable", "pseudonym"
    if _share(counts, YEAR_RE.match, nonempty) >= 0.9:
        return "quasi", "year_of_birth"
    if distinct <= 3 and _share(counts, lambda v: fold(v) in SEX_VALUES, nonempty) >= 0.95:
        return "quasi", "sex"
    if distinct >= 20 and _share(counts, name_value, nonempty) >= 0.6:
        return "direct", "name"
    long_text = _share(counts, lambda v: len(v) > 25 and v.count(" ") >= 3, nonempty)
    if long_text >= 0.3:
        return "free_text", "text"
    if distinct >= max(20, column.nonempty // 50) and _share(counts, CODE_RE.match, nonempty) >= 0.8 and not _sequence(full):
        values = [v.strip() for v in counts if v.strip()]
        lengths = {len(v) for v in values}
        if not all(v.isdigit() for v in values) or (len(lengths) <= 2 and min(lengths) >= 6):
            return "linkable", "pseudonym"
    return "other", "other"


def _sequence(counts: Counter[str]) -> bool:
    """Row numbers 1..N (each once) are not a person's identifier."""
    try:
        numbers = sorted(int(v) for v in counts if v.strip())
    except ValueError:
        return False
    return all(n == 1 for n in counts.values()) and numbers[-1] - numbers[0] + 1 == len(numbers)
