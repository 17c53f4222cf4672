"""Reading tool output: numbers in ASCII digits only, and PowerShell's JSON lists.

``str.isdigit()`` and ``int()`` accept every Unicode digit ("٣٣٨٩", "３３８９", "²"), and ``int()``
also takes "1_000" and surrounding blanks: a configuration file or a tool's output that a process
can write would then turn into a port, a version or a size the tool never printed. Checks use
these instead.
"""

from __future__ import annotations

import json
import re

from gp_guard.host import Host

_NUMBER = re.compile(r"[0-9]{1,19}", re.ASCII)


def is_ascii_number(text: str) -> bool:
    """True for '0'..'9' only (1 to 19 of them), nothing else."""
    return bool(_NUMBER.fullmatch(text))


def ascii_int(text: str | None) -> int | None:
    """The whole number written in ASCII digits (blanks around it ignored), None otherwise."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if is_ascii_number(text) else None


_DECIMAL = re.compile(r"-?[0-9]{1,19}", re.ASCII)
_HEX = re.compile(r"0x[0-9a-f]{1,16}", re.ASCII)


def as_number(value: object) -> int | None:
    """A registry DWORD or a number printed by a system tool, as ``gp_guard.host.as_int`` reads it
    (an int, True/False, decimal or 0x-hexadecimal text, blanks around it ignored), but ASCII
    digits only; None for anything else."""
    if isinstance(value, int):  # bool included
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if _HEX.fullmatch(text):
            return int(text, 16)
        if _DECIMAL.fullmatch(text):
            return int(text)
    return None


def reg_number(host: Host, key: str, name: str) -> int | None:
    """``host.reg_int`` with ASCII digits only: a registry value as a number, None when absent."""
    value = host.reg_value(key, name)
    return None if value is None else as_number(value.value)


def json_objects(text: str) -> list[dict[str, object]] | None:
    """What ``... | ConvertTo-Json`` prints for a list of objects: PowerShell writes a single object
    without the brackets and nothing at all for none (a BOM may lead). None when it is not that."""
    try:
        data = json.loads(text.strip().lstrip("\ufeff") or "[]")
    except ValueError:
        return None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        return None
    return data
