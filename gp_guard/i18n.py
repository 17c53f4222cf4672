"""One translation system for the core, the CLI and the GUI.

Source strings are English and wrapped in ``_()`` (translated now) or ``N_()`` (marked, translated
later, for module-level data such as check texts). French lives in gettext ``.po`` catalogues under
``gp_guard/resources/locale/fr/LC_MESSAGES/``; every ``.po`` file there is merged, so each area of
the code keeps its own file. Babel reads them at run time: no compile step can be forgotten.
"""

from __future__ import annotations

import datetime as dt
import locale
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from gp_guard.paths import resources_dir

log = logging.getLogger(__name__)

LANGUAGES = ("fr", "en")
_lock = threading.Lock()
_state: dict[str, object] = {"lang": "en", "catalog": {}}
_cache: dict[str, dict[str, str]] = {}
_plural_cache: dict[str, dict[str, tuple[str, ...]]] = {}  # singular -> forms, filled with _cache


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
    """All non-fuzzy translations of ``lang``, merged from every .po file of that language. The
    same single reading of the files fills the plural entries (``plural_catalog``)."""
    if lang in _cache:
        return _cache[lang]
    from babel.messages.pofile import read_po

    merged: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    folder = locale_dir(lang)
    if folder.is_dir():
        for po in sorted(folder.glob("*.po")):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            for message in catalog:
                if message.fuzzy or not message.id:
                    continue
                if isinstance(message.id, str):
                    if message.string:
                        merged[message.id] = str(message.string)
                    continue
                # Babel pads French to CLDR's three forms; the catalogues give two (n <= 1, n > 1)
                forms = tuple(str(s) for s in message.string if s) if isinstance(message.string, tuple) else ()
                if len(forms) >= 2:
                    plurals[message.id[0]] = forms
    _cache[lang] = merged
    _plural_cache[lang] = plurals
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
    if not name:
        from gp_guard.host import display_language

        langid = display_language()  # Windows: the user's display language; None elsewhere
        if langid is not None:
            # French is primary language 0x0C whatever the country
            return "fr" if (langid & 0x3FF) == 0x0C else "en"
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


def translation(lang: str) -> Callable[[str], str]:
    """``_()`` for one given language, whatever the process's language: for a text written in a
    record's own language (a French draft for the breach register while the window speaks English).
    Nothing global changes, so a ``_()`` called meanwhile from another thread keeps its language."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang}")
    catalog = {} if lang == "en" else load_catalog(lang)
    return lambda message: catalog.get(message) or message


# -- plural forms ---------------------------------------------------------------------------------
class Plural(NamedTuple):
    """A message with a count: its English singular and plural (``Np_``); ``key`` names the
    parameter that holds the count."""

    singular: str
    plural: str
    key: str = "count"


def Np_(singular: str, plural: str, key: str = "count") -> Plural:  # noqa: N802 - named like N_()
    """Mark a message with a count for translation with plural forms, translated later."""
    return Plural(singular, plural, key)




def plural_catalog(lang: str) -> dict[str, tuple[str, ...]]:
    """The plural entries (``msgid_plural``) of ``lang``: English singular -> translated forms."""
    if lang not in _plural_cache:
        load_catalog(lang)
    return _plural_cache[lang]


def plural_index(lang: str, n: int) -> int:
    """Which form a count takes: French says "0 fichier", "1 fichier", "2 fichiers"; English
    "0 files", "1 file", "2 files"."""
    if lang == "fr":
        return 0 if n <= 1 else 1
    return 0 if n == 1 else 1


def ngettext(singular: str, plural: str, n: int) -> str:
    """``singular`` or ``plural`` for the count ``n``, in the current language."""
    lang = current_language()
    forms = plural_catalog(lang).get(singular) if lang != "en" else None
    if not forms:
        forms = (singular, plural)
    return forms[min(plural_index(lang, n), len(forms) - 1)]


def translate(message: str | Plural, params: Mapping[str, object] | None = None) -> str:
    """``_()`` for a plain message; for a ``Plural``, the form its count in ``params`` takes."""
    if isinstance(message, Plural):
        count = (params or {}).get(message.key)
        try:
            n = int(count)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            n = 0
        return ngettext(message.singular, message.plural, n)
    return _(message)


# -- parameters that translate themselves ---------------------------------------------------------
class Lazy(str):
    """A message parameter that is itself translated, when the message is shown (not when it is
    made, so a finding kept from an audit reads in the language of the moment): an ``N_()`` label,
    or a template with its own parameters (which may be ``Lazy`` too). Still a ``str``, its English
    text, for comparisons, logs and JSON."""

    message: str
    params: tuple[tuple[str, object], ...]  # pairs, not a dict: kept as they are with the finding

    def __new__(cls, message: str, **params: object) -> Lazy:
        obj = super().__new__(cls, message.format(**params) if params else message)
        obj.message = message
        obj.params = tuple(params.items())
        return obj

    def __format__(self, spec: str) -> str:
        text = _(self.message)
        return format(text.format(**dict(self.params)) if self.params else text, spec)

    def in_language(self, lang: str) -> str:
        """The text in one given language, whatever the process's (see ``translation``)."""
        text = translation(lang)(self.message)
        if not self.params:
            return text
        return text.format(**{k: _in_language(v, lang) for k, v in self.params})


