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

Every file is encrypted to public keys only (``keys.recipients()``), so encrypting never needs a
secret; decrypting needs ``keys.unlock()``. Nothing here imports Qt.
"""
