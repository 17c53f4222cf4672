"""Generalisations of one value: a year into a 5- or 10-year band, a postcode into its department
or region, a height or weight into a band. Values that do not parse are kept as they are."""

from __future__ import annotations

import re
from collections.abc import Callable

from gp_guard.i18n import N_

# What each generalisation does, in the doctor's words.
LABELS = {
    "drop": N_("remove the column"),
    "year_5": N_("5-year bands"),
    "year_10": N_("10-year bands"),
    "band_5": N_("bands of 5"),
    "band_10": N_("bands of 10"),
    "band_20": N_("bands of 20"),
    "department": N_("department (first digits of the postcode)"),
    "region": N_("region"),
    "pcs_group": N_("group of the socio-professional category (first digit)"),
    "year": N_("year only"),
    "month": N_("month only"),
}

# Department -> region (2016 regions, INSEE codes), metropolitan France and overseas.
_REGIONS = {
    "84": "01 03 07 15 26 38 42 43 63 69 73 74", "27": "21 25 39 58 70 71 89 90",
    "53": "22 29 35 56", "24": "18 28 36 37 41 45", "94": "20 2A 2B",
    "44": "08 10 51 52 54 55 57 67 68 88", "32": "02 59 60 62 80", "11": "75 77 78 91 92 93 94 95",
    "28": "14 27 50 61 76", "75": "16 17 19 23 24 33 40 47 64 79 86 87",
    "76": "09 11 12 30 31 32 34 46 48 65 66 81 82", "52": "44 49 53 72 85", "93": "04 05 06 13 83 84",
    "01": "971", "02": "972", "03": "973", "04": "974", "06": "976",
}
REGION_OF = {dept: region for region, depts in _REGIONS.items() for dept in depts.split()}
_NUMBER = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})")
_DATE_FR = re.compile(r"^\d{1,2}[/.\-](\d{1,2})[/.\-](\d{4})")


def number(value: str) -> float | None:
    if not _NUMBER.match(value):
        return None
    return float(value.replace(",", "."))


def _band(width: int) -> Callable[[str], str]:
    def apply(value: str) -> str:
        n = number(value)
        if n is None:
            year = _date_part(False)(value)
            if year == value:
                return value
            n = float(year)
        low = int(n // width * width)
        return f"{low}-{low + width - 1}"
    return apply


def department(value: str) -> str:
    code = value.strip()
    if not code[:5].isdigit() or len(code) < 4:
        return value
    code = code.zfill(5)
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    return code[:2]


def region(value: str) -> str:
    code = value.strip().upper()
    dept = department(code) if len(code) >= 4 else code.zfill(2) if code.isdigit() else code
    return REGION_OF.get(dept, value)


def _pcs_group(value: str) -> str:
    code = value.strip()
    return code[0] if code[:1].isdigit() else value


def _date_part(months: bool) -> Callable[[str], str]:
    def apply(value: str) -> str:
        iso = _DATE_ISO.match(value)
        if iso:
            return f"{iso.group(1)}-{iso.group(2)}" if months else iso.group(1)
        fr = _DATE_FR.match(value)
        if fr:
            return f"{fr.group(2)}-{int(fr.group(1)):02d}" if months else fr.group(2)
        return value
    return apply


FUNCTIONS: dict[str, Callable[[str], str]] = {
    "year_5": _band(5), "year_10": _band(10), "band_5": _band(5), "band_10": _band(10), "band_20": _band(20),
    "department": department, "region": region, "pcs_group": _pcs_group,
    "year": _date_part(False), "month": _date_part(True),
}

# Per kind of quasi-identifier: (first step, second step); None = remove the column.
STEPS: dict[str, tuple[str | None, str | None]] = {
    "year_of_birth": ("year_5", "year_10"), "age": ("year_5", "year_10"),
    "postcode": ("department", "region"), "department": ("region", "region"), "region": ("region", "region"),
    "commune": (None, None), "profession": ("pcs_group", None),
    "height": ("band_10", "band_20"), "weight": ("band_10", "band_20"), "bmi": ("band_5", "band_10"),
    "date": ("month", "year"), "birth_date": ("year_5", "year_10"), "sex": ("", ""),
}
