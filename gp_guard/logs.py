"""Logging to a rotating file in the user log dir. Never secrets, patient data or file contents."""

from __future__ import annotations

import logging
import logging.handlers

from gp_guard.paths import log_dir

_configured = False


def setup(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    handler = logging.handlers.RotatingFileHandler(
        log_dir() / "gp_guard.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    _configured = True
