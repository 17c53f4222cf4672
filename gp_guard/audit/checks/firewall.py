"""Firewall checks (FW-*)."""

from __future__ import annotations

import json
import re

from gp_guard.audit import references as ref
from gp_guard.audit.checks.parsing import is_ascii_number, json_objects
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
from gp_guard.audit.ports import SERVICE_NAMES
from gp_guard.audit.registry import check, per_platform
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, NeedsAdmin
from gp_guard.i18n import N_, LazyList, _

_WIN_PROFILES = {
    "DomainProfile": "DomainProfile",
    "StandardProfile": "PrivateProfile",  # the local store calls the private profile "Standard"
    "PublicProfile": "PublicProfile",
}
_PROFILE_LABELS = {"DomainProfile": N_("domain"), "PrivateProfile": N_("private"), "PublicProfile": N_("public")}


_WIN_LOCAL = r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy"
_WIN_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall"
SOCKETFILTERFW = "/usr/libexec/ApplicationFirewall/socketfilterfw"


@check(
    "FW-01",
    area=Area.FIREWALL,
    severity=Severity.HIGH,
    title=N_("The firewall of this computer is on"),
    problem=N_("The firewall of this computer is off: other devices on the network can reach its services"),
    why=N_("The firewall blocks connections that other computers try to open to this one. Without it, any program that listens on the network (imaging software, file sharing, remote access) can be reached by every device on the practice's network, and from the internet if the box forwards a port."),
    fix={
        WINDOWS: (
            N_("Open Settings > Privacy & security > Windows Security > Firewall & network protection."),
            N_("For each network (domain, private, public), click it and turn 'Microsoft Defender Firewall' on."),
            N_("If an antivirus suite manages the firewall, open that suite and turn its firewall on instead."),
        ),
        MACOS: (
            N_("Open System Settings > Network > Firewall."),
            N_("Turn the firewall on."),
            N_("In Options, leave 'Block all incoming connections' off unless your IT provider advises it, and allow only the programs you know."),
        ),
        LINUX: (
            N_("Open a terminal and run: sudo ufw enable"),
            N_("Allow only what the practice needs, for example: sudo ufw allow from 192.168.1.0/24 to any port 4242"),
            N_("Check the result with: sudo ufw status verbose"),
        ),
    },
    references=(ref.ANSSI_FIREWALL, ref.CNIL_NETWORK, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CASE_2020),
    settings={WINDOWS: "windowsdefender://network", MACOS: "x-apple.systempreferences:com.apple.Network-Settings.extension?Firewall"},
    cnil_case="2020-imaging",
)
def firewall_on(host: Host) -> Outcome:
    return per_platform(host, _windows_firewall, _macos_firewall, _linux_firewall)


def _windows_firewall(host: Host) -> Outcome:
    off: list[str] = []
    evidence: list[Evidence] = []
    for local_name, policy_name in _WIN_PROFILES.items():
        policy = host.reg_value(rf"{_WIN_POLICY}\{policy_name}", "EnableFirewall")
        local = host.reg_value(rf"{_WIN_LOCAL}\{local_name}", "EnableFirewall")
        if policy is not None:  # a group policy wins over the local setting
            value, source = policy.value, rf"{_WIN_POLICY}\{policy_name}\EnableFirewall"
        elif local is not None:
            value, source = local.value, rf"{_WIN_LOCAL}\{local_name}\EnableFirewall"
        else:
            value, source = 1, rf"{_WIN_LOCAL}\{local_name}\EnableFirewall (absent: Windows default on)"
        evidence.append(Evidence(source, str(value)))
        if value != 1:
            off.append(_PROFILE_LABELS[policy_name])
    if off:
        return failed(N_("The firewall is off for these networks: {profiles}."), evidence, profiles=LazyList(off))
    return passed(N_("The firewall is on for every network."), evidence)


