"""CRY-01 and CRY-02 on this Linux machine, for real (findmnt, lsblk, a real mounted loop disk),
and their parsers on real and odd outputs."""

from __future__ import annotations

import json
import subprocess

import pytest

from gp_guard.audit.checks import disk
from gp_guard.audit.model import Status
from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import recorded, run_check


def test_cry01_reads_the_real_root_disk():
    require_tool("lsblk", "the Linux encryption checks read the real disk layout")
    host = LocalHost()
    source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", "-T", "/"], capture_output=True, text=True).stdout.strip()
    outcome = run_check("CRY-01", host)
    assert outcome.evidence[0].source == "findmnt -n -o SOURCE -T /"
    assert outcome.evidence[0].value.split("[")[0] == source.split("[")[0]
    if not source.startswith("/dev/"):
        assert outcome.status == Status.WARN
        return
    tree = subprocess.run(["lsblk", "-J", "-s", "-o", "NAME,TYPE,FSTYPE", source], capture_output=True, text=True).stdout
    encrypted = '"crypt"' in tree or "crypto_LUKS" in tree
    assert outcome.status == (Status.PASS if encrypted else Status.FAIL), outcome
    assert source.rsplit("/", 1)[-1] in outcome.evidence[1].value


@pytest.fixture
def mounted_clear_disk(tmp_path):
    """A real, unencrypted ext4 disk (a loop device over a file) mounted under tmp_path."""
    require_tool("losetup", "a real loop disk is mounted for the CRY-02 test")
    require_tool("mkfs.ext4", "a real loop disk is formatted for the CRY-02 test")
    if not LocalHost().is_admin():
        pytest.skip("mounting a disk needs root")
    image = tmp_path / "usbkey.img"
    with open(image, "wb") as handle:
        handle.truncate(16 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, capture_output=True)
    loop = subprocess.run(["losetup", "-f", "--show", str(image)], capture_output=True, text=True)
    if loop.returncode != 0:
        pytest.skip(f"no loop device here: {loop.stderr.strip()}")
    device = loop.stdout.strip()
    mount = tmp_path / "mnt"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", device, str(mount)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount here: {done.stderr.strip()}")
        try:
            yield device, str(mount)
        finally:
            subprocess.run(["umount", str(mount)], capture_output=True)
    finally:
        subprocess.run(["losetup", "-d", device], capture_output=True)


