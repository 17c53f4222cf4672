"""The practice identity as the doctor entered it: cleaned, validated, stored."""

from __future__ import annotations

import pytest

from gp_guard.report import identity
from gp_guard.store import open_default


def test_saved_values_are_cleaned_and_reloaded():
    store = open_default()
    assert identity.load(store).empty
    saved = identity.save(store, identity.PracticeIdentity(
        "  Dr  Anne   Lefèvre ", " 3 place Bellecour \n\n 69002 Lyon ", "101 234 567 89", "732 829 320"))
    assert saved == identity.PracticeIdentity("Dr Anne Lefèvre", "3 place Bellecour\n69002 Lyon",
                                              "10123456789", "732829320")
    assert identity.load(store) == saved


@pytest.mark.parametrize(("field", "value", "words"), [
    ("rpps", "1234", "11 digits"),
    ("rpps", "1234567890a", "11 digits"),
    ("siren", "12345678", "9 digits"),
    ("siren", "732829321", "not valid"),
    ("name", "x" * 121, "too long"),
])
def test_wrong_values_are_refused_with_the_field(field, value, words):
    store = open_default()
    with pytest.raises(identity.IdentityError) as error:
        identity.save(store, identity.PracticeIdentity(**{field: value}))
    assert error.value.field == field
    assert words in error.value.text()
    assert identity.load(store).empty
