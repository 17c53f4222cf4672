"""The vault: files encrypted in place in the age v1 format, readable for decades without gp_guard.

Modules:

- ``agefile``: the age v1 file format (c2sp.org/age) on the ``cryptography`` package: X25519 and
  scrypt recipients, streaming ``encrypt``/``decrypt`` over binary file objects with bounded memory,
  progress and cancellation, typed errors (``AgeError`` and its subclasses).
- ``keys``: the practice's keys: a working identity kept as an scrypt-encrypted age identity file
  (opened by a secret kept in the OS keyring, or by a passphrase the doctor types), and a recovery
  identity whose secret exists only on paper (the recovery kit).
- ``recovery_kit``: the recovery kit PDF (key as text and QR code, French instructions for stock
  ``age``) and the "type back part of the key" confirmation.
- ``folder``: the public operations on a protected folder: ``lock`` (encrypt in place), ``unlock``
  (decrypt), ``verify``, ``status``, ``recover``. Built from ``eligibility`` (which folders may be
  protected), ``scan`` (walking a folder), ``transform`` (one file, encrypted or decrypted, behind
  one interface), ``batches`` (the engine driving a transform over many files), ``outcome``
  (progress, problems, report, errors), ``mutex`` (one worker per folder), ``steps`` (the protocol's
  steps, where the crash tests hook in); and below them ``journal`` (the intent log in the store),
  ``recovery`` (finishing an interrupted run), ``leftovers``, ``inuse`` (files other programs have
  open), ``fileio`` (durable writes, the page cache) and ``streams`` (hashing, comparing readers).
- ``viewer``: a protected file opened for viewing in a private folder, removed afterwards.

Every file is encrypted to public keys only (``keys.recipients()``), so encrypting never needs a
secret; decrypting needs ``keys.unlock()``. Nothing here imports Qt.
"""


KIT_FILE_NAME = "kit-de-secours-gp_guard.pdf"  # the recovery kit's default name (also in .gitignore)


def documents_folder():  # type: ignore[no-untyped-def]
    """Where the recovery kit is saved by default: the user's documents folder, else the home
    folder (never the current folder, which may be a program's or a shared checkout)."""
    from pathlib import Path

    import platformdirs

    try:
        documents = Path(platformdirs.user_documents_dir())
    except Exception:  # noqa: BLE001 - a broken desktop configuration: the home folder will do
        documents = Path.home()
    return documents if documents.is_dir() else Path.home()


def report_summary(store):  # type: ignore[no-untyped-def]
    """What the practice's security report shows of the vault; None while it is not set up.

    Folders protected, the last verification, and when the recovery kit was confirmed: counts and
    dates only, never a key, a path's content or a file name.
    """
    from gp_guard.vault import folder, keys

    if not keys.has_keys():
        return None
    folders = folder.status(store=store)
    verified = [f.last_run_at for f in folders if f.last_action == "verify" and f.last_run_at]
    return {
        "folders_protected": sum(1 for f in folders if f.encrypted),
        "last_verified": max(verified) if verified else None,
        "recovery_kit_confirmed": keys.kit_confirmed_at(),
    }
