"""Update checks (UPD-*): pending updates, automatic updates, operating system end of life."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from gp_guard.audit import references as ref
from gp_guard.audit.checks.parsing import ascii_int
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
from gp_guard.host import LINUX, MACOS, WINDOWS, CommandTimeout, Host
from gp_guard.i18n import N_, _

D = dt.date

WIN_LIFECYCLE = Reference(
    N_("Microsoft: Windows release health and end of servicing dates"),
    "https://learn.microsoft.com/windows/release-health/",
)
WIN10_END = Reference(
    N_("Microsoft: Windows 10 support ended on 14 October 2025"),
    "https://support.microsoft.com/windows/windows-10-support-has-ended-on-october-14-2025-2ca8b313-1946-43d3-b55c-2b95b107f281",
)
APPLE_UPDATES = Reference(N_("Apple security releases"), "https://support.apple.com/100100")
DEBIAN_LTS = Reference(N_("Debian long term support"), "https://wiki.debian.org/LTS")
UBUNTU_LIFECYCLE = Reference(N_("Ubuntu release cycle"), "https://ubuntu.com/about/release-cycle")
FEDORA_LIFECYCLE = Reference(N_("Fedora release life cycle"), "https://docs.fedoraproject.org/en-US/releases/lifecycle/")

# -- end of life table ------------------------------------------------------------------------
# The last day each release gets security updates. Windows: Microsoft's published end-of-servicing
# dates, per build, for Home/Pro and for Enterprise/Education; LTSC editions have their own.
# Windows 11 reports "Windows 10" in ProductName: the build number tells them apart.
WINDOWS_EOL: dict[int, tuple[str, str, D, D]] = {
    # build: (product, version, end for Home/Pro, end for Enterprise/Education)
    10240: ("Windows 10", "1507", D(2017, 5, 9), D(2017, 5, 9)),
    10586: ("Windows 10", "1511", D(2017, 10, 10), D(2018, 4, 10)),
    14393: ("Windows 10", "1607", D(2018, 4, 10), D(2019, 4, 9)),
    15063: ("Windows 10", "1703", D(2018, 10, 9), D(2019, 10, 8)),
    16299: ("Windows 10", "1709", D(2019, 4, 9), D(2020, 10, 13)),
    17134: ("Windows 10", "1803", D(2019, 11, 12), D(2021, 5, 11)),
    17763: ("Windows 10", "1809", D(2020, 11, 10), D(2021, 5, 11)),
    18362: ("Windows 10", "1903", D(2020, 12, 8), D(2020, 12, 8)),
    18363: ("Windows 10", "1909", D(2021, 5, 11), D(2022, 5, 10)),
    19041: ("Windows 10", "2004", D(2021, 12, 14), D(2021, 12, 14)),
    19042: ("Windows 10", "20H2", D(2022, 5, 10), D(2023, 5, 9)),
    19043: ("Windows 10", "21H1", D(2022, 12, 13), D(2022, 12, 13)),
    19044: ("Windows 10", "21H2", D(2023, 6, 13), D(2024, 6, 11)),
    19045: ("Windows 10", "22H2", D(2025, 10, 14), D(2025, 10, 14)),
    22000: ("Windows 11", "21H2", D(2023, 10, 10), D(2024, 10, 8)),
    22621: ("Windows 11", "22H2", D(2024, 10, 8), D(2025, 10, 14)),
    22631: ("Windows 11", "23H2", D(2025, 11, 11), D(2026, 11, 10)),
    26100: ("Windows 11", "24H2", D(2026, 10, 13), D(2027, 10, 12)),
    26200: ("Windows 11", "25H2", D(2027, 10, 12), D(2028, 10, 10)),
}
WINDOWS_LTSC_EOL: dict[int, D] = {
    14393: D(2026, 10, 13),  # LTSB 2016
    17763: D(2029, 1, 9),  # LTSC 2019
    19044: D(2027, 1, 12),  # LTSC 2021
    26100: D(2029, 10, 9),  # LTSC 2024
}
# Windows 10 22H2 after its end of support: a PC enrolled in Extended Security Updates (ESU) keeps
# getting the monthly cumulative update, for one year (consumers; free in the European Economic
# Area) up to three (organisations). Windows does not say in a readable place whether it is
# enrolled; an update installed after the end of support says it is.
WINDOWS10_ESU_BUILD = 19045
WINDOWS10_ESU_ENDS = (D(2026, 10, 13), D(2027, 10, 12), D(2028, 10, 10))
_ENTERPRISE = re.compile(r"^(Enterprise|Education|ProfessionalEducation|ProfessionalWorkstation|IoTEnterprise)", re.I)
_LTSC = re.compile(r"^(EnterpriseS|IoTEnterpriseS)", re.I)

# macOS: Apple publishes no end dates. In practice it fixes security issues in the current major
# release and the two before it; a release stops when the third one after it comes out (mid
# September). Dates after today's newest release are estimates on that rhythm.
MACOS_EOL: dict[int, tuple[str, D]] = {
    10: ("macOS 10.x", D(2022, 9, 12)),  # 10.15 Catalina was the last 10.x to get updates
    11: ("macOS 11 Big Sur", D(2023, 9, 26)),
    12: ("macOS 12 Monterey", D(2024, 9, 16)),
    13: ("macOS 13 Ventura", D(2025, 9, 15)),
    14: ("macOS 14 Sonoma", D(2026, 9, 14)),
    15: ("macOS 15 Sequoia", D(2027, 9, 13)),
    26: ("macOS 26 Tahoe", D(2028, 9, 11)),
}

# Linux: Debian's end of long term support, Ubuntu's end of standard support (Ubuntu Pro extends
# it), Fedora's end of life.
LINUX_EOL: dict[tuple[str, str], tuple[str, D]] = {
    ("debian", "9"): ("Debian 9 stretch", D(2022, 6, 30)),
    ("debian", "10"): ("Debian 10 buster", D(2024, 6, 30)),
    ("debian", "11"): ("Debian 11 bullseye", D(2026, 8, 31)),
    ("debian", "12"): ("Debian 12 bookworm", D(2028, 6, 30)),
    ("debian", "13"): ("Debian 13 trixie", D(2030, 6, 30)),
    ("ubuntu", "18.04"): ("Ubuntu 18.04 LTS", D(2023, 5, 31)),
    ("ubuntu", "20.04"): ("Ubuntu 20.04 LTS", D(2025, 5, 31)),
    ("ubuntu", "22.04"): ("Ubuntu 22.04 LTS", D(2027, 6, 1)),
    ("ubuntu", "23.04"): ("Ubuntu 23.04", D(2024, 1, 25)),
    ("ubuntu", "23.10"): ("Ubuntu 23.10", D(2024, 7, 11)),
    ("ubuntu", "24.04"): ("Ubuntu 24.04 LTS", D(2029, 5, 31)),
    ("ubuntu", "24.10"): ("Ubuntu 24.10", D(2025, 7, 10)),
    ("ubuntu", "25.04"): ("Ubuntu 25.04", D(2026, 1, 15)),
    ("ubuntu", "25.10"): ("Ubuntu 25.10", D(2026, 7, 9)),
    ("fedora", "38"): ("Fedora 38", D(2024, 5, 21)),
    ("fedora", "39"): ("Fedora 39", D(2024, 11, 26)),
    ("fedora", "40"): ("Fedora 40", D(2025, 5, 13)),
    ("fedora", "41"): ("Fedora 41", D(2025, 12, 15)),
    ("fedora", "42"): ("Fedora 42", D(2026, 5, 13)),
    ("fedora", "43"): ("Fedora 43", D(2026, 12, 9)),
}
_UBUNTU_CODENAMES = {"bionic": "18.04", "focal": "20.04", "jammy": "22.04", "noble": "24.04"}
SOON = dt.timedelta(days=90)

_CV = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
_AU = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU"
_WUAUSERV = r"HKLM\SYSTEM\CurrentControlSet\Services\wuauserv"
SOFTWARE_UPDATE_PREFS = ["defaults", "read", "/Library/Preferences/com.apple.SoftwareUpdate"]
SOFTWARE_UPDATE_LIST = ["softwareupdate", "-l", "--no-scan"]


# == UPD-01 =====================================================================================

@check(
    "UPD-01",
    area=Area.UPDATES,
    severity=Severity.HIGH,
    title=N_("System updates are installed"),
    problem=N_("System updates are waiting: known security holes stay open"),
    why=N_("Most attacks use security holes that are already fixed by an update the computer has not installed yet. While an update waits, anyone who knows the hole can use it, for example through a booby-trapped e-mail attachment or web page."),
    fix={
        WINDOWS: (
            N_("Open Settings > Windows Update and click 'Check for updates'."),
            N_("Click 'Download & install all' (or 'Install now'), then 'Restart now' when Windows asks; save your work first."),
            N_("If the same update fails again, note its KB number and give it to your IT provider."),
        ),
        MACOS: (
            N_("Open System Settings > General > Software Update."),
            N_("Click 'Update Now' (or 'Restart Now') and let the Mac restart; save your work first."),
        ),
        LINUX: (
            N_("Open 'Software Updater' (or a terminal) and install the updates: sudo apt update && sudo apt upgrade"),
            N_("Restart the computer if it asks you to."),
        ),
    },
    references=(ref.ANSSI_UPDATES, ref.CNIL_WORKSTATION, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:windowsupdate", MACOS: "x-apple.systempreferences:com.apple.Software-Update-Settings.extension"},
    timeout=90.0,
)
def updates_installed(host: Host) -> Outcome:
    return per_platform(host, _windows_pending, _macos_pending, _linux_pending)


# -- Windows: the Windows Update Agent (COM) and the installed updates (Win32_QuickFixEngineering)
# Both answer in objects piped to ConvertTo-Json: no localized text is parsed. The search is
# offline (Online = $false): it reads what Windows Update itself found at its last scan, in a few
# seconds and without network traffic; a machine whose last scan is old is caught by the date of
# its latest installed update.
WU_SEARCH_SCRIPT = (
    "$s = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher(); $s.Online = $false; "
    "$r = $s.Search('IsInstalled=0 and IsHidden=0 and Type=''Software'''); "
    "$r.Updates | ForEach-Object { [pscustomobject]@{Title=$_.Title; MsrcSeverity=$_.MsrcSeverity; "
    "BrowseOnly=$_.BrowseOnly; Categories=@($_.Categories | ForEach-Object {$_.CategoryID})} } | ConvertTo-Json"
)
HOTFIX_SCRIPT = "Get-HotFix | Select-Object HotFixID,InstalledOn | ConvertTo-Json"
# Get-HotFix's InstalledOn is parsed with the display language's date format and comes back empty
# on many non-US Windows: the Windows Update history (its Date is a DateTime, never text) gives the
# date of the latest successful installation whatever the language. Operation 1 = installation,
# ResultCode 2 = succeeded.
HISTORY_SCRIPT = (
    "$s = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher(); $n = $s.GetTotalHistoryCount(); "
    "if ($n -gt 0) { ConvertTo-Json -Compress -InputObject @($s.QueryHistory(0, [Math]::Min($n, 100)) | "
    "Where-Object { $_.Operation -eq 1 -and $_.ResultCode -eq 2 } | ForEach-Object { [pscustomobject]@{"
    "Title = $_.Title; Date = $_.Date; Categories = @($_.Categories | ForEach-Object { $_.CategoryID })} }) } "
    "else { '[]' }"
)
# Updates that arrive every day or every month whatever happens to Windows' own fixes: antivirus
# signatures (Defender: KB2267602, its platform KB4052623) and the Malicious Software Removal Tool.
_NOT_WINDOWS_FIXES = ("KB2267602", "KB4052623", "KB890830")
WU_REBOOT_KEY = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update"
# Update classifications (WSUS category GUIDs, the same in every language).
SECURITY_UPDATES = "0fa1201d-4330-4fa8-8ae9-b877473b6441"
DEFINITION_UPDATES = "e0789628-ce08-4437-be74-2495b842f43b"  # antivirus signatures: AV-01's business
STALE_AFTER = dt.timedelta(days=45)  # Microsoft publishes security fixes every month (second Tuesday)


def _json_items(text: str) -> list[dict[str, Any]] | None:
    """ConvertTo-Json output as a list of objects: [] for no output, None when it is not JSON.

    One object alone is printed without the surrounding list."""
    text = text.strip().lstrip("\ufeff")
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return None
    return [item for item in data if isinstance(item, dict)]


def parse_wu_search(text: str) -> tuple[list[str], list[str], list[str]] | None:
    """The pending updates found by the Windows Update Agent: (security, other, ignored) titles.

    Security: an MSRC severity, or the 'Security Updates' classification. Ignored: antivirus
    signatures and optional (browse-only) updates such as previews. None when unreadable."""
    items = _json_items(text)
    if items is None:
        return None
    security: list[str] = []
    other: list[str] = []
    ignored: list[str] = []
    for item in items:
        title = str(item.get("Title") or "?")
        raw = item.get("Categories")
        categories = {str(c).strip("{}").lower() for c in (raw if isinstance(raw, list) else [raw]) if c}
        severity = item.get("MsrcSeverity")
        if (isinstance(severity, str) and severity.strip()) or SECURITY_UPDATES in categories:
            security.append(title)
        elif DEFINITION_UPDATES in categories or item.get("BrowseOnly") is True:
            ignored.append(title)
        else:
            other.append(title)
    return security, other, ignored


_MS_DATE = re.compile(r"/Date\((-?[0-9]{1,15})(?:[+-][0-9]{4})?\)/", re.ASCII)


def _hotfix_date(value: Any) -> dt.date | None:
    """InstalledOn as ConvertTo-Json prints it: "\\/Date(ms)\\/" (Windows PowerShell 5.1, sometimes
    inside {"value": ..., "DateTime": ...}) or an ISO 8601 string (PowerShell 7)."""
    if isinstance(value, dict):
        value = value.get("value")
    if not isinstance(value, str) or not value:
        return None
    match = _MS_DATE.search(value)
    if match:
        # The instant of local midnight, in UTC: rounding to the nearest midnight gives the local
        # day for any time zone within 12 hours of UTC (France: 22:00 or 23:00 the day before).
        try:
            instant = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(match.group(1)))
            return (instant + dt.timedelta(hours=12)).date()
        except OverflowError:
            return None
    try:
        return dt.date.fromisoformat(value[:10]) if value[:10].isascii() else None
    except ValueError:
        return None


def parse_history(text: str) -> list[tuple[str, dt.date]] | None:
    """``HISTORY_SCRIPT``: [(title, date)] of the successful installations of Windows' own updates
    (antivirus signatures and the removal tool left out), newest first. None when unreadable."""
    items = _json_items(text)
    if items is None:
        return None
    found: list[tuple[str, dt.date]] = []
    for item in items:
        title = str(item.get("Title") or "?")
        raw = item.get("Categories")
        categories = {str(c).strip("{}").lower() for c in (raw if isinstance(raw, list) else [raw]) if c}
        if DEFINITION_UPDATES in categories or any(kb in title.upper() for kb in _NOT_WINDOWS_FIXES):
            continue
        value = item.get("Date")
        when: dt.date | None
        if isinstance(value, str) and (match := _MS_DATE.search(value)):
            try:  # an instant (UTC), not a local midnight as Get-HotFix gives
                when = (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(match.group(1)))).date()
            except OverflowError:
                continue
        else:
            when = _hotfix_date(value)
        if when is not None:
            kb = re.search(r"KB[0-9]{5,8}", title, re.ASCII)
            found.append((kb.group(0) if kb else title, when))
    return sorted(found, key=lambda pair: pair[1], reverse=True)


def latest_installed(host: Host) -> tuple[tuple[str, dt.date] | None, list[Evidence]]:
    """The newest installed Windows update, (KB or title, date), from Get-HotFix and the Windows
    Update history, with what each said."""
    evidence: list[Evidence] = []
    hotfix_result = host.powershell(HOTFIX_SCRIPT)
    hotfixes = parse_hotfixes(hotfix_result.stdout) if hotfix_result.ok else None
    evidence.append(Evidence("Get-HotFix", f"latest: {hotfixes[0][0]} installed on {hotfixes[0][1].isoformat()}" if hotfixes
                             else (hotfix_result.stderr.strip()[:200] or "no dated update")))
    try:
        history_result = host.powershell(HISTORY_SCRIPT, timeout=30.0)
    except CommandTimeout:
        history, detail = None, "no answer after 30 s"
    else:
        history = parse_history(history_result.stdout) if history_result.ok else None
        detail = (history_result.stderr or history_result.stdout).strip()[:200] or f"exit {history_result.returncode}"
    evidence.append(Evidence("Microsoft.Update.Session history", f"latest: {history[0][0]} installed on {history[0][1].isoformat()}"
                             if history else (detail if history is None else "no successful installation")))
    dated = (hotfixes or [])[:1] + (history or [])[:1]
    return (max(dated, key=lambda pair: pair[1]) if dated else None), evidence


def parse_hotfixes(text: str) -> list[tuple[str, dt.date]] | None:
    """``Get-HotFix | Select HotFixID,InstalledOn | ConvertTo-Json``: [(KB, date)], newest first;
    entries without a date are left out. None when unreadable."""
    items = _json_items(text)
    if items is None:
        return None
    found = [(str(item.get("HotFixID") or "?"), date) for item in items
             if (date := _hotfix_date(item.get("InstalledOn"))) is not None]
    return sorted(found, key=lambda pair: pair[1], reverse=True)


def _windows_pending(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    pending: tuple[list[str], list[str], list[str]] | None = None
    try:
        search = host.powershell(WU_SEARCH_SCRIPT, timeout=60.0)
    except CommandTimeout:
        evidence.append(Evidence("Microsoft.Update.Session search", "no answer after 60 s"))
    else:
        pending = parse_wu_search(search.stdout) if search.ok else None
        if pending is None:
            evidence.append(Evidence("Microsoft.Update.Session search", (search.stderr or search.stdout).strip()[:200] or f"exit {search.returncode}"))
        else:
            security, other, ignored = pending
            evidence.append(Evidence("Microsoft.Update.Session search",
                                     f"pending: {len(security)} security, {len(other)} other"
                                     + (f", {len(ignored)} optional or antivirus signature updates not counted" if ignored else "")))
            evidence += [Evidence("Microsoft.Update.Session search", f"security: {title}") for title in security[:10]]
            evidence += [Evidence("Microsoft.Update.Session search", f"other: {title}") for title in other[:10]]
    latest, dated = latest_installed(host)
    evidence += dated
    reboot = any(name.lower() == "rebootrequired" for name in host.reg_subkeys(WU_REBOOT_KEY))
    evidence.append(Evidence(rf"{WU_REBOOT_KEY}\RebootRequired", "present" if reboot else "absent"))

    if pending is not None and pending[0]:
        security = pending[0]
        if len(security) == 1:
            return failed(N_("A security update is waiting to be installed: {names}."), evidence, names=security[0])
        return failed(N_("Security updates waiting to be installed ({count}): {names}."), evidence,
                      count=len(security), names=", ".join(security[:5]))
    today = host.now().date()
    if latest is not None and today - latest[1] > STALE_AFTER:
        return failed(N_("No update has been installed for {days} days (the latest, {kb}, on {date}): Windows is no longer kept up to date."),
                      evidence, days=(today - latest[1]).days, kb=latest[0], date=latest[1].strftime("%d/%m/%Y"))
    if reboot:
        return warned(N_("Updates are installed but only take effect after a restart: restart the computer."), evidence)
    if pending is not None and pending[1]:
        return warned(N_("Updates are waiting to be installed ({count}), none of them a security fix."), evidence, count=len(pending[1]))
    if pending is None and latest is None:
        return warned(N_("The list of updates could not be read."), evidence)
    if latest is None:
        # Nothing pending in a cache that may be months old, and no date to tell: not a pass.
        return warned(N_("No update is waiting, but the date of the latest installed update could not be read: check in Settings > Windows Update > Update history that updates were installed this month."), evidence)
    return passed(N_("No security update is waiting; the latest update ({kb}) was installed on {date}."),
                  evidence, kb=latest[0], date=latest[1].strftime("%d/%m/%Y"))


def parse_softwareupdate(text: str) -> list[tuple[str, bool]]:
    """``softwareupdate -l``: [(label, needs restart)]."""
    found: list[tuple[str, bool]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^\s*\*\s*Label:\s*(.+?)\s*$", line)
        if match:
            detail = lines[i + 1] if i + 1 < len(lines) else ""
            found.append((match.group(1), "Action: restart" in detail))
    return found


def major_upgrade(text: str, label: str, current_major: int | None) -> str | None:
    """The macOS name and version when the item ``label`` of a ``softwareupdate -l`` output is
    the next major macOS (offered to every up-to-date Mac that can run it, and no fix for the
    installed version), None otherwise."""
    if current_major is None:
        return None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == f"* Label: {label}":
            detail = lines[i + 1] if i + 1 < len(lines) else ""
            match = re.search(r"Title:\s*(macOS[^,]*),\s*Version:\s*([0-9]{1,3})(\.[0-9.]*)?", detail, re.ASCII)
            if match and int(match.group(2)) > current_major:
                return f"{match.group(1).strip()} {match.group(2)}{match.group(3) or ''}"
    return None


def _macos_major(host: Host) -> int | None:
    result = host.run(["sw_vers"])
    match = re.search(r"ProductVersion:\s*([0-9]{1,3})\b", result.stdout, re.ASCII)
    return int(match.group(1)) if result.ok and match else None


def _macos_pending(host: Host) -> Outcome:
    result = host.run(SOFTWARE_UPDATE_LIST, timeout=60.0)
    text = result.stdout + result.stderr
    pending = parse_softwareupdate(text)
    source = "softwareupdate -l --no-scan"
    upgrades: list[str] = []
    if pending:
        major = _macos_major(host)
        for label, _restart in list(pending):
            upgrade = major_upgrade(text, label, major)
            if upgrade:
                upgrades.append(upgrade)
                pending.remove((label, _restart))
    upgrade_evidence = [Evidence(source, f"{name}: upgrade to the next major macOS, optional") for name in upgrades]
    if pending:
        evidence = [Evidence(source, label) for label, _ in pending] + upgrade_evidence
        if len(pending) == 1:
            return failed(N_("An update is waiting to be installed: {names}."), evidence, names=pending[0][0])
        return failed(N_("Updates waiting to be installed ({count}): {names}."), evidence,
                      count=len(pending), names=", ".join(label for label, _ in pending))
    if upgrades:
        return passed(N_("No update is waiting for this version of macOS. The upgrade to {names} is offered: it is optional while this version still receives security updates (see the end-of-life check)."),
                      upgrade_evidence, names=", ".join(upgrades))
    if "No new software available" in text:
        return passed(N_("No update is waiting to be installed."), [Evidence(source, "No new software available.")])
    return warned(N_("The list of updates could not be read."), [Evidence(source, text.strip()[:200])])


def parse_apt_list(text: str) -> tuple[list[str], list[str]]:
    """``apt list --upgradable``: (security updates, other updates), as package names.

    Lines read ``name/suite[,suite] version arch [upgradable from: old]``; a suite ending in
    ``-security`` marks a security fix.
    """
    security: list[str] = []
    other: list[str] = []
    for line in text.splitlines():
        match = re.match(r"^([a-z0-9][a-z0-9+.-]*)/(\S+) \S+ \S+ \[upgradable from: [^\]]+\]$", line.strip())
        if not match:
            continue
        suites = match.group(2).split(",")
        (security if any(s.endswith("-security") for s in suites) else other).append(match.group(1))
    return security, other


APT_LIST = ["apt", "list", "--upgradable"]


def _linux_pending(host: Host) -> Outcome:
    if host.has_tool("apt"):
        # `apt list --upgradable` reads the package cache without resolving an upgrade: about
        # 0.8 s where `apt-get -s upgrade` takes 3 s, with the same packages and suites.
        result = host.run(APT_LIST, timeout=60.0)
        if not result.ok:
            return warned(N_("The list of updates could not be read."), [Evidence("apt list --upgradable", result.stderr.strip()[:200])])
        security, other = parse_apt_list(result.stdout)
        evidence = [Evidence("apt list --upgradable", f"{len(security)} security updates, {len(other)} other updates pending")]
        evidence += [Evidence("apt list --upgradable", f"security: {name}") for name in security[:20]]
        if len(security) == 1:
            return failed(N_("A security update is waiting to be installed: {names}."), evidence, names=security[0])
        if security:
            return failed(N_("Security updates waiting to be installed ({count}): {names}."), evidence,
                          count=len(security), names=", ".join(security[:10]))
        if other:
            return warned(N_("Updates are waiting to be installed ({count}), none of them a security fix."), evidence, count=len(other))
        return passed(N_("No update is waiting to be installed."), evidence)
    if host.has_tool("dnf"):
        result = host.run(["dnf", "-q", "--cacheonly", "check-update", "--security"], timeout=60.0)
        packages = [line.split()[0] for line in result.stdout.splitlines() if len(line.split()) == 3]
        evidence = [Evidence("dnf check-update --security", f"exit {result.returncode}, {len(packages)} packages")]
        if result.returncode == 100 and packages:
            return failed(N_("Security updates waiting to be installed ({count}): {names}."), evidence,
                          count=len(packages), names=", ".join(packages[:10]))
        if result.returncode == 0:
            return passed(N_("No update is waiting to be installed."), evidence)
        return warned(N_("The list of updates could not be read."), evidence)
    return skipped(N_("This Linux system's package manager is not supported by this check."))


# == UPD-02 =====================================================================================

@check(
    "UPD-02",
    area=Area.UPDATES,
    severity=Severity.MEDIUM,
    title=N_("Updates install automatically"),
    problem=N_("Updates do not install automatically: security holes stay open until someone thinks of them"),
    why=N_("Security fixes are published every month, and attackers start using the holes they fix within days. When updates install by themselves, the computer stays protected even during a busy week; when they are turned off, nobody notices that it falls behind."),
    fix={
        WINDOWS: (
            N_("Open Settings > Windows Update and click 'Resume updates' if they are paused."),
            N_("If a message says 'Some settings are managed by your organisation', ask your IT provider to remove the policy that turns automatic updates off."),
        ),
        MACOS: (
            N_("Open System Settings > General > Software Update and click the (i) button next to 'Automatic updates'."),
            N_("Turn on 'Check for updates', 'Download new updates when available', 'Install macOS updates' and 'Install Security Responses and system files'."),
        ),
        LINUX: (
            N_("Install automatic security updates: sudo apt install unattended-upgrades"),
            N_("Turn them on: sudo dpkg-reconfigure -plow unattended-upgrades (answer 'Yes')."),
        ),
    },
    references=(ref.ANSSI_UPDATES, ref.CNIL_WORKSTATION, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:windowsupdate", MACOS: "x-apple.systempreferences:com.apple.Software-Update-Settings.extension"},
)
def automatic_updates(host: Host) -> Outcome:
    return per_platform(host, _windows_auto, _macos_auto, _linux_auto)


def _windows_auto(host: Host) -> Outcome:
    no_auto = host.reg_value(_AU, "NoAutoUpdate")
    options = host.reg_value(_AU, "AUOptions")
    service = host.reg_value(_WUAUSERV, "Start")
    evidence = [
        Evidence(rf"{_AU}\NoAutoUpdate", "absent" if no_auto is None else str(no_auto.value)),
        Evidence(rf"{_AU}\AUOptions", "absent" if options is None else str(options.value)),
        Evidence(rf"{_WUAUSERV}\Start", "absent" if service is None else str(service.value)),
    ]
    if service is not None and service.value == 4:
        return failed(N_("The Windows Update service is disabled: no update is installed any more."), evidence)
    if no_auto is not None and no_auto.value == 1:
        return failed(N_("A policy turns automatic updates off (NoAutoUpdate = 1)."), evidence)
    if options is not None and options.value == 2:
        return warned(N_("Windows only notifies you of updates; it does not download or install them by itself."), evidence)
    return passed(N_("Windows installs updates automatically."), evidence)


def parse_defaults_dict(text: str) -> dict[str, str]:
    """Top-level ``Key = value;`` pairs of a ``defaults read`` dictionary (nested ones skipped)."""
    values: dict[str, str] = {}
    depth = 0
    for line in text.splitlines():
        stripped = line.strip()
        if depth == 1:
            match = re.match(r'^"?([A-Za-z0-9_.\-]+)"?\s*=\s*"?([^;"]*)"?;$', stripped)
            if match:
                values[match.group(1)] = match.group(2).strip()
        depth += stripped.count("{") + stripped.count("(") - stripped.count("}") - stripped.count(")")
    return values


def _macos_auto(host: Host) -> Outcome:
    result = host.run(SOFTWARE_UPDATE_PREFS)
    source = "defaults read /Library/Preferences/com.apple.SoftwareUpdate"
    prefs = parse_defaults_dict(result.stdout) if result.ok else {}
    keys = ("AutomaticCheckEnabled", "AutomaticDownload", "AutomaticallyInstallMacOSUpdates", "CriticalUpdateInstall")
    evidence = [Evidence(f"{source} {k}", prefs.get(k, "absent")) for k in keys]
    off = [k for k in ("AutomaticCheckEnabled", "CriticalUpdateInstall") if prefs.get(k) in ("0", "false")]
    if off:
        return failed(N_("Automatic updates are turned off on this Mac ({settings})."), evidence, settings=", ".join(off))
    if prefs.get("AutomaticDownload") in ("0", "false") or prefs.get("AutomaticallyInstallMacOSUpdates") in ("0", "false"):
        return warned(N_("The Mac checks for updates and installs security fixes, but you must install macOS updates yourself."), evidence)
    return passed(N_("The Mac checks for and installs updates automatically."), evidence)


def parse_apt_config(text: str) -> dict[str, str]:
    """``apt-config dump``: {option: value}."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r'^(\S+)\s+"(.*)";$', line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def _linux_auto(host: Host) -> Outcome:
    if host.has_tool("apt-config"):
        config = parse_apt_config(host.run(["apt-config", "dump"]).stdout)
        installed = host.has_tool("unattended-upgrade")
        setting = config.get("APT::Periodic::Unattended-Upgrade", "absent")
        lists = config.get("APT::Periodic::Update-Package-Lists", "absent")
        evidence = [
            Evidence("apt-config dump APT::Periodic::Unattended-Upgrade", setting),
            Evidence("apt-config dump APT::Periodic::Update-Package-Lists", lists),
            Evidence("unattended-upgrade", "installed" if installed else "not installed"),
        ]
        if not installed:
            return failed(N_("Automatic security updates (unattended-upgrades) are not installed."), evidence)
        if setting in ("absent", "0") or lists in ("absent", "0"):
            return failed(N_("Automatic security updates are installed but turned off."), evidence)
        return passed(N_("Security updates install automatically (unattended-upgrades)."), evidence)
    if host.has_tool("systemctl"):
        for timer in ("dnf-automatic-install.timer", "dnf-automatic.timer", "dnf5-automatic.timer"):
            state = host.run(["systemctl", "is-enabled", timer]).stdout.strip()
            if state == "enabled":
                return passed(N_("Updates install automatically ({tool})."), [Evidence(f"systemctl is-enabled {timer}", state)], tool=timer)
        return failed(N_("No automatic update service is turned on."), [Evidence("systemctl is-enabled dnf-automatic.timer", "not enabled")])
    return skipped(N_("This Linux system's package manager is not supported by this check."))


