"""The capture kit without a Windows or a Mac: the proxy wrapped around each recorded machine
writes a capture that replays to the same verdicts (registry values, PowerShell in UTF-8, console
tools in cp850, absent and denied answers, searches, processes), and the scrubber replaces what
identifies the practice, the same way each time. Live capture on this Linux machine:
tests/integration/test_capture.py."""

from __future__ import annotations

import pytest

from gp_guard.audit.registry import all_checks
from gp_guard.audit.runner import run_one
from gp_guard.capture import CaptureError, capture
from gp_guard.capture.proxy import forbidden_argv, forbidden_path
from gp_guard.capture.scrub import Scrubber, is_generic, redact_password
from gp_guard.host.recorded import RecordedHost, read_recording
from tests.helpers import HOSTS

NAMES = sorted(p.name for p in HOSTS.iterdir() if p.is_dir())
# timeout_scale: on a loaded test machine a check must not be stopped half-way (its recordings
# would be incomplete and the comparison meaningless)


@pytest.mark.parametrize("name", NAMES)
def test_a_capture_of_a_recorded_machine_replays_to_its_verdicts(name, tmp_path):
    original = RecordedHost(HOSTS / name)
    result = capture(tmp_path / "cap", no_network=True, timeout_scale=100, host=original)
    replay = RecordedHost(result.folder)
    assert replay.platform == original.platform and replay.oem_code_page == original.oem_code_page
    for check in all_checks():
        expected = run_one(check, RecordedHost(HOSTS / name), no_network=True)
        got = run_one(check, replay, no_network=True)
        assert got.status == expected.status, (check.id, expected, got)
    live = {f.id: str(f.status) for f in result.findings}
    assert live == {c.id: str(run_one(c, replay, no_network=True).status) for c in all_checks()
                    if original.platform in c.meta.platforms}
    texts = b"".join(p.read_bytes() for p in result.folder.iterdir())
    for person in ("DrMartin", "drmartin", "doctor"):  # the daily accounts of these machines
        assert person.encode() not in texts
    assert result.archive.is_file()


def test_french_console_output_is_kept_as_the_bytes_windows_gave(tmp_path):
    result = capture(tmp_path / "cap", no_network=True, timeout_scale=100, host=RecordedHost(HOSTS / "win10_fr_weak"))
    auditpol = [read_recording(p) for p in result.folder.glob("*.rec")
                if "auditpol" in read_recording(p).headers.get("argv", "")]
    assert auditpol and auditpol[0].headers["encoding"] == "cp850" and auditpol[0].headers["body"] == "base64"
    assert "Succès".encode("cp850") in auditpol[0].raw


def test_a_capture_never_overwrites_a_folder(tmp_path):
    (tmp_path / "cap").mkdir()
    (tmp_path / "cap" / "mine.txt").write_text("x")
    with pytest.raises(CaptureError):
        capture(tmp_path / "cap", no_network=True, timeout_scale=100, host=RecordedHost(HOSTS / "win11_fr_hardened"))
    assert [p.name for p in (tmp_path / "cap").iterdir()] == ["mine.txt"]


def test_pseudonyms_are_stable_and_generic_words_kept():
    key = bytes(range(32))
    one, two = Scrubber(key, ["CABINET-MARTIN-PC"], ["DrMartin"]), Scrubber(key, ["CABINET-MARTIN-PC"], ["DrMartin"])
    text = r"C:\Users\DrMartin\Desktop on CABINET-MARTIN-PC; drmartin@orange.fr; compte Secrétariat, Remplaçant"
    assert one.text(text) == two.text(text)
    scrubbed = one.text(text)
    assert "martin" not in scrubbed.lower() and "Secrétariat" in scrubbed and "Remplaçant" in scrubbed
    assert "@example.invalid" in scrubbed and "PC-" in scrubbed
    assert Scrubber(bytes(32), [], ["DrMartin"]).text("DrMartin") != one.text("DrMartin")  # keyed
    assert is_generic("Secrétariat2") and is_generic("Administrateur") and not is_generic("DrMartin")


