"""Imaging servers (IMG-*) and the inventory of practice software (INV-01).

Each check reads the configuration of the imaging servers the inventory finds (Orthanc, Conquest,
Horos, OsiriX) and, on this machine only, confirms with a live probe on loopback: HTTP for the
Orthanc web interface, DICOM (C-ECHO, then a PATIENT C-FIND from the unknown AE title
GPGUARD-PROBE) for the image port. Probes never run on a recorded host; the evidence says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gp_guard.audit import references as ref
from gp_guard.audit.model import (
    Area,
    Evidence,
    Outcome,
    Severity,
    Status,
    errored,
    failed,
    passed,
    skipped,
    warned,
)
from gp_guard.audit.probes import dicom as dicom_probe
from gp_guard.audit.probes import http as http_probe
from gp_guard.audit.registry import check
from gp_guard.audit.software import conquest, horos, inventory, orthanc
from gp_guard.audit.software.inventory import Endpoint, Installation
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError, LocalHost, NeedsAdmin
from gp_guard.i18n import N_

PROBE_SKIPPED = "live probe not run: recorded host (configuration only)"
_RANK = {Status.PASS: 0, Status.WARN: 1, Status.ERROR: 2, Status.FAIL: 3}


# -- what runs here ----------------------------------------------------------------------------

@dataclass
class Server:
    """One imaging server found, with its configuration read (or the reason it could not be)."""

    inst: Installation
    label: str  # "Orthanc 1.10.1"
    orthanc: orthanc.OrthancAssessment | None = None
    conquest: conquest.ConquestConfig | None = None
    horos: horos.HorosPrefs | None = None
    error: str | None = None  # path: reason
    error_path: str = ""
    needs_admin: bool = False
    listening: tuple[Endpoint, ...] = ()


def _label(inst: Installation) -> str:
    version = orthanc.parse_version(inst.version)
    return inst.name + (" " + ".".join(str(v) for v in version) if version else "")


def _live(host: Host) -> bool:
    return isinstance(host, LocalHost)


def imaging_servers(host: Host) -> list[Server]:
    """Every imaging server of this host, with its configuration read."""
    servers: list[Server] = []
    for inst in inventory.find_software(host, ["orthanc", "conquest", "horos", "osirix"]):
        server = Server(inst, _label(inst), listening=inst.listening)
        try:
            if inst.product == "orthanc":
                if inst.config_paths:
                    config = orthanc.load_config(host, inst.config_paths[0], inst.version)
                else:  # started without a configuration: Orthanc's built-in defaults
                    config = orthanc.OrthancConfig("(built-in defaults)", (), {}, {}, inst.version)
                server.orthanc = orthanc.assess(config)
                if not server.listening:
                    server.listening = inventory.listeners_on(
                        host, (server.orthanc.http_port, server.orthanc.dicom_port))
            elif inst.product == "conquest" and inst.config_paths:
                server.conquest = conquest.load(host, inst.config_paths[0])
                if not server.listening:
                    server.listening = inventory.listeners_on(host, (server.conquest.port,))
            elif inst.product in ("horos", "osirix") and host.platform == MACOS:
                server.horos = horos.load(host, inst.product)
                if server.horos and not server.listening:
                    server.listening = inventory.listeners_on(host, (server.horos.dicom_port,))
        except NeedsAdmin as exc:
            server.needs_admin, server.error_path = True, str(exc)
        except (orthanc.OrthancConfigError, conquest.ConquestConfigError, horos.HorosPrefsError) as exc:
            server.error, server.error_path = exc.detail, exc.path
        except HostError as exc:
            source = inst.config_paths[0] if inst.config_paths else (
                f"defaults export {horos.DOMAINS[inst.product][1]}" if inst.product in horos.DOMAINS else inst.name)
            server.error, server.error_path = str(exc) or exc.__class__.__name__, source
        servers.append(server)
    return servers


def _ports(listening: Iterable[Endpoint], port: int) -> list[Endpoint]:
    return [e for e in listening if e.port == port]


def _listening_text(server: Server, port: int) -> str:
    found = _ports(server.listening, port)
    if not found:
        return f"port {port}: no listening socket seen"
    return f"port {port}: listening on " + ", ".join(str(e) for e in found)


# -- combining verdicts --------------------------------------------------------------------------

@dataclass
class Verdict:
    status: Status
    message: str
    params: dict[str, Any]
    evidence: list[Evidence] = field(default_factory=list)


def _combine(servers: list[Server], verdicts: list[Verdict], nothing: str, none_msg: str,
             ok_msg: str) -> Outcome:
    """Worst verdict wins; every verdict's evidence is kept."""
    if not servers:
        return passed(none_msg, [Evidence("inventory", nothing)])
    evidence = [e for v in verdicts for e in v.evidence]
    for server in servers:
        evidence.insert(0, Evidence("inventory", server.inst.describe()))
    errors = [s for s in servers if s.error]
    evidence += [Evidence("configuration", f"{s.error_path}: {s.error}") for s in errors]
    if errors and not any(v.status is Status.FAIL for v in verdicts):
        first = errors[0]
        return errored(N_("The configuration of {software} cannot be read ({path}): {detail}"), evidence,
                       software=first.label, path=first.error_path, detail=first.error)
    admin = [s for s in servers if s.needs_admin]
    if admin and not any(v.status is Status.FAIL for v in verdicts):
        return skipped(N_("Needs administrator rights to read the configuration of {software} ({path})."),
                       evidence, software=admin[0].label, path=admin[0].error_path)
    worst = max(verdicts, key=lambda v: _RANK[v.status], default=None)
    unchecked = [s for s in servers if not (s.orthanc or s.conquest or s.horos or s.error or s.needs_admin)]
    if unchecked and (worst is None or worst.status is Status.PASS):
        return warned(N_("{software} was found, but its settings could not be read to check this."), evidence,
                      software=unchecked[0].label)
    if worst is None or worst.status is Status.PASS:
        names = ", ".join(s.label for s in servers)
        return passed(ok_msg, evidence, software=names)
    outcome = {Status.FAIL: failed, Status.WARN: warned}[worst.status]
    return outcome(worst.message, evidence, **worst.params)