def _macos_firewall(host: Host) -> Outcome:
    result = host.run([SOCKETFILTERFW, "--getglobalstate"])
    text = result.stdout.strip()
    evidence = [Evidence("socketfilterfw --getglobalstate", text)]
    match = re.search(r"State = ([0-9])", text)
    if match:
        state = int(match.group(1))
    elif "disabled" in text.lower():
        state = 0
    elif "enabled" in text.lower():
        state = 1
    else:
        return warned(N_("The firewall state could not be understood."), evidence)
    if state >= 1:
        return passed(N_("The firewall is on."), evidence)
    return failed(N_("The firewall is off."), evidence)


def _linux_firewall(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    if host.has_tool("ufw"):
        try:
            result = host.run(["ufw", "status"])
        except NeedsAdmin:
            result = None
        if result is not None and result.ok:
            text = result.stdout.strip()
            evidence.append(Evidence("ufw status", text.splitlines()[0] if text else ""))
            if re.search(r"Status:\s*active", text):
                return passed(N_("The firewall (ufw) is on."), evidence)
    if host.has_tool("firewall-cmd"):
        result = host.run(["firewall-cmd", "--state"])
        evidence.append(Evidence("firewall-cmd --state", result.stdout.strip() or result.stderr.strip()))
        if result.stdout.strip() == "running":
            return passed(N_("The firewall (firewalld) is on."), evidence)
    if host.has_tool("nft"):
        result = host.run(["nft", "list", "ruleset"])
        if not result.ok and "Operation not permitted" in result.stderr:
            return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."), evidence)
        if result.ok:
            dropping = _nft_input_drops(result.stdout)
            evidence.append(Evidence("nft list ruleset", "input chain filters: yes" if dropping else "no filtering input chain"))
            if dropping:
                return passed(N_("The firewall (nftables) filters incoming connections."), evidence)
    if not host.is_admin() and not evidence:
        return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."))
    if not evidence:
        return warned(N_("No firewall tool (ufw, firewalld, nftables) was found on this computer."))
    return failed(N_("No firewall filters incoming connections."), evidence)


def _nft_input_drops(ruleset: str) -> bool:
    """True when some input-hook chain has a drop policy or drop/reject rules."""
    for chain in re.finditer(r"chain \S+ \{(.*?)\n\s*\}", ruleset, re.S):
        body = chain.group(1)
        if "hook input" in body and (re.search(r"policy drop", body) or re.search(r"\b(drop|reject)\b", body)):
            return True
    return False


# -- FW-02: inbound allow rules for risky ports -------------------------------------------------

# Ports of services that must never be open to anyone: file transfer, DICOM (imaging), imaging web
# servers, remote control, Windows file sharing and databases (catalogue NET-02).
# Ports of services that must never be open to anyone (one list for all checks: ports.py), with the
# short technical name shown in evidence and messages.
RISKY_PORTS = SERVICE_NAMES
# Programs that serve patient data or remote control: allowed through the macOS firewall (which
# filters by program, not by port), or by a Windows program rule with no port, they accept
# connections from any device.
RISKY_PROGRAMS = (
    "horos", "osirix", "orthanc", "dgate", "conquest", "teamviewer", "anydesk", "rustdesk",
    "vnc", "filezilla", "pure-ftpd", "vsftpd", "mysqld", "mariadb", "postgres", "firebird",
    "fbserver", "ardagent",
)
# The rules in force (ActiveStore: local rules, Group Policy and MDM ones, Windows' own), each with
# its port, program and address filters. The filters are read once each and joined on the rule's
# InstanceID: piping every rule to Get-NetFirewall*Filter takes tens of seconds on 400 rules.
ACTIVE_RULES_SCRIPT = (
    "$r = @(Get-NetFirewallRule -PolicyStore ActiveStore -Enabled True -Direction Inbound -Action Allow); "
    "$p = @{}; Get-NetFirewallPortFilter -PolicyStore ActiveStore | ForEach-Object { $p[$_.InstanceID] = $_ }; "
    "$a = @{}; Get-NetFirewallApplicationFilter -PolicyStore ActiveStore | ForEach-Object { $a[$_.InstanceID] = $_ }; "
    "$d = @{}; Get-NetFirewallAddressFilter -PolicyStore ActiveStore | ForEach-Object { $d[$_.InstanceID] = $_ }; "
    "ConvertTo-Json -Depth 3 -Compress -InputObject @($r | ForEach-Object { $i = $_.InstanceID; [pscustomobject]@{"
    "Name = $_.Name; DisplayName = $_.DisplayName; Protocol = [string]$p[$i].Protocol; LocalPort = @($p[$i].LocalPort); "
    "Program = [string]$a[$i].Program; Service = [string]$a[$i].Service; RemoteAddress = @($d[$i].RemoteAddress)} })"
)
ACTIVE_RULES_SOURCE = "Get-NetFirewallRule -PolicyStore ActiveStore -Enabled True -Direction Inbound -Action Allow"


@check(
    "FW-02",
    area=Area.FIREWALL,
    severity=Severity.MEDIUM,
    title=N_("The firewall does not let anyone reach risky services"),
    problem=N_("The firewall lets other devices reach risky services"),
    why=N_("A firewall rule that allows incoming connections to imaging (DICOM), file transfer (FTP), file sharing, remote control or database services opens a door in the wall: every device on the network, and the internet if the box forwards the port, can knock on it. In 2020 the CNIL fined two doctors whose X-ray images could be reached this way."),
    fix={
        WINDOWS: (
            N_("Open Settings > Privacy & security > Windows Security > Firewall & network protection > Advanced settings."),
            N_("Click 'Inbound Rules', sort by 'Name', and find the rules listed below. A rule that Windows made when someone clicked 'Allow access' carries the program's name (for example orthanc.exe) and opens all its ports."),
            N_("For each one you do not need, right-click it and choose 'Disable Rule'. For one you need, open 'Properties > Scope' and allow only the addresses of the practice's devices."),
        ),
        MACOS: (
            N_("Open System Settings > Network > Firewall > Options."),
            N_("For each program listed below, choose 'Block incoming connections', unless your IT provider needs it; then ask them to restrict it to the practice's network."),
        ),
        LINUX: (
            N_("List the rules with: sudo ufw status numbered (or: sudo nft list ruleset)"),
            N_("Delete a rule you do not need with: sudo ufw delete NUMBER"),
            N_("Allow a needed service only from the practice's network, for example: sudo ufw allow from 192.168.1.0/24 to any port 4242"),
        ),
    },
    references=(ref.ANSSI_FIREWALL, ref.CNIL_NETWORK, ref.CIS_WINDOWS, ref.CASE_2020),
    settings={WINDOWS: "windowsdefender://network", MACOS: "x-apple.systempreferences:com.apple.Network-Settings.extension?Firewall"},
    cnil_case="2020-imaging",
    timeout=60.0,  # the rules and their filters of a PC with 400 rules take a few seconds, more on a slow one
)
def no_risky_allow_rules(host: Host) -> Outcome:
    return per_platform(host, _windows_risky_rules, _macos_risky_apps, _linux_risky_rules)


def _risky_result(open_rules: list[str], evidence: list[Evidence]) -> Outcome:
    if open_rules:
        return failed(
            N_("These firewall rules let any device reach a risky service: {rules}."),
            evidence,
            rules="; ".join(open_rules),
        )
    return passed(N_("No firewall rule lets any device reach a risky service."), evidence)


def _ports_in(spec: str) -> set[int]:
    """Ports named by '3389', '4000-4300', '22,445' or '{ 22, 4242 }'; keywords are ignored."""
    found: set[int] = set()
    for part in re.split(r"[,\s{}]+", spec):
        bounds = part.split("-")
        if len(bounds) == 1 and is_ascii_number(bounds[0]):
            found.add(int(bounds[0]))
        elif len(bounds) == 2 and is_ascii_number(bounds[0]) and is_ascii_number(bounds[1]):
            low, high = int(bounds[0]), int(bounds[1])
            found.update(p for p in RISKY_PORTS if low <= p <= high)
    return found


def parse_active_rules(text: str) -> list[dict[str, object]] | None:
    """The JSON list ``ACTIVE_RULES_SCRIPT`` prints; None when the output is not that list."""
    return json_objects(text)


def _texts(value: object) -> list[str]:
    """A filter field as a list of texts: "3389", ["80", "443"] or null."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in items if isinstance(item, (str, int)) and str(item).strip()]


def _is_any(values: list[str]) -> bool:
    return not values or any(v.lower() in ("any", "*") for v in values)


def risky_rule(rule: dict[str, object]) -> str | None:
    """What an enabled inbound allow rule opens to any address, when it is risky: risky ports,
    every port of a program that serves patient data or remote control (the rule Windows writes
    when someone clicks 'Allow access' names the program, no port), or every port of the
    computer; None otherwise (harmless ports, or limited to some addresses)."""
    remote = _texts(rule.get("RemoteAddress"))
    if not _is_any(remote):
        return None  # limited to some addresses: a deliberate, narrower opening
    protocol = str(rule.get("Protocol") or "Any").strip().lower()
    if protocol not in ("any", "tcp", "udp", "6", "17"):
        return None  # ICMP and other protocols have no ports
    ports = _texts(rule.get("LocalPort"))
    risky = sorted(set().union(*(_ports_in(p) for p in ports)) & RISKY_PORTS.keys())
    if risky:
        return ", ".join(f"{p} ({RISKY_PORTS[p]})" for p in risky)
    if not _is_any(ports):
        return None
    program = str(rule.get("Program") or "Any").strip()
    service = str(rule.get("Service") or "Any").strip()
    name = program.replace("/", "\\").rsplit("\\", 1)[-1].lower()
    if any(app in name for app in RISKY_PROGRAMS):
        return _("every port of {program}").format(program=program)
    if program.lower() in ("any", "") and service.lower() in ("any", ""):
        return _("every port of this computer")
    return None


def _windows_risky_rules(host: Host) -> Outcome:
    result = host.powershell(ACTIVE_RULES_SCRIPT, timeout=50)
    rules = parse_active_rules(result.stdout) if result.ok else None
    if rules is None:
        detail = (result.stderr or result.stdout).strip()
        if re.search(r"denied|refus", detail, re.I):
            raise NeedsAdmin("Get-NetFirewallRule -PolicyStore ActiveStore")
        return errored(N_("The firewall rules could not be read: {detail}"),
                       detail=detail[:200] or f"exit code {result.returncode}")
    open_rules: list[str] = []
    evidence = [Evidence(ACTIVE_RULES_SOURCE, f"{len(rules)} enabled inbound allow rules")]
    for rule in rules:
        opening = risky_rule(rule)
        if opening is None:
            continue
        label = str(rule.get("DisplayName") or rule.get("Name") or "?")
        evidence.append(Evidence(f"{ACTIVE_RULES_SOURCE}: {rule.get('Name') or label}", json.dumps(rule, ensure_ascii=False)))
        if f"{label}: {opening}" not in open_rules:  # the TCP and UDP rules of one program say it once
            open_rules.append(f"{label}: {opening}")
    return _risky_result(open_rules, evidence)


def parse_listapps(text: str) -> list[tuple[str, bool]]:
    """``socketfilterfw --listapps``: [(program path, incoming allowed)]."""
    apps: list[tuple[str, bool]] = []
    current: str | None = None
    for line in text.splitlines():
        match = re.match(r"^\s*[0-9]+\s*:\s*(.+?)\s*(\(\s*(Allow|Block) incoming connections\s*\))?\s*$", line)
        if match:
            if current is not None:
                apps.append((current, True))  # no verdict line: a listed program is allowed
            current = match.group(1)
            if match.group(3):
                apps.append((current, match.group(3) == "Allow"))
                current = None
            continue
        verdict = re.search(r"\(\s*(Allow|Block) incoming connections\s*\)", line)
        if verdict and current is not None:
            apps.append((current, verdict.group(1) == "Allow"))
            current = None
    if current is not None:
        apps.append((current, True))
    return apps


def _macos_risky_apps(host: Host) -> Outcome:
    result = host.run([SOCKETFILTERFW, "--listapps"])
    apps = parse_listapps(result.stdout)
    allowed = [path for path, allow in apps if allow]
    evidence = [Evidence("socketfilterfw --listapps", f"{len(apps)} programs listed, {len(allowed)} allowed")]
    risky = [p for p in allowed if any(name in p.lower() for name in RISKY_PROGRAMS)]
    evidence += [Evidence("socketfilterfw --listapps", f"{p} ( Allow incoming connections )") for p in risky]
    return _risky_result(risky, evidence)


_UFW_RULE = re.compile(r"^(?P<to>\S+(?: \(v6\))?)\s+(?P<action>ALLOW|DENY|REJECT|LIMIT)(?: IN)?\s+(?P<src>.+?)\s*$")


def parse_ufw_rules(text: str) -> list[tuple[str, str, str]]:
    """``ufw status``: [(to, action, from)] for each rule line."""
    rules = []
    for line in text.splitlines():
        match = _UFW_RULE.match(line.strip())
        if match and not line.startswith("To"):
            rules.append((match.group("to"), match.group("action"), match.group("src")))
    return rules


def _linux_risky_rules(host: Host) -> Outcome:
    if host.has_tool("ufw"):
        result = host.run(["ufw", "status"])
        text = result.stdout
        if result.ok and re.search(r"Status:\s*active", text):
            open_rules = []
            evidence = [Evidence("ufw status", text.splitlines()[0].strip())]
            for to, action, src in parse_ufw_rules(text):
                port_spec = to.split("/")[0].split(" ")[0]
                risky = sorted(_ports_in(port_spec.replace(":", "-")) & RISKY_PORTS.keys())
                if action in ("ALLOW", "LIMIT") and risky:
                    line = f"{to} {action} {src}"
                    evidence.append(Evidence("ufw status", line))
                    if src.startswith("Anywhere"):
                        open_rules.append(line)
            return _risky_result(open_rules, evidence)
        if not result.ok and not host.is_admin():
            raise NeedsAdmin("ufw status")
    if host.has_tool("nft"):
        result = host.run(["nft", "list", "ruleset"])
        if not result.ok and "Operation not permitted" in result.stderr:
            raise NeedsAdmin("nft list ruleset")
        if result.ok and _nft_input_drops(result.stdout):
            open_rules, evidence = _nft_risky_accepts(result.stdout)
            return _risky_result(open_rules, [Evidence("nft list ruleset", "input chain filters: yes"), *evidence])
    return skipped(N_("No firewall filters incoming connections on this computer, so there are no rules to review (see FW-01)."))


def _nft_risky_accepts(ruleset: str) -> tuple[list[str], list[Evidence]]:
    open_rules: list[str] = []
    evidence: list[Evidence] = []
    for chain in re.finditer(r"chain \S+ \{(.*?)\n\s*\}", ruleset, re.S):
        body = chain.group(1)
        if "hook input" not in body:
            continue
        for line in body.splitlines():
            line = line.strip()
            match = re.search(r"dport (\{[^}]*\}|\S+)", line)
            if not match or not re.search(r"\baccept\b", line):
                continue
            risky = sorted(_ports_in(match.group(1)) & RISKY_PORTS.keys())
            if not risky:
                continue
            evidence.append(Evidence("nft list ruleset", line))
            if not re.search(r"\b(saddr|iifname|iif)\b", line):
                open_rules.append(line)
    return open_rules, evidence
