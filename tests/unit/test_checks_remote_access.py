"""Remote access checks (REM-*) run live on this Linux machine: real sockets, processes, sshd."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from gp_guard.audit.checks import remote_access as ra
from gp_guard.audit.model import Status
from gp_guard.host import LINUX, CommandResult, LocalHost
from tests.conftest import require_tool
from tests.helpers import run_check

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="live Linux checks")


def _values(outcome) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(f"{e.source}={e.value}" for e in outcome.evidence)


def _wait_for(predicate, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for a condition; between looks, block on an Event that nobody sets (a bounded tick)."""
    tick = threading.Event()
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        tick.wait(0.02)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- REM-01 -------------------------------------------------------------------------------------

@pytest.fixture()
def rdp_port(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """A free port standing for 3389, and no xrdp binary."""
    port = _free_port()
    monkeypatch.setattr(ra, "RDP_PORT", port)
    monkeypatch.setattr(ra, "XRDP_BINARIES", (str(tmp_path / "no-xrdp"),))
    return port


def test_rem01_passes_without_xrdp_or_listener(rdp_port):
    outcome = run_check("REM-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert "xrdp=not installed" in _values(outcome)
    assert f"tcp listeners on port {rdp_port}=none" in _values(outcome)


def test_rem01_fails_when_a_server_listens_on_all_interfaces(rdp_port):
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", rdp_port))
        server.listen()
        outcome = run_check("REM-01", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params == {"port": rdp_port}
    assert f"0.0.0.0:{rdp_port}" in _values(outcome)


def test_rem01_passes_when_the_server_listens_on_loopback_only(rdp_port):
    with socket.socket() as server:
        server.bind(("127.0.0.1", rdp_port))
        server.listen()
        outcome = run_check("REM-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert f"127.0.0.1:{rdp_port}" in _values(outcome)


def test_rem01_warns_when_xrdp_is_installed_but_silent(rdp_port, monkeypatch, tmp_path):
    binary = tmp_path / "xrdp"
    binary.write_text("#!/bin/sh\n")
    monkeypatch.setattr(ra, "XRDP_BINARIES", (str(binary),))
    outcome = run_check("REM-01", LocalHost())
    assert outcome.status == Status.WARN, outcome
    assert f"xrdp={binary}" in _values(outcome)


# -- REM-02 -------------------------------------------------------------------------------------

def test_rem02_passes_on_this_machine_without_remote_tools():
    if any(ra._tool_of(p.name()) for p in psutil.process_iter()):
        pytest.skip("a remote-control program runs on this machine")
    outcome = run_check("REM-02", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert outcome.evidence


def test_rem02_fails_when_a_vnc_server_process_runs(tmp_path):
    binary = tmp_path / "x11vnc"
    shutil.copy("/bin/sleep", binary)
    proc = subprocess.Popen([str(binary), "60"])
    try:
        _wait_for(lambda: psutil.Process(proc.pid).name() == "x11vnc")
        outcome = run_check("REM-02", LocalHost())
    finally:
        proc.kill()
        proc.wait()
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params == {"tools": "VNC"}
    assert f"x11vnc (pid {proc.pid}" in _values(outcome)


class _Scripted(LocalHost):
    """This machine, except that one command answers with the given (possibly garbage) text."""

    def __init__(self, stdout: str, returncode: int = 0, processes=()) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.platform = LINUX
        self._stdout, self._rc, self._procs = stdout, returncode, list(processes)

    def run(self, argv, timeout=10.0):  # type: ignore[no-untyped-def]
        return CommandResult(tuple(argv), self._rc, self._stdout, "")

    def processes(self):  # type: ignore[no-untyped-def]
        return self._procs


def test_rem02_warns_for_installed_packages_and_ignores_garbage():
    listing = "anydesk\tii \nrustdesk\trc \n\x00garbage without tab\n\tii\nopenssh-server\tii \n"
    outcome = run_check("REM-02", _Scripted(listing))
    assert outcome.status == Status.WARN, outcome
    assert outcome.params == {"tools": "AnyDesk"}  # rustdesk is removed (rc), not installed
    assert "dpkg-query=anydesk installed" in _values(outcome)
    assert run_check("REM-02", _Scripted("\x00\x01 nonsense", returncode=2)).status == Status.PASS


@pytest.mark.parametrize(("name", "tool"), [
    ("TeamViewer 15", "TeamViewer"), ("AnyDesk.app", "AnyDesk"), ("ScreenConnect Client (1a2b)", "ScreenConnect / ConnectWise Control"),
    ("SplashtopRemoteService", "Splashtop"), ("tvnserver", "VNC"), ("uvnc_service", "VNC"), ("RealVNC Server", "VNC"),
    ("chrome-remote-desktop", "Chrome Remote Desktop"), ("LogMeIn", "LogMeIn"), ("com.teamviewer.teamviewer_service.plist", "TeamViewer"),
    ("Firefox.app", None), ("vncviewer-config", None), ("", None),
])
def test_rem02_recognises_tool_names(name, tool):
    assert ra._tool_of(name) == tool


# -- REM-03 -------------------------------------------------------------------------------------

@pytest.fixture()
def sshd_conf(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "sshd_config"
    monkeypatch.setattr(ra, "SSHD_CONFIG", str(path))
    return path


def _no_sshd_running() -> bool:
    return not any(p.info["name"] == "sshd" for p in psutil.process_iter(["name"]))


def test_rem03_passes_without_sshd(monkeypatch, tmp_path):
    monkeypatch.setattr(ra, "SSHD_BINARIES", (str(tmp_path / "no-sshd"),))
    outcome = run_check("REM-03", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert "sshd=not installed" in _values(outcome)


def test_rem03_passes_when_sshd_is_installed_but_not_running(sshd_conf):
    require_tool("sshd", "Debian package openssh-server")
    if not _no_sshd_running():
        pytest.skip("an sshd runs on this machine")
    sshd_conf.write_text(f"PasswordAuthentication yes\nPort {_free_port()}\n")
    outcome = run_check("REM-03", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert "sshd process=not running" in _values(outcome)


def test_rem03_counts_a_socket_activated_port_as_running(sshd_conf):
    require_tool("sshd", "Debian package openssh-server")
    if not _no_sshd_running():
        pytest.skip("an sshd runs on this machine")
    with socket.socket() as listener:  # stands for systemd's ssh.socket, which listens for sshd
        listener.bind(("0.0.0.0", 0))
        listener.listen()
        port = listener.getsockname()[1]
        sshd_conf.write_text(f"Port {port}\n")
        outcome = run_check("REM-03", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert f"tcp listeners on the SSH port={port}" in _values(outcome)


@pytest.fixture()
def running_sshd(sshd_conf, tmp_path):  # type: ignore[no-untyped-def]
    """A real sshd on a loopback port, reading the test's config file."""
    sshd = require_tool("sshd", "Debian package openssh-server")
    if os.geteuid() != 0:
        pytest.skip("starting sshd needs root")
    keys = sorted(Path("/etc/ssh").glob("ssh_host_*_key"))
    if not keys:
        pytest.skip("no sshd host keys")
    created = not Path("/run/sshd").exists()
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    port = _free_port()
    procs: list[subprocess.Popen[bytes]] = []

    def start(config: str) -> subprocess.Popen[bytes]:
        sshd_conf.write_text(config + f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {keys[0]}\nPidFile none\n")
        proc = subprocess.Popen([sshd, "-D", "-f", str(sshd_conf)], stderr=subprocess.PIPE)
        procs.append(proc)

        def listening() -> bool:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            with socket.socket() as client:
                return client.connect_ex(("127.0.0.1", port)) == 0

        _wait_for(listening)
        return proc

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait()
    if created:
        shutil.rmtree("/run/sshd", ignore_errors=True)


def test_rem03_fails_when_a_running_sshd_accepts_passwords(running_sshd):
    running_sshd("PasswordAuthentication yes\nPermitRootLogin no\n")
    outcome = run_check("REM-03", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.message == "The SSH server accepts passwords."
    assert "passwordauthentication yes" in _values(outcome).lower()
    assert "sshd process=running" in _values(outcome)


def test_rem03_names_root_when_root_may_log_in_with_a_password(running_sshd):
    running_sshd("PermitRootLogin yes\n")  # PasswordAuthentication left to its default: yes
    outcome = run_check("REM-03", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert "root" in outcome.message
    assert "permitrootlogin yes" in _values(outcome).lower()


def test_rem03_passes_when_a_running_sshd_takes_keys_only(running_sshd):
    running_sshd("PasswordAuthentication no\n")
    outcome = run_check("REM-03", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert "passwordauthentication no" in _values(outcome).lower()


def test_sshd_config_follows_include_and_first_value_wins(tmp_path):
    conf_d = tmp_path / "sshd_config.d"
    conf_d.mkdir()
    (conf_d / "10-keys.conf").write_text("PasswordAuthentication no\n")
    (conf_d / "20-late.conf").write_text("PasswordAuthentication yes\nPermitRootLogin yes\n")
    (conf_d / "ignored.txt").write_text("PermitRootLogin without-password\n")
    main = ("# comment\nInclude sshd_config.d/*.conf\nPasswordAuthentication yes\n"
            "Match User backup\n  PasswordAuthentication yes\n")
    settings = ra.parse_sshd_config(main, LocalHost(), str(tmp_path))
    assert settings["passwordauthentication"] == "no"  # the included file comes first
    assert settings["permitrootlogin"] == "yes"


@pytest.mark.parametrize("text", ["", "\x00\x01\x02", "=\n==\nInclude\nMatch\n", "PasswordAuthentication\n" * 3])
def test_sshd_config_parser_survives_garbage(text):
    settings = ra.parse_sshd_config(text, LocalHost(), "/nonexistent")
    assert isinstance(settings, dict)


@pytest.mark.parametrize(("text", "status"), [
    ("Status   Name               DisplayName\n------   ----               -----------\nStopped  sshd               OpenSSH SSH Server\n", "Stopped"),
    ("", None),
    ("garbage\n\x00 sshd\n", None),
])
def test_get_service_parser(text, status):
    assert ra.parse_get_service(text, "sshd") == status


@pytest.mark.parametrize(("text", "expected"), [
    ('disabled services = {\n\t"com.apple.screensharing" => true\n}\n', True),
    ('disabled services = {\n        "com.apple.screensharing" => disabled\n}\n', True),
    ('disabled services = {\n\t"com.apple.screensharing" => false\n}\n', False),
    ('disabled services = {\n\t"com.apple.screensharing" => enabled\n}\n', False),
    ('disabled services = {\n\t"com.apple.screensharing.agent" => enabled\n}\n', None),
    ('disabled services = {\n\t"com.apple.ftp-proxy" => disabled\n}\n', None),
    ("\x00garbage => ???", None),
])
def test_print_disabled_parser(text, expected):
    assert ra.parse_print_disabled(text, "com.apple.screensharing") is expected
