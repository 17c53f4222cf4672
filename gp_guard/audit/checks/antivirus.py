"""Antivirus checks (AV-*): real-time protection on, signatures fresh.

Windows: Windows Security Center (``root/SecurityCenter2``, which lists Microsoft Defender and any
third-party antivirus with a ``productState`` bit field), ``Get-MpComputerStatus`` for Defender
itself, and the Defender group-policy values in the registry. The PowerShell outputs are read in
their default list form: property names and True/False are never localized, and dates (which are)
are shown as evidence but never parsed; the age in days comes from ``AntivirusSignatureAge``.

macOS: a running third-party agent, else Apple's built-in XProtect (present on every Mac) and the
"Install Security Responses and system files" setting that keeps it fed.

Linux: ClamAV (``clamd`` plus ``clamonacc`` for on-access scanning), Microsoft Defender for
Endpoint (``mdatp``) or another known agent; signature age from the mtime of ClamAV's ``daily``
database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gp_guard.audit import references as ref
from gp_guard.audit.checks.parsing import as_number, is_ascii_number
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
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError, ProcessInfo
from gp_guard.i18n import N_, Np_

ANSSI_ANTIVIRUS = Reference(
    N_("ANSSI hygiene guide: protect workstations against malware"), ref.ANSSI_HYGIENE
)
CIS_DEFENDER = Reference(
    N_("CIS Microsoft Windows benchmark: Microsoft Defender Antivirus (real-time protection)"),
    ref.CIS,
)

# -- Windows sources ----------------------------------------------------------------------------
SECURITY_CENTER = "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntivirusProduct"
MP_STATUS = "Get-MpComputerStatus"
_DEFENDER_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows Defender"
_DEFENDER_RTP_POLICY = _DEFENDER_POLICY + r"\Real-Time Protection"
_NEVER_UPDATED = (65535, 4294967295)  # what Defender reports when signatures never loaded

# -- macOS sources ------------------------------------------------------------------------------
XPROTECT_DIRS = (
    "/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents",  # macOS 10.15+
    "/private/var/protected/xprotect/XProtect.bundle/Contents",  # macOS 15 (updated by xprotect)
    "/System/Library/CoreServices/XProtect.bundle/Contents",  # before 10.15
)
SOFTWARE_UPDATE = "/Library/Preferences/com.apple.SoftwareUpdate"
# Apple publishes XProtect data about every two to four weeks (not daily like other vendors).
XPROTECT_MAX_DAYS = 30

# -- Linux sources ------------------------------------------------------------------------------
FRESHCLAM_CONF = "/etc/clamav/freshclam.conf"
CLAMAV_DB_DEFAULT = "/var/lib/clamav"
SIGNATURE_MAX_DAYS = 3

# Process names of antivirus agents with real-time (on-access) protection.
_LINUX_AGENTS = {
    "wdavdaemon": "Microsoft Defender for Endpoint",
    "sophos_threat_detector": "Sophos",
    "savd": "Sophos Anti-Virus",
    "esets_daemon": "ESET",
    "oaeventd": "ESET",
    "bdsecd": "Bitdefender",
    "falcon-sensor": "CrowdStrike Falcon",
    "sentinelone-agent": "SentinelOne",
}
_MACOS_AGENTS = {
    "wdavdaemon": "Microsoft Defender",
    "SophosScanD": "Sophos",
    "BDLDaemon": "Bitdefender",
    "esets_daemon": "ESET",
    "RTProtectionDaemon": "Malwarebytes",
    "com.avast.daemon": "Avast",
    "SentinelAgent": "SentinelOne",
    "falcond": "CrowdStrike Falcon",
}


@check(
    "AV-01",
    area=Area.ANTIVIRUS,
    severity=Severity.HIGH,
    title=N_("An antivirus protects this computer in real time"),
    problem=N_("No antivirus protects this computer in real time"),
    why=N_("A booby-trapped attachment, a fake invoice or an infected USB stick is enough to let ransomware encrypt the patient files, or to let an attacker copy them. An antivirus with real-time protection checks every file at the moment it is opened or downloaded, and stops most known threats before they run. Turned off, nothing stands in the way."),
    fix={
        WINDOWS: (
            N_("Open Settings > Privacy & security > Windows Security > Virus & threat protection."),
            N_("Under 'Virus & threat protection settings', click 'Manage settings' and turn 'Real-time protection' on."),
            N_("If another antivirus is installed, open it and turn its real-time protection (sometimes called 'shield' or 'resident protection') on, or uninstall it so that Microsoft Defender takes over."),
            N_("If the setting is greyed out with 'managed by your organization', ask your IT provider to remove the policy that turns protection off."),
        ),
        MACOS: (
            N_("Open System Settings > General > Software Update and click the (i) next to 'Automatic updates'."),
            N_("Turn on 'Install Security Responses and system files': this keeps XProtect, the antivirus built into macOS, up to date."),
            N_("If your practice uses another antivirus, open it and check that its real-time protection is on."),
        ),
        LINUX: (
            N_("Install an antivirus with on-access scanning, for example ClamAV: sudo apt install clamav-daemon clamav-freshclam"),
            N_("Turn on on-access scanning: in /etc/clamav/clamd.conf set OnAccessIncludePath to /home and OnAccessPrevention to yes, then start it with: sudo systemctl enable --now clamav-clamonacc"),
            N_("Check that it runs with: systemctl status clamav-daemon clamav-clamonacc"),
        ),
    },
    references=(ANSSI_ANTIVIRUS, ref.CNIL_WORKSTATION, CIS_DEFENDER, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={
        WINDOWS: "windowsdefender://threatsettings",
        MACOS: "x-apple.systempreferences:com.apple.Software-Update-Settings.extension",
    },
)
def antivirus_on(host: Host) -> Outcome:
    return per_platform(host, _windows_realtime, _macos_realtime, _linux_realtime)


@check(
    "AV-02",
    area=Area.ANTIVIRUS,
    severity=Severity.MEDIUM,
    title=N_("The antivirus signatures are up to date"),
    problem=N_("The antivirus signatures are out of date: recent threats go unnoticed"),
    why=N_("An antivirus only recognises the threats it has been told about. New ransomware appears every day, and its description reaches your antivirus through signature updates, usually several times a day. With signatures several days old, the newest (and most dangerous) threats go through unnoticed."),
    fix={
        WINDOWS: (
            N_("Open Settings > Privacy & security > Windows Security > Virus & threat protection."),
            N_("Under 'Virus & threat protection updates', click 'Protection updates', then 'Check for updates'."),
            N_("If another antivirus is installed, open it and start its update; check that the computer reaches the internet and that the subscription is still valid."),
        ),
        MACOS: (
            N_("Open System Settings > General > Software Update and click the (i) next to 'Automatic updates'."),
            N_("Turn on 'Install Security Responses and system files', then click 'Update Now' if an update is offered."),
            N_("If your practice uses another antivirus, open it and start its update."),
        ),
        LINUX: (
            N_("Update the ClamAV signatures now with: sudo systemctl restart clamav-freshclam (or sudo freshclam when the service is not used)."),
            N_("Make the updates automatic with: sudo systemctl enable --now clamav-freshclam"),
            N_("If the update fails, check that the computer reaches the internet (database.clamav.net)."),
        ),
    },
    references=(ANSSI_ANTIVIRUS, ref.CNIL_WORKSTATION, CIS_DEFENDER, ref.CIS_MACOS),
    settings={
        WINDOWS: "windowsdefender://threat",
        MACOS: "x-apple.systempreferences:com.apple.Software-Update-Settings.extension",
    },
)
def signatures_fresh(host: Host) -> Outcome:
    return per_platform(host, _windows_signatures, _macos_signatures, _linux_signatures)


# == Windows ====================================================================================
@dataclass(frozen=True)
class AvProduct:
    """One antivirus registered with Windows Security Center."""

    name: str
    product_state: int
    product_exe: str = ""

    @property
    def on(self) -> bool:  # bits 12-15: 0 off, 1 on, 2 snoozed, 3 expired
        return (self.product_state >> 12) & 0xF == 1

    @property
    def signatures_out_of_date(self) -> bool:  # bits 4-7: 0 up to date, 1 out of date
        return (self.product_state >> 4) & 0xF != 0

    @property
    def is_defender(self) -> bool:
        return self.product_exe.lower().startswith("windowsdefender:") or (
            "defender" in self.name.lower() and (self.product_state >> 8) & 0xF == 1
        )

    def describe(self) -> str:
        state = {0: "off", 1: "on", 2: "snoozed", 3: "expired"}.get((self.product_state >> 12) & 0xF, "unknown")
        sigs = "signatures out of date" if self.signatures_out_of_date else "signatures up to date"
        return f"{self.name}: productState {self.product_state} (0x{self.product_state:X}: {state}, {sigs})"


def parse_format_list(text: str) -> list[dict[str, str]]:
    """PowerShell's default list output ("Name : value" lines, blank line between objects)."""
    objects: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            if current:
                objects.append(current)
            current, last = {}, None
            continue
        match = re.match(r"^(\S[^:]*?)\s*:(?: (.*))?$", line)
        if match and " " not in match.group(1).strip():
            last = match.group(1).strip()
            current[last] = (match.group(2) or "").strip()
        elif last is not None and line.startswith(" "):  # a long value wrapped onto the next line
            current[last] += " " + line.strip()
    if current:
        objects.append(current)
    return objects


