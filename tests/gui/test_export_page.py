"""The "Partage de données" page: a check runs off the GUI thread with progress, can be cancelled,
shows the verdict, roles can be changed and checked again, a safer copy is written; accessible."""

from __future__ import annotations

import threading

import pytest

from gp_guard.export import readers
from gp_guard.gui import tasks
from gp_guard.gui.app import apply_language
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages import export as export_page
from tests import export_gen as gen
from tests.gui.test_accessibility import unnamed_actionable
from tests.helpers import recorded


@pytest.fixture
def make_page(qtbot, store):
    pages = []

    def make(lang: str = "en") -> export_page.ExportPage:
        apply_language(lang)
        audit = AuditController(store, recorded("win10_fr_weak"))
        page = export_page.ExportPage(PageContext(store, audit, lambda key: None, lambda lang: None, lambda c: None))
        qtbot.addWidget(page)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.cancel()
        assert page.wait(15.0)
    assert tasks.wait_all(15.0)
    apply_language("en")


def wait_done(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.check_task is None and not tasks.running(), timeout=30000)


def test_check_off_the_gui_thread_with_progress_and_verdict(make_page, qtbot, tmp_path, monkeypatch):
    made = gen.observatory(tmp_path / "observatoire.csv", patients=600, seed=1)
    page = make_page()
    assert unnamed_actionable(page) == []
    monkeypatch.setattr(export_page, "choose_file", lambda parent, title: str(made.path))
    threads, seen = [], []
    real_check = export_page.service.check

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_check(*args, **kwargs)

    monkeypatch.setattr(export_page.service, "check", spy)
    page._progress = lambda p, original=page._progress: (seen.append(p.percent), original(p))
    page.choose_button.click()
    assert page.cancel_button.isEnabled() and not page.choose_button.isEnabled()
    wait_done(qtbot, page)
    assert threads and threads[0] is not threading.main_thread()
    assert seen and seen == sorted(seen)
    assert page.verdict_label.text() == "Pseudonymised data: still personal data"
    assert "Linkability: yes" in page.details.text() and "id_patient" in page.details.text()
    assert page.table.topLevelItemCount() == 15 and page.fixes.count() >= 2
    assert "(recommended)" in page.fixes.currentItem().text()
    assert unnamed_actionable(page) == []  # the role boxes too


def test_cancel_stops_the_check(make_page, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "CHUNK_ROWS", 200)
    made = gen.observatory(tmp_path / "big.csv", patients=1500, seed=2)
    page = make_page()
    release, reached = threading.Event(), threading.Event()
    real_check = export_page.service.check

    def gated(*args, progress=None, **kwargs):
        def hold(p):
            progress(p)
            if p.stage == "read" and p.done > 0 and not release.is_set():
                reached.set()
                release.wait(10)  # the worker waits here until the test has pressed Cancel
        return real_check(*args, progress=hold, **kwargs)

    monkeypatch.setattr(export_page.service, "check", gated)
    page.start(made.path)
    qtbot.waitUntil(reached.is_set, timeout=10000)
    assert page.progress.isVisible() or not page.isVisible()
    page.cancel_button.click()
    release.set()
    wait_done(qtbot, page)
    assert page.result is None and page.verdict_label.text() == ""
    assert "stopped" in page.file_label.text()
    assert page.choose_button.isEnabled() and not page.cancel_button.isEnabled()


def test_changed_roles_are_checked_again(make_page, qtbot, tmp_path):
    made = gen.observatory(tmp_path / "obs.csv", patients=300, seed=3)
    page = make_page()
    page.start(made.path)
    wait_done(qtbot, page)
    assert page.result.linkable
    box = page.role_boxes["id_patient"]
    box.setCurrentIndex(box.findData("other"))
    page.recheck_button.click()
    wait_done(qtbot, page)
    assert page.result.linkable == []
    assert page.role_boxes["id_patient"].currentData() == "other"


def test_identifying_file_shows_masked_examples_and_writes_a_safer_copy(make_page, qtbot, tmp_path, monkeypatch):
    made = gen.observatory(tmp_path / "noms.csv", patients=2000, visits=2.0, seed=4, nir_column="nir", name_columns=True)
    page = make_page()
    page.start(made.path)
    wait_done(qtbot, page)
    assert page.verdict_label.text().startswith("Identifying data")
    shown = [page.identifiers.item(i).text() for i in range(page.identifiers.count())]
    assert any("social security number" in line for line in shown)
    assert not any(nir in line for nir in made.nirs for line in shown)  # examples are masked
    target = tmp_path / "SAFER.csv"
    monkeypatch.setattr(export_page, "choose_save_file", lambda parent, name: str(target))
    page.write_button.click()
    wait_done(qtbot, page)
    assert target.exists() and "Safer copy written" in page.file_label.text()
    assert page.result.file == target and page.result.direct == []


def test_the_found_column_says_what_was_found_in_the_doctors_words_in_french(make_page, qtbot, tmp_path):
    made = gen.observatory(tmp_path / "obs.csv", patients=300, seed=5, comment_nir_row=7)
    page = make_page("fr")
    page.start(made.path)
    wait_done(qtbot, page)
    found = {page.table.topLevelItem(i).text(0): page.table.topLevelItem(i).text(2)
             for i in range(page.table.topLevelItemCount())}
    assert found["id_patient"] == "code désignant un patient (pseudonyme)"
    assert found["annee_naissance"] == "année de naissance" and found["code_postal"] == "code postal"
    assert found["diagnostic"] == "diagnostics" and found["glycemie"] == "résultats d'analyses biologiques"
    assert found["commentaire"] == "numéro de sécurité sociale (NIR)"  # what the free text holds
    codes = {c.kind for c in page.result.columns}
    assert not codes & set(found.values())  # no internal code is shown


def test_unreadable_file_says_so_in_french(make_page, qtbot, tmp_path, seams):
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    page = make_page("fr")
    page.start(empty)
    wait_done(qtbot, page)
    assert seams.informed and "est vide" in seams.informed[-1][1]
    assert unnamed_actionable(page) == []


def test_a_dropped_file_is_checked(make_page, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    made = gen.generalised(tmp_path / "depose.csv", persons=2000)
    page = make_page()
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(made.path))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    page.dropEvent(event)
    wait_done(qtbot, page)
    assert page.result is not None and page.result.file == made.path
    assert page.verdict_label.text() == "No risk found by this test"