def _running(server: Server) -> bool:
    """Running now: a process was seen, or something listens on the server's ports."""
    return server.inst.running or bool(server.listening)


def _cap(server: Server, verdict: Verdict) -> Verdict:
    """A server that is installed but not running is a risk for later, not now: fail -> warn."""
    if verdict.status is Status.FAIL and not _running(server):
        verdict.status = Status.WARN
        verdict.message = N_("{software} is not running now, but its settings would put patient data at risk once it starts (see the evidence).")
        verdict.evidence.append(Evidence("inventory", f"{server.label} is not running now (no process, no listening socket)"))
    return verdict


def _probe_http(host: Host, server: Server, port: int) -> http_probe.OrthancHttpProbe | None:
    ip = inventory.loopback_address(server.listening, port)
    if not _live(host) or ip is None:
        return None
    return http_probe.probe_orthanc(port, ip=ip)


def _probe_dicom(host: Host, server: Server, port: int, aet: str) -> dicom_probe.DicomProbe | None:
    ip = inventory.loopback_address(server.listening, port)
    if not _live(host) or ip is None:
        return None
    return dicom_probe.probe(port, aet, ip=ip)


def _probe_note(host: Host, server: Server, port: int) -> Evidence | None:
    if not _live(host):
        return Evidence("live probe", PROBE_SKIPPED)
    if not _ports(server.listening, port):
        return Evidence("live probe", f"not run: nothing listens on port {port}")
    if inventory.loopback_address(server.listening, port) is None:
        return Evidence("live probe", f"not run: port {port} listens only on other addresses; probes stay on loopback")
    return None


NO_IMAGING = "no Orthanc, Conquest, Horos or OsiriX found (processes, listening sockets, default locations)"
_FIX_ORTHANC_WIN = r"C:\Program Files\Orthanc Server\Configuration\orthanc.json"

_REFS = (ref.CASE_2020, ref.CNIL_ACCESS, ref.CNIL_NETWORK, ref.ANSSI_REMOTE)


# -- IMG-01 --------------------------------------------------------------------------------------

