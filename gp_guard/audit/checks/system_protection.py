"""System protection (ACC-07): UAC on Windows; SIP and Gatekeeper on macOS.

Windows reads the UAC values in the registry (never localized); macOS reads ``csrutil status`` and
``spctl --status``, whose output is English on every system language. Linux has no equivalent
single switch, so the check does not run there.
"""

from __future__ import annotations

import re

from gp_guard.audit import references as ref
from gp_guard.audit.checks.parsing import as_number
from gp_guard.audit.model import (
    Area,
    Evidence,
    Outcome,
    Reference,
    Severity,
    failed,
    passed,
    warned,
)
from gp_guard.audit.registry import check
from gp_guard.host import MACOS, WINDOWS, Host
from gp_guard.i18n import N_

POLICIES_SYSTEM = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
CIS_UAC = Reference(N_("CIS Microsoft Windows benchmark: User Account Control settings"), ref.CIS)
CIS_SIP = Reference(N_("CIS Apple macOS benchmark: System Integrity Protection and Gatekeeper enabled"), ref.CIS)

# ConsentPromptBehaviorAdmin: 0 = elevate without asking (UAC in name only)
_CONSENT_LABELS = {
    0: "elevate without prompting",
    1: "ask for credentials on the secure desktop",
    2: "ask for consent on the secure desktop",
    3: "ask for credentials",
    4: "ask for consent",
    5: "ask for consent for non-Windows programs, the default",
}


@check(
    "ACC-07",
    area=Area.ACCOUNTS,
    severity=Severity.MEDIUM,
    title=N_("The system asks before a program changes it"),
    problem=N_("Programs can change the system without asking you first"),
    why=N_("Windows (User Account Control) and macOS (System Integrity Protection and Gatekeeper) stop a program from modifying the system, or from running when it comes from an unknown source, without your explicit agreement. Turned off, a malicious attachment opened by mistake can install itself deeply and silently, switch off the antivirus and reach every patient file."),
    fix={
        WINDOWS: (
            N_("Open the Start menu, type UAC and open 'Change User Account Control settings'."),
            N_("Set the slider to the second notch from the top ('Notify me only when apps try to make changes to my computer', the default) or higher, then click OK."),
            N_("Restart the computer: User Account Control only comes back on after a restart."),
        ),
        MACOS: (
            N_("Gatekeeper: open System Settings > Privacy & Security and, under 'Allow applications from', choose 'App Store and identified developers'."),
            N_("System Integrity Protection: restart the Mac into Recovery (hold the power button on Apple silicon, Command + R on Intel), open Utilities > Terminal, type: csrutil enable, then restart."),
            N_("If a program asked you to turn one of these protections off, ask your IT provider before turning it back on."),
        ),
    },
    platforms=(WINDOWS, MACOS),
    references=(ref.CNIL_WORKSTATION, ref.ANSSI_ADMIN, CIS_UAC, CIS_SIP),
    settings={
        MACOS: "x-apple.systempreferences:com.apple.settings.PrivacySecurity.extension",
    },
)
def system_protection_on(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        return _windows_uac(host)
    return _macos_protection(host)




def _windows_uac(host: Host) -> Outcome:
    values: dict[str, int | None] = {}
    evidence: list[Evidence] = []
    defaults = {"EnableLUA": 1, "ConsentPromptBehaviorAdmin": 5, "PromptOnSecureDesktop": 1}
    for name, default in defaults.items():
        reg = host.reg_value(POLICIES_SYSTEM, name)
        if reg is None:
            values[name] = default
            evidence.append(Evidence(rf"{POLICIES_SYSTEM}\{name}", f"absent (Windows default {default})"))
        else:
            number = values[name] = as_number(reg.value)
            label = _CONSENT_LABELS.get(number, "") if name == "ConsentPromptBehaviorAdmin" and number is not None else ""
            shown = reg.value.hex() if isinstance(reg.value, bytes) else str(reg.value)
            evidence.append(Evidence(rf"{POLICIES_SYSTEM}\{name}", f"{shown} ({label})" if label else shown))
    if values["EnableLUA"] == 0:
        return failed(N_("User Account Control is off: every program runs with full rights."), evidence)
    if values["ConsentPromptBehaviorAdmin"] == 0:
        return failed(N_("User Account Control never asks: programs get administrator rights without your agreement."), evidence)
    if values["EnableLUA"] != 1 or values["ConsentPromptBehaviorAdmin"] not in _CONSENT_LABELS:
        return warned(N_("User Account Control has an unusual setting; ask your IT provider to check it."), evidence)
    return passed(N_("User Account Control is on and asks before a program changes the system."), evidence)


def parse_csrutil(text: str) -> bool | None:
    match = re.search(r"System Integrity Protection status:\s*(enabled|disabled)", text, re.I)
    if not match:
        return None
    # "enabled (Custom Configuration)" with parts switched off is not the full protection.
    if match.group(1).lower() == "enabled" and "custom configuration" not in text.lower():
        return True
    return False


def parse_spctl(text: str) -> bool | None:
    match = re.search(r"assessments (enabled|disabled)", text, re.I)
    return None if not match else match.group(1).lower() == "enabled"


def _macos_protection(host: Host) -> Outcome:
    sip_result = host.run(["csrutil", "status"])
    sip_text = (sip_result.stdout + sip_result.stderr).strip()
    gk_result = host.run(["spctl", "--status"])
    gk_text = (gk_result.stdout + gk_result.stderr).strip()
    evidence = [
        Evidence("csrutil status", sip_text.splitlines()[0] if sip_text else f"rc {sip_result.returncode}"),
        Evidence("spctl --status", gk_text.splitlines()[0] if gk_text else f"rc {gk_result.returncode}"),
    ]
    sip, gatekeeper = parse_csrutil(sip_text), parse_spctl(gk_text)
    off = []
    if sip is False:
        off.append("System Integrity Protection")
    if gatekeeper is False:
        off.append("Gatekeeper")
    if off:
        return failed(N_("These macOS protections are off: {protections}."), evidence, protections=", ".join(off))
    if sip is None or gatekeeper is None:
        return warned(N_("The state of the macOS protections could not be read."), evidence)
    return passed(N_("System Integrity Protection and Gatekeeper are on."), evidence)
