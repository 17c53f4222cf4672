"""HTTP probe of an imaging web/REST interface on this machine (loopback only).

It sends at most two ``GET`` requests to ``http://127.0.0.1:PORT/PATH``: one without credentials
and one with Orthanc's published default account (orthanc:orthanc), in parallel, each bounded by a
short timeout per read and an overall deadline (a status line sent one byte a second is cut off and
reported as no answer). It reads only the status code (http.client caps the status line and the
headers; at most 64 KiB of the body is read). Nothing else leaves the probe, and only loopback
addresses are accepted.

Public API: ``get(port, path, ...) -> HttpResult``, ``probe_orthanc(port, ...) -> OrthancHttpProbe``.
"""

from __future__ import annotations

import base64
import http.client
import threading
import time
from dataclasses import dataclass

from gp_guard.audit.probes.limits import Watchdog

LOOPBACK = ("127.0.0.1", "::1")
DEFAULT_TIMEOUT = 1.5
DEFAULT_DEADLINE = 3.0  # seconds for one request, whatever the server does


def require_loopback(ip: str) -> str:
    if ip not in LOOPBACK:
        raise ValueError(f"probes only go to this machine's loopback address, not {ip}")
    return ip


@dataclass(frozen=True)
class HttpResult:
    url: str
    status: int | None  # HTTP status, None when no answer
    error: str | None
    seconds: float
    with_credentials: str | None = None  # user name used, if any

    @property
    def open(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def describe(self) -> str:
        who = f"as {self.with_credentials}" if self.with_credentials else "without credentials"
        outcome = f"HTTP {self.status}" if self.status is not None else f"no answer ({self.error})"
        return f"GET {self.url} {who}: {outcome} in {self.seconds:.2f} s"


def get(port: int, path: str = "/system", *, ip: str = "127.0.0.1", user: str | None = None,
        password: str | None = None, timeout: float = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE) -> HttpResult:
    """One GET to the loopback address, over within ``deadline`` seconds; never raises for network
    errors."""
    require_loopback(ip)
    shown = f"[{ip}]" if ":" in ip else ip
    url = f"http://{shown}:{port}{path}"
    headers = {"User-Agent": "gp_guard-probe", "Connection": "close"}
    if user is not None:
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    start = time.monotonic()
    conn = http.client.HTTPConnection(ip, port, timeout=timeout)
    status: int | None = None
    with Watchdog(deadline) as dog:
        try:
            conn.connect()
            dog.watch(conn.sock)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read(65536)
            status, error = response.status, None
        except (OSError, http.client.HTTPException) as exc:
            status, error = None, exc.__class__.__name__ + (f": {exc}" if str(exc) else "")
        finally:
            conn.close()
        if dog.expired:  # what was read before the deadline may be a truncated status line
            status, error = None, dog.describe()
    return HttpResult(url, status, error, time.monotonic() - start, user)


@dataclass(frozen=True)
class OrthancHttpProbe:
    anonymous: HttpResult
    default_account: HttpResult

    @property
    def open_without_password(self) -> bool:
        return self.anonymous.open

    @property
    def default_password_works(self) -> bool:
        return not self.anonymous.open and self.default_account.open

    def evidence(self) -> list[tuple[str, str]]:
        return [("HTTP probe (loopback)", self.anonymous.describe()),
                ("HTTP probe (loopback)", self.default_account.describe())]


def probe_orthanc(port: int, *, ip: str = "127.0.0.1", path: str = "/patients",
                  timeout: float = DEFAULT_TIMEOUT) -> OrthancHttpProbe:
    """GET ``path`` without credentials and as orthanc:orthanc, in parallel (a daemon thread for
    the second: nothing here can hold up the exit)."""
    results: list[HttpResult] = []
    second = threading.Thread(target=lambda: results.append(
        get(port, path, ip=ip, user="orthanc", password="orthanc", timeout=timeout)), daemon=True)
    second.start()
    anonymous = get(port, path, ip=ip, timeout=timeout)
    second.join(DEFAULT_DEADLINE + timeout)
    shown = f"[{ip}]" if ":" in ip else ip
    default = results[0] if results else HttpResult(f"http://{shown}:{port}{path}", None, "no answer in time",
                                                    DEFAULT_DEADLINE, "orthanc")
    return OrthancHttpProbe(anonymous, default)
