"""Readers of practice and imaging software configuration (no network, no Qt)."""

from __future__ import annotations

from collections.abc import Callable

from gp_guard.host import Host, UnreadableFile


def read_config_text(host: Host, path: str, error: Callable[[str, str], Exception]) -> str | None:
    """``host.read_text(path)``, with a path that is not an ordinary file of reasonable size (a FIFO,
    a device, a huge file: see ``UnreadableFile``) reported as the reader's own configuration error
    ``error(path, reason)``. None when the file does not exist; ``NeedsAdmin`` propagates."""
    try:
        return host.read_text(path)
    except UnreadableFile as exc:
        raise error(path, exc.reason) from None
