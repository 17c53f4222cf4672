"""Horos and OsiriX preferences (macOS), read with ``defaults export DOMAIN -`` (an XML plist).

Keys (names from the OsiriX/Horos sources): ``STORESCP`` (DICOM listener on), ``AETITLE``,
``AEPORT``, ``STORESCPTLS``, ``httpWebServer`` (web portal), ``httpWebServerPort``,
``passwordWebServer`` (portal asks for a password), ``encryptedWebServer`` (HTTPS),
``httpXMLRPCServer`` (XML-RPC remote control) and ``SERVERS`` (known DICOM nodes: Address,
AETitle, Port, Description).

Public API: ``DOMAINS``, ``parse_plist(data, source) -> dict``, ``load(host, domain) -> HorosPrefs | None``.
"""

from __future__ import annotations

import plistlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gp_guard.audit.software.orthanc import is_public_address
from gp_guard.host import Host

DOMAINS = {"horos": ("Horos", "com.horosproject.horos"), "osirix": ("OsiriX", "com.rossetantoine.osirix")}


class HorosPrefsError(Exception):
    def __init__(self, source: str, detail: str) -> None:
        super().__init__(f"{source}: {detail}")
        self.path = source
        self.detail = detail


def parse_plist(data: str, source: str) -> dict[str, Any]:
    try:
        value = plistlib.loads(data.encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - plistlib raises many kinds on garbage
        raise HorosPrefsError(source, f"not a property list ({exc.__class__.__name__})") from None
    if not isinstance(value, dict):
        raise HorosPrefsError(source, "the preferences are not a dictionary")
    return value


def _on(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() in ("1", "yes", "true")


@dataclass(frozen=True)
class Node:
    description: str
    address: str
    aet: str
    port: str
    public: bool


@dataclass(frozen=True)
class HorosPrefs:
    product: str  # "Horos" | "OsiriX"
    source: str  # the command that read them
    values: dict[str, Any]

    def where(self, key: str) -> str:
        return f"{self.source}: {key} = {self.values.get(key, '(not set)')}"

    @property
    def listener(self) -> bool:
        return _on(self.values.get("STORESCP", False))

    @property
    def dicom_port(self) -> int:
        try:
            return int(self.values.get("AEPORT", 11112))
        except (TypeError, ValueError):
            return 11112

    @property
    def web_server(self) -> bool:
        return _on(self.values.get("httpWebServer", False))

    @property
    def web_password(self) -> bool:
        return _on(self.values.get("passwordWebServer", False))

    @property
    def web_encrypted(self) -> bool:
        return _on(self.values.get("encryptedWebServer", False))

    @property
    def xmlrpc(self) -> bool:
        return _on(self.values.get("httpXMLRPCServer", False))

    @property
    def dicom_tls(self) -> bool:
        return _on(self.values.get("STORESCPTLS", False))

    @property
    def nodes(self) -> tuple[Node, ...]:
        raw = self.values.get("SERVERS", [])
        result = []
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, Mapping):
                address = str(item.get("Address", ""))
                result.append(Node(str(item.get("Description", "")), address, str(item.get("AETitle", "")),
                                   str(item.get("Port", "")), is_public_address(address)))
        return tuple(result)


def load(host: Host, key: str) -> HorosPrefs | None:
    """Preferences of "horos" or "osirix"; None when the domain does not exist."""
    product, domain = DOMAINS[key]
    argv = ["defaults", "export", domain, "-"]
    result = host.run(argv, timeout=10)
    if not result.ok or not result.stdout.strip():
        return None
    return HorosPrefs(product, " ".join(argv), parse_plist(result.stdout, " ".join(argv)))
