"""NET-01 / NET-02 on this Linux machine with real sockets, and the parsers' edge cases."""

from __future__ import annotations

import os
import socket
from contextlib import ExitStack

import psutil
import pytest

from gp_guard.audit.checks.network import exposed_listeners, is_loopback, os_listener, port_list
from gp_guard.audit.model import Status
from gp_guard.host import LINUX, MACOS, WINDOWS, LocalHost
from gp_guard.host.recorded import parse_lsof_listen, parse_netstat_ano
from gp_guard.i18n import set_language
from tests.helpers import PartialHost, run_check


def ports_of(outcome) -> list[int]:
    """The ports named by NET-02's message parameter (an i18n.LazyList of "{port} ({label})")."""
    return [dict(item.params)["port"] for item in outcome.params["ports"].items]


def _listen(stack: ExitStack, ip: str, port: int = 0) -> int:
    sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((ip, port))
    sock.listen()
    return sock.getsockname()[1]


def _flagged(outcome) -> set[str]:  # type: ignore[no-untyped-def]
    return {e.value for e in outcome.evidence if e.source.endswith("reachable from the network")}


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@pytest.fixture
def host() -> LocalHost:
    h = LocalHost()
    if h.platform != LINUX:
        pytest.skip("live listener test for Linux")
    return h


def test_net01_sees_exactly_the_new_all_interfaces_listener(host):
    before = _flagged(run_check("NET-01", host))
    with ExitStack() as stack:
        public = _listen(stack, "0.0.0.0")
        local = _listen(stack, "127.0.0.1")
        outcome = run_check("NET-01", host)
        new = _flagged(outcome) - before
        assert outcome.status == Status.FAIL
        assert len(new) == 1
        (line,) = new
        assert line.startswith(f"* port {public} (")
        # This process holds the socket, whatever started it (python, pytest, .venv/bin/pytest).
        assert f"({psutil.Process().name()}, pid {os.getpid()})" in line
        assert str(public) in outcome.params["ports"].split(", ")
        assert str(local) not in outcome.params["ports"].split(", ")
        loopback = next(e for e in outcome.evidence if e.source.endswith("loopback only (fine)"))
        assert int(loopback.value) >= 1
    after = _flagged(run_check("NET-01", host))
    assert after == before  # the sockets are closed: nothing of ours is left


def test_net02_flags_a_risky_port_only_when_it_is_open_to_the_network(host):
    if not _port_free(4242):
        pytest.skip("port 4242 is taken on this machine")
    with ExitStack() as stack:
        _listen(stack, "127.0.0.1", 4242)
        outcome = run_check("NET-02", host)
        assert not any(e.source == "listening TCP sockets: port 4242" for e in outcome.evidence)
        local = next(e for e in outcome.evidence if "loopback only" in e.source)
        assert "4242" in local.value.split(", ")
    with ExitStack() as stack:
        _listen(stack, "0.0.0.0", 4242)
        _listen(stack, "0.0.0.0")  # an ordinary port: not NET-02's business
        outcome = run_check("NET-02", host)
        assert outcome.status == Status.FAIL
        risky = [e for e in outcome.evidence if e.source == "listening TCP sockets: port 4242"]
        assert len(risky) == 1
        assert risky[0].value.startswith("* port 4242 (")
        assert "Orthanc" in risky[0].value
        assert 4242 in ports_of(outcome)
        set_language("fr")
        assert "imagerie DICOM (Orthanc)" in f"{outcome.params['ports']}"
        set_language("en")
        assert "DICOM imaging (Orthanc)" in f"{outcome.params['ports']}"


# -- without live sockets: recorded and hand-built hosts ----------------------------------------

class _Fixed(PartialHost):
    """A host whose listeners come from a real netstat/lsof text given by the test."""

    def __init__(self, platform: str, listeners):  # type: ignore[no-untyped-def]
        self.platform = platform
        self._listeners = listeners

    def listeners(self):  # type: ignore[no-untyped-def]
        return list(self._listeners)

    def processes(self):  # type: ignore[no-untyped-def]
        return []


