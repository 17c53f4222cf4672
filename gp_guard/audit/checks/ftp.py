"""File transfer servers (FTP-*): anonymous access and unencrypted transfers.

The vsftpd configuration is read wherever the inventory finds it (its command line, or
/etc/vsftpd.conf), and so is FileZilla Server's on Windows (the 0.9 series' "FileZilla Server.xml",
also bundled with XAMPP; the 1.x settings are not read yet); on this machine, a live probe on loopback confirms it (anonymous login, upload
of a tiny file deleted at once, AUTH TLS in FEAT). Any other FTP server listening on port 21 here
is probed too. Probes never run on a recorded host.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from gp_guard.audit import references as ref
from gp_guard.audit.checks.parsing import is_ascii_number
from gp_guard.audit.model import (
    Area,
    Evidence,
    Outcome,
    Severity,
    errored,
    failed,
    passed,
    skipped,
    warned,
)
from gp_guard.audit.probes import ftp as ftp_probe
from gp_guard.audit.registry import check
from gp_guard.audit.software import inventory, vsftpd
from gp_guard.audit.software.inventory import Endpoint, Installation
from gp_guard.host import LINUX, WINDOWS, Host, HostError, LocalHost, NeedsAdmin
from gp_guard.i18n import N_

NO_FTP = "no vsftpd or FileZilla Server found (processes, listening sockets, default locations) and nothing listens on port 21"


class FileZillaConfigError(Exception):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class FileZillaLegacyConfig:
    """FileZilla Server 0.9 "FileZilla Server.xml": Settings/Item and Users/User/Option elements."""

    path: str
    settings: dict[str, str]
    anonymous_user: dict[str, str] | None  # options of the user "anonymous", if defined
    anonymous_write: tuple[str, ...]  # folders where "anonymous" may write or create

    ANON_KEYS = ("anonymous", "anonymous write")
    TLS_KEYS = ("Enable SSL", "Force explicit SSL")

    def where(self, key: str) -> str:
        if key == "anonymous":
            if self.anonymous_user is None:
                return f"{self.path}: no user named anonymous"
            return f"{self.path}: user anonymous, Enabled={self.anonymous_user.get('Enabled', '?')}"
        if key == "anonymous write":
            return f"{self.path}: anonymous may write in: " + (", ".join(self.anonymous_write) or "(nowhere)")
        value = self.settings.get(key)
        return f"{self.path}: {key}={value}" if value is not None else f"{self.path}: {key} not set (default 0)"

    @property
    def anonymous(self) -> bool:
        return self.anonymous_user is not None and self.anonymous_user.get("Enabled", "1").strip() == "1"

    @property
    def anonymous_upload(self) -> bool:
        return self.anonymous and bool(self.anonymous_write)

    @property
    def tls(self) -> bool:
        return self.settings.get("Enable SSL", "0").strip() == "1"

    @property
    def port(self) -> int:
        first = self.settings.get("Serverports", "21").split(" ")[0]
        return int(first) if is_ascii_number(first) else 21

    @property
    def loopback_only(self) -> bool:
        return False  # FileZilla Server 0.9 listens on every interface


def load_filezilla_legacy(host: Host, path: str) -> FileZillaLegacyConfig:
    text = host.read_text(path)
    if text is None:
        raise FileZillaConfigError(path, "file not found")
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        raise FileZillaConfigError(path, f"not valid XML ({exc})") from None
    settings = {i.get("name", ""): (i.text or "") for i in root.iter("Item")}
    anonymous: dict[str, str] | None = None
    writable: list[str] = []
    for user in root.iter("User"):
        if (user.get("Name") or "").lower() != "anonymous":
            continue
        anonymous = {o.get("Name", ""): (o.text or "") for o in user.findall("Option")}
        for perm in user.iter("Permission"):
            options = {o.get("Name", ""): (o.text or "").strip() for o in perm.findall("Option")}
            if options.get("FileWrite") == "1" or options.get("DirCreate") == "1" or options.get("FileAppend") == "1":
                writable.append(perm.get("Dir", "?"))
    return FileZillaLegacyConfig(path, settings, anonymous, tuple(writable))


@dataclass
class FtpServer:
    label: str
    port: int
    listening: tuple[Endpoint, ...]
    config: vsftpd.VsftpdConfig | FileZillaLegacyConfig | None = None
    error: str | None = None
    error_path: str = ""
    needs_admin: bool = False
    probe: ftp_probe.FtpProbe | None = None

    @property
    def checked(self) -> bool:
        return self.config is not None or bool(self.probe and self.probe.connected)

    @property
    def running(self) -> bool:
        return any(e.port == self.port for e in self.listening) or bool(self.probe and self.probe.connected)

    def evidence(self, live: bool) -> list[Evidence]:
        found = [e for e in self.listening if e.port == self.port]
        items = [Evidence("listening sockets", f"port {self.port}: "
                          + (", ".join(str(e) for e in found) if found else "no listening socket seen"))]
        if self.probe:
            items.append(Evidence("FTP probe (loopback)", self.probe.describe()))
        elif not live:
            items.append(Evidence("live probe", "live probe not run: recorded host (configuration only)"))
        return items


def _label(inst: Installation) -> str:
    version = inst.version.split("-")[0] if inst.version else ""
    return inst.name + (f" {version}" if version else "")


def ftp_servers(host: Host, upload: bool = True, login: bool = True) -> list[FtpServer]:
    """vsftpd installations (configuration read) and unknown FTP listeners on port 21, probed live."""
    live = isinstance(host, LocalHost)
    servers: list[FtpServer] = []
    for inst in inventory.find(host, "vsftpd"):
        server = FtpServer(_label(inst), 21, inst.listening)
        if inst.config_paths:
            try:
                server.config = vsftpd.load(host, inst.config_paths[0], inst.command_line)
                server.port = server.config.port
            except NeedsAdmin:
                server.needs_admin, server.error_path = True, inst.config_paths[0]
            except vsftpd.VsftpdConfigError as exc:
                server.error, server.error_path = exc.detail, exc.path
            except HostError as exc:
                server.error, server.error_path = str(exc), inst.config_paths[0]
        if not server.listening:
            server.listening = inventory.listeners_on(host, (server.port,))
        servers.append(server)
    for inst in inventory.find(host, "filezilla-server"):
        server = FtpServer(inst.name, 21, inst.listening)
        path = inst.config_paths[0] if inst.config_paths else ""
        if path.lower().endswith("filezilla server.xml"):
            try:
                server.config = load_filezilla_legacy(host, path)
                server.port = server.config.port
            except NeedsAdmin:
                server.needs_admin, server.error_path = True, path
            except FileZillaConfigError as exc:
                server.error, server.error_path = exc.detail, exc.path
        if not server.listening:
            server.listening = inventory.listeners_on(host, (server.port,))
        servers.append(server)
    known = {s.port for s in servers}
    if 21 not in known:
        other = inventory.listeners_on(host, (21,))
        if other:
            servers.append(FtpServer("FTP server", 21, other))
    if live:
        targets = [s for s in servers if inventory.loopback_address(s.listening, s.port)]
        from concurrent.futures import ThreadPoolExecutor

        def run(s: FtpServer) -> ftp_probe.FtpProbe:
            ip = inventory.loopback_address(s.listening, s.port) or "127.0.0.1"
            return ftp_probe.probe(s.port, ip=ip, try_upload=upload, try_login=login)

        with ThreadPoolExecutor(max_workers=max(1, len(targets))) as pool:
            results = list(pool.map(run, targets))
        for server, result in zip(targets, results, strict=True):
            server.probe = result
    return servers


def _unreadable(servers: list[FtpServer], evidence: list[Evidence]) -> Outcome | None:
    for server in servers:
        if server.error:
            evidence.append(Evidence("configuration", f"{server.error_path}: {server.error}"))
            return errored(N_("The configuration of {software} cannot be read ({path}): {detail}"), evidence,
                           software=server.label, path=server.error_path, detail=server.error)
        if server.needs_admin:
            return skipped(N_("Needs administrator rights to read the configuration of {software} ({path})."),
                           evidence, software=server.label, path=server.error_path)
    return None


_FIX_LINUX = (
    N_("Edit the vsftpd configuration: sudo nano /etc/vsftpd.conf"),
    N_("Set anonymous_enable=NO, anon_upload_enable=NO and anon_mkdir_write_enable=NO; give each person their own account instead."),
    N_("Restart it (sudo systemctl restart vsftpd), then run the audit again. Better still: replace FTP by SFTP (the SSH server) or a secure file-sharing service approved for health data (HDS)."),
)


@check(
    "FTP-01",
    area=Area.SHARING,
    severity=Severity.CRITICAL,
    title=N_("No FTP server lets anyone in without a password"),
    problem=N_("An FTP server lets anyone in without a password"),
    why=N_("An FTP server with anonymous access lets anyone who reaches it read the files it offers, and sometimes drop files there, without a password. In 2022 the CNIL fined the laboratory software publisher Dedalus 1.5 million euros after the data of about 500,000 patients leaked from an FTP 'public zone' that required no password."),
    fix={LINUX: _FIX_LINUX, WINDOWS: (
        N_("Open the FileZilla Server administration window, then Edit > Users."),
        N_("Select the user 'anonymous' and untick 'Enable account' (or delete it); give each person their own account with a long password."),
        N_("Click OK, then run the audit again. Better still: replace FTP by a secure file-sharing service approved for health data (HDS)."),
    )},
    platforms=(WINDOWS, LINUX),
    references=(ref.CASE_2022, ref.CNIL_ACCESS, ref.CNIL_NETWORK),
    cnil_case="2022-dedalus",
    timeout=15.0,
)
def ftp_anonymous(host: Host) -> Outcome:
    servers = ftp_servers(host)
    if not servers:
        return passed(N_("No FTP server was found on this computer."), [Evidence("inventory", NO_FTP)])
    live = isinstance(host, LocalHost)
    evidence: list[Evidence] = []
    bad: list[tuple[FtpServer, bool]] = []
    for server in servers:
        if server.config:
            evidence += [Evidence("configuration", server.config.where(k)) for k in server.config.ANON_KEYS]
        evidence += server.evidence(live)
        anonymous = bool(server.config and server.config.anonymous) or bool(server.probe and server.probe.anonymous)
        upload = bool(server.config and server.config.anonymous_upload) or bool(server.probe and server.probe.upload)
        if anonymous:
            bad.append((server, upload))
    if bad:
        server, upload = max(bad, key=lambda item: (item[0].running, item[1]))
        if not server.running:
            evidence.append(Evidence("inventory", f"{server.label} is not running now (no listening socket on port {server.port})"))
            return warned(N_("{software} is not running now, but it is set to let anyone log in without a password on port {port} once it starts."),
                          evidence, software=server.label, port=server.port)
        outcome = failed
        if upload:
            return outcome(N_("{software} lets anyone log in without a password on port {port} and drop files there (anonymous upload)."),
                          evidence, software=server.label, port=server.port)
        return outcome(N_("{software} lets anyone log in without a password on port {port} (anonymous access)."),
                      evidence, software=server.label, port=server.port)
    problem = _unreadable(servers, evidence)
    if problem:
        return problem
    unchecked = [s for s in servers if not s.checked]
    if unchecked:
        return warned(N_("{software} was found, but neither its settings nor a live test could tell whether it allows anonymous access."),
                      evidence, software=unchecked[0].label)
    return passed(N_("The FTP servers found ({software}) refuse anonymous logins."), evidence,
                  software=", ".join(s.label for s in servers))


@check(
    "FTP-02",
    area=Area.SHARING,
    severity=Severity.HIGH,
    title=N_("FTP transfers are encrypted"),
    problem=N_("FTP transfers are not encrypted: files and passwords cross the network in clear"),
    why=N_("Plain FTP sends passwords and files unencrypted: anyone on the same network (a shared office, a public Wi-Fi, a compromised box) can read them on the way. Lack of encryption was one of the faults the CNIL found at Dedalus in 2022."),
    fix={LINUX: (
        N_("Edit /etc/vsftpd.conf and set ssl_enable=YES, with rsa_cert_file and rsa_private_key_file pointing to a certificate, and force_local_logins_ssl=YES, force_local_data_ssl=YES."),
        N_("If other computers do not need it, keep it for this computer only: listen_address=127.0.0.1."),
        N_("Restart it (sudo systemctl restart vsftpd), then run the audit again. Better still: replace FTP by SFTP (the SSH server)."),
    ), WINDOWS: (
        N_("Open the FileZilla Server administration window, then Edit > Settings > SSL/TLS settings."),
        N_("Tick 'Enable FTP over SSL/TLS support (FTPS)' and 'Disallow plain unencrypted FTP', and choose a certificate (the window can generate one)."),
        N_("Click OK, then run the audit again."),
    )},
    platforms=(WINDOWS, LINUX),
    references=(ref.CASE_2022, ref.CNIL_ENCRYPTION),
    cnil_case="2022-dedalus",
    timeout=15.0,
)
def ftp_tls(host: Host) -> Outcome:
    servers = ftp_servers(host, upload=False, login=False)
    if not servers:
        return passed(N_("No FTP server was found on this computer."), [Evidence("inventory", NO_FTP)])
    live = isinstance(host, LocalHost)
    evidence: list[Evidence] = []
    worst: tuple[int, FtpServer] | None = None
    for server in servers:
        if server.config:
            evidence += [Evidence("configuration", server.config.where(k)) for k in server.config.TLS_KEYS]
        evidence += server.evidence(live)
        tls = server.config.tls if server.config else bool(server.probe and server.probe.tls_offered)
        if server.probe and server.probe.tls_offered is not None and server.probe.connected:
            tls = server.probe.tls_offered
        if server.config is None and server.probe is None:
            continue
        if not tls:
            listening = [e for e in server.listening if e.port == server.port]
            local_only = (listening and all(e.loopback for e in listening)) or (
                not listening and server.config is not None and server.config.loopback_only)
            level = 2 if server.running and not local_only else (1 if server.running else 0)
            if worst is None or level > worst[0]:
                worst = (level, server)
    if worst and worst[0] == 2:
        return failed(N_("{software} transfers files and passwords unencrypted on port {port} (no TLS)."),
                      evidence, software=worst[1].label, port=worst[1].port)
    problem = _unreadable(servers, evidence)
    if problem:
        return problem
    if worst and worst[0] == 0:
        return warned(N_("{software} is not running now, but it would transfer files and passwords unencrypted on port {port} once it starts (no TLS)."),
                      evidence, software=worst[1].label, port=worst[1].port)
    if worst:
        return warned(N_("{software} has no encryption (TLS) on port {port}; only this computer can connect to it for now."),
                      evidence, software=worst[1].label, port=worst[1].port)
    unchecked = [s for s in servers if not s.checked]
    if unchecked:
        return warned(N_("{software} was found, but neither its settings nor a live test could tell whether it encrypts transfers."),
                      evidence, software=unchecked[0].label)
    return passed(N_("The FTP servers found ({software}) encrypt transfers (TLS)."), evidence,
                  software=", ".join(s.label for s in servers))
