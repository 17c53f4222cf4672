"""Direct identifiers found by content: NIR (key checked), INS, names, dates of birth, phones,
e-mails, postal addresses, RPPS numbers; whole cells and inside free text.

Each distinct value of a column is scanned once; the counts say how many rows hold it. Examples
kept for display are masked (``mask``): the first character of each word, dots for the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from gp_guard.paths import resources_dir

KINDS = ("nir", "ins", "name", "birth_date", "phone", "email", "address", "rpps")

_SEP = r"[ .\-]?"
NIR_RE = re.compile(
    r"(?<![0-9A-Za-z])([12378])" + _SEP + r"(\d\d)" + _SEP + r"(0[1-9]|1[0-2]|[2-9]\d)" + _SEP
    + r"(\d\d|2[ABab])" + _SEP + r"(\d{3})" + _SEP + r"(\d{3})" + _SEP + r"(\d\d)(?![0-9A-Za-z])")
PHONE_RE = re.compile(r"(?<![\w+])(?:(?:\+|00)33[ .\-]?(?:\(0\))?[ .\-]?[1-9]|0[1-9])(?:[ .\-]?\d\d){4}(?!\w)")
RPPS_RE = re.compile(r"(?<!\w)10\d{9}(?!\w)")
EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
INS_RE = re.compile(r"1\.2\.250\.1\.213\.1\.4\.(?:8|9|10|11)(?!\d)|ASIP-SANTE-INS|INS-NI[RA]\b")
ADDRESS_RE = re.compile(
    r"(?i)(?<![\w])\d{1,4}\s*(?:bis|ter)?\s*,?\s*(?:rue|avenue|av\.|bd|boulevard|chemin|impasse|all[ée]e|place|"
    r"route|quai|cours|square|lotissement|r[ée]sidence|lieu[- ]dit|hameau)\s+[\w'’]")
BIRTH_TEXT_RE = re.compile(
    r"(?i)(?:n[ée]e?\s+le|ddn|date\s+de\s+naissance|birth\s*date|dob)\s*:?\s*\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}")
_UP = "A-ZÀ-ÖØ-Ý"
_WORD = "A-Za-zÀ-ÖØ-öø-ÿ'’\\-"
TITLE_RE = re.compile(
    r"(?<![\w])(?:M\.|Mr\.?|Mme\.?|Mlle\.?|Madame|Monsieur|Mademoiselle|Dr\.?|Docteur|Pr\.?|Professeur)\s+"
    rf"([{_UP}][{_WORD}]+)")
PAIR_RE = re.compile(rf"(?=(?<![\w])([{_UP}][{_WORD}]+)\s+([{_UP}][{_WORD}]+))")
_NINE_DIGITS = re.compile(r"\d(?:[ .\-]?[0-9ABab]){8}")
TOKEN_RE = re.compile(rf"[{_WORD}]+")
# Surnames that are also diseases, signs or eponyms in medical notes, and words of the notes.
STOP = frozenset("""
ADDISON ALZHEIMER ASPERGER BARLOW BARRE BASEDOW BEHCET BELL BERGER BOUVERET CHARCOT COLLES CROHN CUSHING
DANLOS DOWN DUPUYTREN EHLERS FALLOT GOUGEROT GRAVES GUILLAIN HASHIMOTO HODGKIN HORNER HORTON HUNTINGTON
KAHLER KAPOSI KAWASAKI KLINEFELTER LISFRANC LYME MARFAN MENIERE OSGOOD PAGET PARKINSON QUERVAIN RAYNAUD
SCHEUERMANN SJOGREN TIETZE TOURETTE TURNER WILSON WOLFF BILAN REVU TRAITEMENT VACCIN DIABETE
""".split())


@dataclass
class Hit:
    kind: str
    rows_full: int = 0  # rows whose whole value is this identifier
    rows_text: int = 0  # rows where it appears inside longer text
    example: str = ""  # masked

    @property
    def rows(self) -> int:
        return self.rows_full + self.rows_text


def fold(text: str) -> str:
    """Upper case without accents: the form the name lists use."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


