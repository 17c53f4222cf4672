"""Vault keys with a REAL Secret Service (gnome-keyring on a private D-Bus session) and with none.

The fixture starts ``dbus-run-session`` + ``gnome-keyring-daemon --unlock --components=secrets``
with XDG_DATA_HOME and XDG_RUNTIME_DIR in the test's temporary folder, exports the session's
D-Bus address into os.environ and lets ``keyring`` detect its backend as on a desktop. The stock
``age`` tool then opens the identity file with the secret typed on a pseudo-terminal.
"""

from __future__ import annotations

import io
import os
import subprocess

import keyring
import keyring.backend
import keyring.core
import pytest

from gp_guard.vault import agefile, keys
from tests.conftest import require_tool
from tests.integration.test_age_interop import run_age_with_passphrase
from tests.keyrings import redetect_keyring  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture
def detect_keyring():
    """Make ``keyring`` detect its backend again (from os.environ), and restore it afterwards."""
    previous = keyring.get_keyring()
    yield redetect_keyring
    vars(keyring.backend.get_all_keyring).pop("saved_result", None)
    keyring.set_keyring(previous)


def test_keys_in_a_real_secret_service(secret_service, tmp_path):
    assert type(secret_service).__module__ == "keyring.backends.SecretService"
    assert keys.keyring_available()
    created = keys.create_keys(None)
    assert created.secret_in_keyring

    # The secret is really in the Secret Service: the stock secret-tool finds it.
    require_tool("secret-tool", "reads the Secret Service like any desktop program")
    user = "vault:" + created.working.to_string()
    found = subprocess.run(["secret-tool", "lookup", "service", "gp_guard", "username", user],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert len(found) >= 40
    assert found.encode() not in keys.identity_file().read_bytes()

    working = keys.unlock()
    assert working.recipient() == created.working

    # Stock age opens the identity file with that secret, then a gp_guard file with it.
    sealed = tmp_path / "scan.pdf.age"
    sealed.write_bytes(agefile.encrypt_bytes(b"%PDF-1.7 ordonnance", keys.recipients()))
    out = tmp_path / "scan.pdf"
    status, transcript = run_age_with_passphrase(
        ["-d", "-i", str(keys.identity_file()), "-o", str(out), str(sealed)], found)
    assert status == 0, transcript
    assert out.read_bytes() == b"%PDF-1.7 ordonnance"

    # The secret lost from the keyring: the recovery key restores access.
    keyring.delete_password("gp_guard", user)
    with pytest.raises(keys.SecretMissing):
        keys.unlock()
    keys.reset_secret(created.recovery_secret)
    assert keys.unlock().recipient() == created.working


def test_no_secret_service_means_a_typed_passphrase(tmp_path, monkeypatch, detect_keyring):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    detect_keyring()
    assert not keys.keyring_available()
    with pytest.raises(keys.NoKeyring):
        keys.create_keys(None)
    assert not keys.has_keys()

    passphrase = "cheval correct agrafe"
    created = keys.create_keys(passphrase.encode())
    with pytest.raises(keys.PassphraseNeeded):
        keys.unlock()
    with pytest.raises(keys.WrongPassphrase):
        keys.unlock(b"pas la bonne phrase")

    sealed = tmp_path / "image.dcm.age"
    data = os.urandom(70_000)
    with sealed.open("wb") as dst:
        agefile.encrypt(io.BytesIO(data), dst, keys.recipients())
    out = tmp_path / "image.dcm"
    args = ["-d", "-i", str(keys.identity_file()), "-o", str(out), str(sealed)]
    status, _ = run_age_with_passphrase(args, "pas la bonne phrase")
    assert status != 0 and (not out.exists() or out.read_bytes() != data)
    out.unlink(missing_ok=True)
    status, transcript = run_age_with_passphrase(args, passphrase)
    assert status == 0, transcript
    assert out.read_bytes() == data
    assert keys.unlock(passphrase.encode()).recipient() == created.working
