"""Hardware and removable-media checks (HW-*).

HW-01 Secure Boot: Windows reads the registry value that Windows itself keeps
(``SecureBoot\\State\\UEFISecureBootEnabled``, readable without administrator rights, unlike
``Confirm-SecureBootUEFI``); Linux asks ``mokutil --sb-state`` and falls back on the
``SecureBoot-*`` EFI variable. macOS is left out on purpose: Apple silicon Macs always verify
their start-up chain (the level can only be lowered from recoveryOS), and Intel Macs with a T2
chip keep the setting in the Startup Security Utility, which no command of the running system
reports reliably. Reporting "pass" there would be a guess.

HW-02 AutoRun/AutoPlay: Windows policy values (HKLM and HKCU) and the user's AutoPlay switch;
Linux: a usb-storage block in modprobe.d, else GNOME's "never run software from media" setting.
"""

from __future__ import annotations

import re

from gp_guard.audit import references as ref
from gp_guard.audit.checks.console_user import user_key
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
from gp_guard.host import LINUX, WINDOWS, Host, HostError
from gp_guard.i18n import N_

# -- HW-01 -------------------------------------------------------------------------------------
SECUREBOOT_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\SecureBoot\State"
EFI_DIR = "/sys/firmware/efi"
EFIVARS_DIR = "/sys/firmware/efi/efivars"
SECUREBOOT_VAR = "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

MS_SECURE_BOOT = Reference(
    N_("Microsoft: Secure Boot"),
    "https://learn.microsoft.com/windows-hardware/design/device-experiences/oem-secure-boot",
)
ANSSI_UEFI = Reference(
    N_("ANSSI: configuration recommendations for GNU/Linux (UEFI Secure Boot)"),
    "https://cyber.gouv.fr/publications/recommandations-de-configuration-dun-systeme-gnulinux",
)


