"""Vault keys: creation, keyring or typed passphrase, unlock, recovery, files never in clear."""

from __future__ import annotations

import json
import logging
import stat

import keyring
import pytest
from keyring.backends import fail, null
from keyring.errors import KeyringLocked

from gp_guard import i18n, paths
from gp_guard.vault import agefile, keys
from gp_guard.vault.agefile import X25519Identity
from tests.keyrings import MemoryKeyring  # noqa: E402

PASSPHRASE = b"cheval correct agrafe"


class LockedKeyring(MemoryKeyring):
    def set_password(self, service, username, password):
        raise KeyringLocked("the collection is locked")


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    monkeypatch.setattr(keys, "RANDOM_WORK_FACTOR", 10)


@pytest.fixture
def use_keyring():
    previous = keyring.get_keyring()

    def install(backend):
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


def vault_files() -> dict[str, bytes]:
    folder = paths.data_dir() / "vault"
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def test_keys_with_the_keyring(use_keyring, caplog):
    caplog.set_level(logging.DEBUG)
    store = use_keyring(MemoryKeyring())
    assert keys.keyring_available() and not keys.has_keys()
    created = keys.create_keys(None)
    assert keys.has_keys() and created.secret_in_keyring and keys.secret_in_keyring()
    assert created.recovery_secret not in repr(created)
    assert keys.recipients() == [created.working, created.recovery]
    ((service, user), secret), = store.items.items()
    assert service == "gp_guard" and user == "vault:" + created.working.to_string()
    assert len(secret) >= 40

    folder = paths.data_dir() / "vault"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = vault_files()
    assert set(files) == {"identity.age", "identity.recovery.age", "keys.json"}
    for name in files:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    working = keys.unlock()
    assert working.recipient() == created.working
    for content in files.values():  # no secret in clear in any file, nor in the logs
        for hidden in (secret, created.recovery_secret, working.to_string()):
            assert hidden.encode() not in content
            assert hidden not in caplog.text
    public = json.loads(files["keys.json"])
    assert public["working"] == created.working.to_string() and public["secret"] == "keyring"

    sealed = agefile.encrypt_bytes(b"radio", keys.recipients())
    assert agefile.decrypt_bytes(sealed, [working]) == b"radio"
    recovery = X25519Identity.from_string(created.recovery_secret)
    assert agefile.decrypt_bytes(sealed, [recovery]) == b"radio"


def test_keys_are_created_once(use_keyring):
    use_keyring(MemoryKeyring())
    keys.create_keys(None)
    before = vault_files()
    with pytest.raises(keys.KeysExist):
        keys.create_keys(None)
    with pytest.raises(keys.KeysExist):
        keys.create_keys(PASSPHRASE)
    assert vault_files() == before


@pytest.mark.parametrize("backend", [fail.Keyring, null.Keyring, LockedKeyring])
def test_no_usable_keyring_means_no_silent_fallback(use_keyring, backend):
    use_keyring(backend())
    if backend is not LockedKeyring:
        assert not keys.keyring_available()
    with pytest.raises(keys.NoKeyring):
        keys.create_keys(None)
    assert not keys.has_keys()
    assert not any(name.endswith(".age") or name == "keys.json" for name in vault_files())


def test_typed_passphrase_when_there_is_no_keyring(use_keyring):
    use_keyring(fail.Keyring())
    created = keys.create_keys(PASSPHRASE)
    assert not created.secret_in_keyring
    with pytest.raises(keys.PassphraseNeeded):
        keys.unlock()
    with pytest.raises(keys.WrongPassphrase) as info:
        keys.unlock(b"pas la bonne phrase")
    i18n.set_language("fr")
    assert i18n._(info.value.message).startswith("Cette phrase secrète n’est pas la bonne")
    assert keys.unlock(PASSPHRASE).recipient() == created.working
    assert PASSPHRASE not in b"".join(vault_files().values())


def test_short_passphrase_is_refused(use_keyring):
    use_keyring(fail.Keyring())
    with pytest.raises(keys.WeakPassphrase):
        keys.create_keys(b"court")
    assert not keys.has_keys()


def test_lost_keyring_secret_is_restored_with_the_recovery_key(use_keyring):
    store = use_keyring(MemoryKeyring())
    created = keys.create_keys(None)
    store.items.clear()
    with pytest.raises(keys.SecretMissing):
        keys.unlock()
    with pytest.raises(keys.WrongRecoveryKey):
        keys.reset_secret(X25519Identity.generate().to_string())
    with pytest.raises(keys.WrongRecoveryKey):
        keys.reset_secret("not a key")
    keys.reset_secret(created.recovery_secret)
    assert keys.unlock().recipient() == created.working
    assert keys.recipients() == [created.working, created.recovery]


def test_recovery_key_switches_to_a_typed_passphrase(use_keyring):
    store = use_keyring(MemoryKeyring())
    created = keys.create_keys(None)
    keys.reset_secret(created.recovery_secret, PASSPHRASE)
    assert not keys.secret_in_keyring() and store.items == {}
    with pytest.raises(keys.PassphraseNeeded):
        keys.unlock()
    assert keys.unlock(PASSPHRASE).recipient() == created.working
    keys.reset_secret(created.recovery_secret, None)  # and back to the keyring
    assert keys.secret_in_keyring() and keys.unlock().recipient() == created.working


def test_damaged_files_are_reported(use_keyring):
    use_keyring(MemoryKeyring())
    keys.create_keys(None)
    path = keys.identity_file()
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(keys.KeysDamaged):
        keys.unlock()
    (paths.data_dir() / "vault" / "keys.json").write_text("{not json")
    with pytest.raises(keys.KeysDamaged):
        keys.recipients()


def test_no_keys_yet():
    with pytest.raises(keys.NoKeys):
        keys.recipients()
    with pytest.raises(keys.NoKeys):
        keys.unlock(PASSPHRASE)


def test_recovery_key_file_for_the_it_provider(use_keyring, tmp_path):
    use_keyring(MemoryKeyring())
    created = keys.create_keys(None)
    out = tmp_path / "cle-de-secours.txt"
    keys.write_recovery_key_file(out, created.recovery_secret)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    (identity,) = agefile.parse_identities(out.read_text())
    assert identity.recipient() == created.recovery
    with pytest.raises(FileExistsError):
        keys.write_recovery_key_file(out, created.recovery_secret)


def test_kit_confirmation_is_recorded(use_keyring):
    use_keyring(MemoryKeyring())
    keys.create_keys(None)
    assert not keys.kit_confirmed()
    keys.mark_kit_confirmed()
    assert keys.kit_confirmed()


def test_every_error_has_a_french_message():
    catalog = i18n.load_catalog("fr")
    for cls in (keys.KeysError, *keys.KeysError.__subclasses__()):
        assert catalog.get(cls.message), cls


class UnreadableKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise KeyringLocked("the collection is locked")


def test_a_locked_keyring_is_not_a_lost_secret(use_keyring):
    store = use_keyring(MemoryKeyring())
    created = keys.create_keys(None)
    locked = use_keyring(UnreadableKeyring())
    locked.items = dict(store.items)
    with pytest.raises(keys.KeyringUnavailable):
        keys.unlock()
    use_keyring(fail.Keyring())
    with pytest.raises(keys.KeyringUnavailable):
        keys.unlock()
    use_keyring(store)
    assert keys.unlock().recipient() == created.working