def parse_security_center(text: str) -> list[AvProduct]:
    products = []
    for obj in parse_format_list(text):
        state = obj.get("productState", "")
        if obj.get("displayName") and is_ascii_number(state):
            products.append(AvProduct(obj["displayName"], int(state), obj.get("pathToSignedProductExe", "")))
    return products


def _security_center(host: Host) -> tuple[list[AvProduct] | None, Evidence]:
    """Products registered with Windows Security Center, or None where it cannot be read."""
    try:
        result = host.powershell(SECURITY_CENTER)
    except HostError as exc:
        return None, Evidence("root/SecurityCenter2 AntivirusProduct", f"not readable: {exc}")
    products = parse_security_center(result.stdout) if result.ok else []
    if not result.ok or not products:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return None, Evidence(
            "root/SecurityCenter2 AntivirusProduct",
            f"no product listed (rc {result.returncode}){': ' + detail[0] if detail else ''}",
        )
    return products, Evidence("root/SecurityCenter2 AntivirusProduct", "; ".join(p.describe() for p in products))


def _mp_status(host: Host) -> dict[str, str] | None:
    try:
        result = host.powershell(MP_STATUS)
    except HostError:
        return None
    if not result.ok:
        return None
    objects = parse_format_list(result.stdout)
    status = objects[0] if objects else {}
    return status if "RealTimeProtectionEnabled" in status else None


