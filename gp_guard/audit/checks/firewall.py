"""Firewall checks (FW-*)."""

from __future__ import annotations

import re

from gp_guard.audit import references as ref
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, skipped, warned
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, NeedsAdmin
from gp_guard.i18n import N_

_WIN_PROFILES = {
    "DomainProfile": "DomainProfile",
    "StandardProfile": "PrivateProfile",  # the local store calls the private profile "Standard"
    "PublicProfile": "PublicProfile",
}
_WIN_LOCAL = r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy"
_WIN_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall"
SOCKETFILTERFW = "/usr/libexec/ApplicationFirewall/socketfilterfw"


@check(
    "FW-01",
    area=Area.FIREWALL,
    severity=Severity.HIGH,
    title=N_("The firewall of this computer is on"),
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
    if host.platform == WINDOWS:
        return _windows_firewall(host)
    if host.platform == MACOS:
        return _macos_firewall(host)
    return _linux_firewall(host)


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
            off.append(policy_name.replace("Profile", "").lower())
    if off:
        return failed(N_("The firewall is off for these networks: {profiles}."), evidence, profiles=", ".join(off))
    return passed(N_("The firewall is on for every network."), evidence)


def _macos_firewall(host: Host) -> Outcome:
    result = host.run([SOCKETFILTERFW, "--getglobalstate"])
    text = result.stdout.strip()
    evidence = [Evidence("socketfilterfw --getglobalstate", text)]
    match = re.search(r"State = (\d)", text)
    state = int(match.group(1)) if match else (1 if "enabled" in text.lower() else 0)
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
