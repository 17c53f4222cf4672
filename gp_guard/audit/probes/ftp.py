"""FTP probe of a server on this machine (loopback only), with ftplib.

Steps, each bounded by a short timeout, the whole probe by a deadline (``DEFAULT_DEADLINE``: a banner
sent one byte a second is cut off) and the replies by a size cap (``MAX_REPLY_BYTES`` for the whole
session: an endless multi-line banner is refused, not accumulated): read the banner; ``FEAT`` (is ``AUTH TLS`` offered?);
log in as ``anonymous``; if that works, ``STOR`` a 16-byte file named ``.gp_guard_probe`` and
``DELE`` it at once (the evidence says if the delete was refused and the file stayed).

Public API: ``probe(port, ...) -> FtpProbe``.
"""

from __future__ import annotations

import ftplib
import io
import time
from dataclasses import dataclass

from gp_guard.audit.probes.http import require_loopback
from gp_guard.audit.probes.limits import TooMuchData, Watchdog

PROBE_FILE = ".gp_guard_probe"
DEFAULT_TIMEOUT = 2.0
DEFAULT_DEADLINE = 3.0  # seconds for the whole probe (vsftpd delays a refused login by about 1 s)
MAX_REPLY_BYTES = 256 * 1024  # everything the server may send on the control connection


class _BoundedFTP(ftplib.FTP):
    """ftplib.FTP whose sockets are shut down at the watchdog's deadline and whose replies are capped."""

    maxline = 8192

    def __init__(self, watchdog: Watchdog, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._watchdog = watchdog
        self._received = 0

    def getline(self) -> str:
        self._watchdog.watch(self.sock)
        line = super().getline()
        if self._watchdog.expired:  # the line may have been cut by the deadline
            raise TimeoutError(self._watchdog.describe())
        self._received += len(line) + 2
        if self._received > MAX_REPLY_BYTES:
            raise TooMuchData(f"the server sent more than {MAX_REPLY_BYTES} bytes of replies")
        return line

    def ntransfercmd(self, cmd, rest=None):  # type: ignore[no-untyped-def]
        conn, size = super().ntransfercmd(cmd, rest)
        self._watchdog.watch(conn)
        return conn, size


@dataclass(frozen=True)
class FtpProbe:
    port: int
    connected: bool
    banner: str = ""
    tls_offered: bool | None = None
    anonymous: bool | None = None
    anonymous_reply: str = ""
    upload: bool | None = None
    upload_reply: str = ""
    cleaned_up: bool | None = None
    seconds: float = 0.0
    error: str | None = None
    ip: str = "127.0.0.1"

    def describe(self) -> str:
        where = f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"
        if not self.connected:
            return f"{where}: no FTP answer ({self.error}); {self.seconds:.2f} s"
        parts = [f"{where} banner {self.banner[:60]!r}"]
        parts.append("AUTH TLS offered" if self.tls_offered else "AUTH TLS not offered")
        if self.anonymous is not None:
            parts.append(f"anonymous login {'accepted' if self.anonymous else 'refused'} ({self.anonymous_reply[:60]})")
        if self.upload is not None:
            parts.append(f"upload of {PROBE_FILE} {'accepted' if self.upload else 'refused'} ({self.upload_reply[:60]})")
            if self.upload:
                parts.append("probe file deleted" if self.cleaned_up else "probe file could NOT be deleted")
        if self.error:
            parts.append(self.error)
        return "; ".join(parts) + f"; {self.seconds:.2f} s"


def _anonymous_login(ftp: ftplib.FTP) -> tuple[bool, str]:
    """USER anonymous / PASS. A server that accepts answers 230 at once; one that refuses often
    delays its 530 (vsftpd and PAM slow failed logins down), so no answer within the timeout
    after the password counts as refused, and the evidence says so."""
    try:
        reply = ftp.sendcmd("USER anonymous")
        if reply.startswith("230"):
            return True, reply
        try:
            reply = ftp.sendcmd("PASS gp_guard@localhost")
        except TimeoutError:
            return False, "no answer to the password within the timeout (refusals are delayed)"
        if reply.startswith("230"):
            return True, reply
        return False, reply
    except ftplib.error_perm as exc:
        return False, str(exc)


def probe(port: int = 21, *, ip: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT,
          try_upload: bool = True, try_login: bool = True, deadline: float = DEFAULT_DEADLINE) -> FtpProbe:
    """Over within about ``deadline`` seconds; never raises for network or protocol errors."""
    require_loopback(ip)
    with Watchdog(deadline) as dog:
        return _probe(port, ip, timeout, try_upload, try_login, dog)


def _error(exc: BaseException, dog: Watchdog) -> str:
    if dog.expired:
        return dog.describe()
    if isinstance(exc, TooMuchData):
        return str(exc)
    return exc.__class__.__name__


def _probe(port: int, ip: str, timeout: float, try_upload: bool, try_login: bool, dog: Watchdog) -> FtpProbe:
    start = time.monotonic()
    ftp = _BoundedFTP(dog, timeout)
    try:
        banner = ftp.connect(ip, port, timeout=timeout)
    except (OSError, ftplib.Error, EOFError, ValueError) as exc:
        ftp.close()
        return FtpProbe(port, False, seconds=time.monotonic() - start, error=_error(exc, dog), ip=ip)
    tls = anonymous = upload = cleaned = None
    anon_reply = upload_reply = ""
    error = None
    try:
        try:
            feat = ftp.sendcmd("FEAT")
            tls = any(line.strip().upper().startswith("AUTH") and "TLS" in line.upper() for line in feat.splitlines())
        except ftplib.error_perm:
            tls = False
        if try_login:
            anonymous, anon_reply = _anonymous_login(ftp)
        if anonymous and try_upload:
            try:
                upload_reply = ftp.storbinary(f"STOR {PROBE_FILE}", io.BytesIO(b"gp_guard probe\n"))
                upload = True
                try:
                    ftp.delete(PROBE_FILE)
                    cleaned = True
                except ftplib.error_perm:
                    cleaned = False
            except ftplib.error_perm as exc:
                upload, upload_reply = False, str(exc)
    except (OSError, ftplib.Error, EOFError, ValueError) as exc:
        error = _error(exc, dog)
    finally:
        try:
            ftp.quit()
        except (OSError, ftplib.Error, EOFError, ValueError):
            ftp.close()
    return FtpProbe(port, True, banner.strip(), tls, anonymous, anon_reply.strip(), upload,
                    upload_reply.strip(), cleaned, time.monotonic() - start, error, ip)
