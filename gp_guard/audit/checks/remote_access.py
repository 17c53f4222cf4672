"""Remote access checks (REM-*): Remote Desktop, remote-control tools, SSH servers."""

from __future__ import annotations

import fnmatch
import re

from gp_guard.audit import references as ref
from gp_guard.audit.checks.console_user import user_key
from gp_guard.audit.checks.parsing import is_ascii_number, reg_number
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
from gp_guard.audit.registry import check, per_platform
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, NeedsAdmin, ToolMissing
from gp_guard.i18n import N_

_TS = r"HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server"
_RDP_TCP = _TS + r"\WinStations\RDP-Tcp"
_TS_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services"
_SERVICES = r"HKLM\SYSTEM\CurrentControlSet\Services"
_UNINSTALL_ROOTS = (
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
)
# Paths read on Linux; module-level so a test can point them at real files it made.
XRDP_BINARIES = ("/usr/sbin/xrdp", "/usr/local/sbin/xrdp")
SSHD_BINARIES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
SSHD_CONFIG = "/etc/ssh/sshd_config"
WIN_SSHD_CONFIG = r"C:\ProgramData\ssh\sshd_config"
WIN_SSHD_SCRIPT = "Get-Service -Name sshd -ErrorAction SilentlyContinue"
RDP_PORT = 3389

ANSSI_REMOTE_ADMIN = ref.ANSSI_REMOTE
MS_RDP_NLA = ref.Reference(
    N_("Microsoft: Network Level Authentication for Remote Desktop"),
    "https://learn.microsoft.com/en-us/windows-server/remote/remote-desktop-services/clients/remote-desktop-allow-access",
)

# name shown to the doctor -> lower-case fragments that identify it (package, app, service, key)
REMOTE_TOOLS: dict[str, tuple[str, ...]] = {
    "TeamViewer": ("teamviewer",),
    "AnyDesk": ("anydesk",),
    "RustDesk": ("rustdesk",),
    "ScreenConnect / ConnectWise Control": ("screenconnect", "connectwise control"),
    "Splashtop": ("splashtop",),
    "VNC": ("realvnc", "tightvnc", "ultravnc", "uvnc", "tigervnc", "x11vnc", "vnc server", "vncserver",
            "tvnserver", "vnc-server", "vnc viewer", "vino-server"),
    "Chrome Remote Desktop": ("chrome remote desktop", "chrome-remote-desktop", "chromoting"),
    "LogMeIn": ("logmein",),
}
_MAC_EXTRA_PATHS = {
    "Chrome Remote Desktop": "/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app",
    "LogMeIn": "/Library/Application Support/LogMeIn",
}
_NEEDS_ADMIN = N_("Needs administrator rights: run gp_guard as an administrator to check this.")


def _tool_of(name: str) -> str | None:
    low = name.lower()
    for tool, fragments in REMOTE_TOOLS.items():
        if any(fragment in low for fragment in fragments):
            return tool
    return None




# -- REM-01 -------------------------------------------------------------------------------------

