"""Text that can always be printed and written as UTF-8 JSON."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with the bytes that were not valid UTF-8 (file names, process arguments decoded
    with 'surrogateescape', e.g. Latin-1 bytes) shown as ``\\xe9`` escapes, so that it can be
    printed and written as UTF-8 JSON instead of breaking the output."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")
