"""The register key in a REAL Secret Service (gnome-keyring on a private D-Bus session).

Same set-up as the vault's keyring test: ``dbus-run-session`` + ``gnome-keyring-daemon --unlock
--components=secrets`` with private XDG folders; ``keyring`` detects its backend as on a desktop.
"""

from __future__ import annotations

import os
import select
import subprocess
import time

import keyring
import keyring.backend
import keyring.core
import pytest

from gp_guard.breach.register import KEYRING_NAME, KEYRING_SERVICE, Register
from gp_guard.paths import database_path
from gp_guard.store import Store
from tests.conftest import require_tool
from tests.unit.test_breach_register import SECRET_TEXT, sample


def _read_line(proc: subprocess.Popen, timeout: float = 20) -> str:
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


def _detect() -> None:
    vars(keyring.backend.get_all_keyring).pop("saved_result", None)  # keyring caches the viable backends
    keyring.core.init_backend()


@pytest.fixture
def secret_service(tmp_path, monkeypatch):
    require_tool("dbus-run-session", "runs a private D-Bus session for the keyring test")
    require_tool("gnome-keyring-daemon", "a real Secret Service")
    previous = keyring.get_keyring()
    data, runtime = tmp_path / "xdg-data", tmp_path / "xdg-runtime"
    data.mkdir()
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_DATA_HOME": str(data), "XDG_RUNTIME_DIR": str(runtime), "KEYRING_TEST_PW": "login-pw"}
    script = ('printf %s "$KEYRING_TEST_PW" | gnome-keyring-daemon --unlock --components=secrets'
              ' >/dev/null && echo "$DBUS_SESSION_BUS_ADDRESS" && exec cat')
    proc = subprocess.Popen(["dbus-run-session", "--", "sh", "-c", script], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        address = _read_line(proc)
        assert address.startswith("unix:")
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        monkeypatch.setenv("XDG_DATA_HOME", str(data))
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
        _detect()
        yield keyring.get_keyring()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # ends `cat`, then the session and its daemons
        proc.wait(timeout=20)
        vars(keyring.backend.get_all_keyring).pop("saved_result", None)
        keyring.set_keyring(previous)


def test_register_key_in_a_real_secret_service(secret_service):
    backends = getattr(secret_service, "backends", [secret_service])
    assert any(type(b).__module__ == "keyring.backends.SecretService" for b in backends)
    store = Store(database_path())
    saved = Register.open(store, passphrase=None).save(sample())  # no passphrase needed: the keyring holds the key
    store.close()
    require_tool("secret-tool", "reads the Secret Service like any desktop program")
    found = subprocess.run(["secret-tool", "lookup", "service", KEYRING_SERVICE, "username", KEYRING_NAME],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert len(found) == 44  # 32 bytes in base64
    wal = database_path().with_name(database_path().name + "-wal")
    raw = database_path().read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert found.encode() not in raw and SECRET_TEXT.encode() not in raw
    store = Store(database_path())
    assert Register.open(store).get(saved.id).nature.what_happened == SECRET_TEXT
    store.close()