def _defender_policies(host: Host) -> list[Evidence]:
    """Group-policy values that switch Defender off (only those set to 1)."""
    found = []
    for key, name in ((_DEFENDER_POLICY, "DisableAntiSpyware"), (_DEFENDER_RTP_POLICY, "DisableRealtimeMonitoring")):
        value = host.reg_value(key, name)
        if value is not None and as_number(value.value) == 1:
            found.append(Evidence(rf"{key}\{name}", str(value.value)))
    return found




def _mp_true(status: dict[str, str], name: str) -> bool:
    return status.get(name, "").strip().lower() == "true"


def _windows_realtime(host: Host) -> Outcome:
    products, sc_evidence = _security_center(host)
    evidence = [sc_evidence]
    third_party_on = [p for p in products or [] if p.on and not p.is_defender]
    if third_party_on:
        return passed(
            N_("Real-time protection is on: {names}."),
            evidence,
            names=", ".join(p.name for p in third_party_on),
        )
    policies = _defender_policies(host)
    evidence.extend(policies)
    status = _mp_status(host)
    defender_on: bool | None = None
    if status is not None:
        mode = status.get("AMRunningMode", "Normal")
        evidence.append(
            Evidence(
                "Get-MpComputerStatus",
                f"AMRunningMode={mode}; AntivirusEnabled={status.get('AntivirusEnabled', '?')}; "
                f"RealTimeProtectionEnabled={status.get('RealTimeProtectionEnabled', '?')}",
            )
        )
        defender_on = (
            _mp_true(status, "AntivirusEnabled")
            and _mp_true(status, "RealTimeProtectionEnabled")
            and mode.strip().lower() in ("normal", "")
        )
    elif products is not None:
        defender = [p for p in products if p.is_defender]
        defender_on = any(p.on for p in defender) if defender else False
    if defender_on:
        return passed(N_("Microsoft Defender real-time protection is on."), evidence)
    if policies:
        return failed(
            N_("Real-time protection is off: a policy on this computer turns Microsoft Defender off ({policies})."),
            evidence,
            policies=", ".join(e.source.rsplit("\\", 1)[-1] for e in policies),
        )
    if defender_on is None:
        return warned(N_("The state of the antivirus could not be read on this computer."), evidence)
    return failed(N_("No antivirus has its real-time protection turned on."), evidence)


