"""Logging to a rotating file in the user log dir. Never secrets, patient data or file contents."""

from __future__ import annotations

import logging
import logging.handlers

from gp_guard.paths import log_dir

_handler: logging.handlers.RotatingFileHandler | None = None


def log_file():  # type: ignore[no-untyped-def]
    return log_dir() / "gp_guard.log"


def setup(level: int = logging.INFO) -> None:
    """Send log records to gp_guard.log (1 MB, 5 rotated copies). Idempotent."""
    global _handler
    path = log_file()
    if _handler is not None and _handler.baseFilename == str(path):
        return
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    _handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(_handler)
    root.setLevel(level)
    # Third-party chatter that could hint at secrets (fpdf's font subsetter lists the glyphs of a
    # recovery key) stays out of the log.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