@check(
    "HW-01",
    area=Area.HARDWARE,
    severity=Severity.LOW,
    title=N_("Secure Boot is on"),
    problem=N_("Secure Boot is off: a harmful program could load before the system starts"),
    why=N_("Secure Boot lets the computer start only a system signed by a trusted publisher. Without it, a malicious program can slip in before Windows or Linux starts, where the antivirus cannot see it, and survive a reinstallation of the software. It is a second line of defence: the risk is low on a well-kept computer, but turning it on costs nothing."),
    fix={
        WINDOWS: (
            N_("Open Settings > System > Recovery > Advanced startup and click 'Restart now'."),
            N_("Choose Troubleshoot > Advanced options > UEFI Firmware Settings, then Restart."),
            N_("In the firmware menu (often under 'Security' or 'Boot'), set 'Secure Boot' to Enabled, save and restart."),
            N_("If the computer starts in 'Legacy' or 'CSM' mode, do not change it yourself: ask your IT provider, because switching to UEFI may require converting the disk."),
        ),
        LINUX: (
            N_("Restart the computer and open the firmware settings (usually F2, F10, F12 or Del at start-up)."),
            N_("In the 'Security' or 'Boot' menu, set 'Secure Boot' to Enabled, save and restart."),
            N_("Check the result in a terminal with: mokutil --sb-state"),
            N_("If the computer starts in 'Legacy' or 'CSM' mode, ask your IT provider before changing it."),
        ),
    },
    platforms=(WINDOWS, LINUX),
    references=(MS_SECURE_BOOT, ANSSI_UEFI, ref.CNIL_WORKSTATION, ref.CIS_WINDOWS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:recovery"},
)
def secure_boot(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        return _windows_secure_boot(host)
    return _linux_secure_boot(host)


def _windows_secure_boot(host: Host) -> Outcome:
    value = host.reg_value(SECUREBOOT_KEY, "UEFISecureBootEnabled")
    source = rf"{SECUREBOOT_KEY}\UEFISecureBootEnabled"
    if value is None:
        return warned(
            N_("Windows does not report a Secure Boot state: the computer probably starts in legacy (BIOS) mode, where Secure Boot cannot work."),
            [Evidence(source, "(absent)")],
        )
    evidence = [Evidence(source, str(value.value))]
    if value.value == 1:
        return passed(N_("Secure Boot is on."), evidence)
    if value.value == 0:
        return failed(N_("Secure Boot is off."), evidence)
    return warned(N_("Windows reports an unexpected Secure Boot state."), evidence)


def _linux_secure_boot(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    if host.has_tool("mokutil"):
        try:
            result = host.run(["mokutil", "--sb-state"])
        except HostError:
            result = None
        if result is not None:
            text = (result.stdout.strip() or result.stderr.strip())
            evidence.append(Evidence("mokutil --sb-state", text))
            state = parse_mokutil(result.stdout)
            if state is True:
                return passed(N_("Secure Boot is on."), evidence)
            if state is False:
                return failed(N_("Secure Boot is off."), evidence)
    if not host.exists(EFI_DIR):
        evidence.append(Evidence(EFI_DIR, "(absent)"))
        return warned(
            N_("This computer starts in legacy (BIOS) mode, where Secure Boot cannot work."), evidence
        )
    names = host.list_dir(EFIVARS_DIR) or []
    name = next((n for n in names if n.startswith("SecureBoot-")), None)
    if name is None:
        evidence.append(Evidence(f"{EFIVARS_DIR}/{SECUREBOOT_VAR}", "(absent)"))
        return warned(N_("The firmware does not report a Secure Boot state."), evidence)
    path = f"{EFIVARS_DIR}/{name}"
    state = parse_efivar(host.read_text(path))
    evidence.append(Evidence(path, {True: "1", False: "0", None: "(unreadable)"}[state]))
    if state is True:
        return passed(N_("Secure Boot is on."), evidence)
    if state is False:
        return failed(N_("Secure Boot is off."), evidence)
    return warned(N_("The firmware does not report a Secure Boot state."), evidence)


def parse_mokutil(text: str) -> bool | None:
    """``SecureBoot enabled`` -> True, ``SecureBoot disabled`` -> False, anything else -> None."""
    match = re.search(r"^SecureBoot (enabled|disabled)\s*$", text or "", re.M | re.I)
    if not match:
        return None
    return match.group(1).lower() == "enabled"


def parse_efivar(content: str | None) -> bool | None:
    """An efivarfs file: 4 bytes of attributes, then the value (1 byte for SecureBoot)."""
    if content is None or len(content) != 5:
        return None
    byte = ord(content[4])
    return {1: True, 0: False}.get(byte)


# -- HW-02 -------------------------------------------------------------------------------------
EXPLORER_POLICY_KEYS = (
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\Explorer",
    r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\Explorer",
)
AUTOPLAY_KEY = r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\Explorer\AutoplayHandlers"
MODPROBE_DIRS = ("/etc/modprobe.d",)
GNOME_MEDIA = "org.gnome.desktop.media-handling"

_USB_BLOCK = re.compile(
    r"^\s*(?:blacklist\s+usb[-_]storage\b|install\s+usb[-_]storage\s+(?:/usr)?/bin/(?:true|false)\b)",
    re.M,
)


@check(
    "HW-02",
    area=Area.HARDWARE,
    severity=Severity.MEDIUM,
    title=N_("USB keys and discs do not start anything on their own"),
    problem=N_("USB keys and discs can start programs on their own"),
    why=N_("When AutoPlay is on, plugging in a USB key, a patient's CD of images or a supplier's disc can open it and offer to run a program in one click. An infected key then spreads malware to the computer that holds your patient records. With AutoPlay off, nothing happens until you choose to open the files yourself."),
    fix={
        WINDOWS: (
            N_("Open Settings > Bluetooth & devices > AutoPlay."),
            N_("Turn off 'Use AutoPlay for all media and devices'."),
            N_("Under 'Removable drive' and 'Memory card', choose 'Take no action'."),
            N_("On a Pro edition, your IT provider can also enforce it: Group Policy > Administrative Templates > Windows Components > AutoPlay Policies > 'Turn off AutoPlay' = Enabled, 'All drives'."),
        ),
        LINUX: (
            N_("Open Settings > Removable Media (GNOME) and tick 'Never prompt or start programs on media insertion'."),
            N_("Or in a terminal: gsettings set org.gnome.desktop.media-handling autorun-never true"),
            N_("If this computer never needs USB keys, your IT provider can block them: echo 'install usb-storage /bin/false' | sudo tee /etc/modprobe.d/usb-storage.conf"),
        ),
    },
    platforms=(WINDOWS, LINUX),
    references=(ref.CNIL_WORKSTATION, ref.CIS_WINDOWS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:autoplay"},
)
def autoplay_off(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        return _windows_autoplay(host)
    return _linux_autoplay(host)




def _windows_autoplay(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    policy_off = False
    # The daily user's hive: HKCU is the administrator's when the audit runs elevated (console_user.py).
    for key in (user_key(host, k) for k in EXPLORER_POLICY_KEYS):
        for name in ("NoDriveTypeAutoRun", "NoAutorun"):
            value = host.reg_value(key, name)
            evidence.append(Evidence(rf"{key}\{name}", "(absent)" if value is None else _show(value.value)))
            number = as_number(value.value) if value is not None else None
            if name == "NoDriveTypeAutoRun" and number is not None and number & 0xFF == 0xFF:
                policy_off = True
    autoplay = user_key(host, AUTOPLAY_KEY)
    user = host.reg_value(autoplay, "DisableAutoplay")
    evidence.append(Evidence(rf"{autoplay}\DisableAutoplay", "(absent)" if user is None else _show(user.value)))
    user_off = user is not None and as_number(user.value) == 1
    if policy_off:
        return passed(N_("AutoPlay is turned off for every kind of drive by a policy."), evidence)
    if user_off:
        return passed(N_("AutoPlay is turned off in this user's settings."), evidence)
    return failed(N_("AutoPlay is on: inserting a USB key or a disc can offer to run a program."), evidence)


def _show(value: object) -> str:
    return f"0x{value:x}" if isinstance(value, int) else str(value)


def _linux_autoplay(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    for folder in MODPROBE_DIRS:
        for name in host.list_dir(folder) or []:
            if not name.endswith(".conf"):
                continue
            path = f"{folder}/{name}"
            text = host.read_text(path) or ""
            match = _USB_BLOCK.search(text)
            if match:
                evidence.append(Evidence(path, match.group(0).strip()))
                return passed(N_("USB storage is blocked on this computer."), evidence)
    if host.has_tool("gsettings"):
        never = host.run(["gsettings", "get", GNOME_MEDIA, "autorun-never"])
        if never.ok and never.stdout.strip() in ("true", "false"):
            evidence.append(Evidence(f"gsettings get {GNOME_MEDIA} autorun-never", never.stdout.strip()))
            mount = host.run(["gsettings", "get", GNOME_MEDIA, "automount-open"])
            if mount.ok and mount.stdout.strip():
                evidence.append(Evidence(f"gsettings get {GNOME_MEDIA} automount-open", mount.stdout.strip()))
            if never.stdout.strip() == "true":
                return passed(N_("The desktop never starts programs from inserted media."), evidence)
            return failed(N_("The desktop may offer to start programs from inserted media."), evidence)
        evidence.append(Evidence(f"gsettings get {GNOME_MEDIA} autorun-never", (never.stderr or never.stdout).strip() or f"rc={never.returncode}"))
    else:
        evidence.append(Evidence("gsettings", "(not installed)"))
    return passed(
        N_("No desktop that starts programs from inserted media was found on this computer."), evidence
    )
