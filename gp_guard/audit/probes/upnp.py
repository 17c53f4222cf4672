"""UPnP IGD client: find the internet box and list its port mappings.

What it sends (documented in the README): one SSDP M-SEARCH datagram to the multicast address
239.255.255.250:1900 on the local network, then HTTP requests to the box that answered (its
description XML, GetExternalIPAddress and GetGenericPortMappingEntry SOAP calls). Nothing else,
nowhere else; every step is bounded by a timeout, every HTTP exchange by an overall deadline
(``FETCH_DEADLINE``: a box answering one byte a second is cut off), the whole reading of one box by
``GATEWAY_DEADLINE``, and the number of boxes, of entries and of bytes read are capped.
Standard library only; XML from the box is untrusted and size-limited.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from gp_guard.audit.probes.limits import Watchdog

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
MAX_GATEWAYS = 8  # distinct LOCATIONs kept from the SSDP answers
FETCH_DEADLINE = 4.0  # seconds for one HTTP exchange with the box
GATEWAY_DEADLINE = 20.0  # seconds to read one box's description and mapping table


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
            if location and location not in locations and len(locations) < MAX_GATEWAYS:
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
    """GET (or POST ``data``) straight to the box, never through a proxy; at most ``MAX_BYTES`` of
    the body, whatever the status (SOAP faults come back as HTTP 500 with a body). Raises OSError
    when there is no complete answer within ``FETCH_DEADLINE`` seconds."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UpnpError(f"not an HTTP address: {url[:100]!r}")
    kind = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
    path = (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")
    conn = kind(parsed.hostname, parsed.port, timeout=timeout)
    with Watchdog(FETCH_DEADLINE) as dog:
        try:
            conn.connect()
            dog.watch(conn.sock)
            conn.request("POST" if data is not None else "GET", path, body=data,
                         headers={"Connection": "close", **(headers or {})})
            body, bad = conn.getresponse().read(MAX_BYTES), None
        except http.client.HTTPException as exc:
            body, bad = b"", exc
        except OSError:
            if not dog.expired:
                raise
        finally:
            conn.close()
        if dog.expired:  # what was read before the deadline may be cut anywhere
            raise TimeoutError(dog.describe())
    if bad is not None:
        raise UpnpError(f"bad HTTP answer: {bad.__class__.__name__}")
    return body


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


def read_gateway(location: str, timeout: float = 2.0, deadline: float = GATEWAY_DEADLINE) -> Gateway:
    """The box's description and whole mapping table; ``UpnpError`` when reading it takes longer
    than ``deadline`` seconds (an incomplete table would hide mappings)."""
    end = time.monotonic() + deadline
    control, service, friendly = parse_description(_fetch(location, timeout), location)
    external = soap(control, service, "GetExternalIPAddress", {}, timeout).get("NewExternalIPAddress", "")
    mappings: list[Mapping] = []
    for index in range(MAX_ENTRIES):
        if time.monotonic() > end:
            raise UpnpError(f"the box did not give its mapping table within {deadline:g} s")
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
