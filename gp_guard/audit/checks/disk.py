"""Disk encryption checks (CRY-*): the system disk, then data, backup and removable disks."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from gp_guard.audit import references as ref
from gp_guard.audit.checks.macos_privacy import GRANT_FULL_DISK_ACCESS, full_disk_access
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
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, NeedsAdmin
from gp_guard.i18n import N_

CIS_BITLOCKER = Reference(
    N_("Microsoft: BitLocker overview and device encryption"),
    "https://learn.microsoft.com/windows/security/operating-system-security/data-protection/bitlocker/",
)
APPLE_FILEVAULT = Reference(
    N_("Apple: protect data on your Mac with FileVault"), "https://support.apple.com/guide/mac-help/mh11785/mac"
)

# Only the fields the checks need: never KeyProtector, which holds recovery passwords.
BITLOCKER_SCRIPT = (
    "Get-BitLockerVolume -ErrorAction Stop | Select-Object MountPoint,VolumeType,VolumeStatus,"
    "ProtectionStatus,EncryptionPercentage | ConvertTo-Json"
)
FDESETUP = ["fdesetup", "status"]
TIME_MACHINE = ["defaults", "read", "/Library/Preferences/com.apple.TimeMachine"]

# BitLocker enums as ConvertTo-Json writes them (numbers), with their names (PowerShell 7 may
# write names when asked to): VolumeType, VolumeStatus, ProtectionStatus.
_VOLUME_TYPES = {0: "OperatingSystem", 1: "FixedData", 2: "Removable"}
_VOLUME_STATUS = {
    0: "FullyDecrypted",
    1: "FullyEncrypted",
    2: "EncryptionInProgress",
    3: "DecryptionInProgress",
    4: "EncryptionSuspended",
    5: "DecryptionSuspended",
}
_PROTECTION = {0: "Off", 1: "On", 2: "Unknown"}


@check(
    "CRY-01",
    area=Area.ENCRYPTION,
    severity=Severity.CRITICAL,
    title=N_("The system disk is encrypted"),
    problem=N_("The disk of this computer is not encrypted: a thief could read your patients' files"),
    why=N_("If this computer is stolen, lost or sent for repair, anyone can take its disk out and read the patient files, the practice software's database and the saved passwords, without knowing your session password. Encryption makes the disk unreadable without your password or key. The CNIL held the lack of encryption against the two doctors fined in 2020 and against Dedalus Biologie in 2022."),
    fix={
        WINDOWS: (
            N_("Open Settings > Privacy & security > Device encryption (Windows Home) or Control Panel > System and Security > BitLocker Drive Encryption (Windows Pro)."),
            N_("Turn encryption on for the system drive (C:)."),
            N_("Save the recovery key outside this computer (your Microsoft account, a printed copy kept in a locked drawer), never in a file on the same disk."),
            N_("Leave the computer on until encryption is complete; you can keep working meanwhile."),
        ),
        MACOS: (
            N_("Open System Settings > Privacy & Security > FileVault."),
            N_("Click 'Turn On…' and keep the recovery key somewhere safe away from the Mac (printed, in a locked drawer)."),
            N_("Leave the Mac plugged in until encryption is complete."),
        ),
        LINUX: (
            N_("Encrypting an installed Linux system needs a reinstall: back up your data first."),
            N_("Reinstall and choose 'Encrypt the new installation' (LUKS) in the disk partitioning step, with a long passphrase."),
            N_("Ask your IT provider if you are unsure; keep the passphrase in a safe place."),
        ),
    },
    references=(ref.CNIL_ENCRYPTION, ref.ANSSI_ENCRYPTION, CIS_BITLOCKER, APPLE_FILEVAULT, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CASE_2020, ref.CASE_2022),
    settings={WINDOWS: "ms-settings:deviceencryption", MACOS: "x-apple.systempreferences:com.apple.preference.security?FileVault"},
    cnil_case="2020-imaging",
    timeout=30.0,
)
def system_disk_encrypted(host: Host) -> Outcome:
    return per_platform(host, _windows_system, _macos_filevault, _linux_system)


@check(
    "CRY-02",
    area=Area.ENCRYPTION,
    severity=Severity.HIGH,
    title=N_("Data, backup and removable disks are encrypted"),
    problem=N_("A data, backup or removable disk is not encrypted: whoever finds it can read it"),
    why=N_("A second disk, a backup disk or a USB key often holds a full copy of the patient files. It is easier to lose or steal than the computer itself, and anyone who plugs it in can read it unless it is encrypted. An encrypted backup stays safe even when it leaves the practice."),
    fix={
        WINDOWS: (
            N_("Open Control Panel > System and Security > BitLocker Drive Encryption."),
            N_("For each drive listed below, click 'Turn on BitLocker' (for a USB key or disk: 'BitLocker To Go'), choose a password and save the recovery key away from the drive."),
            N_("Tick 'Automatically unlock on this computer' for a fixed data drive so that your software still finds it."),
        ),
        MACOS: (
            N_("Open System Settings > General > Time Machine."),
            N_("Select the backup disk, remove it ('-'), then add it again with 'Encrypt backup' ticked and a password kept away from the Mac."),
            N_("For another external disk: in the Finder, Control-click the disk and choose 'Encrypt'."),
        ),
        LINUX: (
            N_("Copy the data of the disk listed below elsewhere, then encrypt the disk with the 'Disks' tool: Format Partition > 'Password protect volume (LUKS)'."),
            N_("Copy the data back and keep the passphrase in a safe place."),
        ),
    },
    references=(ref.CNIL_ENCRYPTION, ref.CNIL_BACKUP, ref.CNIL_MOBILE, ref.ANSSI_ENCRYPTION, CIS_BITLOCKER, ref.CIS_MACOS, ref.CASE_2022),
    settings={MACOS: "x-apple.systempreferences:com.apple.Time-Machine-Settings.extension"},
    cnil_case="2022-dedalus",
    timeout=30.0,
)
def data_disks_encrypted(host: Host) -> Outcome:
    return per_platform(host, _windows_data, _macos_time_machine, _linux_data)


# -- Windows ------------------------------------------------------------------------------------

def parse_bitlocker_json(text: str) -> list[dict[str, Any]]:
    """``Get-BitLockerVolume | ConvertTo-Json``: a list of volumes (one volume comes as an object)."""
    data = json.loads(text)
    volumes = data if isinstance(data, list) else [data]
    result = []
    for vol in volumes:
        if not isinstance(vol, dict):
            continue
        result.append({
            "mount": str(vol.get("MountPoint") or ""),
            "type": _enum(vol.get("VolumeType"), _VOLUME_TYPES),
            "status": _enum(vol.get("VolumeStatus"), _VOLUME_STATUS),
            "protection": _enum(vol.get("ProtectionStatus"), _PROTECTION),
            "percent": vol.get("EncryptionPercentage"),
        })
    return result


def _enum(value: Any, names: dict[int, str]) -> str:
    if isinstance(value, bool) or value is None:
        return "Unknown"
    if isinstance(value, int):
        return names.get(value, str(value))
    if isinstance(value, dict) and "value" in value:  # PowerShell 5 sometimes nests enums
        return _enum(value["value"], names)
    return str(value)


def _bitlocker_volumes(host: Host) -> tuple[list[dict[str, Any]] | None, Evidence]:
    if not host.is_admin():  # Get-BitLockerVolume answers only to administrators
        raise NeedsAdmin("Get-BitLockerVolume")
    result = host.powershell(BITLOCKER_SCRIPT)
    source = "Get-BitLockerVolume | ConvertTo-Json"
    if not result.ok:
        detail = (result.stderr or result.stdout).strip()
        if re.search(r"Access is denied|Accès refusé|0x80041003|administrat", detail, re.I):
            raise NeedsAdmin("Get-BitLockerVolume")
        return None, Evidence(source, detail.splitlines()[0] if detail else f"exit code {result.returncode}")
    try:
        volumes = parse_bitlocker_json(result.stdout)
    except ValueError:
        return None, Evidence(source, result.stdout.strip()[:200])
    return volumes, Evidence(source, f"{len(volumes)} volumes")


def _describe(vol: dict[str, Any]) -> str:
    return (f"{vol['mount']} {vol['type']}: VolumeStatus={vol['status']}, "
            f"ProtectionStatus={vol['protection']}, EncryptionPercentage={vol['percent']}")


def _windows_system(host: Host) -> Outcome:
    volumes, summary = _bitlocker_volumes(host)
    if volumes is None:
        return warned(
            N_("The encryption status could not be read (BitLocker tools missing or not answering): check 'Device encryption' in Settings."),
            [summary],
        )
    drive = (host.env("SystemDrive") or "C:").upper()
    system = [v for v in volumes if v["type"] == "OperatingSystem" or v["mount"].upper() == drive]
    if not system:
        return warned(N_("The system drive was not listed by BitLocker."), [summary])
    vol = system[0]
    evidence = [Evidence("Get-BitLockerVolume", _describe(vol))]
    if vol["protection"] == "On":
        return passed(N_("The system drive {drive} is encrypted and protected (BitLocker)."), evidence, drive=vol["mount"])
    if vol["status"] == "EncryptionInProgress":
        return warned(N_("Encryption of the system drive {drive} is in progress; check again when it is finished."), evidence, drive=vol["mount"])
    if vol["status"] == "FullyEncrypted":
        return failed(N_("The system drive {drive} is encrypted but its protection is suspended: the key is stored in clear and anyone can read the disk."), evidence, drive=vol["mount"])
    return failed(N_("The system drive {drive} is not encrypted."), evidence, drive=vol["mount"])


def _windows_data(host: Host) -> Outcome:
    volumes, summary = _bitlocker_volumes(host)
    if volumes is None:
        return warned(N_("The encryption status could not be read (BitLocker tools missing or not answering)."), [summary])
    drive = (host.env("SystemDrive") or "C:").upper()
    others = [v for v in volumes if v["type"] != "OperatingSystem" and v["mount"].upper() != drive]
    # A volume with neither a drive letter nor a folder to reach it (\\?\Volume{GUID}\: a
    # recovery or manufacturer's partition) holds no one's files: listed, not judged.
    hidden = [v for v in others if not v["mount"] or v["mount"].startswith("\\\\?\\")]
    others = [v for v in others if v not in hidden]
    evidence = [summary] + [Evidence("Get-BitLockerVolume", _describe(v)) for v in others]
    evidence += [Evidence("Get-BitLockerVolume", f"{_describe(v)} (no drive letter: not counted)") for v in hidden]
    if not others:
        return passed(N_("No data, backup or removable disk is connected besides the system disk."), evidence)
    clear = [v["mount"] or "?" for v in others if v["protection"] != "On"]
    if clear:
        return failed(N_("These disks are not encrypted: {disks}."), evidence, disks=", ".join(clear))
    return passed(N_("Every data, backup and removable disk is encrypted."), evidence)


# -- macOS --------------------------------------------------------------------------------------

def _macos_filevault(host: Host) -> Outcome:
    result = host.run(FDESETUP)
    text = (result.stdout or result.stderr).strip()
    evidence = [Evidence("fdesetup status", text)]
    first = text.splitlines()[0] if text else ""
    if re.match(r"FileVault is On", first):
        return passed(N_("FileVault is on: the Mac's disk is encrypted."), evidence)
    if re.search(r"Encryption in progress", text):
        return warned(N_("FileVault encryption is in progress; check again when it is finished."), evidence)
    if re.search(r"will be enabled after the next restart|deferred", text, re.I):
        return warned(N_("FileVault will be turned on at the next restart: restart the Mac to finish."), evidence)
    if re.match(r"FileVault is Off", first) or re.search(r"Decryption in progress", text):
        return failed(N_("FileVault is off: the Mac's disk is not encrypted."), evidence)
    return warned(N_("The FileVault status could not be understood."), evidence)


def parse_time_machine(text: str) -> list[tuple[str, str]]:
    """``defaults read .../com.apple.TimeMachine``: [(destination name, encryption state)]."""
    destinations: list[tuple[str, str]] = []
    for block in re.split(r"\n\s*\},?\s*\n", text):
        state = re.search(r"LastKnownEncryptionState\s*=\s*\"?([A-Za-z]+)\"?;", block)
        if not state:
            continue
        name = re.search(r"LastKnownVolumeName\s*=\s*\"?(.*?)\"?;", block)
        destinations.append((name.group(1) if name else "?", state.group(1)))
    return destinations


def _macos_time_machine(host: Host) -> Outcome:
    result = host.run(TIME_MACHINE)
    source = "defaults read /Library/Preferences/com.apple.TimeMachine"
    if not result.ok:
        detail = (result.stderr or result.stdout).strip()
        if "does not exist" in detail:
            # Without Full Disk Access macOS hides the file and says the same as for no setup.
            access, probe = full_disk_access(host)
            if access is False:
                return skipped(N_("Not checked: without Full Disk Access, macOS hides the Time Machine settings from gp_guard, so an unencrypted backup disk cannot be seen. {how}"),
                               [Evidence(source, detail), probe], how=GRANT_FULL_DISK_ACCESS)
            return passed(N_("No Time Machine backup disk is set up."), [Evidence(source, detail), probe])
        return skipped(N_("The Time Machine settings could not be read: give gp_guard 'Full Disk Access' in System Settings > Privacy & Security."), [Evidence(source, detail)])
    if not result.stdout.lstrip().startswith("{"):  # "defaults read" prints a dictionary
        return warned(N_("The Time Machine settings could not be understood."), [Evidence(source, result.stdout.strip()[:200])])
    destinations = parse_time_machine(result.stdout)
    evidence = [Evidence(source, f"{name}: LastKnownEncryptionState = {state}") for name, state in destinations]
    if not destinations:
        return passed(N_("No Time Machine backup disk is set up."), [Evidence(source, "no destination")])
    clear = [name for name, state in destinations if state not in ("Encrypted", "FileVault")]
    if clear:
        return failed(N_("These Time Machine backup disks are not encrypted: {disks}."), evidence, disks=", ".join(clear))
    return passed(N_("Every Time Machine backup disk is encrypted."), evidence)


# -- Linux --------------------------------------------------------------------------------------

_SYSTEM_MOUNTS = {"/", "/boot", "/boot/efi", "/efi", "[SWAP]"}
_READ_ONLY_MEDIA = {"squashfs", "iso9660", "udf", "erofs"}


def _walk(nodes: list[dict[str, Any]], chain: tuple[dict[str, Any], ...] = ()) -> Iterator[tuple[dict[str, Any], tuple[dict[str, Any], ...]]]:
    """Every lsblk node with the chain of nodes from the top disk down to it."""
    for node in nodes:
        here = (*chain, node)
        yield node, here
        yield from _walk(node.get("children") or [], here)


def _is_crypt(node: dict[str, Any]) -> bool:
    return node.get("type") == "crypt" or node.get("fstype") == "crypto_LUKS"


def parse_lsblk(text: str) -> list[dict[str, Any]]:
    data = json.loads(text)
    devices = data.get("blockdevices") if isinstance(data, dict) else None
    if not isinstance(devices, list):
        raise ValueError("no blockdevices")
    return devices


def _root_source(host: Host) -> str:
    result = host.run(["findmnt", "-n", "-o", "SOURCE", "-T", "/"])
    return re.sub(r"\[.*\]$", "", result.stdout.strip())  # btrfs: /dev/sda2[/@]


def _linux_system(host: Host) -> Outcome:
    source = _root_source(host)
    evidence = [Evidence("findmnt -n -o SOURCE -T /", source)]
    if not source.startswith("/dev/"):
        return warned(N_("The system disk is not a plain disk ({source}): its encryption cannot be checked here."), evidence, source=source or "?")
    result = host.run(["lsblk", "-J", "-s", "-o", "NAME,TYPE,FSTYPE,PATH", source])
    try:
        nodes = [node for node, _ in _walk(parse_lsblk(result.stdout))]
    except ValueError:
        return warned(N_("The disk layout could not be read (lsblk)."), [*evidence, Evidence("lsblk", result.stdout[:200] or result.stderr[:200])])
    layers = " <- ".join(f"{n.get('name')} ({n.get('type')}{', ' + n['fstype'] if n.get('fstype') else ''})" for n in nodes)
    evidence.append(Evidence(f"lsblk -s {source}", layers))
    if any(_is_crypt(n) for n in nodes):
        return passed(N_("The system disk is encrypted (LUKS)."), evidence)
    return failed(N_("The system disk is not encrypted."), evidence)


def _linux_data(host: Host) -> Outcome:
    result = host.run(["lsblk", "-J", "-o", "NAME,TYPE,FSTYPE,MOUNTPOINT,RM,PATH"])
    try:
        tree = parse_lsblk(result.stdout)
    except ValueError:
        return warned(N_("The disk layout could not be read (lsblk)."), [Evidence("lsblk", result.stdout[:200] or result.stderr[:200])])
    clear: list[str] = []
    evidence: list[Evidence] = []
    for node, chain in _walk(tree):
        mount = node.get("mountpoint")
        if not mount or mount in _SYSTEM_MOUNTS or node.get("type") == "rom":
            continue
        if node.get("fstype") in _READ_ONLY_MEDIA or node.get("name", "").startswith("zram"):
            continue
        encrypted = any(_is_crypt(n) for n in chain)
        path = node.get("path") or node.get("name")
        evidence.append(Evidence("lsblk", f"{path} on {mount}: {'encrypted' if encrypted else 'not encrypted'}"))
        if not encrypted:
            clear.append(f"{path} ({mount})")
    if clear:
        return failed(N_("These disks are not encrypted: {disks}."), evidence, disks=", ".join(clear))
    if not evidence:
        return passed(N_("No data, backup or removable disk is connected besides the system disk."), [Evidence("lsblk", "no other mounted disk")])
    return passed(N_("Every data, backup and removable disk is encrypted."), evidence)
