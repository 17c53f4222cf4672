"""Reading numbers in tool output: ASCII digits only.

``str.isdigit()`` and ``int()`` accept every Unicode digit ("٣٣٨٩", "３３８９", "²"), and ``int()``
also takes "1_000" and surrounding blanks: a configuration file or a tool's output that a process
can write would then turn into a port, a version or a size the tool never printed. Checks use
these instead.
"""

from __future__ import annotations

import re

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
