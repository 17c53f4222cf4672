"""EXP-01: a real Orthanc, inside the test's `pc` namespace, whose port a real box forwards."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import require_tool
from tests.integration.netns import PC_IP, Lan

_counter = itertools.count()


@pytest.fixture
def lan(tmp_path):
    for tool, why in (("ip", "network namespaces"), ("nft", "the box's firewall"),
                      ("miniupnpd", "a real UPnP internet box"), ("upnpc", "a real UPnP client"),
                      ("Orthanc", "a real imaging server (Debian package orthanc)")):
        require_tool(tool, why)
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    lan = Lan(f"x{os.getpid() % 10000}{next(_counter)}", tmp_path)
    try:
        lan.create()
        yield lan
    finally:
        lan.destroy()


@pytest.fixture
def open_orthanc(lan, tmp_path):
    """Orthanc with remote access and no authentication, started inside the pc namespace."""
    storage = tmp_path / "orthanc-db"
    storage.mkdir()
    config = tmp_path / "open.json"
    config.write_text(json.dumps({
        "Name": "gp_guard exposure test", "StorageDirectory": str(storage), "IndexDirectory": str(storage),
        "HttpPort": 18042, "DicomPort": 14242, "RemoteAccessAllowed": True,
        "AuthenticationEnabled": False, "Plugins": [],
    }))
    proc = subprocess.Popen(["ip", "netns", "exec", lan.pc, "Orthanc", "--verbose", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # Orthanc's own word that it listens
        seen.append(line)
        if "Orthanc has started" in line:
            break
    else:
        raise RuntimeError("Orthanc did not start:\n" + "".join(seen[-30:]))
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def audit(lan: Lan, tmp_path) -> dict:
    env = dict(os.environ, GP_GUARD_HOME=str(tmp_path / "home"))
    env.pop("GP_GUARD_NO_NETWORK", None)  # inside the namespace discovery can only reach the test box
    proc = lan.run_in_pc([sys.executable, "-m", "gp_guard", "audit", "--json", "--only", "EXP-01"], env)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"][0]


def test_box_forwarding_an_open_orthanc_is_the_whole_chain(lan, open_orthanc, tmp_path):
    lan.start_box()
    lan.add_mapping(PC_IP, 14242, external=4242)
    finding = audit(lan, tmp_path)
    assert finding["status"] == "fail" and finding["severity"] == "critical"
    message = finding["message"]
    assert "Orthanc listens on port 14242" in message
    assert "anyone gets in without a password" in message
    assert "forwards port 4242 from the internet" in message and "Test Livebox" in message
    assert any("4242 -> 192.168.77.10:14242" in e["value"] for e in finding["evidence"])


def test_open_orthanc_without_forward_is_a_network_warning(lan, open_orthanc, tmp_path):
    lan.start_box()
    finding = audit(lan, tmp_path)
    assert finding["status"] == "warn"
    assert "reachable from the practice network" in finding["message"]
    assert "Q-BOX-01" in finding["message"]


def test_nothing_listening_passes(lan, tmp_path):
    lan.start_box()
    lan.add_mapping(PC_IP, 14242, external=4242)  # a forward to nothing that runs
    finding = audit(lan, tmp_path)
    assert finding["status"] == "pass"
