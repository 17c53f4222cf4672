"""The encryption page: protect, cancel, verify, open; the event loop keeps running; accessible."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from gp_guard.gui import tasks
from gp_guard.gui.app import apply_language
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.pages import PageContext, encryption
from gp_guard.vault import folder, keys
from gp_guard.vault.journal import Journal
from tests.gui.test_accessibility import unnamed_actionable
from tests.helpers import recorded

PASSPHRASE = "a long passphrase for tests"


class Protecting:
    """What the protect dialog was shown (folder, programs) and what the doctor chooses there."""

    def __init__(self) -> None:
        self.days: int | None = 0  # 0: as soon as finished; None: cancelled
        self.shown: list[tuple[Path, list]] = []

    def __call__(self, parent, root, uses, days):
        self.shown.append((root, uses))
        return self.days


@pytest.fixture
def protecting(monkeypatch):
    answer = Protecting()
    monkeypatch.setattr(encryption, "ask_protect", answer)
    return answer


@pytest.fixture
def make_page(qtbot, store, monkeypatch, protecting):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: PASSPHRASE)
    monkeypatch.setitem(encryption._started, "recovered", False)
    pages = []

    def make(lang: str = "en") -> encryption.EncryptionPage:
        apply_language(lang)
        audit = AuditController(store, recorded("win10_fr_weak"))
        page = encryption.EncryptionPage(PageContext(store, audit, lambda key: None, lambda lang: None, lambda c: None))
        qtbot.addWidget(page)
        pages.append(page)
        qtbot.waitUntil(lambda: not tasks.running(), timeout=10000)
        return page

    yield make
    for page in pages:
        if page.token is not None:
            page.token.cancel()
        assert page.wait(15.0)
    assert tasks.wait_all(15.0)
    apply_language("en")


@pytest.fixture
def with_keys():
    keys.create_keys(PASSPHRASE.encode())


def imaging(tmp_path: Path, count: int = 5, size: int = 20_000) -> Path:
    root = tmp_path / "Imagerie"
    root.mkdir()
    for index in range(count):
        (root / f"IMG{index:03d}.dcm").write_bytes(os.urandom(size))
    return root


def wait_done(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.task is None and not tasks.running(), timeout=30000)


def test_without_keys_the_page_says_so_and_actions_wait(make_page):
    page = make_page()
    assert "not set up yet" in page.keys_label.text()
    assert not page.protect_button.isEnabled() and not page.open_button.isEnabled()
    assert unnamed_actionable(page) == []


def test_protect_a_folder_end_to_end(make_page, with_keys, qtbot, tmp_path, monkeypatch, seams, protecting, store):
    from gp_guard.audit.model import Status
    from gp_guard.guardian import policy

    root = imaging(tmp_path)
    page = make_page()
    assert unnamed_actionable(page) == []
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: pytest.fail("encrypting asked for the passphrase"))
    qtbot.mouseClick(page.protect_button, qtbot_button())
    qtbot.waitUntil(lambda: bool(protecting.shown), timeout=15000)
    wait_done(qtbot, page)
    assert protecting.shown == [(root, [])]  # the dialog named the folder; no program has files open
    assert sorted(p.name for p in root.iterdir()) == [f"IMG{i:03d}.dcm.age" for i in range(5)]
    assert page.result_label.text() == "Files encrypted: 5." and page.result_status == Status.PASS
    assert not page.result_mark.pixmap().isNull()  # a mark beside the words, not colour alone
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
    item = page.tree.topLevelItem(0)
    assert (item.text(0), item.text(1), item.text(2), item.text(5)) == (str(root), "All files encrypted", "5",
                                                                        "As soon as finished")
    assert policy.get(store, root).immediate
    assert "as soon as the program writing it has closed it" in page.plan_label.text()


def test_cancelling_the_protect_dialog_changes_nothing(make_page, with_keys, qtbot, tmp_path, monkeypatch, protecting):
    root = imaging(tmp_path, count=2)
    protecting.days = None
    page = make_page()
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    page.protect_button.click()
    qtbot.waitUntil(lambda: bool(protecting.shown) and page.task is None and not tasks.running(), timeout=15000)
    assert sorted(p.name for p in root.iterdir()) == ["IMG000.dcm", "IMG001.dcm"]
    assert not Journal().folders()


def test_untouched_for_n_days_keeps_recent_files_readable_and_says_until_when(make_page, with_keys, qtbot, tmp_path,
                                                                             monkeypatch, protecting, store):
    from gp_guard.guardian import policy

    root = imaging(tmp_path, count=3)
    old = time.time() - 40 * 86400
    for name in ("IMG000.dcm", "IMG001.dcm"):  # last month's studies
        os.utime(root / name, (old, old))
    protecting.days = 30
    page = make_page()
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    page.protect_button.click()
    qtbot.waitUntil(lambda: bool(protecting.shown), timeout=15000)
    wait_done(qtbot, page)
    assert sorted(p.name for p in root.iterdir()) == ["IMG000.dcm.age", "IMG001.dcm.age", "IMG002.dcm"]
    assert page.result_label.text().startswith("Files encrypted: 2. 1 recent file stays readable")
    assert policy.get(store, root).after_days == 30
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1 and bool(page.plan_label.text()))
    column = page.tree.topLevelItem(0).text(5)
    assert column.startswith("Untouched for 30 days: 1 waiting, until ") and not re.search(r"\d{4}-\d{2}", column)
    text = page.plan_label.text()
    assert "for 30 days" in text and "1 recent file stays readable for now; the first will be protected on" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # a date in words, not ISO
    page.lock_button.click()  # "Encrypt the remaining files" keeps to the folder's policy
    wait_done(qtbot, page)
    assert (root / "IMG002.dcm").exists()


def test_decrypting_a_folder_asks_first_naming_it_and_its_files(make_page, with_keys, qtbot, tmp_path, seams):
    root = imaging(tmp_path, count=3)
    folder.lock(root, keys.recipients(), None)
    page = make_page()
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
    seams.answer = False
    page.unlock_button.click()
    title, text = seams.asked[-1]
    assert title == "Decrypt the whole folder?"
    assert str(root) in text and "The 3 encrypted files of" in text and "after 12 hours" in text
    assert page.task is None and sorted(p.name for p in root.iterdir())[0] == "IMG000.dcm.age"
    seams.answer = True
    page.unlock_button.click()
    wait_done(qtbot, page)
    assert sorted(p.name for p in root.iterdir()) == ["IMG000.dcm", "IMG001.dcm", "IMG002.dcm"]
    assert page.result_label.text() == "Files decrypted: 3."


def test_opening_a_file_no_program_can_show_says_so(make_page, with_keys, qtbot, tmp_path, monkeypatch, seams):
    from gp_guard.audit.model import Status
    from gp_guard.gui import desktop

    root = imaging(tmp_path, count=1)
    folder.lock(root, keys.recipients(), None)
    monkeypatch.setattr(desktop, "open_url", lambda url: False)  # "Unable to detect a launcher"
    monkeypatch.setattr(encryption, "choose_file", lambda parent, title, pattern: str(root / "IMG000.dcm.age"))
    page = make_page()
    page.open_button.click()
    wait_done(qtbot, page)
    title, text, error = seams.informed[-1]
    assert title == "No program opens this file" and error
    assert "“.dcm”" in text and "IMG000.dcm" in text
    assert page.result_status == Status.WARN and "no program on this computer" in page.result_label.text()
    page.close_views_button.click()
    assert page.result_label.text() == "Opened copy deleted: 1."


def test_the_protect_dialog_asks_when_and_names_the_programs(qtbot, tmp_path):
    from gp_guard.guardian.protect import ProgramUse
    from gp_guard.gui.dialogs.protect_folder import ProtectDialog

    dialog = ProtectDialog(tmp_path, [ProgramUse(4242, "Weasis", 3, 1)], 30)
    qtbot.addWidget(dialog)
    assert "no other program can read it, your imaging or practice software included" in dialog.warning.text()
    assert "Weasis has 3 files of this folder open. It is still writing 1 of them" in dialog.programs.text()
    assert not dialog.encrypt.isEnabled()  # the doctor must choose
    dialog.later.setChecked(True)
    assert dialog.encrypt.isEnabled() and dialog.days.isEnabled() and dialog.days.value() == 30
    dialog.days.setValue(45)
    assert "last 45 days stay readable" in dialog.days_hint.text()
    dialog.encrypt.click()
    assert dialog.choice() == 45
    assert unnamed_actionable(dialog) == []
    other = ProtectDialog(tmp_path, [], 30)
    qtbot.addWidget(other)
    other.now.setChecked(True)
    other.encrypt.click()
    assert other.choice() == 0 and other.programs.text() == "No program has files of this folder open right now."
    cancelled = ProtectDialog(tmp_path, [], 30)
    qtbot.addWidget(cancelled)
    cancelled.cancel.click()
    assert cancelled.choice() is None


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_dangerous_folder_is_refused_before_any_work(make_page, with_keys, monkeypatch, seams):
    page = make_page()
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(Path.home()))
    page.protect_button.click()
    assert page.task is None
    assert seams.informed and seams.informed[0][2] is True
    assert "personal folder" in seams.informed[0][1]


def test_cancel_stops_safely_and_the_loop_stays_responsive(make_page, with_keys, qtbot, tmp_path, monkeypatch):
    root = imaging(tmp_path, count=12, size=50_000)
    Journal().add_folder(str(root))  # a protected folder where new files arrived
    page = make_page()
    release = threading.Event()
    real_lock = folder.lock

    def slow_lock(*args, progress=None, **kwargs):
        def gated(p):
            progress(p)
            if p.files_done >= 2:
                release.wait(10)  # the worker waits here until the test has pressed Cancel
        return real_lock(*args, progress=gated, **kwargs)

    monkeypatch.setattr("gp_guard.vault.batches.BATCH_FILES", 1)
    monkeypatch.setattr(encryption.folder, "lock", slow_lock)
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    page.lock_button.click()
    qtbot.waitUntil(lambda: "2 of 12" in page.progress_label.text(), timeout=15000)
    assert page.cancel_button.isEnabled()
    page.cancel_button.click()
    release.set()
    wait_done(qtbot, page)
    timer.stop()
    assert "Stopped before the end" in page.result_label.text()
    names = sorted(p.name for p in root.iterdir())
    assert len(names) == 12 and not [n for n in names if n.endswith(".tmp")]
    assert 2 <= sum(n.endswith(".age") for n in names) < 12
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert ticks and max(gaps) < 1.0  # the event loop never froze


def test_big_file_keeps_the_event_loop_running(make_page, with_keys, qtbot, tmp_path, monkeypatch):
    root = tmp_path / "Etude"
    root.mkdir()
    (root / "study.dcm").write_bytes(os.urandom(1024 * 1024) * 48)
    page = make_page()
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    page.protect_button.click()
    wait_done(qtbot, page)
    timer.stop()
    assert (root / "study.dcm.age").exists()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) > 5 and max(gaps) < 0.5, max(gaps)


def test_verify_lists_a_damaged_file_and_open_shows_a_private_copy(make_page, with_keys, qtbot, tmp_path, monkeypatch, seams):
    root = imaging(tmp_path, count=2)
    folder.lock(root, keys.recipients(), None)
    bad = root / "IMG001.dcm.age"
    bad.write_bytes(bad.read_bytes()[:-5])
    page = make_page()
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
    page.verify_button.click()
    wait_done(qtbot, page)
    qtbot.waitUntil(lambda: page.problems.count() == 1)
    assert page.problems.item(0).text().startswith("IMG001.dcm.age: This encrypted file cannot be read")
    assert page.tree.topLevelItem(0).text(1) == "Some files need attention"

    monkeypatch.setattr(encryption, "choose_file", lambda parent, title, pattern: str(root / "IMG000.dcm.age"))
    page.open_button.click()
    wait_done(qtbot, page)
    [opened] = seams.opened
    path = Path(opened.removeprefix("file://"))
    assert path.name == "IMG000.dcm" and path.stat().st_size == 20_000
    assert page.close_views_button.isEnabled()
    page.close_views_button.click()
    assert not path.exists()


def test_wrong_passphrase_is_shown_in_plain_words(make_page, with_keys, qtbot, tmp_path, monkeypatch, seams):
    from gp_guard.audit.model import Status

    root = imaging(tmp_path, count=1)
    folder.lock(root, keys.recipients(), None)
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: "wrong passphrase!")
    page = make_page()
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
    page.unlock_button.click()
    wait_done(qtbot, page)
    assert "not the right one" in page.result_label.text() and page.result_status == Status.FAIL
    assert (root / "IMG000.dcm.age").exists()


def test_french_page(make_page, with_keys, qtbot, tmp_path):
    from gp_guard.gui.dialogs.protect_folder import ProtectDialog

    page = make_page("fr")
    assert page.protect_button.text() == "Protéger un dossier…"
    # the SSD note no longer opens the page: it is said where it applies, before protecting
    assert not any("SSD" in label.text() for label in page.findChildren(type(page.keys_label)))
    assert unnamed_actionable(page) == []
    dialog = ProtectDialog(tmp_path, [], 30)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(type(page.keys_label)))
    assert "SSD" in texts and "logiciel d’imagerie" in texts and dialog.encrypt.text() == "Chiffrer"


def test_keyboard_reaches_every_action(make_page, with_keys, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    page = make_page()
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.tree.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.tree)
    reached = set()
    for _ in range(30):
        reached.add(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget() or page, Qt.Key.Key_Tab)
    for button in (page.protect_button, page.open_button, page.kit_button):
        assert button in reached


def test_page_in_the_main_window_survives_a_language_switch(qtbot, make_window, monkeypatch):
    monkeypatch.setitem(encryption._started, "recovered", False)
    window = make_window("en")
    window.navigate("encryption")
    assert unnamed_actionable(window.pages["encryption"]) == []
    with qtbot.waitSignal(window.language_changed, timeout=10000):
        window.set_language("fr")
    page = window.pages["encryption"]
    assert page.accessibleName() == "Chiffrement"
    assert page.protect_button.text() == "Protéger un dossier…"
    qtbot.waitUntil(lambda: not tasks.running(), timeout=10000)


def test_closing_the_window_during_a_lock_asks_then_stops_safely(qtbot, make_window, with_keys, tmp_path,
                                                                   monkeypatch, seams):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: PASSPHRASE)
    monkeypatch.setitem(encryption._started, "recovered", False)
    root = imaging(tmp_path, count=8, size=30_000)
    Journal().add_folder(str(root))
    release = threading.Event()
    real_lock = folder.lock

    def slow_lock(*args, progress=None, **kwargs):
        def gated(p):
            progress(p)
            if p.files_done >= 2:
                release.wait(10)
        return real_lock(*args, progress=gated, **kwargs)

    monkeypatch.setattr("gp_guard.vault.batches.BATCH_FILES", 1)
    monkeypatch.setattr(encryption.folder, "lock", slow_lock)
    window = make_window("en")
    page = window.pages["encryption"]
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1 and not tasks.running(), timeout=10000)
    page.lock_button.click()
    qtbot.waitUntil(lambda: "2 of 8" in page.progress_label.text(), timeout=15000)
    seams.answer = False
    assert not window.close()  # the doctor chose to keep it running
    assert seams.asked[-1][0] == "Work is in progress" and page.task is not None
    seams.answer = True
    release.set()
    assert window.close()
    assert page.task is None or page.task.wait(0)
    names = sorted(p.name for p in root.iterdir())
    assert len(names) == 8 and not [n for n in names if n.endswith(".tmp")]


def test_without_a_keyring_the_passphrase_is_typed_once_per_session(make_page, with_keys, qtbot, tmp_path,
                                                                    monkeypatch):
    root = imaging(tmp_path, count=2)
    asked = []
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: asked.append(1) or PASSPHRASE)
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    page = make_page()
    assert page.forget_key_button.isHidden() and page.session_label.isHidden()
    page.protect_button.click()
    qtbot.waitUntil(lambda: root.joinpath("IMG000.dcm.age").exists(), timeout=15000)
    wait_done(qtbot, page)
    assert asked == [] and page.result_label.text() == "Files encrypted: 2."  # the public keys suffice
    qtbot.waitUntil(lambda: page.selected() == root)
    page.verify_button.click()
    wait_done(qtbot, page)
    assert len(asked) == 1 and page.result_label.text() == "Encrypted files read back without error: 2."
    assert not page.forget_key_button.isHidden() and "remembered until" in page.session_label.text()
    assert page.session_timer.isActive()
    page.verify_button.click()
    wait_done(qtbot, page)
    assert len(asked) == 1

    page.session_timer.timeout.emit()  # the session ran out: asked again next time
    assert page.session_key is None and page.forget_key_button.isHidden()
    page.verify_button.click()
    wait_done(qtbot, page)
    assert len(asked) == 2
    page.forget_key_button.click()  # the doctor leaves the desk
    assert page.session_key is None and not page.session_timer.isActive()


def test_a_wrong_passphrase_is_not_remembered(make_page, with_keys, qtbot, tmp_path, monkeypatch, seams):
    root = imaging(tmp_path, count=1)
    typed = ["wrong passphrase!", PASSPHRASE]
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: typed.pop(0))
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    folder.lock(root, keys.recipients(), None)
    page = make_page()
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
    page.verify_button.click()
    wait_done(qtbot, page)
    assert "not the right one" in page.result_label.text() and page.session_key is None
    page.verify_button.click()
    wait_done(qtbot, page)
    assert typed == [] and page.result_label.text() == "Encrypted files read back without error: 1."
    assert page.session_key is not None


def test_a_file_another_program_is_writing_is_kept_and_listed(make_page, with_keys, qtbot, tmp_path, monkeypatch, seams,
                                                              protecting):
    import subprocess
    import sys

    root = imaging(tmp_path, count=3)
    code = "import sys; f = open(sys.argv[1], 'ab'); print('ready', flush=True); sys.stdin.read()"
    writer = subprocess.Popen([sys.executable, "-c", code, str(root / "IMG001.dcm")], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"  # the imaging program is still receiving it
        page = make_page()
        monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
        page.protect_button.click()
        qtbot.waitUntil(lambda: bool(protecting.shown), timeout=15000)
        wait_done(qtbot, page)
        [(_root, uses)] = protecting.shown  # said before anything was encrypted
        assert [(u.pid, u.files, u.writing) for u in uses] == [(writer.pid, 1, 1)]
        assert sorted(p.name for p in root.iterdir()) == ["IMG000.dcm.age", "IMG001.dcm", "IMG002.dcm.age"]
        assert "Files that need attention: 1" in page.result_label.text()
        qtbot.waitUntil(lambda: page.problems.count() == 1)
        text = page.problems.item(0).text()
        assert text.startswith("IMG001.dcm: Still in use by ") and f"process {writer.pid}" in text
        assert "nothing was deleted" in text
    finally:
        writer.communicate("")


def test_with_the_key_in_the_keyring_encrypting_checks_each_copy_by_decrypting_it(make_page, qtbot, tmp_path,
                                                                                 monkeypatch, memory_keyring):
    from gp_guard.guardian import protect

    keys.create_keys(None)  # the secret is in the keyring: at hand without asking anything
    root = imaging(tmp_path, count=2)
    given = []
    real = protect.protect
    monkeypatch.setattr(protect, "protect", lambda *a, **kw: given.append(a[3]) or real(*a, **kw))
    monkeypatch.setattr(encryption, "ask_passphrase", lambda parent: pytest.fail("encrypting asked for the passphrase"))
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    page = make_page()
    page.protect_button.click()
    qtbot.waitUntil(lambda: bool(given), timeout=15000)
    wait_done(qtbot, page)
    assert given[0] is not None and len(given[0]) == 1  # the working key: full read-back check
    assert page.result_label.text() == "Files encrypted: 2."


def test_the_rule_of_a_protected_folder_can_be_changed(make_page, with_keys, qtbot, tmp_path, monkeypatch, store):
    from gp_guard.guardian import policy

    root = imaging(tmp_path, count=1)
    folder.lock(root, keys.recipients(), None)
    policy.set_policy(store, root, 0)
    shown = []
    monkeypatch.setattr(encryption, "ask_rule", lambda parent, r, current, days: shown.append((r, current)) or 60)
    page = make_page()
    qtbot.waitUntil(lambda: page.tree.topLevelItemCount() == 1)
    assert page.rule_button.isEnabled()
    page.rule_button.click()
    assert shown == [(root, policy.Policy(0))]
    assert policy.get(store, root).after_days == 60
    assert page.result_label.text().startswith("Rule saved: Untouched for 60 days.")
    qtbot.waitUntil(lambda: page.tree.topLevelItem(0).text(5) == "Untouched for 60 days", timeout=10000)


def test_the_rule_dialog_starts_on_the_folders_current_rule(qtbot, tmp_path):
    from gp_guard.guardian.policy import Policy
    from gp_guard.gui.dialogs.protect_folder import ProtectDialog

    dialog = ProtectDialog(tmp_path, [], 30, current=Policy(45))
    qtbot.addWidget(dialog)
    assert dialog.later.isChecked() and dialog.days.value() == 45 and dialog.encrypt.text() == "Save"
    assert dialog.programs.isHidden()
    dialog.now.setChecked(True)
    dialog.encrypt.click()
    assert dialog.choice() == 0


def test_the_protect_dialog_shows_its_wrapped_texts_whole(qtbot, tmp_path):
    from PySide6.QtWidgets import QLabel

    from gp_guard.guardian.protect import ProgramUse
    from gp_guard.gui.dialogs.protect_folder import ProtectDialog

    apply_language("fr")  # the longer texts
    dialog = ProtectDialog(tmp_path, [ProgramUse(1, "Weasis", 3, 1)], 30)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = [label for label in dialog.findChildren(QLabel) if label.wordWrap() and not label.isHidden()]

    def whole() -> bool:  # each text at its full height, and the dialog tall enough for them all
        return (all(label.height() >= label.heightForWidth(label.width()) for label in labels)
                and dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width()))

    qtbot.waitUntil(whole, timeout=5000)  # the bold warning was cut to three lines before
    dialog.later.setChecked(True)  # the hint under the choices grows to two lines
    qtbot.waitUntil(lambda: "restent lisibles" in dialog.days_hint.text() and whole(), timeout=5000)
    assert len(labels) >= 5


def test_the_kit_is_printed_again_from_the_key_typed_from_paper_and_only_for_this_practice(
        make_page, qtbot, tmp_path, monkeypatch, seams):
    from gp_guard.vault import agefile

    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    created = keys.create_keys(PASSPHRASE.encode())
    page = make_page()
    saved = tmp_path / "kit.pdf"
    monkeypatch.setattr(encryption, "ask_kit_source", lambda parent: "type")
    monkeypatch.setattr(encryption, "choose_save_file", lambda parent, title, name: str(saved))
    other = agefile.X25519Identity.generate().to_string()
    monkeypatch.setattr(encryption, "ask_recovery_key", lambda parent: other)  # another practice's key
    page.kit_button.click()
    assert seams.informed[-1] == ("Recovery kit", "This is not the recovery key of this practice. Look at the "
                                  "printed kit again and retype it.", True)
    assert not saved.exists()
    secret = created.recovery_secret
    as_read = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)).lower()  # in groups, any case
    monkeypatch.setattr(encryption, "ask_recovery_key", lambda parent: as_read)
    page.kit_button.click()
    assert saved.read_bytes().startswith(b"%PDF") and seams.informed[-1][0] == "Recovery kit"
    assert seams.informed[-1][1].startswith("Kit saved.")
    saved.unlink()
    wrong_file = tmp_path / "key.txt"
    wrong_file.write_text(f"# a key\n{other}\n", encoding="utf-8")  # a key, but not this practice's
    monkeypatch.setattr(encryption, "ask_kit_source", lambda parent: "file")
    monkeypatch.setattr(encryption, "choose_file", lambda parent, title, pattern: str(wrong_file))
    page.kit_button.click()
    assert seams.informed[-1] == ("Recovery kit", "This file does not hold this practice's recovery key.", True)
    assert not saved.exists()
    monkeypatch.setattr(encryption, "ask_kit_source", lambda parent: None)  # the doctor cancelled
    count = len(seams.informed)
    page.kit_button.click()
    assert len(seams.informed) == count
