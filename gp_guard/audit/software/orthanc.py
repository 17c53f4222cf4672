"""Orthanc configuration reader, with the defaults of the Orthanc version that reads it.

Orthanc is started with a configuration path (``Orthanc /etc/orthanc/`` or ``Orthanc config.json``).
A folder means every ``*.json`` file directly inside it; each file is JSON with C (``/* */``) and
C++ (``//``) comments; a top-level key defined in two files stops Orthanc. This module reads the
same way, through ``host`` only, and tells what the settings mean for security.

Public API (stable, used by other readers and checks):

- ``strip_comments(text) -> str``
- ``parse_config_text(text, path) -> dict`` (raises ``OrthancConfigError``)
- ``load_config(host, path, version=None) -> OrthancConfig`` (raises ``OrthancConfigError``)
- ``parse_version(text) -> Version | None``
- ``assess(config) -> OrthancAssessment``

Defaults by version (upstream main.cpp / OrthancConfiguration.cpp, Debian bookworm package
1.10.1+dfsg-2+deb12u1, OrthancMirror Configuration.json):

- AuthenticationEnabled: absent -> since 1.5.8 equals RemoteAccessAllowed (forced on with remote
  access); before 1.5.8 off.
- RegisteredUsers empty while authentication is on and remote access allowed -> Orthanc >= 1.5.8
  creates the account orthanc/orthanc ("INSECURE" in its log).
- RestApiWriteToFileSystemEnabled: new in 1.12.0 (default false); backported with default false by
  the Debian security updates 1.10.1+dfsg-2+deb12u1 and 1.9.2+really1.9.1+dfsg-1+deb11u1
  (CVE-2023-33466). Older builds always let the REST API write files (``/instances/../export``).
- DicomAlwaysAllowFind / Get / Move / FindWorklist: new in 1.9.0 / 1.9.0 / 1.9.7 / 1.10.0,
  default false. DicomAlwaysAllowEcho and DicomAlwaysAllowStore default true.
- WebDavEnabled: new in 1.8.0, default true.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gp_guard.audit.software import read_config_text
from gp_guard.host import Host, NeedsAdmin, UnreadableFile

Version = tuple[int, int, int]

MAX_CONFIG_CHARS = 1024 * 1024  # Orthanc's full sample configuration is about 40 KB
MAX_CONFIG_FILES = 64  # .json files in a configuration folder (Debian ships 8)
DEFAULT_HTTP_PORT = 8042
DEFAULT_DICOM_PORT = 4242
# Credentials published in Orthanc's documentation and sample files, and common weak passwords.
DEFAULT_CREDENTIALS = {("orthanc", "orthanc"), ("alice", "alicePassword"), ("admin", "admin"), ("demo", "demo")}
WEAK_PASSWORDS = {
    "", "orthanc", "password", "motdepasse", "123456", "12345678", "azerty", "qwerty", "admin",
    "changeme", "secret", "alicepassword", "pacs", "dicom", "test", "root", "toor", "0000", "1234",
}


class OrthancConfigError(Exception):
    """A configuration that cannot be read or parsed. ``path`` names the file or folder."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


# -- text ------------------------------------------------------------------------------------

