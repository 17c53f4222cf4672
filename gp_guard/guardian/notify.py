"""Desktop notifications where there is no tray icon (stock GNOME has none).

``send(title, body)`` tries, in order:

1. ``org.freedesktop.Notifications.Notify`` on the session bus, through jeepney (pure Python, a
   dependency of the keyring on Linux). Not QtDBus: PySide6 cannot send a D-Bus ``uint32`` nor a
   typed empty array, so Qt's call goes out as ``(sisssava{sv}i)`` and GNOME Shell refuses it
   (it checks ``(susssasa{sv}i)``).
2. ``notify-send`` (libnotify-bin), when it is installed.

It returns False when neither reached a notification server; the caller then keeps the message
for the window (``Pending``), which shows it the next time it is opened. Qt-free: the window uses
it where it has no tray icon, and a process without a window could too. No file name or patient
data is ever in a notification.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from gp_guard.store import Store

log = logging.getLogger(__name__)

APP = "gp_guard"
TIMEOUT = 3.0
PENDING_KEY = "guardian.pending_notifications"
MAX_PENDING = 20


def freedesktop(title: str, body: str, timeout: float = TIMEOUT) -> bool:
    """One notification through org.freedesktop.Notifications; False when no server answered."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:  # pragma: no cover - a dependency of the keyring on Linux
        return False
    address = DBusAddress("/org/freedesktop/Notifications", bus_name="org.freedesktop.Notifications",
                          interface="org.freedesktop.Notifications")
    hints = {"desktop-entry": ("s", APP), "urgency": ("y", 1)}
    message = new_method_call(address, "Notify", "susssasa{sv}i", (APP, 0, "dialog-information", title, body, [], hints, -1))
    try:
        connection = open_dbus_connection(bus="SESSION")
    except Exception as exc:  # noqa: BLE001 - no session bus here: KeyError, OSError, ValueError...
        log.info("no session bus for notifications (%s)", type(exc).__name__)
        return False
    try:
        reply = connection.send_and_get_reply(message, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a timeout, the bus went away
        log.info("the notification server did not answer (%s)", type(exc).__name__)
        return False
    finally:
        connection.close()
    if reply.header.message_type != MessageType.method_return:
        log.info("the notification server refused the notification")
        return False
    return True


def notify_send_path() -> str | None:
    return shutil.which("notify-send")


def notify_send(title: str, body: str, timeout: float = TIMEOUT) -> bool:
    tool = notify_send_path()
    if tool is None:
        return False
    try:
        done = subprocess.run([tool, f"--app-name={APP}", "--icon=dialog-information", "--", title, body],
                              capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.info("notify-send failed (%s)", type(exc).__name__)
        return False
    return done.returncode == 0


BACKENDS: list[Callable[[str, str], bool]] = [freedesktop, notify_send]


def send(title: str, body: str) -> bool:
    """Show one desktop notification; False when none of the ways worked (keep it for the window)."""
    return any(backend(title, body) for backend in BACKENDS)


class Pending:
    """Notifications that reached no one, kept in the store until the window shows them."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self) -> list[dict[str, Any]]:
        raw = self.store.get_setting(PENDING_KEY)
        try:
            items = json.loads(raw) if raw else []
        except ValueError:
            return []
        return [i for i in items if isinstance(i, dict) and "title" in i and "body" in i]

    def add(self, key: str, title: str, body: str) -> None:
        items = [i for i in self.all() if i.get("key") != key] + [{"key": key, "title": title, "body": body}]
        self.store.set_setting(PENDING_KEY, json.dumps(items[-MAX_PENDING:], ensure_ascii=False))

    def take(self) -> list[dict[str, Any]]:
        items = self.all()
        if items:
            self.store.set_setting(PENDING_KEY, "[]")
        return items
