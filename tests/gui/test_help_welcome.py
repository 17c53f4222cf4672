"""The first-launch welcome and the Help page."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from gp_guard import about, settings
from gp_guard.gui.dialogs import welcome


def test_welcome_opens_once_and_each_step_goes_somewhere(qtbot, make_window, store):
    window = make_window("en")
    dialog = window.welcome(only_first_time=True)
    assert dialog is not None and dialog.isVisible()
    assert {b.text() for b in dialog.buttons.values()} == {"Check this computer", "Answer the questions", "Protect a folder"}
    dialog.buttons["questions"].click()
    assert window.current_key() == "questions"
    assert welcome.seen(store)
    assert window.welcome(only_first_time=True) is None  # not again at the next start


def test_welcome_first_step_runs_the_audit(qtbot, make_window):
    window = make_window("en")
    dialog = window.welcome()
    with qtbot.waitSignal(window.audit.finished, timeout=15000):
        dialog.buttons["audit"].click()
    assert window.current_key() == "audit"


def test_later_marks_it_seen_without_moving(qtbot, make_window, store, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    window = make_window("en")
    dialog = window.welcome()
    assert not dialog.autostart.isChecked()  # opt-in: nothing starts at login unless she asks
    dialog.later.click()
    assert welcome.seen(store) and window.current_key() == "dashboard"
    assert not (tmp_path / "config" / "autostart").exists()


def test_welcome_can_turn_on_the_watcher_at_login(qtbot, make_window, tmp_path, monkeypatch):
    from gp_guard.guardian import autostart

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    window = make_window("en")
    dialog = window.welcome()
    dialog.autostart.setChecked(True)
    assert autostart.status() is None  # written when she leaves the welcome, not before
    dialog.buttons["encryption"].click()
    entry = tmp_path / "config" / "autostart" / "gp_guard-watcher.desktop"
    assert autostart.status() == str(entry) and "vault watch" in entry.read_text(encoding="utf-8")
    assert window.current_key() == "encryption"


def test_welcome_in_french(qtbot, make_window):
    window = make_window("fr")
    dialog = window.welcome()
    assert dialog.windowTitle() == "Bienvenue dans gp_guard"
    assert dialog.buttons["encryption"].text() == "Protéger un dossier"
    dialog.reject()


def test_help_page_shows_version_files_and_the_provider(qtbot, make_window, store, seams):
    settings.set(store, "provider.contact", "Informatique Santé 35, 02 99 00 00 00")
    window = make_window("fr")
    window.navigate("help")
    page = window.pages["help"]
    assert "Informatique Santé 35" in page.provider_label.text()
    facts = about.about(store)
    assert facts.version in page.version_label.text()
    page.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert str(facts.log_file) in copied and str(facts.data_folder) in copied
    page.logs_button.click()
    assert seams.opened[-1] == str(facts.log_file.parent)
    page.settings_button.click()
    assert window.current_key() == "settings"


def test_help_page_says_when_the_provider_is_not_set(qtbot, make_window):
    window = make_window("en")
    assert window.pages["help"].provider_label.text().startswith("Not set yet.")


def test_provider_contact_is_one_short_line(store):
    with pytest.raises(ValueError):
        settings.set(store, "provider.contact", "x" * 501)
    with pytest.raises(ValueError):
        settings.set(store, "provider.contact", "line one\nline two")
    settings.set(store, "provider.contact", "Dr Martin's IT: 06 00 00 00 00")
    assert about.about(store).to_dict()["provider_contact"] == "Dr Martin's IT: 06 00 00 00 00"