def strip_comments(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments outside JSON strings; newlines are kept.

    Raises ``ValueError`` on an unterminated block comment.
    """
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        ch = text[i]
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                in_string = False
            i += 1
            continue
        if ch == '"':
            in_string = True
            out.append(ch)
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end  # the newline itself is kept
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                line = text.count("\n", 0, i) + 1
                raise ValueError(f"unterminated /* comment starting on line {line}")
            out.append("\n" * text.count("\n", i, end))
            i = end + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _drop_trailing_commas(text: str) -> str:
    """Drop commas before a closing bracket outside strings (JsonCpp tolerates them)."""
    parts = re.split(r'("(?:\\.|[^"\\])*")', text)
    return "".join(p if k % 2 else _TRAILING_COMMA.sub(r"\1", p) for k, p in enumerate(parts))


def parse_config_text(text: str, path: str) -> dict[str, Any]:
    """One configuration file as a dict. Raises ``OrthancConfigError`` with the path and reason."""
    if len(text) > MAX_CONFIG_CHARS:
        raise OrthancConfigError(path, f"larger than {MAX_CONFIG_CHARS // 1024} KiB: not an Orthanc configuration")
    try:
        cleaned = _drop_trailing_commas(strip_comments(text.lstrip("\ufeff")))
        data = json.loads(cleaned)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise OrthancConfigError(path, f"not valid JSON ({exc})") from None
    except RecursionError:
        raise OrthancConfigError(path, "not valid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise OrthancConfigError(path, "the configuration is not a JSON object")
    return data


# -- versions --------------------------------------------------------------------------------

def parse_version(text: str | None) -> Version | None:
    """``"1.10.1+dfsg-2+deb12u1"`` or ``"Orthanc 1.12.4"`` -> (1, 10, 1); None when unknown."""
    if not text:
        return None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def has_write_to_fs_option(version_text: str | None) -> bool | None:
    """Does this build know RestApiWriteToFileSystemEnabled (default false)? None when unknown."""
    version = parse_version(version_text)
    if version is None:
        return None
    if version >= (1, 12, 0):
        return True
    text = version_text or ""
    # Debian security backports of CVE-2023-33466 (DSA-5473)
    deb = re.search(r"\+deb(\d+)u(\d+)", text)
    if deb and ((deb.group(1) == "12" and version >= (1, 10, 1)) or (deb.group(1) == "11" and "really1.9.1" in text)):
        return True
    return False


# -- configuration ---------------------------------------------------------------------------

@dataclass
class OrthancConfig:
    """The merged configuration, the files it came from, and the Orthanc version if known."""

    path: str  # what Orthanc was given (file or folder)
    files: tuple[str, ...]
    values: dict[str, Any]
    sources: dict[str, str]  # key -> file that set it
    version: str | None = None
    conflicts: tuple[str, ...] = ()  # keys defined in two files (Orthanc refuses to start)

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def where(self, key: str) -> str:
        """``file: "Key" = value`` or ``Key absent (default ...)`` for evidence."""
        if key in self.values:
            return f"{self.sources.get(key, self.path)}: \"{key}\" : {json.dumps(self.values[key])}"
        return f"{self.path}: \"{key}\" not set"


def _join(folder: str, name: str) -> str:
    sep = "\\" if ("\\" in folder and "/" not in folder) else "/"
    return folder.rstrip("/\\") + sep + name


def load_config(host: Host, path: str, version: str | None = None) -> OrthancConfig:
    """Read an Orthanc configuration file or folder through ``host``.

    Raises ``OrthancConfigError`` when nothing can be read or a file is not valid JSON, and
    ``NeedsAdmin`` when a file exists but this user may not read it.
    """
    try:
        entries = host.list_dir(path)
    except UnreadableFile as exc:
        raise OrthancConfigError(path, exc.reason) from None
    if entries is not None:
        files = [_join(path, e) for e in sorted(entries) if e.lower().endswith(".json")]
        if not files:
            raise OrthancConfigError(path, "no .json file in this folder")
        if len(files) > MAX_CONFIG_FILES:
            raise OrthancConfigError(path, f"more than {MAX_CONFIG_FILES} .json files: not an Orthanc configuration folder")
    else:
        files = [path]
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    conflicts: list[str] = []
    read: list[str] = []
    for file in files:
        try:
            text = read_config_text(host, file, OrthancConfigError)
        except NeedsAdmin:
            raise
        except OSError as exc:
            raise OrthancConfigError(file, f"cannot be read ({exc.strerror or exc})") from None
        if text is None:
            if len(files) == 1:
                raise OrthancConfigError(file, "file not found")
            continue  # a dangling entry of a listing
        data = parse_config_text(text, file)
        read.append(file)
        for key, value in data.items():
            if key in values:
                conflicts.append(key)
                continue
            values[key] = value
            sources[key] = file
    return OrthancConfig(path, tuple(read), values, sources, version, tuple(conflicts))


# -- what it means ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Modality:
    name: str
    aet: str
    host: str
    port: int | None
    public: bool


@dataclass
class OrthancAssessment:
    """Effective security-relevant settings (defaults applied) and the evidence behind each."""

    config: OrthancConfig
    http_enabled: bool
    http_port: int
    dicom_enabled: bool
    dicom_port: int
    dicom_aet: str
    remote_access: bool
    authentication: bool
    authentication_explicit: bool | None  # None when absent from the configuration
    users: tuple[str, ...]  # user names only, never passwords
    automatic_default_user: bool  # Orthanc creates orthanc/orthanc
    weak_users: tuple[str, ...]  # names whose password is a default or weak one
    ssl: bool
    always_allow: dict[str, bool]  # Echo, Store, Find, FindWorklist, Get, Move
    check_called_aet: bool
    check_modality_host: bool
    modalities: tuple[Modality, ...]
    webdav: bool
    lua: bool
    rest_write_fs: bool
    rest_write_fs_reason: str  # "explicit", "default", "version"
    https_verify_peers: bool
    notes: list[str] = field(default_factory=list)

    @property
    def anonymous_http(self) -> bool:
        """Anyone who reaches the HTTP port (from another computer) gets in without a password."""
        return self.http_enabled and self.remote_access and not self.authentication

    @property
    def default_credentials(self) -> bool:
        return self.http_enabled and self.remote_access and self.authentication and (
            self.automatic_default_user or bool(self.weak_users)
        )

    @property
    def public_modalities(self) -> tuple[Modality, ...]:
        return tuple(m for m in self.modalities if m.public)

    @property
    def strangers_can_query(self) -> tuple[str, ...]:
        return tuple(k for k in ("Find", "Get", "Move", "FindWorklist") if self.always_allow.get(k))


def _bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def _int(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 < number < 65536 else default


def is_public_address(host_text: str) -> bool:
    """True for a global IP address; private, loopback, link-local and names are not public."""
    try:
        addr = ipaddress.ip_address(host_text.strip().strip("[]"))
    except ValueError:
        return False
    return addr.is_global


def _modalities(raw: Any) -> tuple[Modality, ...]:
    result: list[Modality] = []
    if not isinstance(raw, Mapping):
        return ()
    for name, spec in raw.items():
        if isinstance(spec, list) and len(spec) >= 2:
            aet, host_text = str(spec[0]), str(spec[1])
            port = spec[2] if len(spec) > 2 else None
        elif isinstance(spec, Mapping):
            aet, host_text, port = str(spec.get("AET", "")), str(spec.get("Host", "")), spec.get("Port")
        else:
            continue
        port_int = port if isinstance(port, int) else (int(port) if isinstance(port, str) and port.isdigit() else None)
        result.append(Modality(str(name), aet, host_text, port_int, is_public_address(host_text)))
    return tuple(result)


def _weak(user: str, password: Any) -> bool:
    if not isinstance(password, str):
        return False
    if (user, password) in DEFAULT_CREDENTIALS:
        return True
    lowered = password.lower()
    return lowered in WEAK_PASSWORDS or lowered == user.lower() or len(password) < 8


def assess(config: OrthancConfig) -> OrthancAssessment:
    """Apply Orthanc's defaults for ``config.version`` and judge the settings."""
    get = config.get
    version = parse_version(config.version)
    recent = version is None or version >= (1, 5, 8)
    notes: list[str] = []
    remote = _bool(get("RemoteAccessAllowed"), False)
    auth_raw = get("AuthenticationEnabled")
    auth_explicit = _bool(auth_raw, False) if config.has("AuthenticationEnabled") else None
    if auth_explicit is not None:
        auth = auth_explicit
    else:
        auth = remote if recent else False
        if remote and recent:
            notes.append("AuthenticationEnabled absent with remote access: Orthanc >= 1.5.8 turns it on")
    users_raw = get("RegisteredUsers")
    users = dict(users_raw) if isinstance(users_raw, Mapping) else {}
    automatic = auth and remote and not users and recent
    weak = tuple(sorted(u for u, p in users.items() if _weak(str(u), p)))
    write_known = has_write_to_fs_option(config.version)
    if config.has("RestApiWriteToFileSystemEnabled") and write_known is not False:
        rest_write, reason = _bool(get("RestApiWriteToFileSystemEnabled"), False), "explicit"
    elif write_known is False:
        rest_write, reason = True, "version"
    else:
        rest_write, reason = False, "default"
    always = {
        "Echo": _bool(get("DicomAlwaysAllowEcho"), True),
        "Store": _bool(get("DicomAlwaysAllowStore"), True),
        "Find": _bool(get("DicomAlwaysAllowFind"), False),
        "FindWorklist": _bool(get("DicomAlwaysAllowFindWorklist"), False),
        "Get": _bool(get("DicomAlwaysAllowGet"), False),
        "Move": _bool(get("DicomAlwaysAllowMove"), False),
    }
    if config.conflicts:
        notes.append("keys defined in two files (Orthanc refuses to start): " + ", ".join(config.conflicts))
    return OrthancAssessment(
        config=config,
        http_enabled=_bool(get("HttpServerEnabled"), True),
        http_port=_int(get("HttpPort"), DEFAULT_HTTP_PORT),
        dicom_enabled=_bool(get("DicomServerEnabled"), True),
        dicom_port=_int(get("DicomPort"), DEFAULT_DICOM_PORT),
        dicom_aet=str(get("DicomAet") or "ORTHANC"),
        remote_access=remote,
        authentication=auth,
        authentication_explicit=auth_explicit,
        users=tuple(sorted(str(u) for u in users)),
        automatic_default_user=automatic,
        weak_users=weak,
        ssl=_bool(get("SslEnabled"), False),
        always_allow=always,
        check_called_aet=_bool(get("DicomCheckCalledAet"), False),
        check_modality_host=_bool(get("DicomCheckModalityHost"), False),
        modalities=_modalities(get("DicomModalities")),
        webdav=_bool(get("WebDavEnabled"), True) and (version is None or version >= (1, 8, 0)),
        lua=_bool(get("ExecuteLuaEnabled"), False),
        rest_write_fs=rest_write,
        rest_write_fs_reason=reason,
        https_verify_peers=_bool(get("HttpsVerifyPeers"), True),
        notes=notes,
    )
