"""EXP-01: the whole chain, told as one story: a practice program's weak configuration, the socket
it listens on, and the internet box forwarding that port to this computer.

This is the failure behind the 2020 CNIL sanctions: imaging software set up to accept images and
remote access, and a box that forwarded its ports. Live only (it asks the box over UPnP), so it is
skipped on recorded hosts and under --no-network; the parts are also checked one by one by
IMG-*, FTP-*, DB-*, NET-* and BOX-01.
"""

from __future__ import annotations

from dataclasses import dataclass

from gp_guard.audit import references as ref
from gp_guard.audit.checks.box import box_steps, scan_box
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, skipped, warned
from gp_guard.audit.registry import check
from gp_guard.audit.software import inventory, orthanc, vsftpd
from gp_guard.audit.software.inventory import Installation
from gp_guard.host import Host, HostError
from gp_guard.i18n import N_, Lazy, LazyList

# What gp_guard can say about a program's protection, as short translatable phrases.
NO_PASSWORD = N_("anyone gets in without a password")
DEFAULT_PASSWORD = N_("a default password (orthanc/orthanc) opens it")
STRANGERS = N_("it answers image queries from unknown devices")
ANONYMOUS_FTP = N_("anonymous login is accepted")
NOT_CHECKED = N_("its protection could not be checked")
PROTECTED = N_("a password is required")


def weaknesses(host: Host, inst: Installation) -> list[str]:
    """N_() phrases describing how the program is protected (empty: unknown)."""
    try:
        if inst.product == "orthanc":
            path = inst.config_paths[0] if inst.config_paths else None
            config = (orthanc.load_config(host, path, inst.version) if path
                      else orthanc.OrthancConfig("(built-in defaults)", (), {}, {}, inst.version))
            a = orthanc.assess(config)
            found = []
            if a.anonymous_http:
                found.append(NO_PASSWORD)
            elif a.automatic_default_user or a.weak_users:
                found.append(DEFAULT_PASSWORD)
            if a.strangers_can_query:
                found.append(STRANGERS)
            return found or [PROTECTED]
        if inst.product == "vsftpd" and inst.config_paths:
            ftp = vsftpd.load(host, inst.config_paths[0])
            return [ANONYMOUS_FTP] if ftp.anonymous else [PROTECTED]
    except (HostError, orthanc.OrthancConfigError, vsftpd.VsftpdConfigError, OSError, ValueError):
        return [NOT_CHECKED]
    return [NOT_CHECKED]


@dataclass(frozen=True)
class Link:
    software: str
    port: int
    weak: tuple[str, ...]
    external: int | None = None  # the box's external port forwarded to it, if any
    box: str = ""

    def lazy(self) -> Lazy:
        """This link of the chain, translated when shown."""
        weak = LazyList(self.weak)
        if self.external is None:
            return Lazy(N_("{software} listens on port {port} for every computer of the network ({weak})"),
                        software=self.software, port=self.port, weak=weak)
        return Lazy(N_("{software} listens on port {port} ({weak}), and the internet box {box} forwards port {external} from the internet to it"),
                    software=self.software, port=self.port, weak=weak, box=self.box, external=self.external)

    def render(self) -> str:
        return format(self.lazy())


def story(links: list[Link]) -> LazyList:
    """The chain, translated when the message is shown (findings render in any language)."""
    return LazyList([link.lazy() for link in links], "; ")


@check(
    "EXP-01",
    area=Area.NETWORK,
    severity=Severity.CRITICAL,
    title=N_("No program holding patient data can be reached from the internet"),
    problem=N_("A program holding patient data can be reached from the internet"),
    why=N_("A program that holds patient data (imaging server, FTP zone, database) becomes reachable from the whole internet when three things line up: it listens to the network, it is weakly protected, and the internet box forwards its port to this computer. In 2020 the CNIL fined two doctors for exactly this chain: their box forwarded ports to the imaging software, whose X-ray images could then be opened from the internet."),
    fix={"all": box_steps() + (
        N_("In the program's settings, require a password for every access, or ask your software vendor to do it."),
        N_("If the program must be reached from outside the practice, ask your IT provider for a VPN instead of a port forward."),
    )},
    references=(ref.CASE_2020, ref.CNIL_NETWORK, ref.ANSSI_REMOTE),
    cnil_case="2020-imaging",
    network=True,
)
def exposure_chain(host: Host) -> Outcome:
    if not host.live:
        return skipped(N_("The internet box can only be asked from the computer itself, not from recorded outputs."))
    installs = [i for i in inventory.find_software(host) if i.network_listening]
    gateways = scan_box(host)
    mine = host.addresses()
    forwarded = {}
    for gateway in gateways:
        for mapping in gateway.mappings:
            if mapping.enabled and mapping.internal_client in mine:
                forwarded[mapping.internal_port] = (mapping, gateway.friendly_name or gateway.location)
    evidence = [Evidence("UPnP", f"{len(gateways)} box(es) answered; {len(forwarded)} port(s) forwarded to this computer")]
    internet: list[Link] = []
    lan: list[Link] = []
    for inst in installs:
        weak = tuple(weaknesses(host, inst))
        for endpoint in inst.network_listening:
            evidence.append(Evidence(f"{inst.describe()}", f"listening on {endpoint}"))
            hit = forwarded.get(endpoint.port)
            if hit is not None:
                mapping, box = hit
                evidence.append(Evidence("UPnP GetGenericPortMappingEntry",
                                         f"{mapping.protocol} {mapping.external_port} -> {mapping.internal_client}:{mapping.internal_port} '{mapping.description}'"))
                internet.append(Link(inst.name, endpoint.port, weak, mapping.external_port, box))
            elif any(w != PROTECTED for w in weak):
                lan.append(Link(inst.name, endpoint.port, weak))
    if internet:
        return failed(N_("Reachable from the internet: {story}."), evidence, story=story(internet))
    if lan:
        return warned(N_("Not forwarded by the box as far as UPnP shows, but reachable from the practice network: {story}. A DMZ or a forward set by hand would not show here: see question Q-BOX-01."),
                      evidence, story=story(lan))
    if installs:
        return passed(N_("The programs that listen to the network are protected, and the box forwards none of their ports to this computer."), evidence)
    return passed(N_("No program holding patient data listens to the network."), evidence)
