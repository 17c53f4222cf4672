"""i18n.Lazy and i18n.LazyList: the one way a message parameter translates itself, when the message
is shown (a finding made in English reads in French once the language changes)."""

from __future__ import annotations

from gp_guard.i18n import N_, Lazy, LazyList, _, set_language


def test_a_label_is_translated_when_shown_not_when_made():
    label = Lazy(N_("private"))
    message = "The firewall is off for these networks: {profiles}."
    assert str(label) == "private" and label == "private"  # a plain str for logs, JSON, comparisons
    set_language("fr")
    assert _("private") != "private"
    assert f"{label}" == _("private")
    assert f"[{label:>12}]" == f"[{_('private'):>12}]"  # a format spec applies to the translation
    assert _(message).format(profiles=LazyList([N_("private"), N_("public")])) == _(message).format(
        profiles=f"{_('private')}, {_('public')}")


def test_a_template_with_parameters_and_nested_parameters():
    link = Lazy(N_("{software} listens on port {port} for every computer of the network ({weak})"),
                software="Orthanc", port=8042, weak=LazyList([N_("no password")]))
    assert str(link) == "Orthanc listens on port 8042 for every computer of the network (no password)"
    set_language("fr")
    shown = format(link)
    assert shown.startswith("Orthanc") and "8042" in shown and _("no password") in shown
    assert shown != str(link)


def test_the_separator_may_translate_itself():
    items = LazyList([N_("private"), N_("public")], separator=Lazy(N_("; ")))
    assert format(items) == "private; public"
    set_language("fr")
    assert format(items) == f"{_('private')} ; {_('public')}"
    assert format(LazyList(["a", "b"], "; ")) == "a; b"  # a plain separator stays as it is


def test_in_a_given_language_without_changing_the_process_language():
    items = LazyList([Lazy(N_("{software} listens on port {port} for every computer of the network ({weak})"),
                           software="Orthanc", port=8042, weak=LazyList([N_("no password")]))],
                     separator=Lazy(N_("; ")))
    french = items.in_language("fr")
    assert french != str(items) and "Orthanc" in french  # the process still speaks English:
    assert format(items) == str(items)
    set_language("fr")
    assert format(items) == french
    assert items.in_language("en") == str(items)
