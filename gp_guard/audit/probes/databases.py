"""Loopback probes of database servers: does a well-known administrator account get in without a
password? Each probe opens one TCP connection to 127.0.0.1 (or ::1), bounded by a timeout per read
and by an overall deadline (``DEADLINE``: a server that answers one byte a second is cut off), sends
only a login request with an empty password, reads the answer (messages of at most ``MAX_MESSAGE``
bytes) and closes. No query is ever run.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from gp_guard.audit.probes.limits import TooMuchData, Watchdog, recv_exact

TIMEOUT = 1.5
DEADLINE = 3.0  # seconds for a whole probe
MAX_MESSAGE = 65536  # bytes: a login exchange is a few hundred


@dataclass(frozen=True)
class LoginProbe:
    port: int
    user: str
    answered: bool  # a server of that kind answered
    passwordless: bool  # the login succeeded without a password
    detail: str  # what the server said, for the evidence


def _connect(port: int, timeout: float) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    return recv_exact(sock, size, MAX_MESSAGE)


def _failed(port: int, user: str, exc: Exception, dog: Watchdog) -> LoginProbe:
    if dog.expired:
        return LoginProbe(port, user, False, False, dog.describe())
    if isinstance(exc, TooMuchData):
        return LoginProbe(port, user, False, False, f"not a database server: {exc}")
    return LoginProbe(port, user, False, False, f"no answer ({type(exc).__name__})")


# -- PostgreSQL -------------------------------------------------------------------------------
PG_AUTH = {0: "no password asked (trust)", 2: "Kerberos", 3: "clear-text password", 5: "MD5 password",
           7: "GSSAPI", 9: "SSPI", 10: "SCRAM password"}


def probe_postgres(port: int = 5432, user: str = "postgres", timeout: float = TIMEOUT,
                   deadline: float = DEADLINE) -> LoginProbe:
    params = f"user\0{user}\0database\0postgres\0\0".encode()
    startup = struct.pack("!ii", 8 + len(params), 196608) + params
    with Watchdog(deadline) as dog:
        return _postgres(port, user, timeout, startup, dog)


def _postgres(port: int, user: str, timeout: float, startup: bytes, dog: Watchdog) -> LoginProbe:
    try:
        with _connect(port, dog.step(timeout)) as sock:
            dog.watch(sock)
            sock.sendall(startup)
            kind = _recv_exact(sock, 1)
            length = struct.unpack("!i", _recv_exact(sock, 4))[0]
            if kind not in (b"R", b"E") or not 4 <= length <= 65536:
                return LoginProbe(port, user, False, False, "not a PostgreSQL server")
            body = _recv_exact(sock, length - 4)
            if kind == b"E":
                message = _pg_error_message(body)
                return LoginProbe(port, user, True, False, f"refused: {message}")
            code = struct.unpack("!i", body[:4])[0]
            if code == 0:
                sock.sendall(b"X\0\0\0\4")  # Terminate
            return LoginProbe(port, user, True, code == 0, PG_AUTH.get(code, f"authentication method {code}"))
    except (OSError, struct.error, ConnectionError, ValueError) as exc:
        return _failed(port, user, exc, dog)


def _pg_error_message(body: bytes) -> str:
    for field in body.split(b"\0"):
        if field[:1] == b"M":
            return field[1:].decode("utf-8", "replace")[:200]
    return "error"


# -- MySQL / MariaDB --------------------------------------------------------------------------
_CAPS = 0x00000001 | 0x00000200 | 0x00008000 | 0x00080000  # LONG_PASSWORD, PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH


def _mysql_read(sock: socket.socket) -> tuple[int, bytes]:
    header = _recv_exact(sock, 4)
    length = header[0] | header[1] << 8 | header[2] << 16
    return header[3], _recv_exact(sock, length)


def _mysql_write(sock: socket.socket, seq: int, payload: bytes) -> None:
    sock.sendall(struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload)


def probe_mysql(port: int = 3306, user: str = "root", timeout: float = TIMEOUT,
                deadline: float = DEADLINE) -> LoginProbe:
    with Watchdog(deadline) as dog:
        return _mysql(port, user, timeout, dog)


def _mysql(port: int, user: str, timeout: float, dog: Watchdog) -> LoginProbe:
    try:
        with _connect(port, dog.step(timeout)) as sock:
            dog.watch(sock)
            seq, greeting = _mysql_read(sock)
            if not greeting:
                return LoginProbe(port, user, False, False, "not a MySQL server")
            if greeting[0] == 0xFF:  # e.g. "Host is not allowed to connect"
                return LoginProbe(port, user, True, False, "refused: " + greeting[9:].decode("utf-8", "replace")[:200])
            if greeting[0] != 10:
                return LoginProbe(port, user, False, False, "not a MySQL server")
            version = greeting[1:greeting.index(b"\0", 1)].decode("ascii", "replace")
            response = (struct.pack("<IIB", _CAPS, 1 << 24, 33) + b"\0" * 23 + user.encode() + b"\0"
                        + b"\0" + b"mysql_native_password\0")
            _mysql_write(sock, seq + 1, response)
            seq, answer = _mysql_read(sock)
            if answer[:1] == b"\xfe":  # authentication switch: answer with an empty password again
                plugin = answer[1:].split(b"\0", 1)[0].decode("ascii", "replace")
                if plugin not in ("mysql_native_password", "caching_sha2_password", "mysql_clear_password"):
                    return LoginProbe(port, user, True, False, f"{version}: login needs {plugin}")
                _mysql_write(sock, seq + 1, b"")
                seq, answer = _mysql_read(sock)
            if answer[:1] == b"\x00":
                return LoginProbe(port, user, True, True, f"{version}: logged in without a password")
            message = answer[9:].decode("utf-8", "replace")[:200] if answer[:1] == b"\xff" else "refused"
            return LoginProbe(port, user, True, False, f"{version}: {message}")
    except (OSError, struct.error, ConnectionError, ValueError) as exc:
        return _failed(port, user, exc, dog)
