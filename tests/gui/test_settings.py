"""Settings declared as data (Qt-free) and the settings page that is generated from them."""

from __future__ import annotations

import logging

import pytest

from gp_guard import i18n, settings
from gp_guard.paths import log_dir

GUARDIAN = {"guardian.after_days": "30", "guardian.unlock_hours": "12", "guardian.daily_audit": True}  # gp_guard/guardian


def test_defaults_are_filled_in(store):
    assert settings.load(store) == {"language": "system", "audit_on_start": False, "backup.target": "", "provider.contact": "", "monitoring.folder": "", **GUARDIAN}


def test_values_round_trip(store):
    settings.set(store, "language", "fr")
    settings.set(store, "audit_on_start", True)
    assert settings.load(store) == {"language": "fr", "audit_on_start": True, "backup.target": "", "provider.contact": "", "monitoring.folder": "", **GUARDIAN}
    assert settings.ui_language(store) == "fr"
    assert settings.ui_language(store, "en") == "en"


def test_a_bad_stored_value_falls_back_to_the_default(store, caplog):
    store.set_setting("language", "klingon")
    store.set_setting("audit_on_start", "perhaps")
    with caplog.at_level(logging.WARNING):
        assert settings.load(store) == {"language": "system", "audit_on_start": False, "backup.target": "", "provider.contact": "", "monitoring.folder": "", **GUARDIAN}
    assert "language" in caplog.text and "klingon" not in caplog.text
    assert settings.ui_language(store) is None


def test_bad_values_are_refused(store):
    with pytest.raises(ValueError):
        settings.set(store, "language", "de")
    with pytest.raises(ValueError):
        settings.set(store, "nope", "x")
    with pytest.raises(ValueError):
        settings.set(store, "audit_on_start", "yes")


def test_language_switch_changes_the_visible_texts(qtbot, make_window):
    window = make_window("en")
    window.navigate("settings")
    combo = window.pages["settings"].editors["language"]
    with qtbot.waitSignal(window.language_changed, timeout=5000):
        combo.setCurrentIndex(combo.findData("fr"))
    assert i18n.current_language() == "fr"
    assert window.nav.item(0).text() == "Tableau de bord"
    assert window.pages["audit"].run_button.text() == "Lancer l'audit"
    assert window.current_key() == "settings"  # the user stays where they were
    assert settings.get(window.store, "language") == "fr"
    combo = window.pages["settings"].editors["language"]
    assert combo.currentData() == "fr"
    with qtbot.waitSignal(window.language_changed, timeout=5000):
        combo.setCurrentIndex(combo.findData("en"))
    assert window.nav.item(0).text() == "Dashboard"


def test_switching_language_keeps_the_last_report(qtbot, make_window):
    from tests.gui.conftest import run_audit_and_wait

    window = make_window("en")
    run_audit_and_wait(qtbot, window)
    count = len(window.pages["audit"].tree.finding_items())
    with qtbot.waitSignal(window.language_changed, timeout=5000):
        window.set_language("fr")
    assert len(window.pages["audit"].tree.finding_items()) == count
    assert window.pages["audit"].tree.headerItem().text(0) == "Résultat"


def test_checkbox_and_log_folder(window, seams):
    page = window.pages["settings"]
    page.editors["audit_on_start"].setChecked(True)
    assert settings.get(window.store, "audit_on_start") is True
    page.logs_button.click()
    assert seams.opened == [str(log_dir())]



def test_backup_folder_is_typed_and_saved(qtbot, make_window, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLineEdit, QPushButton

    window = make_window("en")
    window.navigate("settings")
    editor = window.pages["settings"].editors["backup.target"]
    line = editor.findChild(QLineEdit)
    button = editor.findChild(QPushButton)
    assert line.accessibleName() and button.accessibleName() == "Choose the backup folder"
    line.setFocus()
    line.clear()
    qtbot.keyClicks(line, str(tmp_path))
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert settings.get(window.store, "backup.target") == str(tmp_path)


def test_start_at_login_writes_and_removes_this_users_entry(qtbot, make_window, tmp_path, monkeypatch, seams):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    entry = tmp_path / "config" / "autostart" / "gp_guard-watcher.desktop"
    window = make_window("en")
    window.navigate("settings")
    box = window.pages["settings"].autostart
    assert not box.isChecked() and box.accessibleName().startswith("Start gp_guard's folder watcher when I log in")
    box.click()
    assert entry.is_file() and "vault watch" in entry.read_text(encoding="utf-8")
    box.click()
    assert not entry.exists() and not box.isChecked()
    entry.parent.rmdir()
    entry.parent.write_text("a file where the folder should be")  # the entry cannot be written
    box.click()
    assert not box.isChecked()  # back to what is true
    title, text, error = seams.informed[-1]
    assert title == "Start at login" and error and "could not be written" in text


def test_start_at_login_shows_an_entry_made_elsewhere(qtbot, make_window, tmp_path, monkeypatch):
    from gp_guard.guardian import autostart

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    autostart.enable()  # e.g. the IT provider ran `gp-guard autostart on`
    window = make_window("fr")
    window.navigate("settings")
    box = window.pages["settings"].autostart
    assert box.isChecked() and box.text().startswith("Lancer la surveillance des dossiers de gp_guard")


def test_each_folder_choose_button_names_its_own_folder(make_window):
    from PySide6.QtWidgets import QPushButton

    from gp_guard.gui.pages import settings as page_module

    window = make_window("fr")
    window.navigate("settings")
    page = window.pages["settings"]
    names = {key: page.editors[key].findChild(QPushButton).accessibleName()
             for key, s in settings.by_key().items() if s.kind == "folder"}
    assert names["backup.target"] == "Choisir le dossier des sauvegardes"
    assert names["monitoring.folder"] == "Choisir le dossier pour la supervision du prestataire informatique"
    assert len(set(names.values())) == len(names)  # never the same name for two folders
    assert "{setting}" in page_module.CHOOSE_OTHER  # a folder added later is named by its label