class LazyList(str):
    """Several parameters (``N_()`` labels or ``Lazy``), each translated and joined when the
    message is shown. ``separator`` may be a ``Lazy`` too (French puts a space before ";")."""

    items: tuple[str, ...]
    separator: str

    def __new__(cls, items: Iterable[str], separator: str = ", ") -> LazyList:
        items = tuple(items)
        obj = super().__new__(cls, str(separator).join(items))
        obj.items = items
        obj.separator = separator
        return obj

    def __format__(self, spec: str) -> str:
        shown = [format(item) if isinstance(item, Lazy | LazyList) else _(item) for item in self.items]
        return format(format(self.separator).join(shown), spec)

    def in_language(self, lang: str) -> str:
        """The joined text in one given language, whatever the process's."""
        tr = translation(lang)
        shown = [item.in_language(lang) if isinstance(item, Lazy | LazyList) else tr(item) for item in self.items]
        return str(_in_language(self.separator, lang)).join(shown)


def _in_language(value: object, lang: str) -> object:
    """A parameter in one given language: a ``Lazy``/``LazyList`` translated, anything else kept."""
    return value.in_language(lang) if isinstance(value, Lazy | LazyList) else value


# -- dates as a reader writes them ----------------------------------------------------------------
_DATE = {"fr": "d MMMM y", "en": "d MMMM y"}
_DATETIME = {"fr": "d MMMM y 'à' H 'h' mm", "en": "d MMMM y 'at' HH:mm"}


def _as_datetime(value: object) -> dt.datetime | dt.date | None:
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def format_date(value: object, lang: str | None = None) -> str:
    """"7 décembre 2026" / "7 December 2026" from a date, a datetime (local day) or ISO text;
    "" for nothing or text that is not a date."""
    from babel.dates import format_date as babel_date

    moment = _as_datetime(value)
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = (moment.astimezone() if moment.tzinfo else moment).date()
    lang = lang or current_language()
    return _first_of_month(str(babel_date(moment, _DATE.get(lang, _DATE["en"]), locale=lang)), moment.day, lang)


def format_datetime(value: object, lang: str | None = None) -> str:
    """"7 décembre 2026 à 17 h 42" / "7 December 2026 at 17:42", in this computer's time zone;
    a plain date is written as a date."""
    from babel.dates import format_datetime as babel_datetime

    moment = _as_datetime(value)
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return format_date(moment, lang)
    if moment.tzinfo:
        moment = moment.astimezone()
    lang = lang or current_language()
    text = str(babel_datetime(moment.replace(tzinfo=None), _DATETIME.get(lang, _DATETIME["en"]), locale=lang))
    return _first_of_month(text, moment.day, lang)


def _first_of_month(text: str, day: int, lang: str) -> str:
    """French writes the first day of a month "1er décembre"."""
    return "1er" + text[1:] if lang == "fr" and day == 1 and text.startswith("1 ") else text
