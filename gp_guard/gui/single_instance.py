"""One window per user: a second start asks the first to come to the front, then exits.

A ``QLocalServer`` named ``paths.runtime_name()`` (per user, per data folder) listens; a start
that can connect to it sends ``raise`` and stops. A name left over by a crash is removed.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

MESSAGE = b"raise\n"


class SingleInstance(QObject):
    activated = Signal()  # another start asked this one to show itself

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server: QLocalServer | None = None

    def notify_running(self, timeout_ms: int = 500) -> bool:
        """True when another instance answered (and was asked to show itself)."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(MESSAGE)
        socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return True

    def listen(self) -> bool:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            QLocalServer.removeServer(self.name)  # left over by a crashed instance
            if not server.listen(self.name):
                log.warning("single-instance server unavailable: %s", server.errorString())
                return False
        server.newConnection.connect(self._accept)
        self.server = server
        return True

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _accept(self) -> None:
        # The other start writes its message right after connecting: read it at once, so no
        # socket outlives this call (a short wait, only when a second start happens).
        while self.server is not None and self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            data = b""
            if connection.bytesAvailable() or connection.waitForReadyRead(1000):
                data = bytes(connection.readAll().data())
            connection.abort()
            connection.deleteLater()
            if MESSAGE.strip() in data:
                self.activated.emit()
