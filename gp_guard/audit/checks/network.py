"""Listening services (NET-*): what this computer offers to the rest of the network.

Both checks read the same list of listening TCP sockets (``host.listeners()``: psutil on this
machine, a recorded ``netstat -ano`` or ``lsof -nP -iTCP -sTCP:LISTEN`` output in tests). UDP
sockets are left out: a bound UDP socket is not a service waiting for connections, and every
system has dozens of them (name resolution, discovery).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from gp_guard.audit import references as ref
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, warned
from gp_guard.audit.ports import RISKY_PORTS
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError, Listener
from gp_guard.i18n import N_, Lazy, LazyList, Np_

SOURCE = "listening TCP sockets"

# -- well-known listeners of the operating system itself -------------------------------------
# Windows: port -> process names that are expected there (lower case, "" = name unknown, as with
# a plain netstat -ano whose PID could not be named).
_WIN_RPC = {"lsass.exe", "wininit.exe", "services.exe", "spoolsv.exe", "svchost.exe"}
_WINDOWS_OS: dict[int, tuple[str, set[str]]] = {
    135: ("RPC endpoint mapper", {"svchost.exe"}),
    5040: ("Connected Devices Platform (CDPSvc)", {"svchost.exe"}),
    7680: ("Delivery Optimization (Windows Update sharing)", {"svchost.exe"}),
    5357: ("Web Services on Devices (network discovery)", {"system"}),
    445: ("Windows file sharing (judged by NET-02)", {"system"}),
    139: ("NetBIOS file sharing (judged by NET-02)", {"system"}),
    **{port: ("RPC dynamic endpoint", _WIN_RPC) for port in range(49664, 49680)},
}
# macOS: process names (lsof truncates them to 9 characters) that only ever serve the OS.
_MACOS_OS = {
    "rapportd": "Continuity / Handoff (rapportd)",
    "controlce": "AirPlay receiver (ControlCenter)",
    "controlcenter": "AirPlay receiver (ControlCenter)",
    "sharingd": "AirDrop (sharingd)",
    "mdnsrespo": "Bonjour (mDNSResponder)",
    "mdnsresponder": "Bonjour (mDNSResponder)",
    "airplayxp": "AirPlay (AirPlayXPCHelper)",
}
# Linux: (port, process) pairs of the base system.
_LINUX_OS = {
    (5355, "systemd-resolve"): "LLMNR name resolution (systemd-resolved)",
}


@dataclass(frozen=True)
class _Seen:
    port: int
    addresses: tuple[str, ...]
    pid: int | None
    process: str

    def describe(self) -> str:
        who = self.process or "?"
        pid = f"pid {self.pid}" if self.pid is not None else "pid ?"
        return f"{', '.join(self.addresses)} port {self.port} ({who}, {pid})"


def is_loopback(ip: str) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback; False for anything else."""
    text = ip.split("%", 1)[0].strip("[]")
    if text == "localhost":
        return True
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped.is_loopback
    return addr.is_loopback


def _names(host: Host) -> dict[int, str]:
    """PID -> process name, when the host can list processes (netstat -ano gives only PIDs)."""
    try:
        return {p.pid: p.name for p in host.processes()}
    except (HostError, OSError):
        return {}


def exposed_listeners(host: Host) -> list[_Seen]:
    """Listening TCP services reachable from other machines, merged over IPv4/IPv6."""
    listeners = [item for item in host.listeners() if item.proto == "tcp"]
    names: dict[int, str] | None = None
    merged: dict[tuple[int, int | None, str], list[str]] = {}
    for item in listeners:
        if is_loopback(item.ip):
            continue
        process = item.process or ""
        if not process and item.pid is not None:
            if names is None:
                names = _names(host)
            process = names.get(item.pid, "")
        address = "*" if item.all_interfaces else item.ip
        addresses = merged.setdefault((item.port, item.pid, process), [])
        if address not in addresses:
            addresses.append(address)
    return sorted(
        (_Seen(port, tuple(addrs), pid, process) for (port, pid, process), addrs in merged.items()),
        key=lambda s: (s.port, s.pid or 0),
    )