@check(
    "REM-01",
    area=Area.REMOTE_ACCESS,
    severity=Severity.HIGH,
    title=N_("Taking control of the screen from elsewhere is off, or requires identification first"),
    problem=N_("Someone elsewhere can take control of the screen without identifying first"),
    why=N_("Remote Desktop (Windows) and Screen Sharing (Mac) let someone take control of this computer over the network. Left on, and on Windows without 'Network Level Authentication', they show a sign-in screen to anyone who can reach the computer, who can then try passwords, and known flaws can be attacked before any password is asked. Reachable from the internet through the box, they are one of the first doors ransomware gangs use to enter practices."),
    fix={
        WINDOWS: (
            N_("Open Settings > System > Remote Desktop."),
            N_("If nobody takes control of this computer from elsewhere, turn 'Remote Desktop' off."),
            N_("If you need it, click the arrow next to it and tick 'Require devices to use Network Level Authentication to connect'."),
            N_("Never forward port 3389 in the internet box: reach the practice through a VPN instead."),
        ),
        MACOS: (
            N_("Open System Settings > General > Sharing."),
            N_("Turn 'Screen Sharing' off unless your IT provider really uses it; check 'Remote Management' there too."),
            N_("Never forward port 5900 in the internet box: reach the practice through a VPN instead."),
        ),
        LINUX: (
            N_("If nobody uses remote desktop on this computer, remove it in a terminal: sudo apt remove xrdp"),
            N_("Otherwise stop it from listening on the network: sudo systemctl disable --now xrdp, and use it only through an SSH tunnel or a VPN."),
        ),
    },
    platforms=(WINDOWS, MACOS, LINUX),
    references=(MS_RDP_NLA, ANSSI_REMOTE_ADMIN, ref.CNIL_NETWORK, ref.CIS_WINDOWS, ref.CASE_2020),
    settings={WINDOWS: "ms-settings:remotedesktop", MACOS: "x-apple.systempreferences:com.apple.Sharing-Settings.extension"},
    cnil_case="2020-imaging",
)
def remote_desktop(host: Host) -> Outcome:
    return per_platform(host, _windows_rdp, _macos_screen_sharing, _linux_xrdp)


ARD_TRIGGER = "/Library/Application Support/Apple/Remote Desktop/RemoteManagement.launchd"


def parse_print_disabled(text: str, label: str) -> bool | None:
    """``launchctl print-disabled system``: True when ``label`` is disabled, False when enabled,
    None when it has no override. Newer macOS prints disabled/enabled, older true/false (true = disabled)."""
    match = re.search(rf'"{re.escape(label)}"\s*=>\s*(\w+)', text)
    if match is None:
        return None
    value = match.group(1).lower()
    if value in ("disabled", "true"):
        return True
    if value in ("enabled", "false"):
        return False
    return None


def _macos_screen_sharing(host: Host) -> Outcome:
    result = host.run(["launchctl", "print-disabled", "system"])
    if not result.ok or "disabled services" not in result.stdout:
        detail = (result.stderr.strip() or result.stdout.strip())[:200]
        return errored(N_("The launchd settings could not be read: {detail}"),
                       [Evidence("launchctl print-disabled system", f"exit {result.returncode}: {detail}")], detail=detail)
    disabled = parse_print_disabled(result.stdout, "com.apple.screensharing")
    shown = {True: "disabled", False: "enabled", None: "no override (macOS default: off)"}[disabled]
    evidence = [Evidence('launchctl print-disabled system "com.apple.screensharing"', shown)]
    # Remote Management (Apple Remote Desktop) is a second way in, with its own switch: its
    # activation writes 'enabled' in this trigger file (kickstart -activate).
    trigger = host.read_text(ARD_TRIGGER)
    managed = trigger is not None and trigger.strip().lower() == "enabled"
    evidence.append(Evidence(ARD_TRIGGER, "absent" if trigger is None else trigger.strip()[:40]))
    if disabled is False:
        return failed(N_("Screen Sharing is on: this Mac can be controlled from the network (port 5900)."), evidence)
    if managed:
        return failed(N_("Remote Management (Apple Remote Desktop) is on: this Mac can be watched and controlled from the network (port 5900)."), evidence)
    return passed(N_("Screen Sharing and Remote Management are off."), evidence)