@lru_cache(maxsize=1)
def name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames) from INSEE (see resources/export/README.md)."""
    folder = resources_dir() / "export"
    first = frozenset((folder / "first_names.txt").read_text(encoding="utf-8").split("\n")) - {""}
    last = frozenset((folder / "surnames.txt").read_text(encoding="utf-8").split("\n")) - {""} - STOP
    return first, last


def nir_digits(match: re.Match[str]) -> str:
    return "".join(match.groups()).upper()


def nir_key_ok(nir: str) -> bool:
    """True when the 15 characters (13 + key, 2A/2B for Corsica) carry a valid key: 97 - n mod 97."""
    nir = re.sub(r"[ .\-]", "", nir).upper()
    if len(nir) != 15 or not nir[13:].isdigit():
        return False
    body = nir[:13]
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(nir[13:])


def nir_key(body: str) -> str:
    """The 2-digit key of a 13-character NIR body (used by tests and the generator)."""
    number = body.upper().replace("2A", "19", 1) if body[5:7].upper() == "2A" else body
    number = number.upper().replace("2B", "18", 1) if body[5:7].upper() == "2B" else number
    return f"{97 - int(number) % 97:02d}"


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask(text: str) -> str:
    """Keep the first letter of each word, the first character of the value and the separators;
    hide the rest (every other digit: a digit says too much about a date or a NIR)."""
    out, start, first = [], True, True
    for char in text:
        if char.isalnum():
            out.append(char if first or (start and not char.isdigit()) else "•")
            start = first = False
        else:
            out.append(char)
            start = True
    return "".join(out)


def _nirs(value: str) -> list[re.Match[str]]:
    return [m for m in NIR_RE.finditer(value) if nir_key_ok(nir_digits(m))]


def is_name_pair(a: str, b: str) -> bool:
    first, last = name_lists()
    fa, fb = fold(a), fold(b)
    if fa in first and (fb in last or (b.isupper() and len(b) >= 2 and fb not in STOP)):
        return True
    return a.isupper() and len(a) >= 3 and fa in last and fb in first


def _names_in_text(value: str) -> list[str]:
    found = [m.group(0) for m in TITLE_RE.finditer(value) if fold(m.group(1)) not in STOP]
    for m in PAIR_RE.finditer(value):
        if is_name_pair(m.group(1), m.group(2)):
            found.append(f"{m.group(1)} {m.group(2)}")
    return found


def name_value(value: str) -> bool:
    """A cell that is a name: one to three words, each a known first name or surname."""
    first, last = name_lists()
    words = TOKEN_RE.findall(value)
    if not 1 <= len(words) <= 3 or len(value) > 60 or any(c.isdigit() for c in value):
        return False
    return all(len(w) >= 2 and (fold(w) in first or fold(w) in last) for w in words)


def scan_value(value: str) -> list[tuple[str, bool, str]]:
    """(kind, whole cell?, matched text) for each direct identifier in one value."""
    text = value.strip()
    if len(text) < 2:
        return []
    found: list[tuple[str, bool, str]] = []
    spaced = " " in text
    if _NINE_DIGITS.search(text):
        for m in _nirs(text):
            found.append(("nir", m.end() - m.start() == len(text), m.group(0)))
        for m in PHONE_RE.finditer(text):
            found.append(("phone", m.end() - m.start() == len(text), m.group(0)))
        for m in RPPS_RE.finditer(text):
            if luhn_ok(m.group(0)):
                found.append(("rpps", len(m.group(0)) == len(text), m.group(0)))
    if spaced and any(c.isdigit() for c in text):
        for m in ADDRESS_RE.finditer(text):
            found.append(("address", False, text[m.start():m.start() + 40]))
        for m in BIRTH_TEXT_RE.finditer(text):
            found.append(("birth_date", False, m.group(0)))
    if "1.2.250" in text or "INS" in text:
        for m in INS_RE.finditer(text):
            found.append(("ins", False, m.group(0)))
    if "@" in text:
        for m in EMAIL_RE.finditer(text):
            found.append(("email", m.end() - m.start() == len(text), m.group(0)))
    if spaced and any(c.isupper() for c in text[1:]):
        for name in _names_in_text(text):
            found.append(("name", len(name) == len(text), name))
    return found


def scan_distinct(counts: Mapping[str, int]) -> dict[str, Hit]:
    """Identifiers found in a column, from its distinct values and their row counts."""
    hits: dict[str, Hit] = {}
    for value, rows in counts.items():
        if len(value) < 2:
            continue
        seen: set[str] = set()
        for kind, whole, matched in scan_value(value):
            if kind in seen:
                continue
            seen.add(kind)
            hit = hits.setdefault(kind, Hit(kind))
            if whole:
                hit.rows_full += rows
            else:
                hit.rows_text += rows
            if not hit.example:
                hit.example = mask(matched)
    return hits
