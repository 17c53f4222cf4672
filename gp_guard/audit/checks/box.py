"""The internet box (BOX-*): UPnP port mappings that open this computer to the internet.

A DMZ or a forward set by hand in the box is invisible to UPnP: question Q-BOX-01 covers it.
"""

from __future__ import annotations

import threading
import time

from gp_guard.audit import references as ref
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, skipped, warned
from gp_guard.audit.ports import RISKY_PORTS, SERVICE_NAMES
from gp_guard.audit.probes import upnp
from gp_guard.audit.questions import OPEN_BOX_PAGE
from gp_guard.audit.registry import check
from gp_guard.host import Host
from gp_guard.i18n import N_

_NOT_LIVE = N_("The internet box can only be asked from the computer itself, not from recorded outputs.")
_BOX_STEPS = (
    OPEN_BOX_PAGE,
    N_("Find the UPnP section (Livebox: Network > UPnP; Freebox: Settings > UPnP IGD; SFR Box: Network > UPnP; Bbox: Services > UPnP) and delete the port redirections listed here."),
    N_("Turn UPnP off, unless your IT provider needs it for a named device and can explain why."),
    N_("Run the audit again to check that no redirection is left."),
)


_scan_lock = threading.Lock()
_scan_cache: dict[int, tuple[float, list[upnp.Gateway]]] = {}


def scan_box(host: Host) -> list[upnp.Gateway]:
    """One UPnP scan serves both checks of the same audit (results kept 30 s)."""
    with _scan_lock:
        cached = _scan_cache.get(id(host))
        if cached and time.monotonic() - cached[0] < 30:
            return cached[1]
        result = upnp.scan(timeout=1.5)
        _scan_cache[id(host)] = (time.monotonic(), result)
        return result


def box_steps() -> tuple[str, ...]:
    """The steps that remove forwards in the common French boxes (shared with EXP-01)."""
    return _BOX_STEPS


def _describe(mapping: upnp.Mapping) -> str:
    service = SERVICE_NAMES.get(mapping.internal_port, "")
    label = f" ({service})" if service else ""
    return (f"{mapping.protocol} {mapping.external_port} -> {mapping.internal_client}:"
            f"{mapping.internal_port}{label} '{mapping.description}'")


@check(
    "BOX-01",
    area=Area.NETWORK,
    severity=Severity.CRITICAL,
    title=N_("The internet box does not forward ports to this computer or to sensitive services"),
    problem=N_("The internet box forwards ports from the internet to this computer or to a sensitive service"),
    why=N_("A port forward in the internet box lets anyone on the internet reach a program of the practice directly. In 2020 the CNIL fined two doctors whose X-ray images could be opened from the internet because their box forwarded ports to the imaging software. Programs can ask the box to open such forwards by themselves, without telling you (UPnP)."),
    fix={"all": _BOX_STEPS},
    references=(ref.CASE_2020, ref.CNIL_NETWORK),
    cnil_case="2020-imaging",
    network=True,
)
def box_forwards(host: Host) -> Outcome:
    if not host.live:
        return skipped(_NOT_LIVE)
    gateways = scan_box(host)
    if not gateways:
        return passed(N_("No internet box answered the UPnP search: no automatic forward was found. A DMZ or a forward set by hand cannot be seen this way: answer question Q-BOX-01."),
                      [Evidence("UPnP (SSDP M-SEARCH)", "no answer")])
    mine = host.addresses()
    evidence: list[Evidence] = []
    to_this: list[str] = []
    risky: list[str] = []
    others: list[str] = []
    for gateway in gateways:
        evidence.append(Evidence(f"UPnP {gateway.friendly_name} {gateway.location}",
                                 f"external IP {gateway.external_ip}, {len(gateway.mappings)} mapping(s)"))
        for mapping in gateway.mappings:
            text = _describe(mapping)
            evidence.append(Evidence("UPnP GetGenericPortMappingEntry", text))
            if mapping.internal_client in mine:
                to_this.append(text)
            elif mapping.internal_port in RISKY_PORTS:
                risky.append(text)
            else:
                others.append(text)
    if to_this:
        return failed(N_("The internet box forwards these ports from the internet to this computer: {mappings}."),
                      evidence, mappings="; ".join(to_this))
    if risky:
        return failed(N_("The internet box forwards sensitive ports to another computer of the practice: {mappings}."),
                      evidence, mappings="; ".join(risky))
    if others:
        return warned(N_("The internet box forwards ports to other devices: {mappings}. Check that each one is needed."),
                      evidence, mappings="; ".join(others))
    return passed(N_("The internet box answers UPnP but forwards no port."), evidence)


@check(
    "BOX-02",
    area=Area.NETWORK,
    severity=Severity.MEDIUM,
    title=N_("Automatic port opening (UPnP) is off on the internet box"),
    problem=N_("The internet box lets programs open ports to the internet on their own (UPnP)"),
    why=N_("With UPnP on, any program of any computer of the practice, including a malicious one, can ask the box to open a door from the internet without asking you. Turning it off means that only you or your IT provider decide what is reachable."),
    fix={"all": _BOX_STEPS[:1] + _BOX_STEPS[2:]},
    references=(ref.CNIL_NETWORK,),
    network=True,
)
def box_upnp(host: Host) -> Outcome:
    if not host.live:
        return skipped(_NOT_LIVE)
    gateways = scan_box(host)
    if not gateways:
        return passed(N_("No internet box answered the UPnP search: UPnP seems off."),
                      [Evidence("UPnP (SSDP M-SEARCH)", "no answer")])
    evidence = [Evidence(f"UPnP {g.friendly_name}", g.location) for g in gateways]
    return failed(N_("The internet box accepts automatic port opening (UPnP): {box}."), evidence,
                  box=", ".join(g.friendly_name or g.location for g in gateways))