def _windows_rdp(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    policy_deny = reg_number(host, _TS_POLICY, "fDenyTSConnections")
    local_deny = reg_number(host, _TS, "fDenyTSConnections")
    if policy_deny is not None:  # a group policy wins over the local setting
        deny, source = policy_deny, rf"{_TS_POLICY}\fDenyTSConnections"
    elif local_deny is not None:
        deny, source = local_deny, rf"{_TS}\fDenyTSConnections"
    else:
        deny, source = 1, rf"{_TS}\fDenyTSConnections (absent: Windows default off)"
    evidence.append(Evidence(source, str(deny)))
    if deny != 0:
        return passed(N_("Remote Desktop is off."), evidence)
    policy_nla = reg_number(host, _TS_POLICY, "UserAuthentication")
    local_nla = reg_number(host, _RDP_TCP, "UserAuthentication")
    if policy_nla is not None:
        nla, source = policy_nla, rf"{_TS_POLICY}\UserAuthentication"
    elif local_nla is not None:
        nla, source = local_nla, rf"{_RDP_TCP}\UserAuthentication"
    else:
        nla, source = 1, rf"{_RDP_TCP}\UserAuthentication (absent: Windows default on)"
    evidence.append(Evidence(source, str(nla)))
    if nla == 0:
        return failed(N_("Remote Desktop is on and does not require Network Level Authentication."), evidence)
    return warned(N_("Remote Desktop is on (with Network Level Authentication). Make sure someone really needs it and that it is not reachable from the internet."), evidence)


def _linux_xrdp(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    installed = [path for path in XRDP_BINARIES if host.exists(path)]
    evidence.append(Evidence("xrdp", ", ".join(installed) if installed else "not installed"))
    try:
        listeners = host.listeners()
    except NeedsAdmin:
        listeners = None
    if listeners is not None:
        rdp = [lst for lst in listeners if lst.proto == "tcp" and lst.port == RDP_PORT]
        exposed = [lst for lst in rdp if not lst.loopback]
        evidence.append(Evidence(f"tcp listeners on port {RDP_PORT}",
                                 ", ".join(f"{lst.ip}:{lst.port}" for lst in rdp) or "none"))
        if exposed:
            return failed(N_("A remote desktop server listens on the network (port {port})."), evidence, port=RDP_PORT)
        if rdp:
            return passed(N_("A remote desktop server listens only on this computer (port {port})."), evidence, port=RDP_PORT)
    if installed:
        return warned(N_("The remote desktop server xrdp is installed; it does not seem to listen on the network now."), evidence)
    return passed(N_("No remote desktop server is installed."), evidence)


# -- REM-02 -------------------------------------------------------------------------------------

@check(
    "REM-02",
    area=Area.REMOTE_ACCESS,
    severity=Severity.MEDIUM,
    title=N_("Remote-control programs are known and wanted"),
    problem=N_("Remote-control programs are installed: make sure you know and want each one"),
    why=N_("Programs such as TeamViewer or AnyDesk let someone elsewhere see the screen and use this computer, and patient files with it. They are useful for your IT provider or your software vendor, but a forgotten one, left running with a weak or shared password, is a wide open door, and fake 'support technicians' ask victims to install them. You should know which ones are here and who uses them."),
    fix={
        WINDOWS: (
            N_("Open Settings > Apps > Installed apps and look for the programs listed here."),
            N_("For each one, ask who uses it (IT provider, software vendor) and why; uninstall those nobody needs."),
            N_("For those you keep: start them only during a support session, protect them with a strong password and two-step verification, and never give access to someone who called you unexpectedly."),
        ),
        MACOS: (
            N_("Open the Applications folder in the Finder and look for the programs listed here."),
            N_("For each one, ask who uses it (IT provider, software vendor) and why; move those nobody needs to the Bin, using the vendor's uninstaller when there is one."),
            N_("In System Settings > Privacy & Security > Screen Recording and Accessibility, remove the programs you no longer use."),
        ),
        LINUX: (
            N_("For each program listed, ask who uses it and why."),
            N_("Remove those nobody needs, for example: sudo apt remove anydesk"),
            N_("For those you keep, use a strong password and start them only during a support session."),
        ),
    },
    references=(ANSSI_REMOTE_ADMIN, ref.CNIL_MAINTENANCE, ref.CNIL_WORKSTATION),
)
def remote_control_tools(host: Host) -> Outcome:
    found: set[str] = set()  # installed
    background: set[str] = set()  # installed as a service that starts by itself: reachable at any time
    evidence: list[Evidence]
    if host.platform == WINDOWS:
        evidence = _windows_tools(host, found, background)
    elif host.platform == MACOS:
        mac_evidence = _macos_tools(host, found, background)
        if mac_evidence is None:
            return errored(N_("The folder {path} could not be read."), path="/Applications")
        evidence = mac_evidence
    else:
        evidence = _linux_tools(host, found, background)
    if background:
        return failed(
            N_("Remote-control programs run in the background and can be reached at any time: {tools}. Check who uses each one and remove those nobody needs."),
            evidence,
            tools=", ".join(sorted(found | background)),
        )
    if found:
        return warned(
            N_("Remote-control programs found: {tools}. Check who uses each one and remove those nobody needs."),
            evidence,
            tools=", ".join(sorted(found)),
        )
    return passed(N_("No known remote-control program was found."), evidence)


def _windows_tools(host: Host, found: set[str], background: set[str]) -> list[Evidence]:
    evidence: list[Evidence] = []
    # AnyDesk or TeamViewer installed for one user sit in that user's hive (not an elevating
    # administrator's HKCU: console_user.py).
    for root in (user_key(host, r) for r in _UNINSTALL_ROOTS):
        for sub in host.reg_subkeys(root):
            value = host.reg_value(rf"{root}\{sub}", "DisplayName")
            shown = str(value.value) if value is not None else sub
            tool = _tool_of(shown) or _tool_of(sub)
            if tool:
                found.add(tool)
                evidence.append(Evidence(rf"{root}\{sub}", shown))
    for sub in host.reg_subkeys(_SERVICES):
        tool = _tool_of(sub)
        if tool:
            start = reg_number(host, rf"{_SERVICES}\{sub}", "Start")
            evidence.append(Evidence(rf"{_SERVICES}\{sub}", f"service, Start={start}" if start is not None else "service"))
            (found if start == 4 else background).add(tool)
    if not evidence:
        evidence.append(Evidence("Uninstall keys (HKLM, WOW6432Node, HKCU) and services", "no remote-control program"))
    return evidence


def _macos_tools(host: Host, found: set[str], background: set[str]) -> list[Evidence] | None:
    evidence: list[Evidence] = []
    folders = ["/Applications"]
    if host.home():
        folders.append(host.home().rstrip("/") + "/Applications")
    read_apps = False
    for folder in folders:
        names = host.list_dir(folder)
        if names is None:
            continue
        read_apps = True
        hits = [name for name in names if _tool_of(name)]
        found.update(_tool_of(name) or name for name in hits)
        evidence.append(Evidence(folder, ", ".join(hits) if hits else f"{len(names)} items, no remote-control program"))
    if not read_apps:
        return None
    for folder in ("/Library/LaunchDaemons", "/Library/LaunchAgents"):
        names = host.list_dir(folder) or []
        hits = [name for name in names if _tool_of(name)]
        background.update(_tool_of(name) or name for name in hits)
        if hits:
            evidence.append(Evidence(folder, ", ".join(hits)))
    for tool, path in _MAC_EXTRA_PATHS.items():
        if host.exists(path):
            background.add(tool)
            evidence.append(Evidence(path, "present"))
    return evidence


def _linux_tools(host: Host, found: set[str], background: set[str]) -> list[Evidence]:
    evidence: list[Evidence] = []
    try:
        result = host.run(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\n"])
    except ToolMissing:
        result = None
    if result is not None and result.ok:
        for line in result.stdout.splitlines():
            package, _, status = line.partition("\t")
            tool = _tool_of(package)
            if tool and status.strip().startswith("ii"):
                found.add(tool)
                evidence.append(Evidence("dpkg-query", f"{package} installed"))
    for proc in host.processes():
        tool = _tool_of(proc.name)
        if tool:
            background.add(tool)
            evidence.append(Evidence("process", f"{proc.name} (pid {proc.pid}, user {proc.username or '?'})"))
    if not evidence:
        evidence.append(Evidence("dpkg-query and running processes", "no remote-control program"))
    return evidence


# -- REM-03 -------------------------------------------------------------------------------------

@check(
    "REM-03",
    area=Area.REMOTE_ACCESS,
    severity=Severity.MEDIUM,
    title=N_("No SSH server accepts passwords"),
    problem=N_("An SSH server accepts passwords: they can be guessed from the network"),
    why=N_("An SSH server lets someone open a command window on this computer from the network. When it accepts passwords, robots that scan networks try thousands of them, day and night; one weak password is enough to enter the computer and read every patient file on it."),
    fix={
        WINDOWS: (
            N_("If nobody connects to this computer with SSH, open Settings > System > Optional features, select 'OpenSSH Server' and click 'Uninstall'."),
            N_("If someone needs it, ask them to use SSH keys, then add the line 'PasswordAuthentication no' to C:\\ProgramData\\ssh\\sshd_config and restart the 'OpenSSH SSH Server' service."),
        ),
        MACOS: (
            N_("Open System Settings > General > Sharing."),
            N_("Turn 'Remote Login' off unless someone really connects to this Mac with SSH."),
            N_("If you keep it, ask the person to use SSH keys, then add 'PasswordAuthentication no' and 'KbdInteractiveAuthentication no' in a file under /etc/ssh/sshd_config.d/."),
        ),
        LINUX: (
            N_("If nobody connects to this computer with SSH, run: sudo systemctl disable --now ssh"),
            N_("Otherwise set up SSH keys, then write 'PasswordAuthentication no' and 'PermitRootLogin no' in /etc/ssh/sshd_config.d/50-gp-guard.conf and run: sudo systemctl reload ssh"),
        ),
    },
    references=(ANSSI_REMOTE_ADMIN, ref.CNIL_AUTH, ref.CIS_LINUX, ref.CIS_MACOS),
    settings={WINDOWS: "ms-settings:optionalfeatures", MACOS: "x-apple.systempreferences:com.apple.Sharing-Settings.extension"},
)
def ssh_password(host: Host) -> Outcome:
    return per_platform(host, _windows_ssh, _macos_ssh, _linux_ssh)


def parse_sshd_config(text: str, host: Host | None = None, base_dir: str = "/etc/ssh", depth: int = 0) -> dict[str, str]:
    """Keyword -> first value, as sshd reads it (the first occurrence wins; Include is followed
    through ``host``). ``Match`` blocks are skipped: they only narrow the settings for some users."""
    settings: dict[str, str] = {}
    in_match = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = re.split(r"[\s=]+", line, maxsplit=1)
        keyword = parts[0].lower()
        value = parts[1].strip().strip('"') if len(parts) > 1 else ""
        if keyword == "match":
            in_match = True
            continue
        if in_match:
            continue
        if keyword == "include":
            if host is not None and depth < 5:
                for path in _expand_include(host, value, base_dir):
                    sub = host.read_text(path)
                    if sub:
                        for key, val in parse_sshd_config(sub, host, base_dir, depth + 1).items():
                            settings.setdefault(key, val)
            continue
        settings.setdefault(keyword, value.lower())
    return settings


def _expand_include(host: Host, value: str, base_dir: str) -> list[str]:
    paths: list[str] = []
    for pattern in value.split():
        if not pattern.startswith("/"):
            pattern = f"{base_dir.rstrip('/')}/{pattern}"
        folder, _, name = pattern.rpartition("/")
        if any(ch in name for ch in "*?["):
            names = host.list_dir(folder) or []
            paths.extend(f"{folder}/{n}" for n in sorted(names) if fnmatch.fnmatch(n, name))
        else:
            paths.append(pattern)
    return paths


def _password_allowed(settings: dict[str, str]) -> bool:
    return settings.get("passwordauthentication", "yes") != "no"


def parse_get_service(text: str, name: str) -> str | None:
    """Status of service ``name`` in a ``Get-Service`` table (Status is never localized), or None."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].lower() == name.lower() and parts[0].isalpha():
            return parts[0]
    return None


def _windows_ssh(host: Host) -> Outcome:
    result = host.powershell(WIN_SSHD_SCRIPT)
    status = parse_get_service(result.stdout, "sshd")
    evidence = [Evidence("Get-Service sshd", status or "not installed")]
    if status is None:
        return passed(N_("No SSH server is installed."), evidence)
    text = host.read_text(WIN_SSHD_CONFIG) or ""
    settings = parse_sshd_config(text)
    evidence.append(Evidence(WIN_SSHD_CONFIG + " PasswordAuthentication", settings.get("passwordauthentication", "(absent: default yes)")))
    if status.lower() != "running":
        return warned(N_("The SSH server is installed but stopped; remove it if nobody uses it."), evidence)
    if _password_allowed(settings):
        return failed(N_("The SSH server is running and accepts passwords."), evidence)
    return passed(N_("The SSH server accepts keys only, no passwords."), evidence)


def _macos_ssh(host: Host) -> Outcome:
    result = host.run(["systemsetup", "-getremotelogin"])
    text = (result.stdout + result.stderr).strip()
    evidence = [Evidence("systemsetup -getremotelogin", text)]
    if "administrator access" in text.lower():
        return skipped(_NEEDS_ADMIN, evidence)
    match = re.search(r"Remote Login:\s*(On|Off)", text, re.I)
    if match is None:
        return warned(N_("The state of Remote Login could not be read."), evidence)
    if match.group(1).lower() == "off":
        return passed(N_("Remote Login (SSH) is off."), evidence)
    settings = parse_sshd_config(host.read_text(SSHD_CONFIG) or "", host, "/etc/ssh")
    evidence.append(Evidence(SSHD_CONFIG + " PasswordAuthentication", settings.get("passwordauthentication", "(absent: default yes)")))
    if _password_allowed(settings):
        return failed(N_("Remote Login (SSH) is on and accepts passwords."), evidence)
    return passed(N_("Remote Login (SSH) is on and accepts keys only."), evidence)


def _linux_ssh(host: Host) -> Outcome:
    binaries = [path for path in SSHD_BINARIES if host.exists(path)]
    if not binaries:
        return passed(N_("No SSH server is installed."), [Evidence("sshd", "not installed")])
    evidence = [Evidence("sshd", binaries[0])]
    settings: dict[str, str] | None = None
    if host.is_admin():
        try:
            result = host.run([binaries[0], "-T", "-f", SSHD_CONFIG])
        except (ToolMissing, NeedsAdmin):
            result = None
        if result is not None and result.ok and "passwordauthentication" in result.stdout:
            settings = {}
            for line in result.stdout.splitlines():
                key, _, value = line.strip().partition(" ")
                settings.setdefault(key.lower(), value.strip().lower())
            evidence.append(Evidence("sshd -T", f"passwordauthentication {settings.get('passwordauthentication', '?')}, "
                                     f"permitrootlogin {settings.get('permitrootlogin', '?')}"))
    if settings is None:
        try:
            text = host.read_text(SSHD_CONFIG)
        except NeedsAdmin:
            return skipped(_NEEDS_ADMIN, evidence)
        base = SSHD_CONFIG.rsplit("/", 1)[0] or "/"
        settings = parse_sshd_config(text or "", host, base)
        evidence.append(Evidence(SSHD_CONFIG, f"PasswordAuthentication {settings.get('passwordauthentication', '(absent: default yes)')}, "
                                 f"PermitRootLogin {settings.get('permitrootlogin', '(absent: default prohibit-password)')}"))
    running = any(p.name == "sshd" for p in host.processes())
    evidence.append(Evidence("sshd process", "running" if running else "not running"))
    if not running:  # socket activation (ssh.socket): systemd listens on sshd's port for it
        ports = {int(p) for p in settings.get("port", "22").split() if is_ascii_number(p)} or {22}
        try:
            listening = sorted({lst.port for lst in host.listeners() if lst.proto == "tcp" and lst.port in ports})
        except NeedsAdmin:
            listening = []
        if listening:
            running = True
            evidence.append(Evidence("tcp listeners on the SSH port", ", ".join(map(str, listening))))
    root_password = settings.get("permitrootlogin", "prohibit-password") == "yes"
    if not running:
        return passed(N_("The SSH server is installed but not running."), evidence)
    if _password_allowed(settings):
        if root_password:
            return failed(N_("The SSH server accepts passwords, even for the administrator account root."), evidence)
        return failed(N_("The SSH server accepts passwords."), evidence)
    return passed(N_("The SSH server accepts keys only, no passwords."), evidence)
