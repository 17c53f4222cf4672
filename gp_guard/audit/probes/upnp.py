"""UPnP IGD client: find the internet box and list its port mappings.

What it sends (documented in the README): one SSDP M-SEARCH datagram to the multicast address
239.255.255.250:1900 on the local network, then HTTP requests to the box that answered (its
description XML, GetExternalIPAddress and GetGenericPortMappingEntry SOAP calls). Nothing else,
nowhere else; every step is bounded by a timeout and the number of entries read is capped.
Standard library only; XML from the box is untrusted and size-limited.
"""

from __future__ import annotations

import socket
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SSDP_ADDR = ("239.255.255.250", 1900)
SEARCH_TARGETS = (
    "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
    "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
)
WAN_SERVICES = (
    "urn:schemas-upnp-org:service:WANIPConnection:2",
    "urn:schemas-upnp-org:service:WANIPConnection:1",
    "urn:schemas-upnp-org:service:WANPPPConnection:1",
)
MAX_BYTES = 256 * 1024
MAX_ENTRIES = 256


class UpnpError(Exception):
    """The box answered something unusable."""


@dataclass(frozen=True)
class Mapping:
    external_port: int
    protocol: str
    internal_client: str
    internal_port: int
    description: str
    enabled: bool
    lease_s: int
    remote_host: str = ""


@dataclass(frozen=True)
class Gateway:
    location: str
    control_url: str
    service_type: str
    friendly_name: str
    external_ip: str
    mappings: tuple[Mapping, ...]


def discover(timeout: float = 2.0) -> list[str]:
    """LOCATION URLs of the gateways that answer an SSDP search within ``timeout`` seconds."""
    locations: list[str] = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
        for target in SEARCH_TARGETS:
            message = (
                "M-SEARCH * HTTP/1.1\r\n"
                f"HOST: {SSDP_ADDR[0]}:{SSDP_ADDR[1]}\r\n"
                'MAN: "ssdp:discover"\r\n'
                "MX: 1\r\n"
                f"ST: {target}\r\n\r\n"
            )
            try:
                sock.sendto(message.encode("ascii"), SSDP_ADDR)
            except OSError:
                return []  # no route to the local network: no box to ask
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                data, _addr = sock.recvfrom(8192)
            except TimeoutError:
                break
            location = parse_ssdp_location(data.decode("latin-1", "replace"))
            if location and location not in locations:
                locations.append(location)
                # A box answers every search at once: wait a little for others, not the full time.
                deadline = min(deadline, time.monotonic() + 0.3)
    finally:
        sock.close()
    return locations


def parse_ssdp_location(response: str) -> str | None:
    lines = response.split("\r\n") if "\r\n" in response else response.split("\n")
    if not lines or not lines[0].upper().startswith("HTTP/1.1 200"):
        return None
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() == "location":
            url = value.strip()
            parsed = urllib.parse.urlparse(url)
            if parsed.scheme == "http" and parsed.hostname:
                return url
    return None


def _fetch(url: str, timeout: float, data: bytes | None = None, headers: dict[str, str] | None = None) -> bytes:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.read(MAX_BYTES + 1)[:MAX_BYTES]
    except urllib.error.HTTPError as exc:  # SOAP faults come back as HTTP 500 with a body
        return exc.read(MAX_BYTES)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_description(xml: bytes, location: str) -> tuple[str, str, str]:
    """(control URL, service type, friendly name) of the WAN connection service."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise UpnpError(f"description is not XML: {exc}") from None
    base = location
    friendly = ""
    for element in root.iter():
        name = _local(element.tag)
        if name == "URLBase" and element.text:
            base = element.text.strip()
        elif name == "friendlyName" and element.text and not friendly:
            friendly = element.text.strip()
    for service in root.iter():
        if _local(service.tag) != "service":
            continue
        fields = {_local(child.tag): (child.text or "").strip() for child in service}
        if fields.get("serviceType") in WAN_SERVICES and fields.get("controlURL"):
            return urllib.parse.urljoin(base, fields["controlURL"]), fields["serviceType"], friendly
    raise UpnpError("no WAN connection service in the description")


def soap(control_url: str, service: str, action: str, args: dict[str, str], timeout: float) -> dict[str, str]:
    body = "".join(f"<{k}>{v}</{k}>" for k, v in args.items())
    envelope = (
        '<?xml version="1.0"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>'
        f'<u:{action} xmlns:u="{service}">{body}</u:{action}>'
        "</s:Body></s:Envelope>"
    ).encode()
    headers = {"Content-Type": 'text/xml; charset="utf-8"', "SOAPAction": f'"{service}#{action}"'}
    return parse_soap_response(_fetch(control_url, timeout, envelope, headers))


def parse_soap_response(xml: bytes) -> dict[str, str]:
    """Leaf values of the SOAP body; a fault yields {'errorCode': ...}."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise UpnpError(f"SOAP answer is not XML: {exc}") from None
    values: dict[str, str] = {}
    for element in root.iter():
        if len(element) == 0:
            values[_local(element.tag)] = (element.text or "").strip()
    return values


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def read_gateway(location: str, timeout: float = 2.0) -> Gateway:
    control, service, friendly = parse_description(_fetch(location, timeout), location)
    external = soap(control, service, "GetExternalIPAddress", {}, timeout).get("NewExternalIPAddress", "")
    mappings: list[Mapping] = []
    for index in range(MAX_ENTRIES):
        entry = soap(control, service, "GetGenericPortMappingEntry", {"NewPortMappingIndex": str(index)}, timeout)
        if "errorCode" in entry or "NewExternalPort" not in entry:
            break  # 713 SpecifiedArrayIndexInvalid: end of the table
        mappings.append(
            Mapping(
                external_port=_int(entry.get("NewExternalPort", "")),
                protocol=entry.get("NewProtocol", "").upper(),
                internal_client=entry.get("NewInternalClient", ""),
                internal_port=_int(entry.get("NewInternalPort", "")),
                description=entry.get("NewPortMappingDescription", "")[:200],
                enabled=entry.get("NewEnabled", "1") in ("1", "true"),
                lease_s=_int(entry.get("NewLeaseDuration", "")),
                remote_host=entry.get("NewRemoteHost", ""),
            )
        )
    return Gateway(location, control, service, friendly, external, tuple(mappings))


def scan(timeout: float = 2.0) -> list[Gateway]:
    """Every gateway that answers, with its mappings; a box that answers badly is left out."""
    gateways = []
    for location in discover(timeout):
        try:
            gateways.append(read_gateway(location, timeout))
        except (UpnpError, OSError, ValueError):
            continue
    return gateways
