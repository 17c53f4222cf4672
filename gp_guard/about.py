"""What the help page and ``gp-guard about`` tell: the version, where the data lives, the log file
to send, and how to reach the practice's IT provider. Qt-free."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from gp_guard import logs, paths, settings
from gp_guard.settings import SettingsStore
from gp_guard.version import __version__


@dataclass(frozen=True)
class About:
    version: str
    system: str  # "Windows 11", "macOS 14.5", "Linux 6.1" (no host name, no user name)
    python: str
    data_folder: Path
    database: Path
    log_file: Path
    provider_contact: str  # as the doctor typed it in the settings; "" when not set

    def to_dict(self) -> dict[str, str]:
        return {
            "version": self.version, "system": self.system, "python": self.python,
            "data_folder": str(self.data_folder), "database": str(self.database),
            "log_file": str(self.log_file), "provider_contact": self.provider_contact,
        }


def system_name() -> str:
    if sys.platform == "darwin":
        return f"macOS {platform.mac_ver()[0]}".strip()
    return f"{platform.system()} {platform.release()}".strip()


def about(store: SettingsStore) -> About:
    values = settings.load(store)
    return About(__version__, system_name(), platform.python_version(), paths.data_dir(),
                 paths.database_path(), logs.log_file(), str(values[settings.PROVIDER_CONTACT.key]))
