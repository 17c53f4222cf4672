"""One translation system for the core, the CLI and the GUI.

Source strings are English and wrapped in ``_()`` (translated now) or ``N_()`` (marked, translated
later, for module-level data such as check texts). French lives in gettext ``.po`` catalogues under
``gp_guard/resources/locale/fr/LC_MESSAGES/``; every ``.po`` file there is merged, so each area of
the code keeps its own file. Babel reads them at run time: no compile step can be forgotten.
"""

from __future__ import annotations

import locale
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from gp_guard.paths import resources_dir

log = logging.getLogger(__name__)

LANGUAGES = ("fr", "en")
_lock = threading.Lock()
_state: dict[str, object] = {"lang": "en", "catalog": {}}
_cache: dict[str, dict[str, str]] = {}


def N_(message: str) -> str:
    """Mark a string for translation without translating it yet."""
    return message


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    catalog = _state["catalog"]
    assert isinstance(catalog, dict)
    return catalog.get(message) or message


def locale_dir(lang: str) -> Path:
    return resources_dir() / "locale" / lang / "LC_MESSAGES"


def load_catalog(lang: str) -> dict[str, str]:
    """All non-fuzzy translations of ``lang``, merged from every .po file of that language."""
    if lang in _cache:
        return _cache[lang]
    from babel.messages.pofile import read_po

    merged: dict[str, str] = {}
    folder = locale_dir(lang)
    if folder.is_dir():
        for po in sorted(folder.glob("*.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            for message in catalog:
                if message.id and isinstance(message.id, str) and message.string and not message.fuzzy:
                    merged[message.id] = str(message.string)
    _cache[lang] = merged
    return merged


def system_language() -> str:
    """'fr' when the system locale is French, else 'en'."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        name = ""
    if not name and sys.platform == "win32":  # pragma: no cover - Windows only
        from gp_guard.host_windows import ui_language_is_french

        return "fr" if ui_language_is_french() else "en"
    return "fr" if name.lower().startswith("fr") else "en"


def resolve_language(requested: str | None = None,
                     saved: Callable[[], str | None] | None = None) -> str:
    """The language of the CLI and of the window, in one order for both.

    1. ``requested`` (``--lang``), 2. ``GP_GUARD_LANG``, 3. the saved setting (``saved()``, only
    called when needed; "system" or an error means no choice), 4. the system locale. A value that
    is not a supported language is passed over.
    """
    if requested in LANGUAGES:
        return str(requested)
    env = (os.environ.get("GP_GUARD_LANG") or "").strip().lower()
    if env in LANGUAGES:
        return env
    if env:
        log.info("GP_GUARD_LANG=%r is not a supported language; ignored", env[:20])
    if saved is not None:
        try:
            stored = saved()
        except Exception as exc:  # noqa: BLE001 - an unreadable setting must not stop the start
            log.info("saved language unreadable (%s)", type(exc).__name__)
            stored = None
        if stored in LANGUAGES:
            return str(stored)
    return system_language()


def set_language(lang: str | None) -> str:
    """Switch the language of every later ``_()`` call. ``None`` follows the system."""
    chosen = lang or system_language()
    if chosen not in LANGUAGES:
        raise ValueError(f"unsupported language: {chosen}")
    catalog = {} if chosen == "en" else load_catalog(chosen)
    with _lock:
        _state["lang"] = chosen
        _state["catalog"] = catalog
    return chosen


def current_language() -> str:
    return str(_state["lang"])
