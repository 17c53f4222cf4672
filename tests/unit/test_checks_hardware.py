"""HW-01 (Secure Boot) and HW-02 (AutoPlay) on this Linux machine, with real files and tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gp_guard.audit.checks import hardware
from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import run_check

pytestmark = pytest.mark.skipif(os.name != "posix", reason="live Linux checks")


def _script(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_tools(tmp_path, monkeypatch):
    """A PATH with nothing on it: mokutil and gsettings are 'not installed'."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


@pytest.fixture
def efi(tmp_path, monkeypatch):
    root = tmp_path / "efi"
    monkeypatch.setattr(hardware, "EFI_DIR", str(root))
    monkeypatch.setattr(hardware, "EFIVARS_DIR", str(root / "efivars"))
    return root


# -- HW-01 --------------------------------------------------------------------------------------
def test_secure_boot_on_this_machine_gives_a_clean_answer():
    outcome = run_check("HW-01", LocalHost())
    assert str(outcome.status) in ("pass", "fail", "warn")
    assert outcome.evidence


def test_legacy_bios_is_reported_not_guessed(no_tools, efi):
    outcome = run_check("HW-01", LocalHost())
    assert str(outcome.status) == "warn"
    assert outcome.evidence[-1].source == str(efi) and outcome.evidence[-1].value == "(absent)"
    assert "legacy" in outcome.message


@pytest.mark.parametrize(("data", "status", "value"), [
    (b"\x06\x00\x00\x00\x01", "pass", "1"),
    (b"\x06\x00\x00\x00\x00", "fail", "0"),
    (b"\x06\x00\x00", "warn", "(unreadable)"),
    (b"\x06\x00\x00\x00\x07", "warn", "(unreadable)"),
])
def test_secure_boot_from_the_efi_variable(no_tools, efi, data, status, value):
    variables = efi / "efivars"
    variables.mkdir(parents=True)
    (variables / "PK-8be4df61-93ca-11d2-aa0d-00e098032b8c").write_bytes(b"\x27\x00\x00\x00")
    (variables / hardware.SECUREBOOT_VAR).write_bytes(data)
    outcome = run_check("HW-01", LocalHost())
    assert str(outcome.status) == status
    assert outcome.evidence[-1].source == f"{variables}/{hardware.SECUREBOOT_VAR}"
    assert outcome.evidence[-1].value == value


def test_efi_without_secure_boot_variable(no_tools, efi):
    (efi / "efivars").mkdir(parents=True)
    outcome = run_check("HW-01", LocalHost())
    assert str(outcome.status) == "warn"
    assert outcome.evidence[-1].value == "(absent)"


@pytest.mark.parametrize(("output", "rc", "status"), [
    ("SecureBoot enabled", 0, "pass"),
    ("SecureBoot disabled\nPlatform is in Setup Mode", 0, "fail"),
])
def test_secure_boot_from_mokutil(no_tools, efi, output, rc, status):
    # A stand-in for mokutil (not installed here, and this machine has no EFI) printing its real output.
    _script(no_tools, "mokutil", f"printf '{output}\\n'; exit {rc}")
    outcome = run_check("HW-01", LocalHost())
    assert str(outcome.status) == status
    assert outcome.evidence[0].source == "mokutil --sb-state"
    assert outcome.evidence[0].value == output


def test_mokutil_failing_falls_back_on_firmware(no_tools, efi):
    _script(no_tools, "mokutil", "echo 'EFI variables are not supported on this system' >&2; exit 255")
    outcome = run_check("HW-01", LocalHost())
    assert str(outcome.status) == "warn"
    assert outcome.evidence[0].value == "EFI variables are not supported on this system"
    assert outcome.evidence[-1].value == "(absent)"


@pytest.mark.parametrize("text", ["", "garbage", "SecureBoot maybe", "secureboot ENABLED extra"])
def test_mokutil_parser_refuses_garbage(text):
    assert hardware.parse_mokutil(text) is None


def test_efivar_parser_edge_cases():
    assert hardware.parse_efivar(None) is None
    assert hardware.parse_efivar("") is None
    assert hardware.parse_efivar("\x06\x00\x00\x00\x01") is True
    assert hardware.parse_efivar("\x06\x00\x00\x00\x00") is False


# -- HW-02 --------------------------------------------------------------------------------------
@pytest.fixture
def modprobe(tmp_path, monkeypatch):
    folder = tmp_path / "modprobe.d"
    folder.mkdir()
    monkeypatch.setattr(hardware, "MODPROBE_DIRS", (str(folder),))
    return folder


@pytest.mark.parametrize("line", [
    "install usb-storage /bin/false",
    "install usb_storage /bin/true",
    "blacklist usb-storage",
    "  blacklist usb_storage  # no USB keys here",
])
def test_usb_storage_blocked(modprobe, no_tools, line):
    (modprobe / "usb.conf").write_text(f"# local policy\n{line}\n", encoding="utf-8")
    outcome = run_check("HW-02", LocalHost())
    assert str(outcome.status) == "pass"
    assert outcome.evidence[0].source == f"{modprobe}/usb.conf"
    assert outcome.evidence[0].value.startswith(("install", "blacklist"))


def test_commented_or_other_modules_do_not_count(modprobe, no_tools):
    (modprobe / "usb.conf").write_text("# blacklist usb-storage\nblacklist usbhid\n", encoding="utf-8")
    (modprobe / "usb-storage.conf.disabled").write_text("blacklist usb-storage\n", encoding="utf-8")
    outcome = run_check("HW-02", LocalHost())
    assert str(outcome.status) == "pass"  # no desktop (gsettings missing): nothing auto-runs
    assert outcome.evidence[-1].value == "(not installed)"


@pytest.fixture
def gsettings_home(tmp_path, monkeypatch, modprobe):
    gsettings = require_tool("gsettings", "GNOME settings of HW-02")
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")  # a private settings file, not the machine's
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    probe = subprocess.run([gsettings, "get", hardware.GNOME_MEDIA, "autorun-never"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"GNOME schema {hardware.GNOME_MEDIA} not installed")
    return gsettings


@pytest.mark.parametrize(("value", "status"), [("true", "pass"), ("false", "fail")])
def test_gnome_autorun_setting(gsettings_home, value, status):
    subprocess.run([gsettings_home, "set", hardware.GNOME_MEDIA, "autorun-never", value], check=True)
    outcome = run_check("HW-02", LocalHost())
    assert str(outcome.status) == status
    assert outcome.evidence[0].source.endswith("autorun-never")
    assert outcome.evidence[0].value == value


def test_unknown_schema_is_not_a_failure(modprobe, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    _script(bin_dir, "gsettings", "echo 'No such schema \u201corg.gnome.desktop.media-handling\u201d' >&2; exit 1")
    monkeypatch.setenv("PATH", str(bin_dir))
    outcome = run_check("HW-02", LocalHost())
    assert str(outcome.status) == "pass"
    assert "No such schema" in outcome.evidence[0].value


def test_real_machine_autoplay_gives_a_clean_answer():
    outcome = run_check("HW-02", LocalHost())
    assert str(outcome.status) in ("pass", "fail")
    assert outcome.evidence
    assert shutil.which("gsettings") is None or any("gsettings" in e.source for e in outcome.evidence) or outcome.evidence[0].source.startswith("/etc/modprobe.d")
