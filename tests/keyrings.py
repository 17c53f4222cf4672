"""A keyring backend for tests that keeps secrets in memory (the real Secret Service is tested in
tests/integration/test_keyring.py). It is never viable on its own: keyring's automatic detection
must not pick it up in later tests, so tests install it explicitly with keyring.set_keyring()."""

from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.compat.properties import classproperty


class MemoryKeyring(KeyringBackend):
    @classproperty
    def priority(cls):  # noqa: N805 - keyring's classproperty
        raise RuntimeError("installed explicitly by the tests only")

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


def _read_line(proc, timeout: float = 20) -> str:  # type: ignore[no-untyped-def]
    """One line of the child's output, waiting on the pipe itself (select), never on a delay."""
    import os
    import select
    import time

    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = b""
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([proc.stdout], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            raise AssertionError("the D-Bus session did not start in time")
        byte = os.read(proc.stdout.fileno(), 1)
        if not byte:
            raise AssertionError(f"the D-Bus session ended early: {line!r}")
        line += byte
    return line.decode().strip()


def redetect_keyring() -> None:
    """Make ``keyring`` detect its backend again from os.environ (it caches viable backends)."""
    import keyring.backend
    import keyring.core

    vars(keyring.backend.get_all_keyring).pop("saved_result", None)
    keyring.core.init_backend()


@pytest.fixture
def secret_service(tmp_path, monkeypatch):
    """A real Secret Service for one test: gnome-keyring in a private D-Bus session, unlocked."""
    import os
    import subprocess

    import keyring

    from tests.conftest import require_tool

    require_tool("dbus-run-session", "runs a private D-Bus session for the keyring test")
    require_tool("gnome-keyring-daemon", "a real Secret Service")
    previous = keyring.get_keyring()
    data, runtime = tmp_path / "xdg-data", tmp_path / "xdg-runtime"
    data.mkdir()
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_DATA_HOME": str(data), "XDG_RUNTIME_DIR": str(runtime),
           "KEYRING_TEST_PW": "login-pw"}
    script = ('printf %s "$KEYRING_TEST_PW" | gnome-keyring-daemon --unlock --components=secrets'
              ' >/dev/null && echo "$DBUS_SESSION_BUS_ADDRESS" && exec cat')
    proc = subprocess.Popen(["dbus-run-session", "--", "sh", "-c", script], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        address = _read_line(proc)
        assert address.startswith("unix:")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        monkeypatch.setenv("XDG_DATA_HOME", str(data))
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
        redetect_keyring()
        yield keyring.get_keyring()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # ends `cat`, then the session and its daemons
        proc.wait(timeout=20)
        vars(keyring.backend.get_all_keyring).pop("saved_result", None)
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring():
    """A keyring in memory (not a real one: see secret_service for that); yields it."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    """No usable keyring, as on a machine without one."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