def test_garbage_netstat_gives_a_clean_pass():
    for text in ("", "garbage\n\x00\xff", "TCP\nTCP 1 2\nUDP x\n  TCP    a:b   c:d   ÉCOUTE   x\n"):
        host = _Fixed(WINDOWS, parse_netstat_ano(text))
        assert run_check("NET-01", host).status == Status.PASS
        assert run_check("NET-02", host).status == Status.PASS


def test_french_ecoute_and_english_listening_read_alike():
    fr = "  TCP    0.0.0.0:3050           0.0.0.0:0              ÉCOUTE          812\n"
    en = "  TCP    0.0.0.0:3050           0.0.0.0:0              LISTENING       812\n"
    for text in (fr, en):
        outcome = run_check("NET-02", _Fixed(WINDOWS, parse_netstat_ano(text)))
        assert outcome.status == Status.FAIL
        assert ports_of(outcome) == [3050]


def test_established_connections_are_not_listeners():
    text = "  TCP    192.168.1.20:4242      192.168.1.30:50122     ÉTABLI          1896\n"
    assert run_check("NET-02", _Fixed(WINDOWS, parse_netstat_ano(text))).status == Status.PASS


def test_windows_file_sharing_alone_is_a_warning():
    text = (
        "  TCP    0.0.0.0:445            0.0.0.0:0              ÉCOUTE          4\n"
        "  TCP    192.168.1.20:139       0.0.0.0:0              ÉCOUTE          4\n"
    )
    host = _Fixed(WINDOWS, parse_netstat_ano(text))
    assert run_check("NET-02", host).status == Status.WARN
    assert run_check("NET-01", host).status == Status.PASS  # OS listeners, listed in evidence


def test_loopback_forms():
    assert is_loopback("127.0.0.1") and is_loopback("127.3.4.5") and is_loopback("::1")
    assert is_loopback("::ffff:127.0.0.1") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("*")
    assert not is_loopback("192.168.1.20") and not is_loopback("fe80::1%en0") and not is_loopback("garbage")


def test_ipv4_and_ipv6_sockets_of_one_program_are_one_finding():
    text = (
        "  TCP    0.0.0.0:8042           0.0.0.0:0              LISTENING       1896\n"
        "  TCP    [::]:8042              [::]:0                 LISTENING       1896\n"
    )
    seen = exposed_listeners(_Fixed(WINDOWS, parse_netstat_ano(text)))
    assert len(seen) == 1 and seen[0].addresses == ("*",)


def test_a_known_os_port_used_by_another_program_is_not_excused():
    text = "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1168\n"
    (seen,) = exposed_listeners(_Fixed(WINDOWS, parse_netstat_ano(text)))
    assert os_listener(WINDOWS, seen) == "RPC endpoint mapper"
    from dataclasses import replace

    assert os_listener(WINDOWS, replace(seen, process="evil.exe")) is None


def test_macos_system_listeners_are_excused_but_screen_sharing_is_not():
    text = (
        "COMMAND     PID    USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME\n"
        "rapportd    512 cabinet    4u  IPv4 0x6e1f3c1d2b9a1c13      0t0  TCP *:56863 (LISTEN)\n"
        "launchd       1    root   41u  IPv4 0x6e1f3c1d2b7a5a21      0t0  TCP *:5900 (LISTEN)\n"
        "truncated line\n"
    )
    host = _Fixed(MACOS, parse_lsof_listen(text))
    outcome = run_check("NET-01", host)
    assert outcome.status == Status.FAIL and outcome.params["ports"] == "5900"
    assert ports_of(run_check("NET-02", host)) == [5900]


def test_port_list_is_a_plain_string_too():
    ports = port_list([4242, 21])
    assert str(ports).startswith("21 (FTP")
    assert [dict(item.params)["port"] for item in ports.items] == [21, 4242]  # sorted, each once