@check(
    "IMG-01",
    area=Area.NETWORK,
    severity=Severity.CRITICAL,
    title=N_("The imaging server asks other computers for a password"),
    problem=N_("The imaging server lets other computers in without a password"),
    why=N_("An imaging server (Orthanc, Horos, OsiriX) that lets other computers in without a password, or with the password printed in its manual (orthanc/orthanc), shows your patients' images and names to anyone who can reach it: every device of the practice's network, and the whole internet as soon as the box forwards its port. In 2020 the CNIL fined two doctors whose X-ray images could be viewed this way from the internet."),
    fix={
        WINDOWS: (
            N_("Open the folder C:\\Program Files\\Orthanc Server\\Configuration and edit orthanc.json with Notepad (as an administrator)."),
            N_("If no other computer needs the web interface, set \"RemoteAccessAllowed\" : false. Otherwise set \"AuthenticationEnabled\" : true and, under \"RegisteredUsers\", one named account per person with a long password (never orthanc/orthanc)."),
            N_("Restart the \"Orthanc\" service in Services (services.msc), then run the audit again."),
        ),
        MACOS: (
            N_("Open Horos (or OsiriX) > Settings > Web Server."),
            N_("Turn the web server off if you do not use it; otherwise tick 'Password required' and 'Encrypted connection (HTTPS)'."),
            N_("Quit and reopen the program, then run the audit again."),
        ),
        LINUX: (
            N_("Edit the Orthanc configuration (on Debian: sudo nano /etc/orthanc/orthanc.json and /etc/orthanc/credentials.json)."),
            N_("If no other computer needs the web interface, set \"RemoteAccessAllowed\" : false. Otherwise set \"AuthenticationEnabled\" : true and, under \"RegisteredUsers\", one named account per person with a long password (never orthanc/orthanc)."),
            N_("Restart Orthanc (sudo systemctl restart orthanc), then run the audit again."),
        ),
    },
    references=_REFS,
    cnil_case="2020-imaging",
    timeout=15.0,
)
def imaging_password(host: Host) -> Outcome:
    servers = imaging_servers(host)
    verdicts: list[Verdict] = []
    for server in servers:
        if server.orthanc:
            verdicts.append(_cap(server, _orthanc_http(host, server, server.orthanc)))
        elif server.horos:
            verdicts.append(_cap(server, _horos_web(server, server.horos)))
    return _combine(
        servers, verdicts, NO_IMAGING,
        N_("No imaging server was found on this computer."),
        N_("The imaging servers found ({software}) do not let other computers in without a password."),
    )