def _windows_signatures(host: Host) -> Outcome:
    products, sc_evidence = _security_center(host)
    evidence = [sc_evidence]
    third_party_on = [p for p in products or [] if p.on and not p.is_defender]
    if third_party_on:
        stale = [p for p in third_party_on if p.signatures_out_of_date]
        if stale:
            return failed(
                N_("Windows Security Center reports outdated signatures for: {names}."),
                evidence,
                names=", ".join(p.name for p in stale),
            )
        return passed(
            N_("Windows Security Center reports up-to-date signatures for: {names}."),
            evidence,
            names=", ".join(p.name for p in third_party_on),
        )
    status = _mp_status(host)
    if status is not None:
        age_text = status.get("AntivirusSignatureAge", "").strip()
        evidence.append(
            Evidence(
                "Get-MpComputerStatus",
                f"AntivirusSignatureAge={age_text}; AntivirusSignatureLastUpdated="
                f"{status.get('AntivirusSignatureLastUpdated', '?')}; AntivirusSignatureVersion="
                f"{status.get('AntivirusSignatureVersion', '?')}",
            )
        )
        if is_ascii_number(age_text):
            age = int(age_text)
            if age in _NEVER_UPDATED:
                return failed(N_("Microsoft Defender has never loaded its signatures."), evidence)
            if age >= SIGNATURE_MAX_DAYS:
                return failed(Np_("Last Microsoft Defender signature update: {days} day ago.",
               "Last Microsoft Defender signature update: {days} days ago.", "days"), evidence, days=age)
            return passed(Np_("Last Microsoft Defender signature update: {days} day ago.",
               "Last Microsoft Defender signature update: {days} days ago.", "days"), evidence, days=age)
    defender = [p for p in products or [] if p.is_defender]
    if defender:
        if any(p.signatures_out_of_date for p in defender):
            return failed(N_("Windows Security Center reports outdated signatures for: {names}."), evidence,
                          names=", ".join(p.name for p in defender))
        return passed(N_("Windows Security Center reports up-to-date signatures for: {names}."), evidence,
                      names=", ".join(p.name for p in defender))
    return warned(N_("The age of the antivirus signatures could not be read on this computer."), evidence)


# == macOS ======================================================================================
def _running_agents(host: Host, known: dict[str, str]) -> tuple[list[str], Evidence | None]:
    try:
        procs: list[ProcessInfo] = host.processes()
    except HostError as exc:
        return [], Evidence("process list", f"not readable: {exc}")
    names = sorted({known[p.name] for p in procs if p.name in known})
    return names, None