def test_cry02_fails_on_a_real_mounted_clear_disk(mounted_clear_disk):
    device, mount = mounted_clear_disk
    outcome = run_check("CRY-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert f"{device} ({mount})" in outcome.params["disks"]
    assert any(e.value == f"{device} on {mount}: not encrypted" for e in outcome.evidence)


def test_cry02_ignores_the_system_disk():
    require_tool("lsblk", "the Linux encryption checks read the real disk layout")
    outcome = run_check("CRY-02", LocalHost())
    assert all(" on /: " not in e.value for e in outcome.evidence)
    assert outcome.status in (Status.PASS, Status.FAIL)


# -- parsers on real and odd outputs --------------------------------------------------------------

# `lsblk -J -o NAME,TYPE,FSTYPE,MOUNTPOINT,RM,PATH` of a LUKS-on-LVM laptop with a clear USB key
LUKS_TREE = {
    "blockdevices": [
        {"name": "nvme0n1", "type": "disk", "fstype": None, "mountpoint": None, "rm": False, "path": "/dev/nvme0n1",
         "children": [
             {"name": "nvme0n1p1", "type": "part", "fstype": "vfat", "mountpoint": "/boot/efi", "rm": False, "path": "/dev/nvme0n1p1"},
             {"name": "nvme0n1p3", "type": "part", "fstype": "crypto_LUKS", "mountpoint": None, "rm": False, "path": "/dev/nvme0n1p3",
              "children": [
                  {"name": "nvme0n1p3_crypt", "type": "crypt", "fstype": "LVM2_member", "mountpoint": None, "rm": False, "path": "/dev/mapper/nvme0n1p3_crypt",
                   "children": [
                       {"name": "vg-root", "type": "lvm", "fstype": "ext4", "mountpoint": "/", "rm": False, "path": "/dev/mapper/vg-root"},
                       {"name": "vg-data", "type": "lvm", "fstype": "ext4", "mountpoint": "/srv/data", "rm": False, "path": "/dev/mapper/vg-data"},
                   ]},
              ]},
         ]},
        {"name": "sdb", "type": "disk", "fstype": None, "mountpoint": None, "rm": True, "path": "/dev/sdb",
         "children": [{"name": "sdb1", "type": "part", "fstype": "vfat", "mountpoint": "/media/cle", "rm": True, "path": "/dev/sdb1"}]},
        {"name": "loop3", "type": "loop", "fstype": "squashfs", "mountpoint": "/snap/core/1", "rm": False, "path": "/dev/loop3"},
    ]
}


def test_walk_sees_the_crypt_layer_above_a_mount():
    chains = {node["name"]: chain for node, chain in disk._walk(LUKS_TREE["blockdevices"])}
    assert any(disk._is_crypt(n) for n in chains["vg-data"])
    assert not any(disk._is_crypt(n) for n in chains["sdb1"])


def test_parse_lsblk_refuses_garbage():
    for bad in ("", "not json", "[]", '{"blockdevices": 3}'):
        with pytest.raises(ValueError):
            disk.parse_lsblk(bad)
    assert disk.parse_lsblk(json.dumps(LUKS_TREE))[0]["name"] == "nvme0n1"


def test_bitlocker_json_single_object_names_and_garbage():
    one = disk.parse_bitlocker_json('{"MountPoint": "C:", "VolumeType": 0, "VolumeStatus": 1, "ProtectionStatus": 1}')
    assert one == [{"mount": "C:", "type": "OperatingSystem", "status": "FullyEncrypted", "protection": "On", "percent": None}]
    named = disk.parse_bitlocker_json('[{"MountPoint": "D:", "VolumeType": "Removable", "VolumeStatus": "FullyDecrypted", "ProtectionStatus": "Off"}, 5]')
    assert named[0]["type"] == "Removable" and len(named) == 1
    with pytest.raises(ValueError):
        disk.parse_bitlocker_json("Get-BitLockerVolume : The term 'Get-BitLockerVolume' is not recognized")


def test_time_machine_parser():
    text = recorded("macos13_weak").run(disk.TIME_MACHINE).stdout
    assert disk.parse_time_machine(text) == [("Sauvegarde Cabinet", "NotEncrypted")]
    assert disk.parse_time_machine("{\n    AutoBackup = 0;\n}\n") == []
    assert disk.parse_time_machine("\x00garbage") == []


def test_recorded_weak_windows_names_the_clear_data_disk():
    outcome = run_check("CRY-02", recorded("win10_fr_weak"))
    assert outcome.params["disks"] == "E:"
    outcome = run_check("CRY-01", recorded("win10_fr_weak"))
    assert outcome.params["drive"] == "C:"
    assert "ProtectionStatus=Off" in outcome.evidence[0].value


def test_garbage_outputs_give_clean_statuses(tmp_path):
    from tests.unit.test_checks_firewall import garbage_host

    mac = garbage_host(tmp_path, "macos", [disk.FDESETUP, disk.TIME_MACHINE])
    assert run_check("CRY-01", mac).status == Status.WARN
    assert run_check("CRY-02", mac).status == Status.WARN
    argv = ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", disk.BITLOCKER_SCRIPT]
    win = garbage_host(tmp_path, "windows", [argv])
    for check_id in ("CRY-01", "CRY-02"):
        outcome = run_check(check_id, win)
        assert outcome.status == Status.WARN, outcome
        assert outcome.evidence[0].source == "Get-BitLockerVolume | ConvertTo-Json"


def test_cry02_macos_missing_time_machine_settings_pass_only_with_full_disk_access(tmp_path):
    """'does not exist' means no backup disk only when macOS lets gp_guard read protected files."""
    import json

    from tests.helpers import RecordedHost, run_check

    def host(name: str, probe_rc: int, probe_err: str):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "host.toml").write_text('platform = "macos"\nadmin = true\nrecorded_at = "2025-01-01T00:00:00+00:00"\n')
        (folder / "tm.rec").write_text(
            f"kind: command\nargv: {json.dumps(disk.TIME_MACHINE)}\nrc: 1\n"
            "stderr: Domain /Library/Preferences/com.apple.TimeMachine does not exist\nsource: test\n---\n")
        body = "TCC.db\n" if probe_rc == 0 else ""
        (folder / "fda.rec").write_text(
            'kind: command\nargv: ["ls", "/Library/Application Support/com.apple.TCC"]\n'
            f"rc: {probe_rc}\n" + (f"stderr: {probe_err}\n" if probe_err else "") + f"source: test\n---\n{body}")
        return RecordedHost(folder)

    granted = run_check("CRY-02", host("granted", 0, ""))
    assert str(granted.status) == "pass"
    denied = run_check("CRY-02", host("denied", 1, "ls: /Library/Application Support/com.apple.TCC: Operation not permitted"))
    assert str(denied.status) == "skipped"
    assert "Full Disk Access" in denied.message
    unknown = run_check("CRY-02", host("unknown", 1, "ls: something else"))
    assert str(unknown.status) == "pass"  # no sign of a refusal: the settings really are absent
