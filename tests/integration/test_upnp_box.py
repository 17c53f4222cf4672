"""BOX-01/BOX-02 against a real UPnP IGD (miniupnpd) in network namespaces the test creates."""

from __future__ import annotations

import itertools
import json
import os
import sys

import pytest

from tests.conftest import require_tool
from tests.integration.netns import PC_IP, Lan

_counter = itertools.count()


@pytest.fixture
def lan(tmp_path):
    for tool, why in (("ip", "network namespaces"), ("nft", "the box's firewall"),
                      ("miniupnpd", "a real UPnP internet box"), ("upnpc", "a real UPnP client")):
        require_tool(tool, why)
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    lan = Lan(f"g{os.getpid() % 10000}{next(_counter)}", tmp_path)
    try:
        lan.create()
        yield lan
    finally:
        lan.destroy()


def audit_in_pc(lan: Lan, tmp_path, *extra: str) -> dict:
    """Run the real CLI inside the pc namespace: its discovery can only reach the test box."""
    env = dict(os.environ, GP_GUARD_HOME=str(tmp_path / "home"))
    env.pop("GP_GUARD_NO_NETWORK", None)  # the namespace has no way out: discovery stays inside
    proc = lan.run_in_pc([sys.executable, "-m", "gp_guard", "audit", "--json", "--only", "BOX-01,BOX-02", *extra], env)
    assert proc.returncode in (0, 1), proc.stderr
    return {f["id"]: f for f in json.loads(proc.stdout)["findings"]}


def test_mapping_to_this_computer_is_critical(lan, tmp_path):
    lan.start_box()
    lan.add_mapping(PC_IP, 8042)
    found = audit_in_pc(lan, tmp_path)
    box1 = found["BOX-01"]
    assert box1["status"] == "fail" and box1["severity"] == "critical"
    assert f"TCP 8042 -> {PC_IP}:8042 (Orthanc web)" in box1["message"]
    assert "this computer" in box1["message"]
    assert any("Test Livebox" in e["source"] for e in box1["evidence"])
    assert found["BOX-02"]["status"] == "fail"


def test_risky_port_forwarded_to_another_computer(lan, tmp_path):
    lan.start_box()
    lan.add_mapping("192.168.77.20", 4242)
    lan.add_mapping("192.168.77.21", 3074, proto="UDP")
    box1 = audit_in_pc(lan, tmp_path)["BOX-01"]
    assert box1["status"] == "fail"
    assert "192.168.77.20:4242 (DICOM (Orthanc))" in box1["message"]
    assert "another computer" in box1["message"]


def test_harmless_mapping_is_a_warning(lan, tmp_path):
    lan.start_box()
    lan.add_mapping("192.168.77.21", 3074, proto="UDP")
    box1 = audit_in_pc(lan, tmp_path)["BOX-01"]
    assert box1["status"] == "warn" and "3074" in box1["message"]


def test_box_without_mappings(lan, tmp_path):
    lan.start_box()
    found = audit_in_pc(lan, tmp_path, "--lang", "fr")
    assert found["BOX-01"]["status"] == "pass"
    assert found["BOX-02"]["status"] == "fail"
    assert "Test Livebox" in found["BOX-02"]["message"]


def test_no_upnp_on_the_network(lan, tmp_path):
    found = audit_in_pc(lan, tmp_path)  # no miniupnpd started: nobody answers
    assert found["BOX-01"]["status"] == "pass" and "Q-BOX-01" in found["BOX-01"]["message"]
    assert found["BOX-02"]["status"] == "pass"


def test_no_network_flag_skips_the_box(lan, tmp_path):
    lan.start_box()
    lan.add_mapping(PC_IP, 8042)
    found = audit_in_pc(lan, tmp_path, "--no-network")
    assert found["BOX-01"]["status"] == "skipped" and found["BOX-02"]["status"] == "skipped"
