"""The GUI's one way to show a UserError: dialogs.show_error, its message in the language of the
moment it is shown, with the warning icon, through the inform() seam."""

from __future__ import annotations

from gp_guard.checklist.progress import ChecklistError
from gp_guard.gui import dialogs
from gp_guard.i18n import N_, _, set_language


def test_show_error_shows_the_message_translated_when_shown(seams):
    error = ChecklistError(N_("Unknown checklist item: {id}."), id="NOPE")  # raised in English
    set_language("fr")
    dialogs.show_error(None, "Liste", error)
    assert seams.informed == [("Liste", _("Unknown checklist item: {id}.").format(id="NOPE"), True)]
    assert seams.informed[0][1] != "Unknown checklist item: NOPE." and "NOPE" in seams.informed[0][1]
