"""The register key in a REAL Secret Service (gnome-keyring on a private D-Bus session).

Same set-up as the vault's keyring test: ``dbus-run-session`` + ``gnome-keyring-daemon --unlock
--components=secrets`` with private XDG folders; ``keyring`` detects its backend as on a desktop.
"""

from __future__ import annotations

import subprocess

from gp_guard.breach.register import KEYRING_NAME, KEYRING_SERVICE, Register
from gp_guard.paths import database_path
from gp_guard.store import Store
from tests.conftest import require_tool
from tests.unit.test_breach_register import SECRET_TEXT, sample


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
