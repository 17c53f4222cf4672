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


# -- UPD-01 on Windows: the Windows Update Agent search and Get-HotFix ---------------------------

def _win_host(tmp_path, search: str | None, hotfix: str | None, *, search_rc: int = 0, reboot: bool = False,
              now: str = "2025-11-20T09:30:00+01:00", history: str | None = "[]"):
    import json

    from tests.helpers import LenientHost

    folder = tmp_path / "win"
    folder.mkdir()
    (folder / "host.toml").write_text(f'platform = "windows"\nadmin = true\nrecorded_at = "{now}"\n', encoding="utf-8")
    for name, script, body, rc in (("search", updates.WU_SEARCH_SCRIPT, search, search_rc),
                                   ("hotfix", updates.HOTFIX_SCRIPT, hotfix, 0),
                                   ("history", updates.HISTORY_SCRIPT, history, 0)):
        if body is None:
            continue
        argv = json.dumps(["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script])
        (folder / f"{name}.rec").write_text(f"kind: command\nargv: {argv}\nrc: {rc}\nsource: test\n---\n{body}", encoding="utf-8")
    if reboot:
        (folder / "reboot.rec").write_text(
            "kind: registry\nkey: x\nsource: test\n---\n\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion"
            "\\WindowsUpdate\\Auto Update\\RebootRequired\n", encoding="utf-8")
    return LenientHost(folder)  # a hand-made folder: what it does not record is absent


HOTFIX_RECENT = '[{"HotFixID": "KB5066791", "InstalledOn": "\\/Date(1762902000000)\\/"}]'  # 12/11/2025, local midnight
HOTFIX_OLD = '{"HotFixID":  "KB4512578", "InstalledOn":  "\\/Date(1567807200000)\\/"}'  # the real published line


def test_wu_search_parser_sorts_security_other_and_ignored():
    text = """[
        {"Title": "2025-10 Cumulative Update (KB5066791)", "MsrcSeverity": "Critical", "BrowseOnly": false,
         "Categories": ["0fa1201d-4330-4fa8-8ae9-b877473b6441"]},
        {"Title": "Security only, no severity", "MsrcSeverity": "", "Categories": ["{0FA1201D-4330-4FA8-8AE9-B877473B6441}"]},
        {"Title": "Servicing stack", "MsrcSeverity": null, "BrowseOnly": false, "Categories": ["28bc880e-0592-4cbf-8f95-c79b17911d5f"]},
        {"Title": "Defender signatures", "MsrcSeverity": null, "Categories": "e0789628-ce08-4437-be74-2495b842f43b"},
        {"Title": "2025-11 Preview", "MsrcSeverity": null, "BrowseOnly": true, "Categories": []}
    ]"""
    security, other, ignored = updates.parse_wu_search(text)
    assert security == ["2025-10 Cumulative Update (KB5066791)", "Security only, no severity"]
    assert other == ["Servicing stack"]
    assert ignored == ["Defender signatures", "2025-11 Preview"]
    assert updates.parse_wu_search("") == ([], [], [])  # ConvertTo-Json prints nothing for no update
    assert updates.parse_wu_search('{"Title": "One", "MsrcSeverity": "Important"}') == (["One"], [], [])


@pytest.mark.parametrize("garbage", ["Exception from HRESULT: 0x8024402C", "<html>", "42", '"text"', "[1, 2", "\x00\xff"])
def test_wu_and_hotfix_parsers_refuse_garbage(garbage):
    assert updates.parse_wu_search(garbage) is None
    assert updates.parse_hotfixes(garbage) is None


def test_hotfix_parser_reads_every_date_form():
    text = """[
        {"HotFixID": "KB1", "InstalledOn": "\\/Date(1567807200000)\\/"},
        {"HotFixID": "KB2", "InstalledOn": {"value": "\\/Date(1744236000000)\\/", "DateTime": "jeudi 10 avril 2025 00:00:00"}},
        {"HotFixID": "KB3", "InstalledOn": "2024-05-15T00:00:00"},
        {"HotFixID": "KB4", "InstalledOn": null},
        {"HotFixID": "KB5", "InstalledOn": "hier"}
    ]"""
    assert updates.parse_hotfixes(text) == [
        ("KB2", dt.date(2025, 4, 10)), ("KB3", dt.date(2024, 5, 15)), ("KB1", dt.date(2019, 9, 7)),
    ]
    # The real published value: local midnight of 7 September 2019 at UTC+2, i.e. 22:00 UTC the day before.
    assert updates.parse_hotfixes(HOTFIX_OLD) == [("KB4512578", dt.date(2019, 9, 7))]


def test_upd01_recorded_windows_hosts():
    weak = run_check("UPD-01", recorded("win10_fr_weak"))
    assert weak.status == Status.FAIL
    assert weak.message == "A security update is waiting to be installed: {names}."
    assert "KB5066791" in weak.params["names"]
    assert any(e.value == "latest: KB5055518 installed on 2025-04-10" for e in weak.evidence)
    hardened = run_check("UPD-01", recorded("win11_fr_hardened"))
    assert hardened.status == Status.PASS
    assert hardened.params == {"kb": "KB5046633", "date": "13/11/2024"}
    standard = run_check("UPD-01", recorded("win11_en_standard_user"))
    assert standard.status == Status.PASS  # the pending antivirus signature update is AV-01's business
    assert "1 optional or antivirus signature updates not counted" in standard.evidence[0].value


def test_upd01_windows_old_hotfix_fails_even_when_the_search_is_unreadable(tmp_path):
    outcome = run_check("UPD-01", _win_host(tmp_path, "Exception from HRESULT: 0x8024402C", HOTFIX_OLD, search_rc=1))
    assert outcome.status == Status.FAIL
    assert outcome.params["kb"] == "KB4512578"
    assert outcome.params["days"] > 45
    assert outcome.evidence[0].value == "Exception from HRESULT: 0x8024402C"


def test_upd01_windows_restart_pending_and_other_updates_warn(tmp_path):
    reboot = run_check("UPD-01", _win_host(tmp_path, "", HOTFIX_RECENT, reboot=True))
    assert reboot.status == Status.WARN
    assert reboot.message.startswith("Updates are installed but only take effect after a restart")
    other = tmp_path / "other"
    other.mkdir()
    outcome = run_check("UPD-01", _win_host(other, '{"Title": "Servicing stack", "MsrcSeverity": null, "Categories": []}', HOTFIX_RECENT))
    assert outcome.status == Status.WARN
    assert outcome.params == {"count": 1}


@pytest.mark.parametrize("garbage", ["", "<html>", "[1, 2", '{"HotFixID": "KB1"}'])
def test_upd01_windows_garbage_everywhere_is_a_clean_warning(tmp_path, garbage):
    outcome = run_check("UPD-01", _win_host(tmp_path, "not json", garbage))
    assert outcome.status == Status.WARN
    assert outcome.message == "The list of updates could not be read."


def test_upd01_windows_french_message():
    from gp_guard import i18n
    from gp_guard.audit.model import Finding
    from gp_guard.audit.registry import all_checks

    check = next(c for c in all_checks() if c.id == "UPD-01")
    finding = Finding(check.meta, run_check("UPD-01", recorded("win11_fr_hardened")), "windows")
    i18n.set_language("fr")
    try:
        assert finding.message() == ("Aucune mise à jour de sécurité n'est en attente ; la dernière mise à jour "
                                     "(KB5046633) a été installée le 13/11/2024.")
    finally:
        i18n.set_language("en")


def test_upd01_history_parser_keeps_windows_fixes_only():
    text = ('[{"Title":"Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.411.368.0)",'
            '"Date":"\\/Date(1717230000000)\\/","Categories":["e0789628-ce08-4437-be74-2495b842f43b"]},'
            '{"Title":"2024-05 Cumulative Update for Windows 11 Version 23H2 for x64-based Systems (KB5037771)",'
            '"Date":"\\/Date(1715765400000)\\/","Categories":["0fa1201d-4330-4fa8-8ae9-b877473b6441"]},'
            '{"Title":"Windows Malicious Software Removal Tool x64 - v5.124 (KB890830)","Date":"2024-05-20T10:00:00Z"},'
            '{"Title":"Something","Date":"\\/Date(\\u0661\\u0662)\\/"}]')
    assert updates.parse_history(text) == [("KB5037771", dt.date(2024, 5, 15))]
    assert updates.parse_history("") == []
    assert updates.parse_history("<html>") is None


def test_upd01_blank_hotfix_dates_and_no_history_is_a_warning_not_a_pass(tmp_path):
    blank = '[{"HotFixID": "KB5055518", "InstalledOn": null}]'
    outcome = run_check("UPD-01", _win_host(tmp_path, "", blank, history="<html>"))
    assert outcome.status == Status.WARN
    assert "could not be read" in outcome.message


SONOMA_LISTING = (  # the real layout keeps a blank after the last comma of each Title line
    "Software Update Tool\n\nFinding available software\n"
    "Software Update found the following new or updated software:\n"
    "* Label: macOS Sonoma 14.7.1-23H222\n"
    "\tTitle: macOS Sonoma 14.7.1, Version: 14.7.1, Size: 1843200KiB, Recommended: YES, Action: restart, \n"
    "* Label: macOS Sequoia 15.1-24B83\n"
    "\tTitle: macOS Sequoia, Version: 15.1, Size: 6889416KiB, Recommended: YES, Action: restart, \n"
    "* Label: Safari18.1SonomaAuto-18.1\n"
    "\tTitle: Safari, Version: 18.1, Size: 158580KiB, Recommended: YES, \n"
)


def test_upd01_macos_tells_the_next_major_macos_from_updates():
    assert updates.major_upgrade(SONOMA_LISTING, "macOS Sequoia 15.1-24B83", 14) == "macOS Sequoia 15.1"
    assert updates.major_upgrade(SONOMA_LISTING, "macOS Sonoma 14.7.1-23H222", 14) is None
    assert updates.major_upgrade(SONOMA_LISTING, "Safari18.1SonomaAuto-18.1", 14) is None  # a browser fix counts
    assert updates.major_upgrade(SONOMA_LISTING, "macOS Sequoia 15.1-24B83", None) is None  # version unknown
    assert updates.major_upgrade(SONOMA_LISTING.replace("15.1,", "\u0661\u0665.1,"), "macOS Sequoia 15.1-24B83", 14) is None


def test_upd03_windows10_22h2_enrolled_in_esu_is_supported_until_the_end_of_its_esu_year():
    outcome = run_check("UPD-03", recorded("win10_fr_22h2_esu"))
    assert outcome.status == Status.PASS
    assert outcome.params == {"name": "Windows 10 22H2 with Extended Security Updates (ESU)", "date": "13/10/2026"}
    assert any("KB5068781 installed on 2025-11-12" in e.value for e in outcome.evidence)
    # Not enrolled: the last update is from April 2025, the end of support stands.
    assert run_check("UPD-03", recorded("win10_fr_weak")).status == Status.FAIL
