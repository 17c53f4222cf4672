"""File sharing checks (SMB-*): SMBv1, shares open to everyone or guests, insecure guest logons."""

from __future__ import annotations

import re

from gp_guard.audit import references as ref
from gp_guard.audit.checks.parsing import ascii_int, json_objects, reg_number
from gp_guard.audit.model import (
    Area,
    Evidence,
    Outcome,
    Reference,
    Severity,
    errored,
    failed,
    passed,
    skipped,
    warned,
)
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, WINDOWS, Host, ToolMissing
from gp_guard.i18n import N_

_LANMAN_SERVER = r"HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters"
_MRXSMB10 = r"HKLM\SYSTEM\CurrentControlSet\Services\mrxsmb10"
_LANMAN_WKS = r"HKLM\SYSTEM\CurrentControlSet\Services\LanmanWorkstation\Parameters"
_LANMAN_WKS_POLICY = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\LanmanWorkstation"
_CURRENT_VERSION = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"

SMB1_FEATURE_SCRIPT = (
    "Get-WindowsOptionalFeature -Online | Where-Object { $_.FeatureName -like 'SMB1Protocol*' } "
    "| Format-List FeatureName, State"
)
# Each share's permissions as its security descriptor (SDDL): accounts appear as SIDs or SID
# aliases (WD = Everyone, AN = anonymous, BG = Guests), which no display language and no renamed
# account changes (account names do: "Tout le monde", "Jeder", a guest account renamed "Visiteur").
SHARE_SDDL_SCRIPT = (
    "ConvertTo-Json -Compress -InputObject @(Get-SmbShare -Special $false | ForEach-Object { "
    "[pscustomobject]@{Name = $_.Name; Path = $_.Path; SecurityDescriptor = $_.SecurityDescriptor} })"
)
# Paths read on Linux; module-level so a test can point them at real files it made.
SMB_CONF = "/etc/samba/smb.conf"
SMBD_BINARIES = ("/usr/sbin/smbd", "/usr/local/sbin/smbd", "/usr/local/samba/sbin/smbd")
USERSHARE_DIR = "/var/lib/samba/usershares"

# Well-known SIDs of "anybody" (Everyone, anonymous logon, Guests), when an output shows a raw SID.
_OPEN_SIDS = {"S-1-1-0": "Everyone", "S-1-5-7": "Anonymous", "S-1-5-32-546": "Guests"}
# The same in SDDL's aliases, plus the built-in guest account (…-501) and domain guests (…-514).
_OPEN_ALIASES = {"WD": "Everyone", "AN": "Anonymous", "BG": "Guests", "DG": "Domain Guests"}
_ACE = re.compile(r"\(([^()]*)\)")
_OLD_PROTOCOLS = ("CORE", "COREPLUS", "LANMAN1", "LANMAN2", "NT1")
_NEEDS_ADMIN = N_("Needs administrator rights: run gp_guard as an administrator to check this.")

MS_SMB1 = Reference(
    N_("Microsoft: how to detect, enable and disable SMBv1"),
    "https://learn.microsoft.com/en-us/windows-server/storage/file-server/troubleshoot/detect-enable-and-disable-smbv1-v2-v3",
)
MS_GUEST = Reference(
    N_("Microsoft: guest access in SMB2 and SMB3 is disabled by default"),
    "https://learn.microsoft.com/en-us/troubleshoot/windows-server/networking/guest-access-in-smb2-is-disabled-by-default",
)
SAMBA_DOC = Reference(N_("Samba smb.conf manual"), "https://www.samba.org/samba/docs/current/man-html/smb.conf.5.html")




def parse_feature_list(text: str) -> dict[str, str]:
    """``Format-List FeatureName, State`` output -> {feature name: state} (labels are never localized)."""
    states: dict[str, str] = {}
    name: str | None = None
    for raw in text.splitlines():
        key, colon, value = raw.partition(":")
        if not colon:
            continue
        key, value = key.strip(), value.strip()
        if key == "FeatureName":
            name = value
        elif key == "State" and name:
            states[name] = value
            name = None
    return states


