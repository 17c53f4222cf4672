"""The encryption set-up wizard, driven with the keyboard only: keys, kit, typed confirmation."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gp_guard import logs
from gp_guard.gui import tasks
from gp_guard.gui.app import apply_language
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.dialogs import vault_setup
from gp_guard.gui.pages import PageContext, encryption
from gp_guard.vault import agefile, keys
from tests.conftest import require_tool
from tests.gui.test_accessibility import unnamed_actionable
from tests.helpers import recorded
from tests.keyrings import MemoryKeyring

PASSPHRASE = "une phrase de passe assez longue"
KEY = re.compile(r"AGE-SECRET-KEY-1[0-9A-Z]{58}")


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)


@pytest.fixture(autouse=True)
def log_file():
    logs.setup()
    return logs.log_file()


@pytest.fixture
def saved(tmp_path, monkeypatch):
    """The save-file seam: the kit goes to tmp_path under the name the wizard proposed."""
    asked: list[str] = []

    def choose(parent, title, name):
        asked.append(name)
        return str(tmp_path / name)

    monkeypatch.setattr(vault_setup, "choose_save_file", choose)
    return asked


@pytest.fixture
def make_page(qtbot, store, monkeypatch):
    monkeypatch.setitem(encryption._started, "recovered", False)
    pages = []

    def make(lang: str = "en") -> encryption.EncryptionPage:
        apply_language(lang)
        audit = AuditController(store, recorded("win10_fr_weak"))
        page = encryption.EncryptionPage(PageContext(store, audit, lambda key: None, lambda lang: None, lambda c: None))
        qtbot.addWidget(page)
        pages.append(page)
        page.show()
        qtbot.waitUntil(lambda: not tasks.running(), timeout=10000)
        return page

    yield make
    for page in pages:
        if page.setup_dialog is not None:
            page.setup_dialog._forget()
    assert tasks.wait_all(15.0)
    apply_language("en")


# -- keyboard helpers -----------------------------------------------------------------------------
def focused():
    return QApplication.focusWidget()


def wait_focus(qtbot, widget) -> None:
    qtbot.waitUntil(lambda: focused() is widget, timeout=5000)


def press(qtbot, key=Qt.Key.Key_Return) -> None:
    qtbot.keyClick(focused(), key)


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def kit_text(path: Path) -> str:
    require_tool("pdftotext", "reads the recovery kit PDF back")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def open_wizard(qtbot, page) -> vault_setup.VaultSetupDialog:
    assert page.setup_button.isVisible() and page.setup_button.isEnabled()
    page.setup_button.setFocus()
    wait_focus(qtbot, page.setup_button)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.setup_dialog is not None and page.setup_dialog.isVisible(), timeout=5000)
    dialog = page.setup_dialog
    dialog.activateWindow()
    return dialog


def assert_no_secret_logged(log_file: Path, *secrets: str) -> None:
    text = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    for secret in secrets:
        assert secret not in text
    assert "AGE-SECRET-KEY" not in text
    assert "Glyph" not in text  # the font subsetter would list the characters of the key


def assert_stock_age_opens_with(secret: str, folder: Path) -> None:
    """A file protected for this practice opens with the stock age tool and the key from the kit."""
    age = require_tool("age", "the kit's promise: recovery without gp_guard")
    original = b"DICM" + bytes(range(256)) * 300
    protected = folder / "IMG0001.dcm.age"
    protected.write_bytes(agefile.encrypt_bytes(original, keys.recipients()))
    key_file = folder / "cle-de-secours.txt"
    key_file.write_text(secret + "\n")
    subprocess.run([age, "-d", "-i", str(key_file), "-o", str(folder / "IMG0001.dcm"), str(protected)],
                   check=True, capture_output=True)
    assert (folder / "IMG0001.dcm").read_bytes() == original


# -- tests ----------------------------------------------------------------------------------------
def test_with_a_keychain_the_whole_wizard_by_keyboard(qtbot, make_page, memory_keyring, saved, seams, log_file):
    page = make_page()
    assert not page.confirm_kit_button.isVisible()
    dialog = open_wizard(qtbot, page)
    assert unnamed_actionable(dialog) == []
    assert not dialog.passphrase_box.isVisible()  # the keychain holds the secret: nothing to type
    assert "Step 1 of 3" in dialog.step_label.text()

    wait_focus(qtbot, dialog.create_button)
    press(qtbot)  # Enter: create the keys (off the GUI thread)
    qtbot.waitUntil(lambda: focused() is dialog.save_button, timeout=15000)
    assert keys.has_keys() and keys.secret_in_keyring()
    assert len(memory_keyring.items) == 1
    assert not dialog.next_button.isEnabled()  # no way forward before the kit is saved

    press(qtbot)  # Enter: save the kit
    assert saved == ["kit-de-secours-gp_guard.pdf"]
    kit = dialog.kit_path
    assert kit is not None and oct(kit.stat().st_mode & 0o777) == "0o600"
    secret = KEY.findall(kit_text(kit))[0]
    assert keys.X25519Identity.from_string(secret).recipient() == keys.public_keys().recovery
    assert_stock_age_opens_with(secret, kit.parent)
    wait_focus(qtbot, dialog.next_button)
    qtbot.keyClick(dialog, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # back to "open to print"
    wait_focus(qtbot, dialog.print_button)
    press(qtbot, Qt.Key.Key_Space)
    assert seams.opened and seams.opened[-1].endswith("kit-de-secours-gp_guard.pdf")
    press(qtbot, Qt.Key.Key_Tab)
    wait_focus(qtbot, dialog.next_button)
    press(qtbot)  # Next

    wait_focus(qtbot, dialog.typed)
    assert "last 8 characters" in dialog.hint.text()
    type_text(qtbot, "ABCD EFGH")
    before = dialog.confirm_button.mapTo(dialog, dialog.confirm_button.rect().topLeft())
    press(qtbot)
    assert "not what the kit shows" in dialog.message.text()
    QApplication.processEvents()  # the layout settles
    assert dialog.confirm_button.mapTo(dialog, dialog.confirm_button.rect().topLeft()) == before  # it stays put
    assert not keys.kit_confirmed()
    assert dialog.isVisible()

    assert focused() is dialog.typed and dialog.typed.selectedText() == "ABCD EFGH"  # retyping replaces it
    type_text(qtbot, secret[-8:-4].lower() + " " + secret[-4:])  # as printed on the kit, any case
    press(qtbot)
    assert keys.kit_confirmed()
    wait_focus(qtbot, dialog.close_button)
    press(qtbot)  # Finish
    qtbot.waitUntil(lambda: page.setup_dialog is None, timeout=5000)
    assert not page.setup_button.isVisible() and not page.confirm_kit_button.isVisible()
    assert page.protect_button.isEnabled()
    assert "not confirmed" not in page.keys_label.text()
    assert seams.asked == []
    assert_no_secret_logged(log_file, secret, secret[-8:], *memory_keyring.items.values())
    assert "vault set-up: recovery kit confirmed" in log_file.read_text(encoding="utf-8")


def test_without_a_keychain_a_passphrase_typed_twice_then_confirm_later(
        qtbot, make_page, no_keyring, saved, seams, log_file):
    page = make_page()
    dialog = open_wizard(qtbot, page)
    assert dialog.passphrase_box.isVisible()
    assert "No system keychain" in dialog.secret_label.text()

    wait_focus(qtbot, dialog.passphrase)
    type_text(qtbot, "court")
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "court")
    press(qtbot)
    assert "at least 10 characters" in dialog.message.text()
    assert not keys.has_keys()

    assert focused() is dialog.passphrase
    qtbot.keyClick(focused(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, PASSPHRASE)
    press(qtbot, Qt.Key.Key_Tab)
    qtbot.keyClick(focused(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, PASSPHRASE + "x")
    press(qtbot)
    assert "differ" in dialog.message.text()
    assert not keys.has_keys()

    assert focused() is dialog.passphrase_again
    qtbot.keyClick(focused(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text(qtbot, PASSPHRASE)
    press(qtbot)
    qtbot.waitUntil(lambda: focused() is dialog.save_button, timeout=15000)
    assert not keys.secret_in_keyring()
    keys.unlock(PASSPHRASE.encode())  # the typed passphrase opens the everyday key
    assert dialog.passphrase.text() == "" and dialog.passphrase_again.text() == ""

    seams.answer = False  # Escape before the kit is saved: asked, and "Go back" keeps the wizard
    press(qtbot, Qt.Key.Key_Escape)
    assert seams.asked and "not saved" in seams.asked[-1][0]
    assert dialog.isVisible()

    assert focused() is dialog.save_button
    press(qtbot)
    secret = KEY.findall(kit_text(dialog.kit_path))[0]
    asked = len(seams.asked)
    press(qtbot, Qt.Key.Key_Escape)  # the kit is saved: closing is fine, confirmation comes later
    qtbot.waitUntil(lambda: page.setup_dialog is None, timeout=5000)
    assert len(seams.asked) == asked
    assert not keys.kit_confirmed()
    assert "not confirmed" in page.keys_label.text()
    assert page.confirm_kit_button.isVisible() and not page.setup_button.isVisible()

    page.activateWindow()  # the offscreen platform does not give the focus back by itself
    wait_focus(qtbot, page.confirm_kit_button)  # the page puts it on the next thing to do
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.setup_dialog is not None and page.setup_dialog.isVisible(), timeout=5000)
    later = page.setup_dialog
    later.activateWindow()
    assert unnamed_actionable(later) == []
    wait_focus(qtbot, later.typed)
    assert "whole recovery key" in later.hint.text()
    type_text(qtbot, secret[-8:])  # the secret is not kept: the end alone proves nothing now
    press(qtbot)
    assert not keys.kit_confirmed() and "not what the kit shows" in later.message.text()
    type_text(qtbot, secret.lower())  # the refused text is selected: typing replaces it
    press(qtbot)
    assert keys.kit_confirmed()
    press(qtbot)  # Finish
    qtbot.waitUntil(lambda: page.setup_dialog is None, timeout=5000)
    assert not page.confirm_kit_button.isVisible()
    assert_no_secret_logged(log_file, secret, secret[-8:], PASSPHRASE)


def test_a_keychain_that_refuses_the_secret_falls_back_to_a_passphrase(qtbot, make_page, saved, seams):
    class Refusing(MemoryKeyring):
        def set_password(self, service, username, password):
            raise keyring.errors.PasswordSetError("locked")

    previous = keyring.get_keyring()
    keyring.set_keyring(Refusing())
    try:
        page = make_page()
        dialog = open_wizard(qtbot, page)
        assert not dialog.passphrase_box.isVisible()
        wait_focus(qtbot, dialog.create_button)
        press(qtbot)
        qtbot.waitUntil(lambda: focused() is dialog.passphrase, timeout=15000)
        assert dialog.passphrase_box.isVisible() and not keys.has_keys()
        type_text(qtbot, PASSPHRASE)
        press(qtbot, Qt.Key.Key_Tab)
        type_text(qtbot, PASSPHRASE)
        press(qtbot)
        qtbot.waitUntil(lambda: focused() is dialog.save_button, timeout=15000)
        assert keys.has_keys() and not keys.secret_in_keyring()
        press(qtbot)
        assert dialog.kit_path is not None and dialog.kit_path.exists()
    finally:
        keyring.set_keyring(previous)


def test_no_close_while_the_keys_are_being_created_and_french(qtbot, memory_keyring, monkeypatch):
    apply_language("fr")
    try:
        started, release = [], __import__("threading").Event()
        real = keys.create_keys

        def slow(passphrase):
            started.append(1)
            assert release.wait(10)
            return real(passphrase)

        monkeypatch.setattr(keys, "create_keys", slow)
        dialog = vault_setup.VaultSetupDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.windowTitle() == "Configurer le chiffrement"
        assert "Étape 1 sur 3" in dialog.step_label.text()
        assert unnamed_actionable(dialog) == []
        dialog.create_button.click()
        qtbot.waitUntil(lambda: bool(started), timeout=5000)
        assert not dialog.close_button.isEnabled()
        dialog.reject()  # Escape while scrypt runs: ignored
        assert dialog.isVisible()
        release.set()
        qtbot.waitUntil(lambda: dialog.save_button.isVisible() and dialog.close_button.isEnabled(), timeout=15000)
        assert keys.has_keys()
    finally:
        release.set()
        assert tasks.wait_all(15.0)
        apply_language("en")


def test_an_existing_file_is_never_overwritten_by_the_kit(qtbot, memory_keyring, tmp_path, monkeypatch):
    existing = tmp_path / "kit-de-secours-gp_guard.pdf"
    existing.write_bytes(b"the doctor's own file")
    targets = [str(existing), "", str(tmp_path / "kit-2.pdf")]
    monkeypatch.setattr(vault_setup, "choose_save_file", lambda parent, title, name: targets.pop(0))
    dialog = vault_setup.VaultSetupDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.save_button.isVisible() and dialog.task is None, timeout=15000)
    dialog.save_button.click()
    assert "already exists" in dialog.message.text()
    assert existing.read_bytes() == b"the doctor's own file"
    assert dialog.kit_path is None and not dialog.next_button.isEnabled()
    dialog.save_button.click()  # the doctor cancelled the file dialog: nothing happens
    assert dialog.kit_path is None
    dialog.save_button.click()
    assert dialog.kit_path == tmp_path / "kit-2.pdf" and dialog.next_button.isEnabled()
    assert dialog.kit_path.read_bytes().startswith(b"%PDF")
    dialog.reject()
    assert dialog._secret is None  # dropped with the dialog
