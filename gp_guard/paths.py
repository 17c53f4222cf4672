"""Where gp_guard keeps its files.

Everything lives in the platform's user directories (platformdirs). ``GP_GUARD_HOME`` overrides
them all with one folder, which the tests point at a temporary directory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

APP = "gp_guard"


def _override() -> Path | None:
    home = os.environ.get("GP_GUARD_HOME")
    return Path(home) if home else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def data_dir() -> Path:
    base = _override()
    return _ensure(base / "data" if base else Path(platformdirs.user_data_dir(APP, appauthor=False)))


def log_dir() -> Path:
    base = _override()
    return _ensure(base / "logs" if base else Path(platformdirs.user_log_dir(APP, appauthor=False)))


def runtime_name() -> str:
    """Name of the per-user local socket used to keep a single GUI instance."""
    base = _override()
    suffix = hashlib.sha256(str(base).encode()).hexdigest()[:10] if base else ""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    return f"gp_guard-{user}{'-' + suffix if suffix else ''}"


def database_path() -> Path:
    return data_dir() / "gp_guard.db"


def resources_dir() -> Path:
    return Path(__file__).resolve().parent / "resources"


def no_network() -> bool:
    """True when no probe may leave this machine (GP_GUARD_NO_NETWORK=1)."""
    return os.environ.get("GP_GUARD_NO_NETWORK", "").strip().lower() in {"1", "true", "yes", "on"}
