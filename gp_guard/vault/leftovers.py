"""Both forms of a file, or a temporary copy in the way: cleared when they are provably the same.

An interrupted run of an older gp_guard (a sub-folder renamed during a lock, red-team D10) could
leave ``x`` beside ``x.age``, or ``x.age.tmp`` beside ``x``, with no journal entry left to say they
were its own. Every later run then stopped on them ("an encrypted copy … already exists", "a
temporary file … is in the way"). With the working key at hand, ``folder`` asks ``same_content``:
when the encrypted file decrypts, authenticated, to exactly the bytes of the plaintext, one of the
two is redundant and can go, and nothing can be lost by removing it. Anything else stays as it is.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gp_guard.vault import fileio
from gp_guard.vault.streams import CompareWriter, Mismatch


def same_content(sealed: Path, plain: Path, identities: Sequence[Any]) -> bool:
    """``sealed`` (an age file) decrypts with ``identities`` to exactly the content of ``plain``."""
    from gp_guard.vault import agefile

    if not identities:
        return False
    try:
        with os.fdopen(fileio.open_read(sealed), "rb", buffering=fileio.CHUNK) as age, \
                os.fdopen(fileio.open_read(plain), "rb", buffering=fileio.CHUNK) as original:
            sink = CompareWriter(original)
            agefile.decrypt(age, sink, list(identities))  # type: ignore[arg-type]  # a file-like sink
            return not original.read(1)
    except (OSError, Mismatch, agefile.AgeError):
        return False


def make_durable(path: Path) -> None:
    """The copy that stays is on the disk before the other one is removed."""
    fd = fileio.open_read(path)
    try:
        fileio.fsync(fd)
    finally:
        os.close(fd)