def test_addresses_sids_macs_and_serials_are_replaced_versions_kept():
    s = Scrubber(bytes(32))
    text = ("S-1-5-21-1627568633-2211435345-3217437011-1001 8.8.4.4 192.168.1.20 127.0.0.1 fe80::1 "
            "2a01:e0a:1f2:3b40::12 version 4.2.1.0 10.0.22631.4460 a4:5e:60:c1:22:9b\n"
            "Serial Number (system): C02XK1ABJGH5\n")
    out = s.text(text)
    assert "S-1-5-21-1000-1000-1000-1001" in out and "1627568633" not in out
    assert "8.8.4.4" not in out and "192.88.99." in out and "192.168.1.20" in out and "127.0.0.1" in out
    assert "2a01:e0a" not in out and "2002:c058:6301::" in out and "fe80::1" in out
    assert "version 4.2.1.0" in out and "10.0.22631.4460" in out
    assert "a4:5e:60:c1:22:9b" not in out and "C02XK1ABJGH5" not in out


def test_passwords_are_redacted_and_the_verdict_they_give_kept():
    s = Scrubber(bytes(32))
    conf = ('password = Tr0ub4dor&3xyz\nPasswordAuthentication no\n'
            '"RegisteredUsers" : { "alice" : "alicePassword", "bob" : "Zq9!longsecret", "eve": "abc" }\n'
            '<Option name="Pass">5f4dcc3b5aa765d61d8327deb882cf99</Option>\nroot:$6$salt$hashhashhash:19000:0\n')
    out = s.config(conf)
    assert "Tr0ub4dor" not in out and "Zq9!longsecret" not in out and "hashhash" not in out
    assert "PasswordAuthentication no" in out  # a setting, not a password
    settings = '"UserMayChangePassword": true, "PasswordRequired": false'
    assert s.config(settings) == settings  # Get-LocalUser JSON stays JSON
    assert '"alicePassword"' in out  # a published default: the check must still see it is weak
    assert '"eve": "***"' in out  # too short stays too short
    assert redact_password("orthanc") == "orthanc" and redact_password("Long-Secret-99") == "<redacted>"


def test_key_protectors_wifi_and_browser_data_are_never_recorded():
    assert forbidden_argv(["powershell.exe", "-Command", "(Get-BitLockerVolume).KeyProtector"])
    assert forbidden_argv(["netsh", "wlan", "show", "profile", "name=Box", "key=clear"])
    assert forbidden_path(r"C:\Users\x\AppData\Local\Google\Chrome\User Data\Default\Login Data")
    assert forbidden_path("/home/x/.mozilla/firefox/abc.default/places.sqlite")
    assert not forbidden_path("/etc/ssh/sshd_config")
    assert not forbidden_argv(["powershell.exe", "-Command", "Get-BitLockerVolume | Select-Object MountPoint"])


def test_the_same_machine_gives_the_same_capture(tmp_path):
    host = HOSTS / "win10_fr_weak"
    one = capture(tmp_path / "one", no_network=True, timeout_scale=100, host=RecordedHost(host)).folder
    two = capture(tmp_path / "two", no_network=True, timeout_scale=100, host=RecordedHost(host)).folder
    files = sorted(p.name for p in one.iterdir())
    assert files == sorted(p.name for p in two.iterdir()) and len(files) > 40
    assert all((one / n).read_bytes() == (two / n).read_bytes() for n in files)


def test_a_capture_never_replaces_an_archive(tmp_path):
    (tmp_path / "cap.zip").write_bytes(b"an earlier capture")
    with pytest.raises(CaptureError):
        capture(tmp_path / "cap", no_network=True, timeout_scale=100, host=RecordedHost(HOSTS / "macos14_hardened"))
    assert (tmp_path / "cap.zip").read_bytes() == b"an earlier capture" and not (tmp_path / "cap").exists()


def test_a_pseudonym_never_reads_as_a_shared_account():
    from gp_guard.audit.checks.accounts import is_generic as shared

    s = Scrubber(bytes(32), [], [f"Dr{n}Martin" for n in range(3000)])
    assert not [p for p in (s.pseudonym(f"Dr{n}Martin") for n in range(3000)) if shared(p)]
