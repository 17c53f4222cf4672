"""The practice's vault keys: a working identity and a paper recovery identity.

Every protected file is encrypted to two public keys (``recipients()``): the **working identity**,
used every day, and the **recovery identity**, whose secret exists only on paper (the recovery
kit). Encrypting needs no secret, so files can be protected while the vault is locked.

Where the keys live (``vault_dir()`` = ``paths.data_dir()/vault``, folder 0700, files 0600):

- ``identity.age``: the working identity as an age identity file (``age-keygen`` format),
  encrypted with an scrypt passphrase. Stock ``age`` opens it: ``age -d -i identity.age FILE``
  asks for the passphrase, so it works without gp_guard.
- ``identity.recovery.age``: the same working identity encrypted to the recovery key, so the paper
  key can restore access after the keyring or the passphrase is lost (``reset_secret``).
- ``keys.json``: public data only: both public keys, the creation date, where the secret is kept.

The passphrase that opens ``identity.age`` is either a random 256-bit secret kept in the OS keyring
(service ``gp_guard``, user ``vault:<working public key>``), or a passphrase the doctor types at each
``unlock`` where no keyring works. It is never stored anywhere else, and there is no silent
fallback: ``create_keys(None)`` without a working keyring raises ``NoKeyring``.

Public API (stable):
    ``has_keys() -> bool``; ``keyring_available() -> bool``; ``secret_in_keyring() -> bool``;
    ``create_keys(passphrase: bytes | None) -> CreatedKeys`` (``None``: random secret in the
    keyring; bytes: the doctor's passphrase, at least ``MIN_PASSPHRASE_LENGTH`` characters).
    ``CreatedKeys.recovery_secret`` is the recovery identity (``AGE-SECRET-KEY-1…``), returned
    this once only, for the kit: it is never written by this module except by
    ``write_recovery_key_file`` (mode 0600, refuses to overwrite).
    ``recipients() -> list[X25519Recipient]`` (working, recovery);
    ``public_keys() -> PublicKeys``;
    ``unlock(passphrase: bytes | None = None) -> X25519Identity``;
    ``reset_secret(recovery_secret: str, passphrase: bytes | None) -> None``;
    ``recovery_identity_text(secret) -> str`` (an identity file ``age -i`` reads);
    ``mark_kit_confirmed()`` / ``kit_confirmed() -> bool``.
    Errors: ``KeysError`` subclasses (``UserError``s: shown with ``exc.text()``):
    ``NoKeys``, ``KeysExist``, ``NoKeyring``, ``PassphraseNeeded``, ``WrongPassphrase``,
    ``WeakPassphrase``, ``SecretMissing``, ``KeyringUnavailable``, ``KeysDamaged``,
    ``WrongRecoveryKey``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from gp_guard import paths
from gp_guard.errors import UserError
from gp_guard.i18n import N_
from gp_guard.vault import agefile
from gp_guard.vault.agefile import (
    AgeError,
    NoIdentityMatch,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
)

log = logging.getLogger(__name__)

SERVICE = "gp_guard"
IDENTITY_FILE = "identity.age"
RECOVERY_COPY_FILE = "identity.recovery.age"
PUBLIC_FILE = "keys.json"
MIN_PASSPHRASE_LENGTH = 10
TYPED_WORK_FACTOR = 18  # age's default (about 1 s): slows guessing of a typed passphrase
RANDOM_WORK_FACTOR = 15  # the keyring secret has 256 random bits: guessing is hopeless anyway


# -- errors -----------------------------------------------------------------------------------
class KeysError(UserError):
    """``detail`` is an English technical detail for the log (never a secret), and ``str()``."""

    message: str = N_("The encryption keys cannot be used.")

    def __init__(self, detail: str = "") -> None:
        super().__init__()
        self.detail = detail

    def __str__(self) -> str:
        return self.detail or self.text()


class NoKeys(KeysError):
    message = N_("Encryption is not set up yet: create the keys first.")


class KeysExist(KeysError):
    message = N_(
        "Encryption keys already exist. They were kept: replacing them would make the files "
        "already protected unreadable."
    )


class NoKeyring(KeysError):
    message = N_(
        "No system keychain can be used on this computer. Choose a passphrase instead: "
        "you will type it each time you open protected files."
    )


class PassphraseNeeded(KeysError):
    message = N_("Type the encryption passphrase to open protected files.")


class WrongPassphrase(KeysError):
    message = N_("This passphrase is not the right one. Check the keyboard layout and Caps Lock.")


class WeakPassphrase(KeysError):
    message = N_("This passphrase is too short: use at least 10 characters.")


class SecretMissing(KeysError):
    message = N_(
        "The secret that opens your keys is no longer in this computer's keychain. Use your "
        "recovery kit to restore access."
    )


class KeyringUnavailable(KeysError):
    message = N_(
        "The system keychain cannot be reached right now (it may be locked). Unlock it, for "
        "example by signing in to your session again, then try again."
    )


class KeysDamaged(KeysError):
    message = N_(
        "The encryption key files are damaged. Your files are safe: use your recovery kit to "
        "restore access."
    )


class WrongRecoveryKey(KeysError):
    message = N_("This recovery key does not belong to this practice's keys.")


# -- data -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicKeys:
    working: X25519Recipient
    recovery: X25519Recipient
    created: str  # ISO 8601, UTC
    secret_in_keyring: bool


@dataclass(frozen=True)
class CreatedKeys:
    working: X25519Recipient
    recovery: X25519Recipient
    recovery_secret: str = field(repr=False)  # AGE-SECRET-KEY-1…: for the kit only, never logged
    secret_in_keyring: bool
    identity_file: Path
    created: str


def vault_dir() -> Path:
    folder = paths.data_dir() / "vault"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    return folder


def identity_file() -> Path:
    return vault_dir() / IDENTITY_FILE


def _write_private(path: Path, data: bytes, *, replace: bool) -> None:
    """Durably write ``data`` with mode 0600 (temp file, fsync, rename, folder fsync)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an old temp file may have had other permissions
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if replace:
        os.replace(tmp, path)
    else:
        try:
            os.link(tmp, path)  # fails if the target exists: never overwrite silently
        finally:
            tmp.unlink(missing_ok=True)
    if hasattr(os, "O_DIRECTORY"):
        dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def identity_text(identity: X25519Identity, comment: str = "") -> str:
    """An identity file in ``age-keygen``'s format (readable by ``age -i``)."""
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    lines = [f"# created: {created}", f"# public key: {identity.recipient().to_string()}"]
    if comment:
        lines.insert(0, f"# {comment}")
    return "\n".join([*lines, identity.to_string(), ""])