# == UPD-03 =====================================================================================

@check(
    "UPD-03",
    area=Area.UPDATES,
    severity=Severity.HIGH,
    title=N_("The operating system still receives security updates"),
    problem=N_("The operating system no longer receives security updates"),
    why=N_("Once a system reaches its end of life, its maker stops fixing security holes: every new hole found stays open for good, and attackers know it. Patient data must not stay on such a computer. Windows 10 stopped receiving security updates on 14 October 2025."),
    fix={
        WINDOWS: (
            N_("Open Settings > Windows Update and install the offered feature update (a newer version of Windows 11), or the upgrade to Windows 11 if this PC is eligible."),
            N_("If the PC cannot run Windows 11, plan its replacement now; until then, enrol it in Extended Security Updates (Settings > Windows Update) and keep patient data off it as far as possible."),
        ),
        MACOS: (
            N_("Open System Settings > General > Software Update and install the newest macOS offered."),
            N_("If no newer macOS is offered, this Mac is too old: plan its replacement."),
        ),
        LINUX: (
            N_("Upgrade to the next supported release of your distribution (Debian: see the release notes; Ubuntu: sudo do-release-upgrade)."),
            N_("Back up your data before upgrading."),
        ),
    },
    references=(ref.CNIL_MAINTENANCE, ref.ANSSI_UPDATES, WIN10_END, WIN_LIFECYCLE, APPLE_UPDATES, DEBIAN_LTS, UBUNTU_LIFECYCLE, FEDORA_LIFECYCLE),
    settings={WINDOWS: "ms-settings:windowsupdate", MACOS: "x-apple.systempreferences:com.apple.Software-Update-Settings.extension"},
    timeout=90.0,  # Windows 10 after its end of support: the update history tells whether ESU is on
)
def os_supported(host: Host) -> Outcome:
    return per_platform(host, _windows_eol, _macos_eol, _linux_eol)


