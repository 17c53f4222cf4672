"""User settings, declared as data (Qt-free).

Each setting states its key, default, type, label and, for a choice, its allowed values, so the
settings page is generated from this list. Values live in the store's ``setting`` table as text.
Loading fills in defaults; a stored value that no longer makes sense falls back to the default and
is logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gp_guard.errors import UserError
from gp_guard.i18n import N_

log = logging.getLogger(__name__)


class SettingError(UserError, ValueError):
    """A setting name or value that is not allowed."""


class SettingsStore(Protocol):
    def get_setting(self, key: str) -> str | None: ...

    def set_setting(self, key: str, value: str) -> None: ...


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    type: type  # str or bool
    label: str  # N_()
    choices: tuple[tuple[str, str], ...] = ()  # (value, label): N_() labels, or autonyms
    kind: str = ""  # "folder": a path chosen by the user; "text": free text (empty: not set)

    def parse(self, raw: str) -> Any:
        """The typed value of ``raw``; SettingError when it is not allowed."""
        if self.type is bool:
            if raw in ("true", "1"):
                return True
            if raw in ("false", "0"):
                return False
            raise SettingError(N_("{key} expects true or false."), key=self.key)
        if self.kind == "text" and (len(raw) > 500 or any(ord(c) < 32 and c not in "\t" for c in raw)):
            raise SettingError(N_("{key} takes at most 500 characters, on one line."), key=self.key)
        if self.choices and raw not in {value for value, _label in self.choices}:
            raise SettingError(N_("Value not allowed for {key}: {value}. Possible values: {choices}."),
                               key=self.key, value=raw, choices=", ".join(v for v, _label in self.choices))
        return raw

    def format(self, value: Any) -> str:
        if self.type is bool:
            if not isinstance(value, bool):
                raise SettingError(N_("{key} expects true or false."), key=self.key)
            return "true" if value else "false"
        text = str(value)
        self.parse(text)
        return text


LANGUAGE = Setting(
    "language",
    "system",
    str,
    N_("Language"),
    # The language names are written in their own language, as every program does.
    (("system", N_("Same as the system")), ("fr", "Français"), ("en", "English")),
)
AUDIT_ON_START = Setting("audit_on_start", False, bool, N_("Run an audit each time gp_guard opens"))

BACKUP_TARGET = Setting(
    "backup.target", "", str,
    N_("Folder or disk where the practice's backups are saved (optional, checked by BKP-01)"),
    kind="folder",
)

PROVIDER_CONTACT = Setting(
    "provider.contact", "", str,
    N_("Your IT provider: name, phone, e-mail (shown on the Help page)"),
    kind="text",
)

MONITORING_FOLDER = Setting(
    "monitoring.folder", "", str,
    N_("Folder where gp_guard leaves its state for the IT provider's monitoring after each audit (optional; node_exporter's textfile folder)"),
    kind="folder",
)

GUARDIAN_AFTER_DAYS = Setting(
    "guardian.after_days", "30", str,
    N_("Imaging archives: encrypt a file once nobody has opened or changed it for"),
    (("7", N_("7 days")), ("14", N_("14 days")), ("30", N_("30 days")), ("60", N_("60 days")), ("90", N_("90 days"))),
)

GUARDIAN_UNLOCK_HOURS = Setting(
    "guardian.unlock_hours", "12", str,
    N_("A folder opened for consultation is protected again after"),
    (("4", N_("4 hours")), ("12", N_("12 hours")), ("24", N_("24 hours")), ("0", N_("never: only when I lock it"))),
)

GUARDIAN_DAILY_AUDIT = Setting(
    "guardian.daily_audit", True, bool,
    N_("Check this computer again every day in the background, and tell me when something got worse"),
)

SETTINGS: tuple[Setting, ...] = (LANGUAGE, AUDIT_ON_START, BACKUP_TARGET, PROVIDER_CONTACT, MONITORING_FOLDER,
                                 GUARDIAN_AFTER_DAYS, GUARDIAN_UNLOCK_HOURS, GUARDIAN_DAILY_AUDIT)


def by_key() -> dict[str, Setting]:
    return {s.key: s for s in SETTINGS}


def setting(key: str) -> Setting:
    """The setting named ``key``; SettingError when there is none."""
    found = by_key().get(key)
    if found is None:
        raise SettingError(N_("Unknown setting: {key}. Known settings: {known}."), key=key, known=", ".join(by_key()))
    return found


def get(store: SettingsStore, key: str) -> Any:
    """The stored value of ``key``, or its default when unset or unusable."""
    setting = by_key()[key]
    raw = store.get_setting(key)
    if raw is None:
        return setting.default
    try:
        return setting.parse(raw)
    except SettingError:
        log.warning("setting %s has an unusable stored value; using the default", key)
        return setting.default


def load(store: SettingsStore) -> dict[str, Any]:
    """Every setting, defaults filled in."""
    return {s.key: get(store, s.key) for s in SETTINGS}


def set(store: SettingsStore, key: str, value: Any) -> None:  # noqa: A001 - mirrors get()
    """Store ``value``; SettingError when the key or the value is not allowed."""
    store.set_setting(key, setting(key).format(value))


def save(store: SettingsStore, values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        set(store, key, value)


def ui_language(store: SettingsStore, requested: str | None = None) -> str | None:
    """The language to use: the requested one, else the stored one; None means the system's."""
    if requested:
        return requested
    stored = get(store, LANGUAGE.key)
    return None if stored == "system" else str(stored)
