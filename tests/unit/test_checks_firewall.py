"""FW-01 and FW-02 on this Linux machine, for real (nftables), and their parsers on odd input."""

from __future__ import annotations

import subprocess

import pytest

from gp_guard.audit.checks import firewall
from gp_guard.audit.model import Status
from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import recorded, run_check

TABLE = "gp_guard_test_fw"


def _nft(*args: str) -> None:
    subprocess.run(["nft", *args], check=True, capture_output=True, text=True)


@pytest.fixture
def nft_table():
    """A real nftables table of our own (input hook), removed afterwards whatever happens.

    Its rules only touch ports nobody uses in the tests (9 = discard), so other tests running on
    this machine at the same time are not disturbed.
    """
    require_tool("nft", "the Linux firewall checks are tested against real nftables rules")
    if LocalHost().is_admin() is False:
        pytest.skip("changing nftables rules needs root")
    subprocess.run(["nft", "delete", "table", "inet", TABLE], capture_output=True)
    _nft("add", "table", "inet", TABLE)
    _nft("add", "chain", "inet", TABLE, "input", "{ type filter hook input priority 0; policy accept; }")
    try:
        yield lambda *rule: _nft("add", "rule", "inet", TABLE, "input", *rule)
    finally:
        subprocess.run(["nft", "delete", "table", "inet", TABLE], capture_output=True)


def _ambient_filtering() -> bool:
    out = subprocess.run(["nft", "list", "ruleset"], capture_output=True, text=True).stdout
    return firewall._nft_input_drops(out)


def test_fw01_passes_when_a_real_nft_input_chain_drops(nft_table):
    nft_table("tcp", "dport", "9", "drop")
    outcome = run_check("FW-01", LocalHost())
    if LocalHost().has_tool("ufw") and outcome.status == Status.PASS and "ufw" in outcome.evidence[0].source:
        pytest.skip("ufw is active on this machine: the nftables branch is not reached")
    assert outcome.status == Status.PASS, outcome
    assert ("nft list ruleset", "input chain filters: yes") in [(e.source, e.value) for e in outcome.evidence]


