"""Each live probe against a hostile loopback server (red-team D3): bounded in time, bytes and threads.

The servers run in this process on 127.0.0.1 (a thread per connection). "Trickle" servers send one
byte every 0.1 s, so that every read of the probe gets something before its per-read timeout: only
an overall deadline stops them. The probes are given short deadlines so the tests stay fast.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from gp_guard.audit.probes import databases, dicom, ftp, http, upnp
from gp_guard.audit.probes.limits import TooMuchData, Watchdog, recv_exact

STEP = 0.1  # seconds between two bytes of a trickle
SLACK = 1.5  # seconds a probe may take beyond its deadline (closing, a loaded machine)

Handler = Callable[[socket.socket, threading.Event], None]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], int]]:
    """``serve(handler) -> port``: a loopback server calling ``handler(conn, stop)`` per connection."""
    stop = threading.Event()
    listeners: list[socket.socket] = []

    def start(handler: Handler) -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        listeners.append(sock)

        def handle(conn: socket.socket) -> None:
            try:
                handler(conn, stop)
            except OSError:
                pass
            finally:
                conn.close()

        def accept() -> None:
            while not stop.is_set():
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return sock.getsockname()[1]

    yield start
    stop.set()
    for sock in listeners:
        sock.close()


def trickle(conn: socket.socket, stop: threading.Event, data: bytes) -> None:
    for i in range(len(data)):
        if stop.wait(STEP):
            return
        conn.sendall(data[i:i + 1])


def flood(conn: socket.socket, stop: threading.Event, head: bytes, filler: bytes) -> None:
    conn.sendall(head)
    while not stop.is_set():
        conn.sendall(filler)


def timed(call: Callable[[], object]) -> tuple[object, float]:
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def non_daemon_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]


# -- limits ----------------------------------------------------------------------------------

def test_watchdog_wakes_a_blocked_recv(serve):
    port = serve(lambda conn, stop: stop.wait())  # accepts, never sends
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock, Watchdog(0.3) as dog:
        dog.watch(sock)
        _, seconds = timed(lambda: sock.recv(10))
    assert dog.expired and seconds < 0.3 + SLACK


def test_recv_exact_refuses_an_announced_size_over_its_limit(serve):
    port = serve(lambda conn, stop: flood(conn, stop, b"", bytes(65536)))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with pytest.raises(TooMuchData, match="2147483647 bytes"):
            recv_exact(sock, 2**31 - 1, 65536)
        assert len(recv_exact(sock, 100_000, 100_000)) == 100_000


# -- FTP -------------------------------------------------------------------------------------

def test_ftp_endless_banner_is_refused_by_size(serve):
    port = serve(lambda conn, stop: flood(conn, stop, b"", b"220-" + b"A" * 1000 + b"\r\n"))
    result, seconds = timed(lambda: ftp.probe(port, deadline=10))
    assert not result.connected and "more than 262144 bytes" in result.error
    assert seconds < 10


def test_ftp_banner_one_byte_at_a_time_is_cut_at_the_deadline(serve):
    port = serve(lambda conn, stop: trickle(conn, stop, b"220 " + b"A" * 5000 + b"\r\n"))
    result, seconds = timed(lambda: ftp.probe(port, timeout=1, deadline=0.8))
    assert not result.connected and result.error == "no complete answer within 0.8 s"
    assert seconds < 0.8 + SLACK


def test_ftp_reply_cut_by_the_deadline_is_not_taken_as_an_answer(serve):
    def banner_then_trickle(conn, stop):
        conn.sendall(b"220 hello\r\n")
        conn.recv(100)  # FEAT
        trickle(conn, stop, b"211 " + b"A" * 5000 + b"\r\n")

    port = serve(banner_then_trickle)
    result, seconds = timed(lambda: ftp.probe(port, timeout=1, deadline=0.8))
    assert result.connected and result.banner == "220 hello"
    assert result.tls_offered is None and result.error == "no complete answer within 0.8 s"
    assert seconds < 0.8 + SLACK


# -- HTTP ------------------------------------------------------------------------------------

def test_http_status_line_one_byte_at_a_time_is_no_answer(serve):
    def status_trickle(conn, stop):
        conn.recv(65536)
        trickle(conn, stop, b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 1000)

    port = serve(status_trickle)
    result, seconds = timed(lambda: http.get(port, "/patients", timeout=1, deadline=2.5))
    # Part of "HTTP/1.1 200 OK" arrived before the deadline: it must not count as an open door.
    assert result.status is None and result.error == "no complete answer within 2.5 s"
    assert not result.open and seconds < 2.5 + SLACK


def test_orthanc_http_probe_leaves_no_thread_behind(serve):
    port = serve(lambda conn, stop: (conn.recv(65536), trickle(conn, stop, b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 99)))
    probe = http.probe_orthanc(port, timeout=1)
    assert not probe.open_without_password and not probe.default_password_works
    assert probe.anonymous.status is None and probe.default_account.status is None
    assert non_daemon_threads() == []


# -- DICOM -----------------------------------------------------------------------------------

def test_dicom_pdu_announcing_4_gib_is_refused_before_reading(serve):
    def huge(conn, stop):
        conn.recv(65536)
        flood(conn, stop, struct.pack(">BBL", 2, 0, 0xFFFFFFF0), bytes(65536))

    port = serve(huge)
    result, seconds = timed(lambda: dicom.probe(port, timeout=2, deadline=10))
    assert result.association == "aborted"
    assert result.error == "the server announced a PDU of 4294967280 bytes (at most 1048576 accepted)"
    assert seconds < 10
    assert non_daemon_threads() == []


def test_dicom_association_answer_one_byte_at_a_time_is_cut_at_the_deadline(serve):
    def slow_accept(conn, stop):
        conn.recv(65536)
        trickle(conn, stop, struct.pack(">BBL", 2, 0, 1000) + bytes(1000))

    port = serve(slow_accept)
    result, seconds = timed(lambda: dicom.probe(port, timeout=1, deadline=1.5))
    assert result.association != "accepted" and not result.patient_data_returned
    assert result.error == "no complete answer within 1.5 s"
    assert seconds < 1.5 + SLACK
    assert non_daemon_threads() == []


# -- databases -------------------------------------------------------------------------------

def test_postgres_answer_one_byte_at_a_time_is_cut_at_the_deadline(serve):
    def slow(conn, stop):
        conn.recv(65536)
        conn.sendall(b"R" + struct.pack("!i", 65536))
        trickle(conn, stop, bytes(65532))

    port = serve(slow)
    result, seconds = timed(lambda: databases.probe_postgres(port, timeout=1, deadline=0.8))
    assert not result.answered and result.detail == "no complete answer within 0.8 s"
    assert seconds < 0.8 + SLACK


def test_mysql_greeting_announcing_16_mib_is_refused_before_reading(serve):
    port = serve(lambda conn, stop: flood(conn, stop, b"\xff\xff\xff\x00\x0a", bytes(65536)))
    result, seconds = timed(lambda: databases.probe_mysql(port, deadline=10))
    assert not result.answered and not result.passwordless
    assert result.detail == "not a database server: the server announced 16777215 bytes (at most 65536 accepted)"
    assert seconds < 10


def test_mysql_endless_trickle_is_cut_at_the_deadline(serve):
    port = serve(lambda conn, stop: (conn.sendall(b"\xff\xff\x00\x00"), trickle(conn, stop, b"\x0a" + bytes(65534))))
    result, seconds = timed(lambda: databases.probe_mysql(port, timeout=1, deadline=0.8))
    assert not result.answered and result.detail == "no complete answer within 0.8 s"
    assert seconds < 0.8 + SLACK


# -- UPnP (the box's description and SOAP answers) -------------------------------------------

def test_upnp_description_one_byte_at_a_time_is_cut_at_the_deadline(serve, monkeypatch):
    def slow(conn, stop):
        conn.recv(65536)
        trickle(conn, stop, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"<" * 100000)

    monkeypatch.setattr(upnp, "FETCH_DEADLINE", 0.8)
    port = serve(slow)
    with pytest.raises(TimeoutError, match="no complete answer within 0.8 s"):
        upnp._fetch(f"http://127.0.0.1:{port}/desc.xml", timeout=1)


def test_upnp_description_flood_is_capped(serve):
    def endless(conn, stop):
        conn.recv(65536)
        flood(conn, stop, b"HTTP/1.1 200 OK\r\n\r\n", b"<a>" * 20000)

    port = serve(endless)
    body = upnp._fetch(f"http://127.0.0.1:{port}/desc.xml", timeout=1)
    assert len(body) == upnp.MAX_BYTES


# -- the runner ------------------------------------------------------------------------------

STUCK_AUDIT = """
import threading
from gp_guard.audit.model import Area, Check, CheckMeta, Severity
from gp_guard.audit.runner import run_checks
from gp_guard.host import LocalHost

def stuck(host):
    threading.Thread(target=threading.Event().wait).start()  # a thread it starts, stuck too
    threading.Event().wait()  # never returns

meta = CheckMeta(id="ZZZ-01", area=Area.NETWORK, severity=Severity.LOW, title="t", why="w",
                 fix={"all": ("s",)}, platforms=("linux", "windows", "macos"), timeout=0.3)
findings = run_checks([Check(meta, stuck)], LocalHost())
print(findings[0].outcome.status.value, flush=True)
"""


def test_a_check_stuck_for_ever_does_not_keep_the_process_alive():
    """Checks run in daemon threads, and threads they start inherit it: the process exits."""
    proc = subprocess.run([sys.executable, "-c", STUCK_AUDIT], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "error"
