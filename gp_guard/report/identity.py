"""The practice's identity as the doctor entered it (name, address, optional RPPS and SIREN).

Kept in the store's ``setting`` table under ``practice.*`` keys: no schema of its own. Only what
the doctor typed is stored; nothing is looked up.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from gp_guard.errors import UserError
from gp_guard.i18n import N_
from gp_guard.settings import SettingsStore

PREFIX = "practice."
MAX_LENGTH = {"name": 120, "address": 300, "rpps": 11, "siren": 9}


class IdentityError(UserError, ValueError):
    """A value the identity form cannot accept; ``field`` names it."""

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.field = field


@dataclass(frozen=True)
class PracticeIdentity:
    name: str = ""
    address: str = ""  # may span several lines
    rpps: str = ""  # 11 digits, optional
    siren: str = ""  # 9 digits, optional

    @property
    def empty(self) -> bool:
        return not any((self.name, self.address, self.rpps, self.siren))

    def cleaned(self) -> PracticeIdentity:
        """Trimmed values, spaces removed from the numbers; IdentityError when one is not valid."""
        rpps = "".join(self.rpps.split())
        siren = "".join(self.siren.split())
        address = "\n".join(line.strip() for line in self.address.strip().splitlines() if line.strip())
        value = PracticeIdentity(" ".join(self.name.split()), address, rpps, siren)
        for f in fields(value):
            text = getattr(value, f.name)
            if len(text) > MAX_LENGTH[f.name]:
                raise IdentityError(f.name, N_("This field is too long ({max} characters at most)."),
                                    max=MAX_LENGTH[f.name])
        if rpps and not (_ascii_digits(rpps) and len(rpps) == 11):
            raise IdentityError("rpps", N_("An RPPS number has 11 digits."))
        if siren and not (_ascii_digits(siren) and len(siren) == 9):
            raise IdentityError("siren", N_("A SIREN number has 9 digits."))
        if siren and not _luhn(siren):
            raise IdentityError("siren", N_("This SIREN number is not valid: please check the digits."))
        return value


def _ascii_digits(text: str) -> bool:
    """Only 0-9: str.isdigit() also accepts full-width, Arabic-Indic and superscript digits."""
    return text.isascii() and text.isdigit()


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    return total % 10 == 0


def load(store: SettingsStore) -> PracticeIdentity:
    values = {f.name: store.get_setting(PREFIX + f.name) or "" for f in fields(PracticeIdentity)}
    return PracticeIdentity(**values)


def save(store: SettingsStore, identity: PracticeIdentity) -> PracticeIdentity:
    """Validate and store ``identity``; returns the cleaned values."""
    value = identity.cleaned()
    for f in fields(value):
        store.set_setting(PREFIX + f.name, getattr(value, f.name))
    return value