def _xprotect_copy(host: Host, plist: str) -> tuple[str, float] | None:
    """(version, modification time) of one XProtect copy, None when absent or unreadable."""
    try:
        version = host.run(["defaults", "read", plist, "CFBundleShortVersionString"])
        if not version.ok or not version.stdout.strip():
            return None
        stat = host.run(["stat", "-f", "%m", plist])
    except HostError:
        return None
    mtime = stat.stdout.strip()
    if not stat.ok or not is_ascii_number(mtime):
        return None
    return version.stdout.strip(), float(mtime)


def _xprotect(host: Host) -> tuple[str | None, float | None, str | None]:
    """(version, modification time, Info.plist path) of the most recent XProtect copy.

    The copy under /Library/Apple is read first; the others (macOS 15's own update folder, and the
    pre-Catalina location) only when it is missing or old, so that a fresh copy elsewhere counts.
    """
    best: tuple[str | None, float | None, str | None] = (None, None, None)
    for folder in XPROTECT_DIRS:
        plist = folder + "/Info.plist"
        found = _xprotect_copy(host, plist)
        if found is None:
            continue
        if best[1] is None or found[1] > best[1]:
            best = (found[0], found[1], plist)
        if host.now().timestamp() - found[1] <= XPROTECT_MAX_DAYS * 86400:
            break
    return best


def _security_data_updates(host: Host) -> tuple[bool, Evidence]:
    """Whether "Install Security Responses and system files" is on (ConfigDataInstall)."""
    result = host.run(["defaults", "read", SOFTWARE_UPDATE, "ConfigDataInstall"])
    text = result.stdout.strip()
    if result.ok and text in ("0", "1"):
        return text == "1", Evidence(f"defaults read {SOFTWARE_UPDATE} ConfigDataInstall", text)
    # Not set: macOS installs security responses by default.
    return True, Evidence(f"defaults read {SOFTWARE_UPDATE} ConfigDataInstall", "not set (macOS default: on)")


def _macos_realtime(host: Host) -> Outcome:
    agents, proc_evidence = _running_agents(host, _MACOS_AGENTS)
    evidence = [proc_evidence] if proc_evidence else []
    if agents:
        evidence.append(Evidence("running processes", ", ".join(agents)))
        return passed(N_("Real-time protection is on: {names}."), evidence, names=", ".join(agents))
    version, _mtime, folder = _xprotect(host)
    evidence.append(Evidence("XProtect", f"{folder}: version {version}" if folder else "not found"))
    updates_on, update_evidence = _security_data_updates(host)
    evidence.append(update_evidence)
    if folder is None:
        return failed(N_("XProtect, the antivirus built into macOS, was not found and no other antivirus is running."), evidence)
    if not updates_on:
        return failed(N_("XProtect, the antivirus built into macOS, no longer receives its updates: 'Install Security Responses and system files' is off."), evidence)
    return passed(N_("XProtect, the antivirus built into macOS, is active and receives its updates."), evidence)


def _macos_signatures(host: Host) -> Outcome:
    version, mtime, folder = _xprotect(host)
    if folder is None or mtime is None:
        return skipped(N_("No antivirus signature database was found on this computer (see the antivirus check)."))
    updated = dt.datetime.fromtimestamp(mtime, dt.UTC)
    days = max(0, (host.now() - updated).days)
    evidence = [Evidence("XProtect", f"{folder}: version {version}, modified {updated:%Y-%m-%d %H:%M} UTC")]
    if days > XPROTECT_MAX_DAYS:
        return failed(Np_("Last XProtect signature update: {days} day ago (Apple publishes new ones every few weeks).",
               "Last XProtect signature update: {days} days ago (Apple publishes new ones every few weeks).", "days"), evidence, days=days)
    return passed(Np_("Last XProtect signature update: {days} day ago (Apple publishes new ones every few weeks).",
               "Last XProtect signature update: {days} days ago (Apple publishes new ones every few weeks).", "days"), evidence, days=days)


