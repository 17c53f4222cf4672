"""Scrubbing a capture before anything is written: what identifies the practice or a person is
replaced, deterministically, so one machine stays consistent across files and across captures.

- the host name (and its fully qualified form) becomes ``PC-XXXXXX``;
- user names (the session's, ``SUDO_USER``, the folders under ``C:\\Users``, ``/Users`` and
  ``/home``, local accounts with a user id of 1000 or more) become ``usrXXXXXX``; generic account
  words the checks rely on (secrétariat, cabinet, remplaçant, accueil...) and system accounts
  (root, Administrateur, SYSTEM...) are kept, accents included;
- e-mail addresses become ``userXXXXXX@example.invalid``;
- the domain part of the machine's SIDs (``S-1-5-21-a-b-c``) becomes ``S-1-5-21-1000-1000-1000``,
  the account numbers (RIDs) are kept;
- public IP addresses move to 192.88.99.0/24 and 2002:c058:6301::/48 (the retired 6to4 relay
  block: still "on the internet" for the checks, which tell public from private addresses, and
  nobody's practice); private, loopback and link-local ones are kept;
- MAC addresses and serial numbers are replaced;
- passwords and password hashes found in configurations are redacted, their presence kept: a
  password from the public lists of default and weak ones stays as it is (the verdict depends on
  it and it reveals nothing), any other becomes ``<redacted>`` (or stars when shorter than 8, so
  "too short" still shows).

``XXXXXX`` is an HMAC of the original under a key kept in gp_guard's data folder (never in the
capture): the same machine gives the same pseudonyms, and nobody can reverse them.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import unicodedata
from collections.abc import Iterable
from pathlib import Path

# Account words that say what an account is for, not whose it is: ACC-06 (shared accounts) reads them.
GENERIC_WORDS = (
    "secretariat", "secretaire", "cabinet", "remplacant", "remplacement", "accueil", "medecin", "docteur",
    "infirmier", "infirmiere", "assistant", "assistante", "stagiaire", "interne", "consultation", "partage",
    "commun", "shared", "reception", "frontdesk", "office", "admin", "administrateur", "administrator",
    "invite", "guest", "utilisateur", "user", "public", "default", "defaultaccount", "wdagutilityaccount",
)
SYSTEM_ACCOUNTS = {
    "root", "system", "systeme", "daemon", "bin", "sys", "nobody", "www-data", "postgres", "mysql", "orthanc",
    "ftp", "sshd", "messagebus", "syslog", "systemd-network", "systemd-resolve", "_apt", "local service",
    "network service", "service local", "service reseau", "trustedinstaller", "all users", "default user",
    "public", "localservice", "networkservice", "wheel", "staff", "everyone", "tout le monde",
}
# Folders found where profiles live that are not anyone's profile.
PROFILE_FOLDERS = {"shared", "public", "default", "default user", "all users", "desktop", "documents", "downloads",
                   "guest", "linuxbrew", "lost+found", "deleted users"}
_REDACTED = "<redacted>"
# A profile folder: C:\Users\<name>, /Users/<name>, /home/<name> at the start of a path (not
# /tmp/x/home/Desktop, a folder some program named "home").
_PROFILE = re.compile(r"(?i)(?:(?<![\w\\.-])[A-Z]:\\Users\\|(?<![\w/.~-])/(?:Users|home)/)([^\\/\s\"':;,]+)")


def _plain(text: str) -> str:
    """Lower case without accents: "Secrétariat" -> "secretariat"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def is_generic(name: str) -> bool:
    """A name that says what an account is (kept), not who uses it (replaced)."""
    plain = _plain(name).strip()
    return plain in SYSTEM_ACCOUNTS or any(word in plain for word in GENERIC_WORDS) or plain.startswith(("_", "$"))


def _weak_passwords() -> set[str]:
    from gp_guard.audit.software import orthanc

    return set(orthanc.WEAK_PASSWORDS) | {p.lower() for _u, p in orthanc.DEFAULT_CREDENTIALS}


def redact_password(value: str) -> str:
    if value.lower() in _weak_passwords() or value in ("", _REDACTED) or set(value) == {"*"}:
        return value
    return "*" * len(value) if len(value) < 8 else _REDACTED


def load_key(folder: Path) -> bytes:
    """The pseudonym key of this machine (32 random bytes, 0600), created on the first capture."""
    from gp_guard.paths import write_private_bytes

    path = folder / "capture-pseudonym.key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    write_private_bytes(path, key)
    return key


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_SID = re.compile(r"\bS-1-5-21-\d+-\d+-\d+(?=-\d+\b|\b)")
_MAC = re.compile(r"(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])")
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})(?![\w:])")
_SERIAL = re.compile(r"(?im)^(\s*(?:serial[ _-]?number|serialnumber|hardware uuid|platform uuid|"
                     r"provisioning udid)[^:=\n]{0,30}[:=]\s*)([^\s\"',]+)")
# key = value / key: value / "key": "value" / key="value" with a password-like key
_PASSWORD_KV = re.compile(
    r"""(?im)(["']?\b[\w.-]*(?:password|passphrase|pwd|secret|\bpass)\b[\w.-]*["']?"""
    r"""[ \t]*[=:][ \t]*)(["']?)([^\s"'#;,<>{}]+)(\2)""")