def _judge(name: str, end: D, today: D, evidence: list[Evidence]) -> Outcome:
    evidence.append(Evidence("end of security updates", end.isoformat()))
    if end < today:
        return failed(N_("{name} stopped receiving security updates on {date}."), evidence, name=name, date=end.strftime("%d/%m/%Y"))
    if end - today <= SOON:
        return warned(N_("{name} will stop receiving security updates on {date}: plan the upgrade now."), evidence, name=name, date=end.strftime("%d/%m/%Y"))
    return passed(N_("{name} receives security updates until {date}."), evidence, name=name, date=end.strftime("%d/%m/%Y"))


def windows_release(build: int, edition: str) -> tuple[str, str, D] | None:
    """(product, version, end of security updates) for a build and an EditionID."""
    known = [b for b in WINDOWS_EOL if b <= build]
    if not known:
        return None
    base = max(known)
    product, version, home_end, ent_end = WINDOWS_EOL[base]
    if _LTSC.match(edition) and base in WINDOWS_LTSC_EOL:
        return product, f"{version} LTSC", WINDOWS_LTSC_EOL[base]
    return product, version, ent_end if _ENTERPRISE.match(edition) else home_end


def _windows_eol(host: Host) -> Outcome:
    build_value = host.reg_value(_CV, "CurrentBuild") or host.reg_value(_CV, "CurrentBuildNumber")
    edition_value = host.reg_value(_CV, "EditionID")
    display = host.reg_value(_CV, "DisplayVersion")
    edition = str(edition_value.value) if edition_value else ""
    evidence = [
        Evidence(rf"{_CV}\CurrentBuild", str(build_value.value) if build_value else "absent"),
        Evidence(rf"{_CV}\EditionID", edition or "absent"),
        Evidence(rf"{_CV}\DisplayVersion", str(display.value) if display else "absent"),
    ]
    build = (ascii_int(str(build_value.value)) or 0) if build_value else 0
    release = windows_release(build, edition) if build else None
    if release is None:
        return skipped(N_("This version of the system is not in the end-of-life table."), evidence)
    product, version, end = release
    today = host.now().date()
    if build > max(WINDOWS_EOL) and end < today:
        return skipped(N_("This version of the system is newer than the end-of-life table."), evidence)
    if build == WINDOWS10_ESU_BUILD and end < today:
        latest, dated = latest_installed(host)
        evidence += dated
        if latest is not None and latest[1] > end:  # patched after the end of support: enrolled in ESU
            esu_end = next((e for e in WINDOWS10_ESU_ENDS if e >= latest[1]), WINDOWS10_ESU_ENDS[-1])
            evidence.append(Evidence("Extended Security Updates (ESU)", f"{latest[0]} installed on {latest[1].isoformat()}, after {end.isoformat()}"))
            return _judge(_("{product} {version} with Extended Security Updates (ESU)").format(product=product, version=version),
                          esu_end, today, evidence)
    return _judge(f"{product} {version}", end, today, evidence)


