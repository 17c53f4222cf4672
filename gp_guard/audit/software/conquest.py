"""Conquest DICOM server configuration reader (``dicom.ini`` and ``dgatesop.lst``).

``dicom.ini`` is an INI file whose ``[sscscp]`` section holds ``TCPPort`` (5678 by default in the
manual), ``MyACRNema`` (its AE title), ``ACRNemaMap`` (file of known AEs) and ``WebServerFor``.
Unknown calling AE titles are refused only when ``dgatesop.lst`` (next to dicom.ini) has
``RemoteAE`` lines; without them any device may store and query (Conquest manual, section 7.5).
``acrnema.map`` lines are ``AE  host  port  compression``.

Public API: ``load(host, ini_path) -> ConquestConfig`` (raises ``ConquestConfigError``).
"""

from __future__ import annotations

import configparser
import ntpath
import posixpath
from dataclasses import dataclass

from gp_guard.audit.software import read_config_text
from gp_guard.audit.software.orthanc import is_public_address
from gp_guard.host import Host


class ConquestConfigError(Exception):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class KnownAE:
    aet: str
    host: str
    port: str
    public: bool


@dataclass(frozen=True)
class ConquestConfig:
    path: str
    values: dict[str, str]  # [sscscp], keys lower case
    remote_ae_filter: tuple[str, ...]  # RemoteAE entries of dgatesop.lst
    sop_list_path: str | None
    known_aes: tuple[KnownAE, ...]

    @property
    def port(self) -> int:
        try:
            return int(self.values.get("tcpport", "5678"))
        except ValueError:
            return 5678

    @property
    def accepts_any_ae(self) -> bool:
        return not self.remote_ae_filter

    @property
    def public_aes(self) -> tuple[KnownAE, ...]:
        return tuple(a for a in self.known_aes if a.public)


def _sibling(path: str, name: str) -> str:
    module = ntpath if ("\\" in path and "/" not in path) else posixpath
    return module.join(module.dirname(path), name)


def load(host: Host, ini_path: str) -> ConquestConfig:
    text = read_config_text(host, ini_path, ConquestConfigError)
    if text is None:
        raise ConquestConfigError(ini_path, "file not found")
    parser = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";", "//"))
    try:
        parser.read_string(text.lstrip("\ufeff"))
    except configparser.Error as exc:
        raise ConquestConfigError(ini_path, f"not a valid INI file ({exc.__class__.__name__})") from None
    if not parser.has_section("sscscp"):
        raise ConquestConfigError(ini_path, "no [sscscp] section")
    values = {k.lower(): v.strip() for k, v in parser.items("sscscp")}
    sop_path = _sibling(ini_path, "dgatesop.lst")
    sop_text = read_config_text(host, sop_path, ConquestConfigError)
    remote: list[str] = []
    for line in (sop_text or "").splitlines():
        parts = line.split()
        if parts and parts[0].lower() == "remoteae" and len(parts) > 1:
            remote.append(parts[1])
    map_name = values.get("acrnemamap", "acrnema.map")
    map_path = map_name if ("/" in map_name or "\\" in map_name) else _sibling(ini_path, map_name)
    known: list[KnownAE] = []
    for line in (read_config_text(host, map_path, ConquestConfigError) or "").splitlines():
        parts = line.split()
        if len(parts) >= 3 and not parts[0].startswith(("/", "#", "*")):
            known.append(KnownAE(parts[0], parts[1], parts[2], is_public_address(parts[1])))
    return ConquestConfig(ini_path, values, tuple(remote), sop_path if sop_text is not None else None, tuple(known))
