"""Bounds shared by the live probes: an overall deadline per probe and a cap on what a peer may send.

A timeout on each socket read is not enough: a server that sends one byte a second answers every
read in time and keeps a probe alive for ever. So each probe runs under a ``Watchdog``: when its
deadline passes, the watchdog shuts down every socket the probe registered, which wakes a blocked
``recv`` at once (it returns end-of-file), whatever library is reading. The probe then reports
"no complete answer within N s". The watchdog's timer is a daemon thread, cancelled when the
probe ends, so it never holds up the exit.

Bytes are capped where they are read: ``recv_exact`` refuses a message larger than its limit before
reading it, and the FTP, HTTP and DICOM probes cap lines, replies and PDUs.
"""

from __future__ import annotations

import socket
import threading
import time


class TooMuchData(ValueError):
    """The peer announced or sent more than a probe accepts."""


class Watchdog:
    """Shuts down the registered sockets when ``seconds`` have passed since it was created."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def expired(self) -> bool:
        return self._fired or time.monotonic() >= self.end

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def step(self, timeout: float) -> float:
        """A socket timeout for the next step: ``timeout``, shortened to what is left (never 0,
        which would make the socket non-blocking)."""
        return max(0.05, min(timeout, self.left()))

    def watch(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down at the deadline (at once if it has passed)."""
        if sock is None:
            return
        with self._lock:
            if not self._fired:
                if all(s is not sock for s in self._sockets):
                    self._sockets.append(sock)
                return
        _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self._fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._sockets = []

    def __enter__(self) -> Watchdog:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return f"no complete answer within {self.seconds:g} s"


def _shutdown(sock: socket.socket) -> None:
    """Wake any thread blocked on ``sock``; the owner still closes it (no file descriptor reuse race)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def recv_exact(sock: socket.socket, size: int, limit: int) -> bytes:
    """Exactly ``size`` bytes; ``TooMuchData`` when ``size`` exceeds ``limit`` (nothing is read)."""
    if size > limit:
        raise TooMuchData(f"the server announced {size} bytes (at most {limit} accepted)")
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(min(size - len(data), 65536))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return bytes(data)