# What a password-like key holds when it is a setting ("UserMayChangePassword": true), not a password.
_SETTING = re.compile(r"(?i)true|false|null|none|yes|no|on|off|enabled?|disabled?|required|optional|-?\d+")
_PASSWORD_XML = re.compile(r"""(?i)(<Option\s+name=["'](?:Pass|Password)["']\s*>|<(?:Pass|Password)>)([^<]*)(<)""")
_PASSWORD_ATTR = re.compile(r"""(?i)(\b(?:password|pass|pwd)\s*=\s*["'])([^"']*)(["'])""")
_REGISTERED_USERS = re.compile(r'(?s)("RegisteredUsers"\s*:\s*\{)(.*?)(\})')
_JSON_PAIR = re.compile(r'("(?:[^"\\]|\\.)*"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_HASH = re.compile(r"(\$(?:1|2[abxy]?|5|6|7|y|argon2id?|scrypt)\$[^\s:\"',]+|SCRAM-SHA-256\$[^\s:\"',]+|"
                   r"\bmd5[0-9a-f]{32}\b|\{(?:SSHA|SHA|SMD5|CRYPT)\}[^\s\"',]+)")


class Scrubber:
    """Replaces what identifies the practice in every text of a capture (see the module docstring)."""

    def __init__(self, key: bytes, hostnames: Iterable[str] = (), users: Iterable[str] = ()) -> None:
        self.key = key
        self._names: dict[str, str] = {}  # lower-cased original -> pseudonym
        for host in hostnames:
            self.add_hostname(host)
        for user in users:
            self.add_user(user)
        self._pattern: re.Pattern[str] | None = None

    def _tag(self, value: str, length: int = 6) -> str:
        return hmac.new(self.key, value.lower().encode("utf-8"), hashlib.sha256).hexdigest()[:length]

    def add_hostname(self, name: str) -> None:
        name = name.strip()
        if len(name) >= 2 and _plain(name) not in ("localhost", "localhost.localdomain"):
            self._names[name.lower()] = "PC-" + self._tag(name).upper()
            self._pattern = None

    def add_user(self, name: str) -> None:
        name = name.strip()
        if len(name) >= 2 and not is_generic(name) and name.lower() not in self._names:
            # "usr", not "user": ACC-06 reads "user123456" as a generic account, not a person's
            self._names[name.lower()] = "usr" + self._tag(name)
            self._pattern = None

    def pseudonym(self, name: str) -> str:
        return self._names.get(name.lower(), name)

    def names_from_paths(self, text: str) -> None:
        """Learn the user names that appear as profile folders in ``text``."""
        for match in _PROFILE.finditer(text):
            if _plain(match.group(1)) not in PROFILE_FOLDERS:
                self.add_user(match.group(1))

    def text(self, text: str) -> str:
        if not text:
            return text
        if self._names:
            if self._pattern is None:
                alternatives = "|".join(re.escape(n) for n in sorted(self._names, key=len, reverse=True))
                # a name ends where a letter or digit does not follow: "export_drmartin.csv" hides it too
                self._pattern = re.compile(rf"(?i)(?<![^\W_]|-)({alternatives})(?![^\W_]|-)")
            text = self._pattern.sub(lambda m: self._names[m.group(1).lower()], text)
        text = _EMAIL.sub(lambda m: "user" + self._tag(m.group(0)) + "@example.invalid", text)
        text = _SID.sub("S-1-5-21-1000-1000-1000", text)
        text = _MAC.sub(lambda m: self._mac(m.group(0)), text)
        text = _IPV4.sub(lambda m: self._ip(m.group(1), m.string, m.start()), text)
        text = _IPV6.sub(lambda m: self._ip(m.group(1), m.string, m.start()), text)
        text = _SERIAL.sub(lambda m: m.group(1) + "SERIAL-" + self._tag(m.group(2)).upper(), text)
        return text

    def config(self, text: str) -> str:
        """A configuration file: ``text`` plus passwords and hashes redacted."""
        text = self.text(text)
        text = _REGISTERED_USERS.sub(
            lambda m: m.group(1) + _JSON_PAIR.sub(lambda p: p.group(1) + redact_password(p.group(2)) + p.group(3),
                                                  m.group(2)) + m.group(3), text)
        text = _PASSWORD_XML.sub(lambda m: m.group(1) + redact_password(m.group(2)) + m.group(3), text)
        text = _PASSWORD_ATTR.sub(lambda m: m.group(1) + redact_password(m.group(2)) + m.group(3), text)
        text = _PASSWORD_KV.sub(lambda m: m.group(0) if _SETTING.fullmatch(m.group(3)) else
                                m.group(1) + m.group(2) + redact_password(m.group(3)) + m.group(4), text)
        return _HASH.sub("<redacted-hash>", text)

    def _mac(self, mac: str) -> str:
        if mac.replace("-", ":").lower() in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
            return mac
        tag = self._tag(mac, 8)
        sep = "-" if "-" in mac else ":"
        return sep.join(["02", "00", tag[0:2], tag[2:4], tag[4:6], tag[6:8]])

    def _ip(self, value: str, text: str, start: int) -> str:
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            return value
        if ip.version == 4 and re.search(r"(?i)(version|ver\b|v)\W{0,3}$", text[max(0, start - 12):start]):
            return value  # a version number made of four small numbers, not an address
        if not ip.is_global or ip.is_multicast:
            return value  # private, loopback, link-local, documentation, unspecified: kept
        tag = int(self._tag(value, 4), 16)
        if ip.version == 4:
            return f"192.88.99.{tag % 254 + 1}"
        return f"2002:c058:6301::{tag:x}"
