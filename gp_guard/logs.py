"""Logging to a rotating file in the user log dir. Never secrets, patient data or file contents."""

from __future__ import annotations

import logging
import logging.handlers
import os

from gp_guard.paths import log_dir


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """The log file is opened 0600 whatever the umask (rotated copies are renames of it)."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # a file left by an older version may be 0644
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """A full or read-only disk must not print a traceback to the user: the line is lost."""


_handler: logging.handlers.RotatingFileHandler | None = None


def log_file():  # type: ignore[no-untyped-def]
    return log_dir() / "gp_guard.log"


def setup(level: int = logging.INFO) -> bool:
    """Send log records to gp_guard.log (1 MB, 5 rotated copies). Idempotent.

    False when the log folder cannot be written (read-only, full disk): gp_guard then runs
    without a log rather than not at all.
    """
    global _handler
    try:
        path = log_file()
        if _handler is not None and _handler.baseFilename == str(path):
            return True
        handler = _PrivateFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        if _handler is None:  # no "last resort" lines on the user's terminal either
            logging.getLogger().addHandler(logging.NullHandler())
        return False
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
    _handler = handler
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(_handler)
    root.setLevel(level)
    # Third-party chatter that could hint at secrets (fpdf's font subsetter lists the glyphs of a
    # recovery key) stays out of the log.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return True