# == Linux ======================================================================================
def _process_names(host: Host) -> set[str]:
    return {p.name for p in host.processes()}


def _linux_realtime(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    if host.has_tool("mdatp"):
        result = host.run(["mdatp", "health", "--field", "real_time_protection_enabled"])
        text = result.stdout.strip().strip('"')
        evidence.append(Evidence("mdatp health --field real_time_protection_enabled", text or result.stderr.strip()))
        if result.ok and text.lower() == "true":
            return passed(N_("Real-time protection is on: {names}."), evidence, names="Microsoft Defender for Endpoint")
    names = _process_names(host)
    clamd, clamonacc = "clamd" in names, "clamonacc" in names
    evidence.append(Evidence("running processes", f"clamd={'yes' if clamd else 'no'}; clamonacc={'yes' if clamonacc else 'no'}"))
    if clamd and clamonacc:
        return passed(N_("Real-time protection is on: {names}."), evidence, names="ClamAV (clamonacc)")
    agents = sorted({_LINUX_AGENTS[n] for n in names if n in _LINUX_AGENTS})
    if agents:
        evidence.append(Evidence("running processes", ", ".join(agents)))
        return passed(N_("Real-time protection is on: {names}."), evidence, names=", ".join(agents))
    if clamd:
        return warned(N_("ClamAV is running but only scans on request: on-access scanning (clamonacc) is off, so files are not checked when they are opened."), evidence)
    return failed(N_("No antivirus has its real-time protection turned on."), evidence)


def clamav_database_dir(conf_text: str | None) -> str:
    """DatabaseDirectory from freshclam.conf, else ClamAV's default."""
    for line in (conf_text or "").splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2 and parts[0] == "DatabaseDirectory":
            return parts[1].strip().strip('"')
    return CLAMAV_DB_DEFAULT


def _linux_signatures(host: Host) -> Outcome:
    db_dir = clamav_database_dir(host.read_text(FRESHCLAM_CONF))
    files = host.find_files([db_dir], ["daily.cvd", "daily.cld"], max_depth=1)
    if files:
        newest = max(files, key=lambda f: f.mtime)
        updated = dt.datetime.fromtimestamp(newest.mtime, dt.UTC)
        age = host.now() - updated
        days = max(0, age.days)
        evidence = [Evidence(newest.path, f"modified {updated:%Y-%m-%d %H:%M} UTC")]
        if age >= dt.timedelta(days=SIGNATURE_MAX_DAYS):
            return failed(Np_("Last ClamAV signature update: {days} day ago.",
               "Last ClamAV signature update: {days} days ago.", "days"), evidence, days=days)
        return passed(Np_("Last ClamAV signature update: {days} day ago.",
               "Last ClamAV signature update: {days} days ago.", "days"), evidence, days=days)
    if host.has_tool("mdatp"):
        result = host.run(["mdatp", "health", "--field", "definitions_updated_minutes_ago"])
        text = result.stdout.strip().strip('"')
        evidence = [Evidence("mdatp health --field definitions_updated_minutes_ago", text or result.stderr.strip())]
        if result.ok and is_ascii_number(text):
            days = int(text) // (24 * 60)
            if days >= SIGNATURE_MAX_DAYS:
                return failed(Np_("Last Microsoft Defender signature update: {days} day ago.",
               "Last Microsoft Defender signature update: {days} days ago.", "days"), evidence, days=days)
            return passed(Np_("Last Microsoft Defender signature update: {days} day ago.",
               "Last Microsoft Defender signature update: {days} days ago.", "days"), evidence, days=days)
        return warned(N_("The age of the antivirus signatures could not be read on this computer."), evidence)
    return skipped(N_("No antivirus signature database was found on this computer (see the antivirus check)."))
