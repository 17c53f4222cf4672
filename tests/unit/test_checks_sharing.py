"""File sharing checks (SMB-*) run live on this Linux machine with Samba's real testparm."""

from __future__ import annotations

import sys

import pytest

from gp_guard.audit.checks import sharing
from gp_guard.audit.model import Status
from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import run_check

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="live Linux checks")


def _values(outcome) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(f"{e.source}={e.value}" for e in outcome.evidence)


@pytest.fixture()
def samba(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """An smbd binary standing in place and a smb.conf written by the test, read by real testparm."""
    require_tool("testparm", "Debian package samba-common-bin")
    smbd = tmp_path / "smbd"
    smbd.write_text("#!/bin/sh\n")
    conf = tmp_path / "smb.conf"
    monkeypatch.setattr(sharing, "SMBD_BINARIES", (str(smbd),))
    monkeypatch.setattr(sharing, "SMB_CONF", str(conf))
    monkeypatch.setattr(sharing, "USERSHARE_DIR", str(tmp_path / "usershares"))

    def write(text: str) -> None:
        conf.write_text(text)

    return write


# -- SMB-01 -------------------------------------------------------------------------------------

def test_smb01_passes_without_samba(monkeypatch, tmp_path):
    monkeypatch.setattr(sharing, "SMBD_BINARIES", (str(tmp_path / "no-smbd"),))
    outcome = run_check("SMB-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert "smbd=not installed" in _values(outcome)


def test_smb01_fails_when_samba_accepts_nt1(samba):
    samba("[global]\n  server min protocol = NT1\n")
    outcome = run_check("SMB-01", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params == {"value": "NT1"}
    assert "testparm: server min protocol=NT1" in _values(outcome)


def test_smb01_passes_with_samba_defaults(samba):
    samba("[global]\n  workgroup = CABINET\n")
    outcome = run_check("SMB-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert "testparm: server min protocol=SMB2" in _values(outcome)


def test_smb01_reports_an_error_when_the_config_cannot_be_loaded(samba):
    # smbd is there but smb.conf was never written: testparm cannot load it
    outcome = run_check("SMB-01", LocalHost())
    assert outcome.status == Status.ERROR, outcome
    assert "exit 1" in _values(outcome)


# -- SMB-02 -------------------------------------------------------------------------------------

def test_smb02_fails_for_a_guest_share(samba):
    samba("[global]\n  map to guest = Bad User\n[scans]\n  path = /tmp\n  guest ok = yes\n"
          "[patients]\n  path = /tmp\n  valid users = drmartin\n")
    outcome = run_check("SMB-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params == {"shares": "scans"}
    assert "testparm: guest ok = yes=scans" in _values(outcome)
    assert "testparm: map to guest=Bad User" in _values(outcome)


def test_smb02_understands_the_public_synonym(samba):
    samba("[global]\n[Echanges]\n  path = /tmp\n  public = yes\n")
    outcome = run_check("SMB-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params == {"shares": "echanges"}


def test_smb02_ignores_an_unavailable_guest_share(samba):
    samba("[global]\n[old]\n  path = /tmp\n  guest ok = yes\n  available = no\n")
    assert run_check("SMB-02", LocalHost()).status == Status.PASS


def test_smb02_warns_when_users_may_share_with_guests_and_do(samba, tmp_path):
    shares = tmp_path / "usershares"
    shares.mkdir()
    samba(f"[global]\n  usershare allow guests = yes\n  usershare path = {shares}\n")
    assert run_check("SMB-02", LocalHost()).status == Status.PASS  # allowed, but nobody did
    (shares / "photos").write_text("path=/home/cabinet/photos\nguest_ok=y\n")
    outcome = run_check("SMB-02", LocalHost())
    assert outcome.status == Status.WARN, outcome
    assert outcome.params == {"count": 1}


def test_smb02_warns_for_map_to_guest_bad_password(samba):
    samba("[global]\n  map to guest = Bad Password\n")
    outcome = run_check("SMB-02", LocalHost())
    assert outcome.status == Status.WARN, outcome


def test_smb02_passes_for_named_accounts_only(samba):
    samba("[global]\n  map to guest = Never\n[patients]\n  path = /tmp\n  valid users = drmartin\n")
    outcome = run_check("SMB-02", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert "testparm: map to guest=Never" in _values(outcome)


# -- parsers (garbage in, clean result out) -----------------------------------------------------

@pytest.mark.parametrize("text", ["", "\x00\x01", "key = value without section\n", "[unterminated\n = \n"])
def test_testparm_parser_survives_garbage(text):
    assert "global" not in sharing.parse_testparm(text)


def test_share_sddl_flags_only_allow_entries_for_anybody_whatever_the_names():
    assert sharing.open_grants("O:SYG:SYD:(A;;0x1200a9;;;WD)") == ["Everyone (WD)"]  # Microsoft's documented example
    assert sharing.open_grants("O:SYG:SYD:(A;;FA;;;BA)(A;;FA;;;IU)(A;;0x1301bf;;;S-1-5-21-1-2-3-1001)") == []
    assert sharing.open_grants("O:SYG:SYD:(D;;FA;;;WD)(A;;FA;;;BA)") == []  # a deny entry opens nothing
    assert sharing.open_grants("D:(A;;FA;;;BG)(A;;0x1200a9;;;AN)(A;;FA;;;S-1-5-21-9-8-7-501)(A;;FA;;;S-1-1-0)") == [
        "Guests (BG)", "Anonymous (AN)", "guest account (S-1-5-21-9-8-7-501)", "Everyone (S-1-1-0)"]
    assert sharing.open_grants("D:(A;;FA;;;S-1-5-21-9-8-7-\u0665\u0660\u0661)") == []
    assert sharing.parse_shares_sddl('{"Name":"Scans","SecurityDescriptor":"O:SYG:SYD:(A;;FA;;;WD)"}') == [
        ("Scans", "O:SYG:SYD:(A;;FA;;;WD)")]


@pytest.mark.parametrize("text", ["\x00garbage", "AccountName\n", "Access denied.\r\n", "[1, 2]"])
def test_share_sddl_parser_refuses_garbage(text):
    assert sharing.parse_shares_sddl(text) is None
    assert sharing.open_grants(text) == []


def test_feature_list_parser():
    text = "\n\nFeatureName : SMB1Protocol\nState       : Enabled\n\nFeatureName : SMB1Protocol-Client\nState       : Disabled\n"
    assert sharing.parse_feature_list(text) == {"SMB1Protocol": "Enabled", "SMB1Protocol-Client": "Disabled"}
    assert sharing.parse_feature_list("State : Enabled\n\x00\n: :\n") == {}
