"""Clock check (TIME-01): the computer sets its time from the network.

Windows: the Windows Time service's start type and client type straight from the registry
(``Services\\W32Time\\Start`` and ``Parameters\\Type``), never the localized ``w32tm`` text.
macOS: ``systemsetup -getusingnetworktime``. Linux: ``timedatectl show``; where systemd does
not run (containers, some small systems), a running time daemon is looked for instead.
"""

from __future__ import annotations

from gp_guard.audit import references as ref
from gp_guard.audit.model import (
    Area,
    Evidence,
    Outcome,
    Reference,
    Severity,
    failed,
    passed,
    skipped,
    warned,
)
from gp_guard.audit.registry import check, per_platform
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError
from gp_guard.i18n import N_

W32TIME_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\W32Time"
W32TIME_PARAMS = W32TIME_KEY + r"\Parameters"
SYSTEMSETUP = "/usr/sbin/systemsetup"
TIME_DAEMONS = ("systemd-timesyncd", "chronyd", "ntpd", "openntpd", "timesyncd")

_START_NAMES = {0: "boot", 1: "system", 2: "automatic", 3: "manual (trigger start)", 4: "disabled"}
_SYNC_TYPES = ("NTP", "NT5DS", "ALLSYNC")

MS_W32TIME = Reference(
    N_("Microsoft: Windows Time service settings"),
    "https://learn.microsoft.com/windows-server/networking/windows-time-service/windows-time-service-tools-and-settings",
)


@check(
    "TIME-01",
    area=Area.TIME,
    severity=Severity.LOW,
    title=N_("The clock sets itself from the internet"),
    problem=N_("The clock does not set itself: dates in records and logs may be wrong"),
    why=N_("Every record, log and e-mail is dated by this computer's clock. A clock that drifts makes it hard to rebuild what happened after an incident (which was opened, when, in which order), weakens the proof you can give the CNIL within 72 hours, and can break secure connections and Pro Santé Connect sign-in."),
    fix={
        WINDOWS: (
            N_("Open Settings > Time & language > Date & time."),
            N_("Turn on 'Set time automatically', then click 'Sync now'."),
            N_("If the switch is greyed out or the sync fails, ask your IT provider to set the 'Windows Time' service to start automatically."),
        ),
        MACOS: (
            N_("Open System Settings > General > Date & Time."),
            N_("Turn on 'Set time and date automatically' (source: time.apple.com)."),
        ),
        LINUX: (
            N_("Open a terminal and run: sudo timedatectl set-ntp true"),
            N_("Check a minute later with: timedatectl status (it should say 'System clock synchronized: yes')."),
            N_("If timedatectl is not available, install a time service: sudo apt install systemd-timesyncd"),
        ),
    },
    references=(ref.CNIL_LOGGING, MS_W32TIME, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:dateandtime", MACOS: "x-apple.systempreferences:com.apple.Date-Time-Settings.extension"},
)
def clock_synchronised(host: Host) -> Outcome:
    return per_platform(host, _windows_clock, _macos_clock, _linux_clock)


def _windows_clock(host: Host) -> Outcome:
    start = host.reg_value(W32TIME_KEY, "Start")
    kind = host.reg_value(W32TIME_PARAMS, "Type")
    server = host.reg_value(W32TIME_PARAMS, "NtpServer")
    start_value = start.value if start is not None and isinstance(start.value, int) else None
    kind_value = str(kind.value).strip() if kind is not None else None
    start_text = "(absent)" if start is None else f"{start.value!s} ({_START_NAMES.get(-1 if start_value is None else start_value, '?')})"
    evidence = [
        Evidence(rf"{W32TIME_KEY}\Start", start_text),
        Evidence(rf"{W32TIME_PARAMS}\Type", "(absent)" if kind_value is None else kind_value),
    ]
    if server is not None:
        evidence.append(Evidence(rf"{W32TIME_PARAMS}\NtpServer", str(server.value)))
    if start is None and kind is None:
        return warned(N_("The Windows Time service settings could not be found."), evidence)
    if start_value == 4:
        return failed(N_("The Windows Time service is disabled: the clock is never corrected."), evidence)
    if kind_value is not None and kind_value.upper() == "NOSYNC":
        return failed(N_("Automatic time setting is off: the clock is never corrected."), evidence)
    if kind_value is not None and kind_value.upper() in _SYNC_TYPES and start_value in (2, 3):
        return passed(N_("Windows sets its clock from a time server."), evidence)
    return warned(N_("The Windows Time settings are unusual; ask your IT provider to check them."), evidence)


def _macos_clock(host: Host) -> Outcome:
    result = host.run([SYSTEMSETUP, "-getusingnetworktime"])
    text = (result.stdout.strip() or result.stderr.strip())
    evidence = [Evidence("systemsetup -getusingnetworktime", text)]
    state = parse_network_time(text)
    if state is True:
        return passed(N_("The Mac sets its clock from a time server."), evidence)
    if state is False:
        return failed(N_("Automatic time setting is off: the clock is never corrected."), evidence)
    if "administrator access" in text.lower():
        return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."), evidence)
    return warned(N_("The time setting could not be read."), evidence)


def parse_network_time(text: str) -> bool | None:
    for line in (text or "").splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() == "network time":
            return {"on": True, "off": False}.get(value.strip().lower())
    return None


def parse_timedatectl(text: str) -> dict[str, str]:
    """``timedatectl show -p A -p B`` prints ``A=value`` lines."""
    values: dict[str, str] = {}
    for line in (text or "").splitlines():
        name, eq, value = line.partition("=")
        if eq and name.strip():
            values[name.strip()] = value.strip()
    return values


def _linux_clock(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    if host.has_tool("timedatectl"):
        try:
            result = host.run(["timedatectl", "show", "-p", "NTPSynchronized", "-p", "NTP"])
        except HostError:
            result = None
        if result is not None:
            values = parse_timedatectl(result.stdout) if result.ok else {}
            if values.get("NTP") in ("yes", "no"):
                evidence.append(Evidence("timedatectl show -p NTPSynchronized -p NTP", result.stdout.strip()))
                if values["NTP"] == "no":
                    return failed(N_("Automatic time setting is off: the clock is never corrected."), evidence)
                if values.get("NTPSynchronized") == "yes":
                    return passed(N_("The clock is synchronised with a time server."), evidence)
                return warned(N_("Automatic time setting is on, but the clock has not synchronised yet (no time server reachable?)."), evidence)
            evidence.append(Evidence("timedatectl show -p NTPSynchronized -p NTP", (result.stderr or result.stdout).strip() or f"rc={result.returncode}"))
    else:
        evidence.append(Evidence("timedatectl", "(not installed)"))
    running = sorted({p.name for p in host.processes() if p.name in TIME_DAEMONS})
    evidence.append(Evidence("running time services", ", ".join(running) or "(none)"))
    if running:
        return passed(N_("A time synchronisation service is running ({services})."), evidence, services=", ".join(running))
    return failed(N_("No time synchronisation service runs on this computer: the clock is never corrected."), evidence)