def parse_testparm(text: str) -> dict[str, dict[str, str]]:
    """``testparm -s -v`` output -> {section (lower case): {parameter (lower case): value}}."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[(.+)\]", line)
        if header:
            current = sections.setdefault(header.group(1).strip().lower(), {})
            continue
        if current is None or "=" not in line:
            continue
        key, _, value = line.partition("=")
        current[key.strip().lower()] = value.strip()
    return sections


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in ("yes", "true", "1", "on")


def _samba(host: Host) -> tuple[dict[str, dict[str, str]] | None, list[Evidence], Outcome | None]:
    """Samba's effective settings, or an outcome when there is nothing to read."""
    installed = [path for path in SMBD_BINARIES if host.exists(path)]
    if not installed:
        return None, [], passed(N_("No Samba file server is installed."), [Evidence("smbd", "not installed")])
    evidence = [Evidence("smbd", installed[0])]
    try:
        result = host.run(["testparm", "-s", "-v", SMB_CONF])
    except ToolMissing:
        return None, evidence, warned(
            N_("The Samba file server is installed but its settings could not be read (testparm is missing)."), evidence)
    sections = parse_testparm(result.stdout)
    if not result.ok or "global" not in sections:
        detail = (result.stderr.strip().splitlines() or [""])[-1]
        evidence.append(Evidence(f"testparm -s -v {SMB_CONF}", f"exit {result.returncode}: {detail}"))
        return None, evidence, errored(N_("The Samba settings could not be read: {detail}"), evidence, detail=detail)
    return sections, evidence, None


# -- SMB-01 -------------------------------------------------------------------------------------