def recovery_identity_text(secret: str) -> str:
    """The recovery key as an identity file (what ``--recovery-key-out`` and the kit give)."""
    return identity_text(X25519Identity.from_string(secret), "gp_guard recovery key - keep secret")


# -- keyring ----------------------------------------------------------------------------------
def _keyring_user(working: X25519Recipient) -> str:
    return f"vault:{working.to_string()}"


def keyring_available() -> bool:
    """True when the OS keyring has a usable backend (not keyring's fail or null backends)."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring installation is "no keyring"
        log.info("no keyring: %s", type(exc).__name__)
        return False
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    chained = getattr(backend, "backends", None)
    if chained is not None and not chained:
        return False
    return True


def _keyring_store(user: str, secret: str) -> None:
    try:
        import keyring

        keyring.set_password(SERVICE, user, secret)
        stored = keyring.get_password(SERVICE, user)
    except Exception as exc:  # NoKeyringError, a locked or failing backend, D-Bus errors…
        log.warning("keyring refused to store the vault secret: %s", type(exc).__name__)
        raise NoKeyring(type(exc).__name__) from None
    if stored != secret:
        log.warning("keyring does not keep secrets (read back differs)")
        raise NoKeyring("the keyring did not keep the secret")


def _keyring_read(user: str) -> str | None:
    """The stored secret, None when the keyring has no such entry; KeyringUnavailable when the
    keyring cannot answer (locked, no D-Bus, no backend)."""
    try:
        import keyring
        from keyring.backends import fail

        if isinstance(keyring.get_keyring(), fail.Keyring):
            raise KeyringUnavailable("no keyring backend")
        return keyring.get_password(SERVICE, user)
    except KeyringUnavailable:
        raise
    except Exception as exc:
        log.warning("keyring could not be read: %s", type(exc).__name__)
        raise KeyringUnavailable(type(exc).__name__) from None


def _keyring_delete(user: str) -> None:
    try:
        import keyring

        keyring.delete_password(SERVICE, user)
    except Exception as exc:
        log.info("old keyring entry not deleted: %s", type(exc).__name__)


# -- keys -------------------------------------------------------------------------------------
def has_keys() -> bool:
    folder = paths.data_dir() / "vault"
    return (folder / PUBLIC_FILE).is_file() and (folder / IDENTITY_FILE).is_file()


def _read_public() -> dict[str, object]:
    path = paths.data_dir() / "vault" / PUBLIC_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NoKeys() from None
    except (OSError, ValueError) as exc:
        raise KeysDamaged(f"{PUBLIC_FILE}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise KeysDamaged(f"{PUBLIC_FILE} is not an object")
    return data


def _write_public(data: dict[str, object]) -> None:
    _write_private(vault_dir() / PUBLIC_FILE, json.dumps(data, indent=2).encode(), replace=True)


def public_keys() -> PublicKeys:
    data = _read_public()
    try:
        return PublicKeys(
            working=X25519Recipient.from_string(str(data["working"])),
            recovery=X25519Recipient.from_string(str(data["recovery"])),
            created=str(data["created"]),
            secret_in_keyring=data["secret"] == "keyring",
        )
    except (KeyError, AgeError) as exc:
        raise KeysDamaged(f"{PUBLIC_FILE}: {type(exc).__name__}") from None


def recipients() -> list[X25519Recipient]:
    """The public keys every file is encrypted to: working, then recovery. Needs no secret."""
    keys = public_keys()
    return [keys.working, keys.recovery]


def secret_in_keyring() -> bool:
    return public_keys().secret_in_keyring


def _check_passphrase(passphrase: bytes) -> None:
    if len(passphrase.decode("utf-8", errors="replace")) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(f"shorter than {MIN_PASSPHRASE_LENGTH} characters")


def _seal_identity(working: X25519Identity, passphrase: bytes | None) -> tuple[bytes, str | None]:
    """(identity.age content, the random keyring secret or None)."""
    if passphrase is None:
        secret = secrets.token_urlsafe(32)  # 256 random bits
        recipient = ScryptRecipient(secret.encode(), RANDOM_WORK_FACTOR)
    else:
        secret = None
        recipient = ScryptRecipient(passphrase, TYPED_WORK_FACTOR)
    text = identity_text(working, "gp_guard working key")
    return agefile.encrypt_bytes(text.encode(), [recipient]), secret


def create_keys(passphrase: bytes | None = None) -> CreatedKeys:
    """Create the working and recovery identities, once.

    ``passphrase=None`` keeps a random secret in the OS keyring (``NoKeyring`` when there is
    none: ask the doctor for a passphrase and call again). The recovery secret is returned once.
    """
    if has_keys():
        raise KeysExist()
    if passphrase is not None:
        _check_passphrase(passphrase)
    working = X25519Identity.generate()
    recovery = X25519Identity.generate()
    sealed, secret = _seal_identity(working, passphrase)
    if secret is not None:
        _keyring_store(_keyring_user(working.recipient()), secret)
    folder = vault_dir()
    recovery_copy = agefile.encrypt_bytes(
        identity_text(working, "gp_guard working key").encode(), [recovery.recipient()]
    )
    created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    for name in (IDENTITY_FILE, RECOVERY_COPY_FILE):
        # Leftovers of an interrupted set-up: keys.json is written last, so no file was ever
        # encrypted to them (recipients() reads keys.json).
        (folder / name).unlink(missing_ok=True)
    _write_private(folder / IDENTITY_FILE, sealed, replace=False)
    _write_private(folder / RECOVERY_COPY_FILE, recovery_copy, replace=False)
    _write_public({
        "version": 1,
        "working": working.recipient().to_string(),
        "recovery": recovery.recipient().to_string(),
        "created": created,
        "secret": "keyring" if secret is not None else "passphrase",
        "kit_confirmed": False,
    })
    log.info("vault keys created (secret in %s)", "keyring" if secret else "typed passphrase")
    return CreatedKeys(
        working=working.recipient(),
        recovery=recovery.recipient(),
        recovery_secret=recovery.to_string(),
        secret_in_keyring=secret is not None,
        identity_file=folder / IDENTITY_FILE,
        created=created,
    )


def _open_identity(sealed: bytes, identity: agefile.Identity, expected: X25519Recipient,
                   wrong: type[KeysError]) -> X25519Identity:
    try:
        text = agefile.decrypt_bytes(sealed, [identity])
    except NoIdentityMatch:
        raise wrong() from None
    except AgeError as exc:
        raise KeysDamaged(type(exc).__name__) from None
    try:
        found = agefile.parse_identities(text.decode("utf-8"))
    except (AgeError, UnicodeDecodeError) as exc:
        raise KeysDamaged(type(exc).__name__) from None
    for candidate in found:
        if candidate.recipient() == expected:
            return candidate
    raise KeysDamaged("the identity file holds another key")


def unlock(passphrase: bytes | None = None) -> X25519Identity:
    """The working identity. ``None``: the secret comes from the keyring.

    Raises ``PassphraseNeeded`` when the keys use a typed passphrase and none was given,
    ``SecretMissing`` when the keyring lost its secret, ``KeyringUnavailable`` when the keyring
    cannot answer now (locked), ``WrongPassphrase``, ``KeysDamaged``.
    """
    keys = public_keys()
    if passphrase is None:
        if not keys.secret_in_keyring:
            raise PassphraseNeeded()
        secret = _keyring_read(_keyring_user(keys.working))
        if secret is None:
            raise SecretMissing()
        passphrase = secret.encode()
    try:
        sealed = identity_file().read_bytes()
    except FileNotFoundError:
        raise KeysDamaged(f"{IDENTITY_FILE} is missing") from None
    return _open_identity(sealed, ScryptIdentity(passphrase), keys.working, WrongPassphrase)


def reset_secret(recovery_secret: str, passphrase: bytes | None = None) -> None:
    """Restore access with the paper recovery key: a new keyring secret (``None``) or passphrase.

    Also the way to change the passphrase. The working key, and so every protected file, stays
    the same.
    """
    keys = public_keys()
    try:
        recovery = X25519Identity.from_string(recovery_secret)
    except AgeError:
        raise WrongRecoveryKey("malformed") from None
    if recovery.recipient() != keys.recovery:
        raise WrongRecoveryKey("another key")
    if passphrase is not None:
        _check_passphrase(passphrase)
    try:
        copy = (vault_dir() / RECOVERY_COPY_FILE).read_bytes()
    except FileNotFoundError:
        raise KeysDamaged(f"{RECOVERY_COPY_FILE} is missing") from None
    working = _open_identity(copy, recovery, keys.working, WrongRecoveryKey)
    sealed, secret = _seal_identity(working, passphrase)
    user = _keyring_user(keys.working)
    if secret is not None:
        _keyring_store(user, secret)
    _write_private(identity_file(), sealed, replace=True)
    data = _read_public()
    data["secret"] = "keyring" if secret is not None else "passphrase"
    _write_public(data)
    if secret is None:
        _keyring_delete(user)
    log.info("vault secret reset with the recovery key")


def mark_kit_confirmed() -> None:
    """Record that the doctor typed back part of the recovery key (the kit is saved)."""
    data = _read_public()
    data["kit_confirmed"] = True
    data["kit_confirmed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    _write_public(data)


def kit_confirmed() -> bool:
    return bool(_read_public().get("kit_confirmed"))


def kit_confirmed_at() -> str | None:
    """When the doctor confirmed the kit (ISO text), None if never or before this was recorded."""
    value = _read_public().get("kit_confirmed_at")
    return str(value) if value else None


def write_recovery_key_file(path: Path, secret: str) -> None:
    """Write the recovery key for an IT provider: mode 0600, never over an existing file."""
    text = recovery_identity_text(secret).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
