"""UPD-04: the dated version table, the version parsing, and the Linux side with real programs."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from gp_guard.audit.checks import browsers as br
from gp_guard.host import LocalHost
from tests.helpers import run_check

pytestmark = pytest.mark.skipif(os.name != "posix", reason="live Linux checks")


def _program(folder: Path, name: str, body: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def _expected_recent_status() -> str:
    age = (LocalHost().now().date() - br.MINIMUMS[-1][0]).days
    return "warn" if age > br.STALE_AFTER_DAYS else "pass"


# -- table and parsing ----------------------------------------------------------------------------
def test_table_is_dated_and_ordered():
    dates = [row[0] for row in br.MINIMUMS]
    assert dates == sorted(dates)
    assert all(set(row[1]) == {"chrome", "edge", "firefox"} for row in br.MINIMUMS)


@pytest.mark.parametrize(("day", "row"), [
    (dt.date(2020, 1, 1), 0),  # before the table: its first row
    (dt.date(2024, 11, 15), 1),
    (dt.date(2025, 11, 1), 3),
    (dt.date(2030, 1, 1), 3),
])
def test_row_in_force(day, row):
    assert br.minimums_for(day) == br.MINIMUMS[row]


@pytest.mark.parametrize(("text", "major"), [
    ("Mozilla Firefox 128.5.0esr", 128),
    ("Chromium 131.0.6778.85 built on Debian 12.8, running on Debian 12.8", 131),
    ("Google Chrome 142.0.7444.59 ", 142),
    ("128.0 (x64 fr)", 128),
    ("garbage", None),
    ("", None),
    (None, None),
    ("version 7", None),
])
def test_major_version(text, major):
    assert br.major_of(text) == major


def test_judge_outdated_recent_and_stale():
    day = dt.date(2025, 11, 20)
    old = br.Seen("chrome", "109.0.5414.120", "x")
    new = br.Seen("firefox", "Mozilla Firefox 145.0", "y")
    assert str(br.judge([old, new], "here", day).status) == "fail"
    assert str(br.judge([new], "here", day).status) == "pass"
    later = br.MINIMUMS[-1][0] + dt.timedelta(days=br.STALE_AFTER_DAYS + 1)
    stale = br.judge([new], "here", later)
    assert str(stale.status) == "warn"
    assert stale.params["days"] == br.STALE_AFTER_DAYS + 1
    assert str(br.judge([old], "here", later).status) == "fail"  # below an old minimum is still outdated


def test_newest_copy_of_a_browser_counts():
    day = dt.date(2025, 11, 20)
    seen = [br.Seen("chrome", "109.0", "beacon"), br.Seen("chrome", "142.0.7444.59", "uninstall")]
    outcome = br.judge(seen, "here", day)
    assert str(outcome.status) == "pass"
    assert [e.value for e in outcome.evidence[:2]] == ["109.0", "142.0.7444.59"]


# -- Linux, live ------------------------------------------------------------------------------------
def test_no_browser_is_not_a_failure(bin_dir):
    outcome = run_check("UPD-04", LocalHost())
    assert str(outcome.status) == "pass"
    assert outcome.evidence[0].value == "(none found)"


def test_outdated_firefox_fails(bin_dir):
    _program(bin_dir, "firefox", "echo 'Mozilla Firefox 102.15.0esr'")
    outcome = run_check("UPD-04", LocalHost())
    assert str(outcome.status) == "fail"
    assert outcome.evidence[0].source == "firefox --version"
    assert outcome.evidence[0].value == "Mozilla Firefox 102.15.0esr"
    assert "102.15.0" in outcome.params["browsers"]


def test_recent_browsers(bin_dir):
    _program(bin_dir, "firefox-esr", "echo 'Mozilla Firefox 140.5.0esr'")
    _program(bin_dir, "chromium", "echo 'Chromium 142.0.7444.59 built on Debian 12.12, running on Debian 12.12'")
    outcome = run_check("UPD-04", LocalHost())
    assert str(outcome.status) == _expected_recent_status()
    assert {e.source for e in outcome.evidence} >= {"firefox-esr --version", "chromium --version"}
    assert "Mozilla Firefox 140.5.0" in outcome.params["browsers"]


@pytest.mark.parametrize("body", ["echo 'no version here'", "exit 3", "printf ''"])
def test_broken_browser_programs_are_ignored(bin_dir, body):
    _program(bin_dir, "google-chrome", body)
    outcome = run_check("UPD-04", LocalHost())
    assert str(outcome.status) == "pass"
    assert outcome.evidence[0].value == "(none found)"


def test_this_machine_gives_a_clean_answer():
    outcome = run_check("UPD-04", LocalHost())
    assert str(outcome.status) in ("pass", "fail", "warn")
    assert outcome.evidence
