"""Firewall checks (FW-*)."""

from __future__ import annotations

import re

from gp_guard.audit import references as ref
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, skipped, warned
from gp_guard.audit.ports import SERVICE_NAMES
from gp_guard.audit.registry import check, per_platform
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, NeedsAdmin
from gp_guard.i18n import N_, LazyList

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
    match = re.search(r"State = (\d)", text)
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
# Programs that serve patient data or remote control: allowed through the macOS firewall they
# accept connections from any device (the macOS firewall filters by program, not by port).
RISKY_MAC_APPS = (
    "horos", "osirix", "orthanc", "dgate", "conquest", "teamviewer", "anydesk", "rustdesk",
    "vnc", "filezilla", "pure-ftpd", "vsftpd", "mysqld", "mariadb", "postgres", "firebird",
    "fbserver", "ardagent",
)
_WIN_RULES_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules"


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
            N_("Click 'Inbound Rules', sort by 'Local Port', and find the rules listed below."),
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
        if len(bounds) == 1 and bounds[0].isdigit():
            found.add(int(bounds[0]))
        elif len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            found.update(p for p in RISKY_PORTS if low <= p <= high)
    return found


def parse_windows_rule(text: str) -> dict[str, list[str]]:
    """'v2.30|Action=Allow|Dir=In|LPort=3389|...' -> {'action': ['Allow'], 'lport': ['3389'], ...}."""
    fields: dict[str, list[str]] = {}
    for part in text.split("|"):
        name, eq, value = part.partition("=")
        if eq:
            fields.setdefault(name.strip().lower(), []).append(value.strip())
    return fields


def _windows_risky_rules(host: Host) -> Outcome:
    result = host.run(["reg", "query", _WIN_RULES_KEY])
    if not result.ok:
        detail = (result.stderr or result.stdout).strip()
        if re.search(r"denied|refus", detail, re.I):
            raise NeedsAdmin(_WIN_RULES_KEY)
        return passed(N_("No firewall rule lets any device reach a risky service."),
                      [Evidence(f"reg query {_WIN_RULES_KEY}", detail or "no rules")])
    values = parse_reg_sz_values(result.stdout)
    open_rules: list[str] = []
    evidence: list[Evidence] = []
    inbound_allow = 0
    for name, value in values.items():
        rule = parse_windows_rule(value)
        if not (_first(rule, "action").lower() == "allow" and _first(rule, "dir").lower() == "in"
                and _first(rule, "active").upper() == "TRUE"):
            continue
        inbound_allow += 1
        ports = set().union(*(_ports_in(p) for p in rule.get("lport", []) + rule.get("lport2_10", [])))
        risky = sorted(ports & RISKY_PORTS.keys())
        if not risky:
            continue
        remote = [a for a in rule.get("ra4", []) + rule.get("ra6", []) if a not in ("*", "Any")]
        label = _first(rule, "name")
        label = name if not label or label.startswith("@") else label
        ports_text = ", ".join(f"{p} ({RISKY_PORTS[p]})" for p in risky)
        evidence.append(Evidence(rf"{_WIN_RULES_KEY}\{name}", value))
        if remote:
            continue  # limited to some addresses: a deliberate, narrower opening
        open_rules.append(f"{label}: {ports_text}")
    evidence.insert(0, Evidence(f"reg query {_WIN_RULES_KEY}", f"{inbound_allow} active inbound allow rules"))
    return _risky_result(open_rules, evidence)


def parse_reg_sz_values(text: str) -> dict[str, str]:
    """String values of a ``reg query KEY`` output (names keep their case): {name: data}."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^ {4}(.*?) {4}REG_(?:EXPAND_)?SZ {4}(.*)$", line.rstrip("\r"))
        if match:
            values[match.group(1)] = match.group(2)
    return values


def _first(rule: dict[str, list[str]], name: str) -> str:
    values = rule.get(name)
    return values[0] if values else ""


def parse_listapps(text: str) -> list[tuple[str, bool]]:
    """``socketfilterfw --listapps``: [(program path, incoming allowed)]."""
    apps: list[tuple[str, bool]] = []
    current: str | None = None
    for line in text.splitlines():
        match = re.match(r"^\s*\d+\s*:\s*(.+?)\s*(\(\s*(Allow|Block) incoming connections\s*\))?\s*$", line)
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
    risky = [p for p in allowed if any(name in p.lower() for name in RISKY_MAC_APPS)]
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