def _orthanc_http(host: Host, server: Server, a: orthanc.OrthancAssessment) -> Verdict:
    port = a.http_port
    cfg = a.config
    evidence = [Evidence("configuration", cfg.where(k)) for k in
                ("RemoteAccessAllowed", "AuthenticationEnabled", "SslEnabled")]
    evidence.append(Evidence("configuration", f"{cfg.path}: RegisteredUsers: "
                             + (", ".join(a.users) if a.users else "(none)")
                             + (f"; default or weak password for: {', '.join(a.weak_users)}" if a.weak_users else "")))
    evidence.append(Evidence("listening sockets", _listening_text(server, port)))
    if not a.http_enabled:
        evidence.append(Evidence("configuration", cfg.where("HttpServerEnabled")))
        return Verdict(Status.PASS, "", {}, evidence)
    probe = _probe_http(host, server, port)
    if probe:
        evidence.extend(Evidence(s, v) for s, v in probe.evidence())
    else:
        note = _probe_note(host, server, port)
        if note:
            evidence.append(note)
    params = {"software": server.label, "port": port}
    if a.remote_access and (not a.authentication or (probe and probe.open_without_password)):
        return Verdict(Status.FAIL, N_("{software} lets any computer open its web interface and the patients' images on port {port} without a password."), params, evidence)
    if a.remote_access and (a.default_credentials or (probe and probe.default_password_works)):
        which = "orthanc/orthanc" if a.automatic_default_user or (probe and probe.default_password_works) else ", ".join(a.weak_users)
        return Verdict(Status.FAIL, N_("{software} accepts connections from any computer on port {port} with a default or weak password ({accounts})."), {**params, "accounts": which}, evidence)
    if a.remote_access and not a.ssl:
        return Verdict(Status.WARN, N_("{software} asks for a password on port {port}, but without HTTPS: passwords and images cross the network unencrypted."), params, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


def _horos_web(server: Server, prefs: horos.HorosPrefs) -> Verdict:
    evidence = [Evidence("preferences", prefs.where(k)) for k in
                ("httpWebServer", "httpWebServerPort", "passwordWebServer", "encryptedWebServer")]
    evidence.append(Evidence("live probe", PROBE_SKIPPED))
    port = prefs.values.get("httpWebServerPort", 3333)
    params = {"software": server.label, "port": port}
    if not prefs.web_server:
        return Verdict(Status.PASS, "", {}, evidence)
    if not prefs.web_password:
        return Verdict(Status.FAIL, N_("{software} lets any computer open its web interface and the patients' images on port {port} without a password."), params, evidence)
    if not prefs.web_encrypted:
        return Verdict(Status.WARN, N_("{software} asks for a password on port {port}, but without HTTPS: passwords and images cross the network unencrypted."), params, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


# -- IMG-02 --------------------------------------------------------------------------------------

@check(
    "IMG-02",
    area=Area.NETWORK,
    severity=Severity.CRITICAL,
    title=N_("The DICOM server answers only the devices it knows"),
    problem=N_("The DICOM server answers any device, even unknown ones"),
    why=N_("The DICOM port (4242 for Orthanc, 104 or 11112 for others) is how scanners and viewers send and fetch images. If the server answers any device, whatever name it gives, a stranger on the network, or on the internet through a forwarded port, can list your patients and download their images, or slip false images into their files."),
    fix={
        WINDOWS: (
            N_("Edit C:\\Program Files\\Orthanc Server\\Configuration\\orthanc.json (as an administrator)."),
            N_("Set \"DicomAlwaysAllowFind\", \"DicomAlwaysAllowGet\", \"DicomAlwaysAllowMove\" and \"DicomAlwaysAllowStore\" to false, and list your real devices under \"DicomModalities\" (name, AE title, IP address, port)."),
            N_("For Conquest, add one 'RemoteAE' line per known device to dgatesop.lst. Restart the service, then run the audit again."),
        ),
        MACOS: (
            N_("Open Horos (or OsiriX) > Settings > Listener."),
            N_("Turn the DICOM listener off if no device sends you images; otherwise accept images only from the nodes listed under Locations."),
        ),
        LINUX: (
            N_("Edit /etc/orthanc/orthanc.json: set \"DicomAlwaysAllowFind\", \"DicomAlwaysAllowGet\", \"DicomAlwaysAllowMove\" and \"DicomAlwaysAllowStore\" to false, and list your real devices under \"DicomModalities\"."),
            N_("For Conquest, add one 'RemoteAE' line per known device to dgatesop.lst."),
            N_("Restart the server (sudo systemctl restart orthanc), then run the audit again."),
        ),
    },
    references=_REFS,
    cnil_case="2020-imaging",
    timeout=15.0,
)
def dicom_strangers(host: Host) -> Outcome:
    servers = imaging_servers(host)
    verdicts: list[Verdict] = []
    for server in servers:
        if server.orthanc:
            verdicts.append(_cap(server, _orthanc_dicom(host, server, server.orthanc)))
        elif server.conquest:
            verdicts.append(_cap(server, _conquest_dicom(server, server.conquest)))
        elif server.horos:
            verdicts.append(_cap(server, _horos_dicom(server, server.horos)))
    return _combine(
        servers, verdicts, NO_IMAGING,
        N_("No imaging server was found on this computer."),
        N_("The DICOM servers found ({software}) answer only the devices they know."),
    )


def _orthanc_dicom(host: Host, server: Server, a: orthanc.OrthancAssessment) -> Verdict:
    port = a.dicom_port
    cfg = a.config
    evidence = [Evidence("configuration", cfg.where(k)) for k in
                ("DicomAlwaysAllowStore", "DicomAlwaysAllowFind", "DicomAlwaysAllowGet", "DicomAlwaysAllowMove")]
    evidence.append(Evidence("listening sockets", _listening_text(server, port)))
    if not a.dicom_enabled:
        evidence.append(Evidence("configuration", cfg.where("DicomServerEnabled")))
        return Verdict(Status.PASS, "", {}, evidence)
    probe = _probe_dicom(host, server, port, a.dicom_aet)
    if probe:
        evidence.append(Evidence("DICOM probe (loopback)", probe.describe()))
    else:
        note = _probe_note(host, server, port)
        if note:
            evidence.append(note)
    params = {"software": server.label, "port": port}
    if probe and probe.patient_data_returned:
        return Verdict(Status.FAIL, N_("{software} gave the list of patients ({count} found) to an unknown device (AE title GPGUARD-PROBE) on port {port}: anyone who reaches this port can do the same."), {**params, "count": probe.matches}, evidence)
    if a.strangers_can_query or (probe and probe.find == "answered"):
        return Verdict(Status.FAIL, N_("{software} answers searches and downloads of images from any device on port {port} ({options})."), {**params, "options": ", ".join("DicomAlwaysAllow" + k for k in a.strangers_can_query) or "C-FIND"}, evidence)
    if a.always_allow["Store"]:
        return Verdict(Status.WARN, N_("{software} accepts images from any device on port {port} (DicomAlwaysAllowStore): false images could be added to your patients' files."), params, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


def _conquest_dicom(server: Server, c: conquest.ConquestConfig) -> Verdict:
    evidence = [Evidence("configuration", f"{c.path}: [sscscp] TCPPort = {c.values.get('tcpport', '(default 5678)')}"),
                Evidence("configuration", f"{c.sop_list_path or 'dgatesop.lst (not found)'}: RemoteAE lines: "
                         + (", ".join(c.remote_ae_filter) if c.remote_ae_filter else "none")),
                Evidence("listening sockets", _listening_text(server, c.port))]
    if c.accepts_any_ae:
        return Verdict(Status.FAIL, N_("{software} accepts images and searches from any device on port {port}: no RemoteAE filter in dgatesop.lst."), {"software": server.label, "port": c.port}, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


def _horos_dicom(server: Server, prefs: horos.HorosPrefs) -> Verdict:
    evidence = [Evidence("preferences", prefs.where(k)) for k in ("STORESCP", "AETITLE", "AEPORT", "STORESCPTLS")]
    evidence.append(Evidence("listening sockets", _listening_text(server, prefs.dicom_port)))
    evidence.append(Evidence("live probe", PROBE_SKIPPED))
    if prefs.listener and _ports(server.listening, prefs.dicom_port) and not all(e.loopback for e in _ports(server.listening, prefs.dicom_port)):
        evidence.append(Evidence("software", "the Horos/OsiriX listener is a DICOM query/retrieve server (DCMTKQueryRetrieveSCP in the Horos sources)"))
        return Verdict(Status.FAIL, N_("{software} runs a DICOM server on port {port} that receives images and answers searches, and any device of the network can reach it."), {"software": server.label, "port": prefs.dicom_port}, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


# -- IMG-03 --------------------------------------------------------------------------------------

@check(
    "IMG-03",
    area=Area.NETWORK,
    severity=Severity.HIGH,
    title=N_("The imaging server has no dangerous options turned on"),
    problem=N_("The imaging server has dangerous options turned on"),
    why=N_("Some options let whoever reaches the imaging server do far more than view images: run programs (Lua scripts, XML-RPC remote control), write files anywhere on the disk through the web interface (an Orthanc flaw, CVE-2023-33466, fixed in version 1.12.0), or browse the images as a network drive (WebDAV). Combined with a weak password or a forwarded port, they hand this computer to an attacker."),
    fix={
        WINDOWS: (
            N_("Edit C:\\Program Files\\Orthanc Server\\Configuration\\orthanc.json (as an administrator)."),
            N_("Set \"ExecuteLuaEnabled\" : false, \"RestApiWriteToFileSystemEnabled\" : false and, if you do not use it, \"WebDavEnabled\" : false."),
            N_("Install Orthanc 1.12 or later from orthanc-server.com, restart the \"Orthanc\" service, then run the audit again."),
        ),
        MACOS: (
            N_("Open Horos (or OsiriX) > Settings > Listener and turn off the XML-RPC server unless a program of the practice needs it."),
            N_("Quit and reopen the program, then run the audit again."),
        ),
        LINUX: (
            N_("Edit /etc/orthanc/orthanc.json: set \"ExecuteLuaEnabled\" : false, \"RestApiWriteToFileSystemEnabled\" : false and, if you do not use it, \"WebDavEnabled\" : false."),
            N_("Keep the orthanc package up to date (sudo apt update && sudo apt upgrade); the Debian security update fixes CVE-2023-33466."),
            N_("Restart Orthanc (sudo systemctl restart orthanc), then run the audit again."),
        ),
    },
    references=(ref.ANSSI_UPDATES, ref.CNIL_NETWORK, ref.CASE_2020),
    timeout=15.0,
)
def risky_options(host: Host) -> Outcome:
    servers = imaging_servers(host)
    verdicts: list[Verdict] = []
    for server in servers:
        if server.orthanc:
            verdicts.append(_cap(server, _orthanc_options(server, server.orthanc)))
        elif server.horos:
            evidence = [Evidence("preferences", server.horos.where("httpXMLRPCServer"))]
            if server.horos.xmlrpc:
                verdicts.append(_cap(server, Verdict(Status.FAIL, N_("{software} has risky options turned on: {options}."), {"software": server.label, "options": "XML-RPC"}, evidence)))
            else:
                verdicts.append(Verdict(Status.PASS, "", {}, evidence))
    return _combine(
        servers, verdicts, NO_IMAGING,
        N_("No imaging server was found on this computer."),
        N_("No dangerous option is turned on in the imaging servers found ({software})."),
    )


def _orthanc_options(server: Server, a: orthanc.OrthancAssessment) -> Verdict:
    cfg = a.config
    evidence = [Evidence("configuration", cfg.where(k)) for k in
                ("ExecuteLuaEnabled", "RestApiWriteToFileSystemEnabled", "WebDavEnabled", "RemoteAccessAllowed")]
    evidence.append(Evidence("version", f"Orthanc {cfg.version or 'version unknown'}"))
    bad: list[str] = []
    if a.lua:
        bad.append("ExecuteLuaEnabled")
    if a.rest_write_fs:
        bad.append("RestApiWriteToFileSystemEnabled" if a.rest_write_fs_reason == "explicit"
                   else "REST API writes files (CVE-2023-33466, fixed in 1.12.0)")
    risky_webdav = a.webdav and a.remote_access and a.http_enabled
    params = {"software": server.label}
    if bad:
        if risky_webdav:
            bad.append("WebDAV")
        return Verdict(Status.FAIL, N_("{software} has risky options turned on: {options}."), {**params, "options": ", ".join(bad)}, evidence)
    if risky_webdav:
        return Verdict(Status.WARN, N_("{software} lets other computers browse the images as a network drive (WebDAV)."), params, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


# -- IMG-04 --------------------------------------------------------------------------------------

@check(
    "IMG-04",
    area=Area.NETWORK,
    severity=Severity.MEDIUM,
    title=N_("The imaging server trusts only devices of the practice"),
    problem=N_("The imaging server trusts devices outside the practice"),
    why=N_("An imaging server sends images to the devices listed in its settings, and trusts them. A device listed with an internet (public) address means images leave the practice, often unencrypted. When the server does not check who is calling (its own AE title, the caller's IP address), any device that copies a known device's name is trusted like it."),
    fix={
        WINDOWS: (
            N_("Edit C:\\Program Files\\Orthanc Server\\Configuration\\orthanc.json (as an administrator)."),
            N_("Under \"DicomModalities\", remove devices with an internet address, or ask your provider for an encrypted link (VPN). Set \"DicomCheckCalledAet\" : true and \"DicomCheckModalityHost\" : true."),
            N_("Restart the \"Orthanc\" service, then run the audit again."),
        ),
        MACOS: (
            N_("Open Horos (or OsiriX) > Settings > Locations."),
            N_("Remove the nodes with an internet address, or ask your provider for an encrypted link (VPN)."),
        ),
        LINUX: (
            N_("Edit /etc/orthanc/orthanc.json: under \"DicomModalities\", remove devices with an internet address; set \"DicomCheckCalledAet\" : true and \"DicomCheckModalityHost\" : true."),
            N_("Restart Orthanc (sudo systemctl restart orthanc), then run the audit again."),
        ),
    },
    references=(ref.CNIL_NETWORK, ref.CNIL_ENCRYPTION, ref.CASE_2020),
    timeout=15.0,
)
def known_devices(host: Host) -> Outcome:
    servers = imaging_servers(host)
    verdicts: list[Verdict] = []
    for server in servers:
        if server.orthanc:
            verdicts.append(_cap(server, _orthanc_modalities(server, server.orthanc)))
        elif server.conquest:
            public = server.conquest.public_aes
            evidence = [Evidence("configuration", f"{server.conquest.path}: known AEs: "
                                 + (", ".join(f"{a.aet} {a.host}:{a.port}" for a in server.conquest.known_aes) or "(none)"))]
            verdicts.append(_cap(server, _public_verdict(server, [f"{a.aet} ({a.host})" for a in public], evidence)))
        elif server.horos:
            nodes = server.horos.nodes
            evidence = [Evidence("preferences", f"{server.horos.source}: SERVERS: "
                                 + (", ".join(f"{n.aet} {n.address}:{n.port}" for n in nodes) or "(none)"))]
            verdicts.append(_cap(server, _public_verdict(server, [f"{n.aet} ({n.address})" for n in nodes if n.public], evidence)))
    return _combine(
        servers, verdicts, NO_IMAGING,
        N_("No imaging server was found on this computer."),
        N_("The imaging servers found ({software}) know only devices of the local network and check who is calling."),
    )


def _public_verdict(server: Server, public: list[str], evidence: list[Evidence]) -> Verdict:
    if public:
        return Verdict(Status.FAIL, N_("{software} sends images to devices with an internet address: {devices}."), {"software": server.label, "devices": ", ".join(public)}, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


def _orthanc_modalities(server: Server, a: orthanc.OrthancAssessment) -> Verdict:
    cfg = a.config
    evidence = [Evidence("configuration", f"{cfg.path}: DicomModalities: "
                         + (", ".join(f"{m.name}={m.aet}@{m.host}:{m.port}" for m in a.modalities) or "(none)"))]
    evidence += [Evidence("configuration", cfg.where(k)) for k in ("DicomCheckCalledAet", "DicomCheckModalityHost")]
    public = [f"{m.name} ({m.host})" for m in a.public_modalities]
    if public or not a.dicom_enabled:
        return _public_verdict(server, public, evidence)
    missing = []
    if not a.check_called_aet:
        missing.append("DicomCheckCalledAet")
    if a.modalities and not a.check_modality_host:
        missing.append("DicomCheckModalityHost")
    if missing:
        return Verdict(Status.WARN, N_("{software} does not check who is calling on its DICOM port ({options} off)."), {"software": server.label, "options": ", ".join(missing)}, evidence)
    return Verdict(Status.PASS, "", {}, evidence)


# -- INV-01 --------------------------------------------------------------------------------------

NOTHING_FOUND = "no Orthanc, Conquest, Horos, OsiriX, vsftpd, FileZilla Server, PostgreSQL, MySQL/MariaDB or Firebird found"


@check(
    "INV-01",
    area=Area.NETWORK,
    severity=Severity.INFO,
    title=N_("Practice, imaging, file-transfer and database servers on this computer"),
    problem=N_("Practice servers on this computer listen to other computers"),
    why=N_("Knowing which servers run on this computer (imaging, file transfer, databases of the practice software) is the first step: each one that listens to other computers is a door to patient data, and must be known, kept up to date and protected. This list is for information and does not change your score."),
    fix={
        "all": (
            N_("Check that you know and need each program listed; uninstall the ones nobody uses."),
            N_("For each one that listens to other computers, ask your IT provider whether this is needed, and read the other findings of this audit about it."),
        ),
    },
    references=(ref.CNIL_NETWORK, ref.CNIL_MAINTENANCE),
    timeout=15.0,
)
def software_inventory(host: Host) -> Outcome:
    found = inventory.find_software(host)
    if not found:
        return passed(N_("No practice, imaging, file-transfer or database server was found on this computer."),
                      [Evidence("inventory", NOTHING_FOUND)])
    evidence: list[Evidence] = []
    exposed: list[str] = []
    for inst in found:
        listening = inst.listening
        if not listening and not inst.running:
            product = next(p for p in inventory.PRODUCTS if p.key == inst.product)
            listening = inventory.listeners_on(host, product.default_ports)
        line = inst.describe()
        if listening and not inst.listening:
            line += "; sockets on its usual ports: " + " ".join(str(e) for e in listening)
        evidence.append(Evidence("inventory", line + f" (found by {', '.join(inst.found_by)})"))
        network = [e for e in listening if not e.loopback]
        if network:
            ports = sorted({e.port for e in network})
            exposed.append(f"{_label(inst)} ({', '.join(str(p) for p in ports)})")
    names = ", ".join(sorted({_label(i) for i in found}))
    if exposed:
        return failed(N_("These servers listen to other computers: {software}."), evidence,
                      software=", ".join(dict.fromkeys(exposed)))
    return passed(N_("Found: {software}. None of them listens to other computers."), evidence, software=names)
