"""A keyring backend for tests that keeps secrets in memory (the real Secret Service is tested in
tests/integration/test_keyring.py). It is never viable on its own: keyring's automatic detection
must not pick it up in later tests, so tests install it explicitly with keyring.set_keyring()."""

from __future__ import annotations

from keyring.backend import KeyringBackend
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