def test_fw01_fails_without_a_filtering_chain(nft_table):
    if _ambient_filtering() or LocalHost().has_tool("ufw") or LocalHost().has_tool("firewall-cmd"):
        pytest.skip("this machine already has a firewall of its own")
    nft_table("tcp", "dport", "9", "accept")  # an input chain that filters nothing
    outcome = run_check("FW-01", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.evidence[-1].value == "no filtering input chain"


def test_fw02_fails_on_a_real_rule_opening_dicom_to_anyone(nft_table):
    if LocalHost().has_tool("ufw"):
        pytest.skip("ufw would be read first")
    nft_table("ip", "saddr", "192.168.1.0/24", "tcp", "dport", "5432", "accept")
    nft_table("tcp", "dport", "{ 22, 4242 }", "accept")
    nft_table("tcp", "dport", "9", "drop")
    outcome = run_check("FW-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert "4242" in outcome.params["rules"]
    assert "5432" not in outcome.params["rules"]  # limited to the practice's network
    lines = [e.value for e in outcome.evidence]
    assert any("saddr 192.168.1.0/24" in v and "5432" in v for v in lines)
    assert any("4242" in v for v in lines)


def test_fw02_passes_when_only_harmless_ports_are_open(nft_table):
    if LocalHost().has_tool("ufw"):
        pytest.skip("ufw would be read first")
    nft_table("tcp", "dport", "443", "accept")
    nft_table("tcp", "dport", "9", "drop")
    outcome = run_check("FW-02", LocalHost())
    if any("4242" in e.value or "3389" in e.value for e in outcome.evidence):
        pytest.skip("this machine has risky rules of its own")
    assert outcome.status == Status.PASS, outcome
    assert outcome.evidence[0].value == "input chain filters: yes"


def test_fw02_skips_when_nothing_filters(nft_table):
    if _ambient_filtering() or LocalHost().has_tool("ufw"):
        pytest.skip("this machine already has a firewall of its own")
    nft_table("tcp", "dport", "4242", "accept")
    assert run_check("FW-02", LocalHost()).status == Status.SKIPPED


# -- parsers ------------------------------------------------------------------------------------

def test_ports_in_reads_lists_ranges_and_ignores_keywords():
    assert firewall._ports_in("3389") == {3389}
    assert firewall._ports_in("{ 22, 4242 }") == {22, 4242}
    assert firewall._ports_in("4000-4300") == {4242}
    assert firewall._ports_in("RPC-EPMap") == set()
    assert firewall._ports_in("") == set()
    assert firewall._ports_in("12-ab,--,7") == {7}


def test_windows_active_rules_parser_and_what_a_rule_opens():
    assert firewall.parse_active_rules('{"Name":"x","LocalPort":"3389"}') == [{"Name": "x", "LocalPort": "3389"}]
    assert firewall.parse_active_rules("[]") == []
    for garbage in ("<html>", "[1, 2]", "42", '{"a": 1'):
        assert firewall.parse_active_rules(garbage) is None
    rdp = {"Protocol": "TCP", "LocalPort": ["3389"], "Program": "Any", "RemoteAddress": ["Any"]}
    assert firewall.risky_rule(rdp) == "3389 (RDP)"
    assert firewall.risky_rule({**rdp, "RemoteAddress": ["LocalSubnet"]}) is None
    assert firewall.risky_rule({**rdp, "LocalPort": ["5357"]}) is None
    assert firewall.risky_rule({**rdp, "LocalPort": "4000-4300"}).startswith("4242 (DICOM")
    # A program rule made by the 'Allow access' prompt: no port, the program's every port
    orthanc = {"Protocol": "TCP", "LocalPort": ["Any"], "Program": r"C:\Program Files\Orthanc Server\Orthanc.exe"}
    assert "Orthanc.exe" in firewall.risky_rule(orthanc)
    assert firewall.risky_rule({**orthanc, "Program": r"C:\Program Files\Spotify\Spotify.exe"}) is None
    assert firewall.risky_rule({"Protocol": "Any", "LocalPort": ["Any"], "Program": "Any", "Service": "Any"}) is not None
    assert firewall.risky_rule({"Protocol": "ICMPv4", "LocalPort": ["Any"], "Program": "Any"}) is None
    # Digits that are not ASCII are no port
    assert firewall.risky_rule({**rdp, "LocalPort": ["\u0663\u0663\u0668\u0669"]}) is None


def test_listapps_parser_on_both_layouts_and_garbage():
    text = (
        "ALF: total number of apps = 3\n\n1 :  /Applications/Music.app\n \t ( Allow incoming connections )\n\n"
        "2 :  /app/bin/xray\n \t ( Block incoming connections )\n"
        "3 : /Applications/Horos.app    ( Allow incoming connections )\n"
    )
    assert firewall.parse_listapps(text) == [
        ("/Applications/Music.app", True),
        ("/app/bin/xray", False),
        ("/Applications/Horos.app", True),
    ]
    assert firewall.parse_listapps("\x00\x01 nonsense\n( Allow incoming connections )") == []


def test_ufw_status_parser():
    text = (
        "Status: active\n\nTo                         Action      From\n--                         ------      ----\n"
        "22/tcp                     ALLOW       Anywhere\n4242                       ALLOW       192.168.1.0/24\n"
        "22/tcp (v6)                ALLOW       Anywhere (v6)\n"
    )
    rules = firewall.parse_ufw_rules(text)
    assert ("22/tcp", "ALLOW", "Anywhere") in rules
    assert ("4242", "ALLOW", "192.168.1.0/24") in rules
    assert ("22/tcp (v6)", "ALLOW", "Anywhere (v6)") in rules
    assert firewall.parse_ufw_rules("ERROR: You need to be root to run this script") == []


def test_nft_parser_on_garbage():
    assert firewall._nft_input_drops("}}{{ chain") is False
    assert firewall._nft_risky_accepts("table inet x { chain y {\n tcp dport accept\n }\n}") == ([], [])


def test_recorded_windows_rules_name_the_open_services():
    outcome = run_check("FW-02", recorded("win10_fr_weak"))
    assert outcome.status == Status.FAIL
    assert "Bureau à distance - Mode utilisateur (TCP-Entrée): 3389 (RDP)" in outcome.params["rules"]
    assert "Partage de fichiers et d’imprimantes (SMB-Entrée): 445" in outcome.params["rules"]
    assert "1900" not in outcome.params["rules"]


def test_recorded_windows_firewall_names_the_profiles_that_are_off():
    outcome = run_check("FW-01", recorded("win10_fr_weak"))
    assert outcome.params["profiles"] == "private, public"
    assert [e.value for e in outcome.evidence] == ["1", "0", "0"]


def test_french_message():
    from gp_guard import i18n
    from gp_guard.audit.model import Finding
    from gp_guard.audit.registry import all_checks

    check = next(c for c in all_checks() if c.id == "FW-01")
    finding = Finding(check.meta, run_check("FW-01", recorded("win10_fr_weak")), "windows")
    i18n.set_language("fr")
    assert finding.message() == "Le pare-feu est désactivé pour ces réseaux : privé, public."
    assert finding.fix_steps()[0].startswith("Ouvrez")


GARBAGE = "\x00\x01 %%% not what the tool prints {[}\n\tState = x\n"


def garbage_host(tmp_path, platform, commands):
    """A recorded host whose tools print garbage: the checks must answer cleanly, never crash."""
    import json

    from gp_guard.host.recorded import RecordedHost

    folder = tmp_path / f"garbage_{platform}"
    folder.mkdir()
    (folder / "host.toml").write_text(
        f'platform = "{platform}"\nadmin = true\nrecorded_at = "2025-01-01T00:00:00+00:00"\n'
    )
    for i, argv in enumerate(commands):
        (folder / f"g{i}.rec").write_text(
            f"kind: command\nargv: {json.dumps(list(argv))}\nrc: 0\nsource: test\n---\n{GARBAGE}", encoding="utf-8"
        )
    return RecordedHost(folder)


def test_garbage_outputs_give_clean_statuses(tmp_path):
    mac = garbage_host(tmp_path, "macos", [[firewall.SOCKETFILTERFW, "--getglobalstate"], [firewall.SOCKETFILTERFW, "--listapps"]])
    assert run_check("FW-01", mac).status == Status.WARN
    assert run_check("FW-02", mac).status == Status.PASS
    win = garbage_host(tmp_path, "windows", [["powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
                                               firewall.ACTIVE_RULES_SCRIPT]])
    outcome = run_check("FW-02", win)
    assert outcome.status == Status.ERROR
    assert outcome.message.startswith("The firewall rules could not be read")
