"""A real org.freedesktop.Notifications server on a private D-Bus session bus, for the tests.

``dbus-daemon`` (the real bus) is started on its own socket; the server answers ``Notify`` and
``GetServerInformation`` as a desktop's notification daemon does (jeepney, the D-Bus library the
keyring already uses) and records each notification with the signature it arrived in.
"""

from __future__ import annotations

import subprocess
import threading
from dataclasses import dataclass, field

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.Notifications"


@dataclass
class Received:
    signature: str
    app: str
    title: str
    body: str


@dataclass
class NotificationServer:
    address: str
    daemon: subprocess.Popen
    received: list[Received] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)

    def serve(self) -> None:
        connection = open_dbus_connection(bus=self.address)
        try:
            connection.send_and_get_reply(message_bus.RequestName(NAME, 4), timeout=5)
            self.ready.set()
            count = 0
            while not self.stopping.is_set():
                try:
                    message = connection.receive(timeout=0.2)
                except TimeoutError:
                    continue
                if message.header.message_type != MessageType.method_call:
                    continue
                member = message.header.fields.get(HeaderFields.member)
                if member == "Notify":
                    count += 1
                    body = message.body
                    self.received.append(Received(message.header.fields.get(HeaderFields.signature, ""),
                                                  body[0], body[3], body[4]))
                    connection.send(new_method_return(message, "u", (count,)))
                elif member == "GetServerInformation":
                    connection.send(new_method_return(message, "ssss", ("tests", "gp_guard", "1", "1.2")))
                elif member == "GetCapabilities":
                    connection.send(new_method_return(message, "as", (["body"],)))
                else:
                    connection.send(new_error(message, "org.freedesktop.DBus.Error.UnknownMethod"))
        finally:
            connection.close()


def start(dbus_daemon: str) -> tuple[NotificationServer, threading.Thread]:
    daemon = subprocess.Popen([dbus_daemon, "--session", "--nofork", "--print-address=1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = (daemon.stdout.readline() if daemon.stdout else "").strip()
    server = NotificationServer(address, daemon)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    if not server.ready.wait(10):
        stop(server, thread)
        raise RuntimeError("the test notification server did not start")
    return server, thread


def stop(server: NotificationServer, thread: threading.Thread) -> None:
    server.stopping.set()
    thread.join(5)
    server.daemon.terminate()
    server.daemon.wait(5)