def _macos_eol(host: Host) -> Outcome:
    result = host.run(["sw_vers"])
    match = re.search(r"ProductVersion:\s*([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?", result.stdout)
    evidence = [Evidence("sw_vers ProductVersion", match.group(0).split(":", 1)[1].strip() if match else result.stdout.strip()[:80])]
    if not match:
        return warned(N_("The system version could not be read."), evidence)
    major = int(match.group(1))
    if major == 10 and int(match.group(2) or 0) < 15:
        return _judge(f"macOS 10.{match.group(2)}", D(2020, 12, 31), host.now().date(), evidence)
    if major not in MACOS_EOL:
        if major > max(MACOS_EOL):
            return passed(N_("This macOS is newer than the end-of-life table: it receives security updates."), evidence)
        return skipped(N_("This version of the system is not in the end-of-life table."), evidence)
    name, end = MACOS_EOL[major]
    return _judge(name, end, host.now().date(), evidence)


def parse_os_release(text: str) -> Mapping[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, eq, value = line.partition("=")
        if eq and name.strip().isidentifier():
            values[name.strip()] = value.strip().strip('"').strip("'")
    return values


def linux_release(info: Mapping[str, str]) -> tuple[str, D] | None:
    distro = info.get("ID", "").lower()
    version = info.get("VERSION_ID", "")
    if distro == "debian":
        version = version.split(".")[0]
    entry = LINUX_EOL.get((distro, version))
    if entry is None and "ubuntu" in info.get("ID_LIKE", "").lower():  # Linux Mint, Zorin...
        base = _UBUNTU_CODENAMES.get(info.get("UBUNTU_CODENAME", ""))
        if base:
            name, end = LINUX_EOL[("ubuntu", base)]
            entry = (f"{info.get('PRETTY_NAME', distro)} ({name})", end)
    return entry


def _linux_eol(host: Host) -> Outcome:
    text = host.read_text("/etc/os-release") or host.read_text("/usr/lib/os-release") or ""
    info = parse_os_release(text)
    evidence = [Evidence("/etc/os-release", f"ID={info.get('ID', '?')} VERSION_ID={info.get('VERSION_ID', '?')}")]
    release = linux_release(info)
    if release is None:
        return skipped(N_("This version of the system is not in the end-of-life table."), evidence)
    name, end = release
    return _judge(name, end, host.now().date(), evidence)