@check(
    "SMB-01",
    area=Area.SHARING,
    severity=Severity.HIGH,
    title=N_("The obsolete file-sharing protocol SMBv1 is off"),
    problem=N_("The obsolete file-sharing protocol SMBv1 is on: it is the way the WannaCry ransomware spread"),
    why=N_("SMBv1 is the 1980s version of Windows file sharing. It has no protection against tampering and carries the flaws that let the WannaCry and NotPetya ransomware spread by themselves from computer to computer in 2017, encrypting hospitals' files. No current device needs it."),
    fix={
        WINDOWS: (
            N_("Press the Windows key, type 'Turn Windows features on or off' ('Activer ou désactiver des fonctionnalités Windows') and open it."),
            N_("Untick 'SMB 1.0/CIFS File Sharing Support', click OK and restart the computer."),
            N_("If an old scanner or NAS stops working, ask its vendor for an update rather than turning SMBv1 back on."),
        ),
        LINUX: (
            N_("Open /etc/samba/smb.conf as administrator and, in the [global] section, write: server min protocol = SMB2_10"),
            N_("Check the file with: testparm -s"),
            N_("Restart Samba: sudo systemctl restart smbd"),
        ),
    },
    platforms=(WINDOWS, LINUX),
    references=(MS_SMB1, ref.CNIL_NETWORK, ref.CIS_WINDOWS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:optionalfeatures"},
)
def smb1_off(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        return _windows_smb1(host)
    return _linux_smb1(host)


def _windows_smb1(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    server = reg_number(host, _LANMAN_SERVER, "SMB1")
    client = reg_number(host, _MRXSMB10, "Start")
    evidence.append(Evidence(rf"{_LANMAN_SERVER}\SMB1", "absent" if server is None else str(server)))
    evidence.append(Evidence(rf"{_MRXSMB10}\Start", "absent" if client is None else str(client)))
    if server == 1:
        return failed(N_("SMBv1 is on for file sharing by this computer (server side)."), evidence)
    if client is not None and client != 4:
        return failed(N_("SMBv1 is on for connections this computer opens (client side)."), evidence)
    if host.is_admin():
        result = host.powershell(SMB1_FEATURE_SCRIPT)
        states = parse_feature_list(result.stdout)
        evidence.append(Evidence("Get-WindowsOptionalFeature SMB1Protocol*",
                                 ", ".join(f"{k} {v}" for k, v in states.items()) or result.stderr.strip()[:200]))
        relevant = {k: v for k, v in states.items() if k.lower() != "smb1protocol-deprecation"}
        if any(v in ("Enabled", "EnablePending") for v in relevant.values()):
            return failed(N_("The Windows feature 'SMB 1.0/CIFS File Sharing Support' is installed."), evidence)
        if relevant:
            return passed(N_("SMBv1 is off."), evidence)
    if server == 0 and (client is None or client == 4):
        return passed(N_("SMBv1 is off."), evidence)
    return skipped(_NEEDS_ADMIN, evidence)


def _linux_smb1(host: Host) -> Outcome:
    sections, evidence, outcome = _samba(host)
    if outcome is not None or sections is None:
        return outcome or errored(N_("The Samba settings could not be read: {detail}"), evidence, detail="")
    value = sections["global"].get("server min protocol", "")
    evidence.append(Evidence("testparm: server min protocol", value or "(absent)"))
    if value.upper() in _OLD_PROTOCOLS:
        return failed(N_("The Samba server accepts SMBv1 (server min protocol = {value})."), evidence, value=value)
    return passed(N_("The Samba server refuses SMBv1."), evidence)


# -- SMB-02 -------------------------------------------------------------------------------------

@check(
    "SMB-02",
    area=Area.SHARING,
    severity=Severity.HIGH,
    title=N_("No shared folder is open to everyone or to guests"),
    problem=N_("A shared folder is open to everyone or to guests"),
    why=N_("A folder shared with 'Everyone' or with guests can be opened by any device on the practice's network without a password: a visitor's phone on the Wi-Fi, an infected computer, or the whole internet if the box forwards the port. The CNIL fined two doctors in 2020 because patient images were reachable this way."),
    fix={
        WINDOWS: (
            N_("Open the File Explorer, right-click the shared folder named here and choose Properties > Sharing > Advanced Sharing > Permissions."),
            N_("Select 'Everyone' ('Tout le monde') or 'Guest' ('Invité'), click Remove, then Add only the named accounts that need the folder."),
            N_("If nobody needs the share any more, untick 'Share this folder'."),
        ),
        LINUX: (
            N_("Open /etc/samba/smb.conf as administrator; in each share named here, replace 'guest ok = yes' with 'guest ok = no' and add 'valid users = ' followed by the named accounts."),
            N_("In [global], set: map to guest = Never, and: usershare allow guests = no"),
            N_("Check with: testparm -s, then restart Samba: sudo systemctl restart smbd"),
        ),
    },
    platforms=(WINDOWS, LINUX),
    references=(ref.CNIL_ACCESS, ref.CNIL_NETWORK, ref.ANSSI_ACCOUNTS, SAMBA_DOC, ref.CASE_2020),
    cnil_case="2020-imaging",
)
def open_shares(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        return _windows_shares(host)
    return _linux_shares(host)


def parse_shares_sddl(text: str) -> list[tuple[str, str]] | None:
    """``SHARE_SDDL_SCRIPT``: [(share name, SDDL)]; None when the output is not that JSON."""
    data = json_objects(text)
    if data is None:
        return None
    return [(str(item.get("Name") or "?"), str(item.get("SecurityDescriptor") or "")) for item in data]


def open_grants(sddl: str) -> list[str]:
    """Who among everyone, anonymous users and guests an SDDL's DACL allows in ('Everyone (WD)',
    'guest account (S-1-5-21-…-501)'), in its order."""
    dacl = sddl.partition("D:")[2].partition("S:")[0]
    found = []
    for ace in _ACE.findall(dacl):
        fields = ace.split(";")
        if len(fields) < 6 or fields[0].upper() != "A":  # allow ACEs only (A;flags;rights;;;sid)
            continue
        sid = fields[5].strip().upper()
        if sid in _OPEN_ALIASES:
            found.append(f"{_OPEN_ALIASES[sid]} ({sid})")
        elif sid in _OPEN_SIDS:
            found.append(f"{_OPEN_SIDS[sid]} ({sid})")
        elif re.fullmatch(r"S-1-5-21(-[0-9]{1,10}){3}-501", sid, re.ASCII):
            found.append(f"guest account ({sid})")
        elif re.fullmatch(r"S-1-5-21(-[0-9]{1,10}){3}-514", sid, re.ASCII):
            found.append(f"Domain Guests ({sid})")
    return found


def _windows_shares(host: Host) -> Outcome:
    if not host.is_admin():
        return skipped(_NEEDS_ADMIN)
    result = host.powershell(SHARE_SDDL_SCRIPT)
    shares = parse_shares_sddl(result.stdout) if result.ok else None
    if shares is None:
        return errored(N_("The list of shared folders could not be read."),
                       [Evidence("Get-SmbShare", f"exit {result.returncode}: {(result.stdout + result.stderr).strip()[:200]}")])
    evidence = [Evidence("Get-SmbShare -Special $false", ", ".join(sorted(name for name, _ in shares)) or "no shared folder")]
    open_shares = []
    for name, sddl in shares:
        grants = open_grants(sddl)
        evidence.append(Evidence(f"Get-SmbShare {name} SecurityDescriptor", sddl or "(none)"))
        if grants:
            evidence.append(Evidence(f"Get-SmbShare {name}", "allowed: " + ", ".join(grants)))
            open_shares.append(name)
    if open_shares:
        return failed(N_("These shared folders are open to everyone or to guests: {shares}."), evidence, shares=", ".join(sorted(open_shares)))
    return passed(N_("No shared folder is open to everyone or to guests."), evidence)


def _linux_shares(host: Host) -> Outcome:
    sections, evidence, outcome = _samba(host)
    if outcome is not None or sections is None:
        return outcome or errored(N_("The Samba settings could not be read: {detail}"), evidence, detail="")
    glob_ = sections["global"]
    map_to_guest = glob_.get("map to guest", "Never")
    evidence.append(Evidence("testparm: map to guest", map_to_guest))
    guest_shares = [
        name for name, params in sections.items()
        if name != "global" and _yes(params.get("guest ok", glob_.get("guest ok")))
        and _yes(params.get("available", "yes"))
    ]
    if guest_shares:
        evidence.append(Evidence("testparm: guest ok = yes", ", ".join(guest_shares)))
        return failed(N_("These shared folders are open to guests: {shares}."), evidence, shares=", ".join(guest_shares))
    usershares = _yes(glob_.get("usershare allow guests"))
    if usershares:
        names = host.list_dir(glob_.get("usershare path") or USERSHARE_DIR) or []
        evidence.append(Evidence("testparm: usershare allow guests", f"Yes ({len(names)} user shares)"))
        if names:
            return warned(N_("Users may share folders with guests, and user shares exist ({count}): check them with 'net usershare info'."),
                          evidence, count=len(names))
    if map_to_guest.lower() == "bad password":
        return warned(N_("Samba lets a mistyped password in as a guest (map to guest = Bad Password)."), evidence)
    return passed(N_("No shared folder is open to guests."), evidence)


# -- SMB-03 -------------------------------------------------------------------------------------

@check(
    "SMB-03",
    area=Area.SHARING,
    severity=Severity.MEDIUM,
    title=N_("This computer refuses to open shared folders as a guest"),
    problem=N_("This computer opens shared folders as a guest, without checking who offers them"),
    why=N_("When Windows accepts 'insecure guest logons', it opens shared folders of other devices without any password and without checking that the device is the real one. An attacker on the network can then pose as the practice's NAS or server and feed this computer fake files or capture what it saves there."),
    fix={
        WINDOWS: (
            N_("On Windows Pro: press the Windows key, type gpedit.msc and open it; go to Computer Configuration > Administrative Templates > Network > Lanman Workstation, open 'Enable insecure guest logons' and choose Disabled."),
            N_("On Windows Home: ask your IT provider to set the registry value AllowInsecureGuestAuth to 0 under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters."),
            N_("Give the NAS or the shared folder a named account with a password, so that no guest access is needed."),
        ),
    },
    platforms=(WINDOWS,),
    references=(MS_GUEST, ref.CNIL_NETWORK, ref.CIS_WINDOWS),
)
def insecure_guest_logons(host: Host) -> Outcome:
    policy = reg_number(host, _LANMAN_WKS_POLICY, "AllowInsecureGuestAuth")
    local = reg_number(host, _LANMAN_WKS, "AllowInsecureGuestAuth")
    if policy is not None:
        value, source = policy, rf"{_LANMAN_WKS_POLICY}\AllowInsecureGuestAuth"
    elif local is not None:
        value, source = local, rf"{_LANMAN_WKS}\AllowInsecureGuestAuth"
    else:
        value, source = None, rf"{_LANMAN_WKS}\AllowInsecureGuestAuth"
    evidence = [Evidence(source, "absent" if value is None else str(value))]
    if value is None:
        # Windows' default depends on the edition and the version: off on Enterprise and Education
        # since Windows 10 1709, and on Pro since Windows 11 24H2 (build 26100); Home ("Core*")
        # editions are taken as still allowing it.
        edition = host.reg_value(_CURRENT_VERSION, "EditionID")
        build = host.reg_value(_CURRENT_VERSION, "CurrentBuild")
        edition_s = str(edition.value) if edition else ""
        build_n = (ascii_int(str(build.value)) or 0) if build else 0
        evidence.append(Evidence(rf"{_CURRENT_VERSION}\EditionID, CurrentBuild", f"{edition_s or '?'}, {build_n or '?'}"))
        if not edition_s and not build_n:
            return skipped(N_("The Windows edition could not be read, so the default setting is unknown."), evidence)
        home = edition_s.lower().startswith("core")
        if re.match(r"(Enterprise|Education|Server)", edition_s, re.I) or (build_n >= 26100 and not home):
            return passed(N_("Insecure guest logons are off (Windows default for this edition)."), evidence)
        return failed(N_("Insecure guest logons are allowed (Windows default for this edition)."), evidence)
    if value == 0:
        return passed(N_("Insecure guest logons are off."), evidence)
    return failed(N_("Insecure guest logons are on."), evidence)