def os_listener(platform: str, seen: _Seen) -> str | None:
    """What this listener is when it is a well-known part of the operating system, else None."""
    name = seen.process.lower()
    if platform == WINDOWS:
        known = _WINDOWS_OS.get(seen.port)
        if known and (not name or name in known[1] or (seen.pid == 4 and "system" in known[1])):
            return known[0]
        return None
    if platform == MACOS:
        return _MACOS_OS.get(name)
    return _LINUX_OS.get((seen.port, name))


def _loopback_count(listeners: Iterable[Listener]) -> int:
    return len({(x.port, x.pid) for x in listeners if x.proto == "tcp" and is_loopback(x.ip)})


# -- NET-01 ----------------------------------------------------------------------------------

@check(
    "NET-01",
    area=Area.NETWORK,
    severity=Severity.HIGH,
    title=N_("Programs on this computer accept connections only from this computer"),
    problem=N_("Programs on this computer accept connections from other devices"),
    why=N_("A program that listens on every network interface can be reached by any device of the practice's network, and from the internet as soon as the box forwards a port to this computer. In 2020 the CNIL fined two doctors whose imaging software accepted connections from the internet: their patients' X-ray images could be opened by anyone. A program that only this computer uses should listen on 127.0.0.1 (loopback) instead."),
    fix={
        WINDOWS: (
            N_("For each program listed, ask yourself (or your IT provider) whether other computers really need to connect to it."),
            N_("If not, open the program's settings and make it listen on 127.0.0.1 (or 'localhost') only, or stop and uninstall it."),
            N_("If other computers of the practice need it, allow only their addresses in Settings > Privacy & security > Windows Security > Firewall & network protection > Advanced settings > Inbound rules."),
            N_("Check in your internet box that no port is forwarded to this computer (see the question about the box)."),
        ),
        MACOS: (
            N_("For each program listed, ask yourself (or your IT provider) whether other computers really need to connect to it."),
            N_("If not, open the program's settings and make it listen on 127.0.0.1 (or 'localhost') only, or quit and remove it."),
            N_("Turn off the sharing services you do not use in System Settings > General > Sharing."),
            N_("Turn the firewall on in System Settings > Network > Firewall and allow only the programs you need."),
        ),
        LINUX: (
            N_("List the services with: sudo ss -ltnp"),
            N_("For each service that only this computer uses, set its listen address to 127.0.0.1 in its configuration file and restart it."),
            N_("Stop the services you do not use, for example: sudo systemctl disable --now SERVICE"),
            N_("Allow the others only from the practice's network with the firewall (ufw)."),
        ),
    },
    references=(ref.CASE_2020, ref.CNIL_NETWORK, ref.ANSSI_FIREWALL, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={WINDOWS: "windowsdefender://network", MACOS: "x-apple.systempreferences:com.apple.Sharing-Settings.extension"},
    cnil_case="2020-imaging",
)
def listeners_on_all_interfaces(host: Host) -> Outcome:
    listeners = host.listeners()
    seen = exposed_listeners(host)
    flagged = [s for s in seen if os_listener(host.platform, s) is None]
    benign = [(s, os_listener(host.platform, s)) for s in seen if os_listener(host.platform, s) is not None]
    evidence = [Evidence(f"{SOURCE}: reachable from the network", s.describe()) for s in flagged]
    evidence.append(Evidence(
        f"{SOURCE}: operating-system listeners (not counted)",
        "; ".join(f"{s.describe()} = {what}" for s, what in benign) or "none",
    ))
    evidence.append(Evidence(f"{SOURCE}: loopback only (fine)", str(_loopback_count(listeners))))
    if flagged:
        ports = ", ".join(sorted({str(s.port) for s in flagged}, key=int))
        return failed(
            Np_("{count} program accepts connections from other computers (ports: {ports}).",
               "{count} programs accept connections from other computers (ports: {ports})."),
            evidence, count=len(flagged), ports=ports,
        )
    return passed(N_("Only operating-system services listen on the network; the other programs listen on this computer only."), evidence)


# -- NET-02 ----------------------------------------------------------------------------------

_FILE_SHARING = {445, 139}


def port_list(ports: Iterable[int]) -> LazyList:
    """'4242 (DICOM imaging...); 8042 (...)', translated when the message is shown."""
    return LazyList([Lazy("{port} ({label})", port=p, label=Lazy(RISKY_PORTS[p])) for p in sorted(set(ports))], "; ")


@check(
    "NET-02",
    area=Area.NETWORK,
    severity=Severity.HIGH,
    title=N_("No sensitive service (imaging, database, remote control, file transfer) is open to the network"),
    problem=N_("A sensitive service (imaging, database, remote control, file transfer) is open to the network"),
    why=N_("Some services are a door straight to patient data: imaging servers (DICOM ports 104, 11112, 4242, 5678, Orthanc web 8042), databases of practice software (3306, 5432, 1433, 3050), remote control (Remote Desktop 3389, VNC 5900, Telnet 23), file transfer (FTP 21) and file sharing (445, 139). Open to the network, they are found within hours by the robots that scan the internet as soon as a port is forwarded. The CNIL fined two doctors in 2020 whose imaging server was reachable this way. Listening on 127.0.0.1 only, they are out of reach."),
    fix={
        WINDOWS: (
            N_("For each service listed, check with your IT provider or software vendor whether other computers must reach it."),
            N_("If not, set it to listen on 127.0.0.1 only (Orthanc: \"RemoteAccessAllowed\": false), or stop the service in Services (services.msc)."),
            N_("Remote Desktop: Settings > System > Remote Desktop, turn it off unless your IT provider uses it through a VPN."),
            N_("File sharing you do not use: Settings > Network & internet > Advanced network settings > Advanced sharing settings, turn off file and printer sharing."),
            N_("If the service must stay, allow only the addresses of the practice's computers in the Windows firewall, and never forward its port in the internet box."),
        ),
        MACOS: (
            N_("For each service listed, check with your IT provider or software vendor whether other computers must reach it."),
            N_("Screen Sharing, File Sharing, Remote Login: turn them off in System Settings > General > Sharing if you do not use them."),
            N_("Imaging software (Horos, OsiriX): in its Preferences > Listener, turn the DICOM listener off or restrict it to known devices."),
            N_("Never forward these ports in the internet box."),
        ),
        LINUX: (
            N_("List the services with: sudo ss -ltnp"),
            N_("Set each database or imaging service to listen on 127.0.0.1 (PostgreSQL: listen_addresses = 'localhost'; MySQL: bind-address = 127.0.0.1; Orthanc: \"RemoteAccessAllowed\": false)."),
            N_("Stop the services you do not use: sudo systemctl disable --now SERVICE"),
            N_("Allow the others only from the practice's network with ufw, and never forward their ports in the internet box."),
        ),
    },
    references=(ref.CASE_2020, ref.CNIL_NETWORK, ref.ANSSI_REMOTE, ref.ANSSI_FIREWALL, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={WINDOWS: "windowsdefender://network", MACOS: "x-apple.systempreferences:com.apple.Sharing-Settings.extension"},
    cnil_case="2020-imaging",
)
def risky_ports(host: Host) -> Outcome:
    listeners = host.listeners()
    risky = [s for s in exposed_listeners(host) if s.port in RISKY_PORTS]
    local = sorted({x.port for x in listeners if x.proto == "tcp" and x.port in RISKY_PORTS and is_loopback(x.ip)})
    evidence = [Evidence(f"{SOURCE}: port {s.port}", f"{s.describe()}: {RISKY_PORTS[s.port]}") for s in risky]
    evidence.append(Evidence(f"{SOURCE}: sensitive ports on loopback only (fine)", ", ".join(map(str, local)) or "none"))
    if not risky:
        return passed(N_("No sensitive port is open to the network."), evidence)
    serious = [s for s in risky if not (s.port in _FILE_SHARING and host.platform == WINDOWS and os_listener(WINDOWS, s))]
    if serious:
        return failed(
            N_("Sensitive services are open to the network: {ports}."),
            evidence, ports=port_list(s.port for s in risky),
        )
    return warned(
        N_("Windows file sharing is open to the network: {ports}. Turn it off if this computer shares no folder, or make sure the firewall lets in only the practice's computers."),
        evidence, ports=port_list(s.port for s in risky),
    )
