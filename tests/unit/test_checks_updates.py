"""UPD-01, UPD-02 and UPD-03 on this Linux machine, for real (apt-get, apt-config, os-release),
the end-of-life table against the recorded hosts' dates, and the parsers on odd outputs."""

from __future__ import annotations

import datetime as dt

import pytest

from gp_guard.audit.checks import updates
from gp_guard.audit.model import Status
from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import recorded, run_check

STATUS_ENTRY = """Package: sensible-utils
Status: install ok installed
Priority: required
Section: utils
Installed-Size: 1
Maintainer: Test <test@example.org>
Architecture: all
Multi-Arch: foreign
Version: {version}
Description: test entry

"""


def _apt_config(tmp_path, monkeypatch, **options: str) -> None:
    """Point every apt tool run by the check at a configuration file of our own (APT_CONFIG)."""
    conf = tmp_path / "apt.conf"
    conf.write_text("".join(f'{name} "{value}";\n' for name, value in options.items()))
    monkeypatch.setenv("APT_CONFIG", str(conf))


def _has_candidate(package: str) -> bool:
    import subprocess

    out = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True).stdout
    return "Candidate:" in out and "Candidate: (none)" not in out


# -- UPD-01, live ------------------------------------------------------------------------------

def test_upd01_passes_with_nothing_installed_out_of_date(tmp_path, monkeypatch):
    require_tool("apt", "UPD-01 asks apt which updates are pending")
    status = tmp_path / "status"
    status.write_text("")
    _apt_config(tmp_path, monkeypatch, **{"Dir::State::status": str(status)})
    outcome = run_check("UPD-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert outcome.evidence[0].value == "0 security updates, 0 other updates pending"


def test_upd01_sees_a_real_out_of_date_package(tmp_path, monkeypatch):
    require_tool("apt", "UPD-01 asks apt which updates are pending")
    if not _has_candidate("sensible-utils"):
        pytest.skip("the apt package lists are empty here (run apt-get update)")
    status = tmp_path / "status"
    status.write_text(STATUS_ENTRY.format(version="0.0.1"))
    _apt_config(tmp_path, monkeypatch, **{"Dir::State::status": str(status)})
    outcome = run_check("UPD-01", LocalHost())
    assert outcome.status in (Status.WARN, Status.FAIL), outcome
    counts = outcome.evidence[0].value
    assert counts in ("0 security updates, 1 other updates pending", "1 security updates, 0 other updates pending")


def test_apt_list_parser_on_real_lines_and_garbage():
    text = (
        "Listing...\n"
        "appstream/oldstable 0.16.1-2+b1 amd64 [upgradable from: 0.16.1-2]\n"
        "apt-transport-https/oldstable-security 2.6.2 all [upgradable from: 2.6.1]\n"
        "libssl3/stable,stable-security 3.0.17-1~deb12u2 amd64 [upgradable from: 3.0.15-1~deb12u1]\n"
    )
    security, other = updates.parse_apt_list(text)
    assert security == ["apt-transport-https", "libssl3"]
    assert other == ["appstream"]
    assert updates.parse_apt_list("\x00 E: garbage\nfoo/ [upgradable from: ]") == ([], [])


def test_softwareupdate_parser():
    text = recorded("macos13_weak").run(updates.SOFTWARE_UPDATE_LIST).stdout
    assert updates.parse_softwareupdate(text) == [("macOS Ventura 13.7.8-22H730", True)]
    assert updates.parse_softwareupdate("* Label:") == []
    assert updates.parse_softwareupdate("") == []


# -- UPD-02, live ------------------------------------------------------------------------------

def _parts(tmp_path, unattended: str) -> str:
    parts = tmp_path / "apt.conf.d"
    parts.mkdir()
    (parts / "20auto-upgrades").write_text(
        f'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "{unattended}";\n'
    )
    return str(parts)


def test_upd02_passes_when_unattended_upgrades_is_on(tmp_path, monkeypatch):
    require_tool("apt-config", "UPD-02 reads the real apt configuration")
    require_tool("unattended-upgrade", "UPD-02 needs the unattended-upgrades package to pass")
    _apt_config(tmp_path, monkeypatch, **{"Dir::Etc::parts": _parts(tmp_path, "1")})
    outcome = run_check("UPD-02", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert ("apt-config dump APT::Periodic::Unattended-Upgrade", "1") in [(e.source, e.value) for e in outcome.evidence]


def test_upd02_fails_when_it_is_turned_off(tmp_path, monkeypatch):
    require_tool("apt-config", "UPD-02 reads the real apt configuration")
    _apt_config(tmp_path, monkeypatch, **{"Dir::Etc::parts": _parts(tmp_path, "0")})
    outcome = run_check("UPD-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    values = {e.source: e.value for e in outcome.evidence}
    assert values["apt-config dump APT::Periodic::Unattended-Upgrade"] in ("0",) or values["unattended-upgrade"] == "not installed"


def test_apt_config_and_defaults_parsers_on_odd_input():
    assert updates.parse_apt_config('APT::Periodic::Unattended-Upgrade "1";\ngarbage\n"";') == {
        "APT::Periodic::Unattended-Upgrade": "1"
    }
    nested = '{\n    AutomaticCheckEnabled = 1;\n    Dict =     {\n        Inner = 0;\n    };\n    "Quoted.Key" = "0";\n}'
    assert updates.parse_defaults_dict(nested) == {"AutomaticCheckEnabled": "1", "Quoted.Key": "0"}
    assert updates.parse_defaults_dict("The domain/default pair of (x) does not exist") == {}


# -- UPD-03, live and table ---------------------------------------------------------------------

def test_upd03_reads_this_machines_os_release():
    host = LocalHost()
    info = updates.parse_os_release(host.read_text("/etc/os-release") or "")
    outcome = run_check("UPD-03", host)
    assert outcome.evidence[0].value == f"ID={info.get('ID', '?')} VERSION_ID={info.get('VERSION_ID', '?')}"
    release = updates.linux_release(info)
    if release is None:
        assert outcome.status == Status.SKIPPED
        return
    name, end = release
    today = dt.datetime.now(dt.UTC).date()
    expected = Status.FAIL if end < today else Status.WARN if end - today <= updates.SOON else Status.PASS
    assert outcome.status == expected
    assert outcome.params["name"] == name


class _Later(LocalHost):
    """This machine, read for real, judged on another day (the table is about dates)."""

    def __init__(self, when: dt.datetime) -> None:
        super().__init__()
        self.when = when

    def now(self) -> dt.datetime:
        return self.when


def test_upd03_fails_once_the_release_is_past_its_end():
    info = updates.parse_os_release(LocalHost().read_text("/etc/os-release") or "")
    release = updates.linux_release(info)
    if release is None:
        pytest.skip("this distribution is not in the table")
    _name, end = release
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    assert run_check("UPD-03", _Later(after)).status == Status.FAIL
    soon = dt.datetime.combine(end - dt.timedelta(days=30), dt.time(), dt.UTC)
    assert run_check("UPD-03", _Later(soon)).status == Status.WARN


@pytest.mark.parametrize(
    ("build", "edition", "expected"),
    [
        (19045, "Core", ("Windows 10", "22H2", dt.date(2025, 10, 14))),
        (19044, "Enterprise", ("Windows 10", "21H2", dt.date(2024, 6, 11))),
        (19044, "EnterpriseS", ("Windows 10", "21H2 LTSC", dt.date(2027, 1, 12))),
        (22631, "Professional", ("Windows 11", "23H2", dt.date(2025, 11, 11))),
        (22631, "Education", ("Windows 11", "23H2", dt.date(2026, 11, 10))),
        (26100, "Core", ("Windows 11", "24H2", dt.date(2026, 10, 13))),
        (7601, "Professional", None),
    ],
)
def test_windows_table(build, edition, expected):
    assert updates.windows_release(build, edition) == expected


def test_linux_table_follows_ubuntu_derivatives_and_refuses_unknown():
    mint = updates.parse_os_release('ID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="21.3"\nUBUNTU_CODENAME=jammy\nPRETTY_NAME="Linux Mint 21.3"')
    assert updates.linux_release(mint) == ("Linux Mint 21.3 (Ubuntu 22.04 LTS)", dt.date(2027, 6, 1))
    assert updates.linux_release(updates.parse_os_release('ID=debian\nVERSION_ID="11"')) == ("Debian 11 bullseye", dt.date(2026, 8, 31))
    assert updates.linux_release(updates.parse_os_release("garbage\n\x00=1")) is None


def test_windows_10_after_14_october_2025_fails():
    outcome = run_check("UPD-03", recorded("win10_fr_weak"))
    assert outcome.status == Status.FAIL
    assert outcome.params == {"name": "Windows 10 22H2", "date": "14/10/2025"}


def test_french_message():
    from gp_guard import i18n
    from gp_guard.audit.model import Finding
    from gp_guard.audit.registry import all_checks

    check = next(c for c in all_checks() if c.id == "UPD-03")
    finding = Finding(check.meta, run_check("UPD-03", recorded("win10_fr_weak")), "windows")
    i18n.set_language("fr")
    assert finding.message() == "Windows 10 22H2 ne reçoit plus de mises à jour de sécurité depuis le 14/10/2025."


def test_garbage_outputs_give_clean_statuses(tmp_path):
    from tests.unit.test_checks_firewall import garbage_host

    mac = garbage_host(tmp_path, "macos", [["sw_vers"], updates.SOFTWARE_UPDATE_LIST, updates.SOFTWARE_UPDATE_PREFS])
    assert run_check("UPD-03", mac).status == Status.WARN
    assert run_check("UPD-01", mac).status == Status.WARN
    outcome = run_check("UPD-02", mac)  # unreadable keys are absent: macOS defaults (on) apply
    assert outcome.status == Status.PASS
    assert {e.value for e in outcome.evidence} == {"absent"}
