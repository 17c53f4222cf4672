"""DATA-01 on this Linux machine: real leftover files in a private HOME and temp folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gp_guard.audit.checks import leftovers
from gp_guard.audit.model import Status
from gp_guard.host import LINUX, LocalHost
from tests.helpers import recorded, run_check

DAY = 86400


def _make(path: Path, size: int, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    stamp = time.time() - age_days * DAY
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    if LocalHost().platform != LINUX:
        pytest.skip("live file test for Linux")
    home = tmp_path / "home"
    temp = tmp_path / "tmp"
    (home / "Desktop").mkdir(parents=True)
    temp.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TMPDIR", raising=False)
    # the system temp folders of this machine are shared with other programs: scan a private one
    monkeypatch.setattr(leftovers, "UNIX_TEMP_DIRS", (str(temp),))
    return home


def _evidence(outcome, start: str) -> str:  # type: ignore[no-untyped-def]
    return next(e.value for e in outcome.evidence if e.source.startswith(start))


def test_clean_home_passes_and_says_where_it_looked(home):
    _make(home / "Desktop" / "notes.txt", 10, 400)
    _make(home / "Downloads" / "facture.zip", 10, 2)  # a fresh download is ordinary work
    outcome = run_check("DATA-01", LocalHost())
    assert outcome.status == Status.PASS
    searched = _evidence(outcome, "folders searched").split("; ")
    assert str(home / "Desktop") in searched and str(home / "Downloads") in searched
    assert _evidence(outcome, "archives and CSV files younger") == "1"


def test_dumps_and_images_fail_with_counts_sizes_and_oldest(home, tmp_path):
    old_sql = _make(home / "Desktop" / "export_2019.sql", 3 * 1024 * 1024, 2000)
    _make(home / "Downloads" / "CD" / "DICOMDIR", 2048, 900)
    _make(home / "Documents" / "old" / "IM0001.DCM", 1024, 800)  # case does not matter
    _make(tmp_path / "tmp" / "base.fdb", 4096, 10)
    _make(home / "Documents" / "liste.csv", 100, 90)
    outcome = run_check("DATA-01", LocalHost())
    assert outcome.status == Status.FAIL
    assert outcome.params["count"] == 4
    assert outcome.params["oldest"] == time.strftime("%Y-%m-%d", time.gmtime(old_sql.stat().st_mtime))
    dumps = _evidence(outcome, "database dumps")
    assert dumps.startswith("4 file(s), 3.0 MB; oldest: " + str(old_sql))
    assert "DICOMDIR (2.0 KB" in dumps and "base.fdb" in dumps
    assert _evidence(outcome, "archives and CSV exports older").startswith("1 file(s)")
    assert "\0" not in repr(outcome)  # never any content


def test_old_exports_alone_are_a_warning(home):
    _make(home / "Downloads" / "export_patients.7z", 5000, 400)
    _make(home / "Downloads" / "export_patients.csv", 5000, 31)
    outcome = run_check("DATA-01", LocalHost())
    assert outcome.status == Status.WARN
    assert outcome.params["count"] == 2


def test_localized_xdg_folders_are_searched(home):
    (home / ".config").mkdir()
    (home / ".config" / "user-dirs.dirs").write_text(
        '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/Bureau"\n'
        'XDG_DOWNLOAD_DIR="$HOME/Téléchargements"\nXDG_MUSIC_DIR="$HOME/Musique"\nXDG_TEMPLATES_DIR="$HOME/"\n',
        encoding="utf-8",
    )
    _make(home / "Téléchargements" / "sauvegarde.bak", 10, 50)
    _make(home / "Musique" / "not_searched.sql", 10, 50)
    outcome = run_check("DATA-01", LocalHost())
    assert outcome.status == Status.FAIL and outcome.params["count"] == 1
    assert "sauvegarde.bak" in _evidence(outcome, "database dumps")
    assert str(home / "Bureau") in _evidence(outcome, "folders searched")


def test_missing_home_is_a_clean_pass(tmp_path, monkeypatch):
    if LocalHost().platform != LINUX:
        pytest.skip("Linux")
    monkeypatch.setenv("HOME", str(tmp_path / "does-not-exist"))
    monkeypatch.setattr(leftovers, "UNIX_TEMP_DIRS", (str(tmp_path / "nor-this"),))
    monkeypatch.delenv("TMPDIR", raising=False)
    assert run_check("DATA-01", LocalHost()).status == Status.PASS


def test_windows_roots_follow_the_recorded_profile():
    roots = leftovers.search_roots(recorded("win10_fr_weak"))
    assert roots[0] == r"C:\Users\cabinet\Desktop"
    assert r"C:\Users\cabinet\AppData\Local\Temp" in roots and r"C:\Windows\Temp" in roots


def test_sizes_and_dates_read_naturally_in_french():
    from gp_guard.audit.model import Finding
    from gp_guard.audit.registry import all_checks
    from gp_guard.i18n import set_language

    meta = next(c.meta for c in all_checks() if c.id == "DATA-01")
    outcome = run_check("DATA-01", recorded("win10_fr_weak"))
    set_language("fr")
    try:
        text = Finding(meta, outcome, "windows").message()
    finally:
        set_language("en")
    assert "(46,0 Mo)" in text and "date du 12/03/2019" in text
    assert "(46.0 MB)" in Finding(meta, outcome, "windows").message()
