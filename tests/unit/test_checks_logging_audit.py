"""LOG-01: the auditpol report parser (English, French, garbage) and the Linux side, live."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from gp_guard.audit.checks import logging_audit as la
from gp_guard.host import LocalHost
from tests.helpers import recorded, run_check

pytestmark = pytest.mark.skipif(os.name != "posix", reason="live Linux checks")

EN = (
    "Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting\r\n"
    "\r\n"
    "PC,System,Logon,{0CCE9215-69AE-11D9-BED3-505054503030},Success and Failure,\r\n"
)


# -- Windows report parsing ---------------------------------------------------------------------
@pytest.mark.parametrize(("setting", "expected"), [
    ("Success and Failure", True),
    ("Failure", True),
    ("Success", False),
    ("No Auditing", False),
    ("Succès et échec", True),
    ("Échec", True),
    ("Succès", False),
    ("Pas d'audit", False),
    ("Erfolg und Fehler", None),  # German: not guessed
    ("", None),
])
def test_failure_auditing_wordings(setting, expected):
    assert la.audits_failures(setting) is expected


def test_report_row_found_by_guid_in_any_case():
    assert la.parse_auditpol_csv(EN) == "Success and Failure"
    lower = EN.replace("{0CCE9215-69AE-11D9-BED3-505054503030}", "{0cce9215-69ae-11d9-bed3-505054503030}")
    assert la.parse_auditpol_csv(lower) == "Success and Failure"


@pytest.mark.parametrize("text", ["", "garbage", "a,b,c\n\"unterminated", EN.replace("9215", "9216"), "x,{0CCE9215-69AE-11D9-BED3-505054503030}"])
def test_report_parser_never_crashes(text):
    assert la.parse_auditpol_csv(text) is None


def test_recorded_french_hosts_read_by_guid():
    assert str(run_check("LOG-01", recorded("win11_fr_hardened")).status) == "pass"
    weak = run_check("LOG-01", recorded("win10_fr_weak"))
    assert str(weak.status) == "fail"
    assert weak.evidence[0].value == "Succès"


# -- Linux, live --------------------------------------------------------------------------------
@pytest.fixture
def logs(tmp_path, monkeypatch):
    """Point the check at a private /var/log and /etc/systemd."""
    var = tmp_path / "var-log"
    etc = tmp_path / "etc-systemd"
    var.mkdir()
    etc.mkdir()
    monkeypatch.setattr(la, "JOURNAL_DIR", str(var / "journal"))
    monkeypatch.setattr(la, "JOURNALD_CONF", str(etc / "journald.conf"))
    monkeypatch.setattr(la, "JOURNALD_CONF_DIRS", (str(etc / "journald.conf.d"),))
    monkeypatch.setattr(la, "AUTH_LOGS", (str(var / "auth.log"), str(var / "secure")))
    monkeypatch.setattr(la, "LOGROTATE_DIR", str(etc / "logrotate.d"))
    return var, etc


@pytest.fixture
def journald(tmp_path):
    """A real process named 'systemd-journald' (a copy of sleep), stopped after the test."""
    exe = tmp_path / "systemd-journald"
    shutil.copy(shutil.which("sleep") or "/bin/sleep", exe)
    proc = subprocess.Popen([str(exe), "300"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _ev(outcome) -> dict[str, str]:
    return {e.source: e.value for e in outcome.evidence}


def test_nothing_kept_fails(logs):
    outcome = run_check("LOG-01", LocalHost())
    assert str(outcome.status) == "fail"
    assert _ev(outcome)["authentication log"] == "(none)"


def test_auth_log_passes(logs):
    var, _etc = logs
    (var / "auth.log").write_text("Nov 22 10:00:01 pc sshd[1]: Failed password for root from 192.0.2.1\n", encoding="utf-8")
    outcome = run_check("LOG-01", LocalHost())
    assert str(outcome.status) == "pass"
    assert _ev(outcome)["authentication log"] == str(var / "auth.log")
    assert outcome.params["log"] == str(var / "auth.log")
    assert outcome.evidence[-1].value == "(not rotated by logrotate)"


def test_auth_log_rotation_is_shown(logs):
    var, etc = logs
    (var / "secure").write_text("", encoding="utf-8")
    (etc / "logrotate.d").mkdir()
    (etc / "logrotate.d" / "other").write_text(f"# {var / 'secure'}\n/var/log/other.log {{\n weekly\n}}\n", encoding="utf-8")
    (etc / "logrotate.d" / "rsyslog").write_text(f"/var/log/syslog\n{var / 'secure'}\n{{\n rotate 4\n weekly\n}}\n", encoding="utf-8")
    outcome = run_check("LOG-01", LocalHost())
    assert str(outcome.status) == "pass"
    assert outcome.evidence[-1].value == str(etc / "logrotate.d" / "rsyslog")


def test_persistent_journal_passes(logs, journald):
    var, etc = logs
    (etc / "journald.conf").write_text("[Journal]\n#Storage=volatile\nStorage=persistent\n", encoding="utf-8")
    outcome = run_check("LOG-01", LocalHost())
    assert str(outcome.status) == "pass"
    seen = _ev(outcome)
    assert seen[f"journald Storage= ({etc / 'journald.conf'})"] == "persistent"
    assert seen["systemd-journald"] == "running"


def test_auto_storage_needs_the_journal_folder(logs, journald):
    var, _etc = logs
    assert str(run_check("LOG-01", LocalHost()).status) == "fail"  # auto, no /var/log/journal: volatile
    (var / "journal").mkdir()
    outcome = run_check("LOG-01", LocalHost())
    assert str(outcome.status) == "pass"
    assert _ev(outcome)[str(var / "journal")] == "present"


def test_drop_in_overrides_main_file(logs, journald):
    var, etc = logs
    (var / "journal").mkdir()
    (etc / "journald.conf").write_text("[Journal]\nStorage=persistent\n", encoding="utf-8")
    (etc / "journald.conf.d").mkdir()
    (etc / "journald.conf.d" / "50-volatile.conf").write_text("[Journal]\nStorage=volatile\n", encoding="utf-8")
    assert la.journald_storage(LocalHost()) == ("volatile", str(etc / "journald.conf.d" / "50-volatile.conf"))
    assert str(run_check("LOG-01", LocalHost()).status) == "fail"


def test_journal_without_journald_does_not_count(logs):
    var, etc = logs
    if any(p.name == "systemd-journald" for p in LocalHost().processes()):
        pytest.skip("systemd-journald really runs here")
    (var / "journal").mkdir()
    (etc / "journald.conf").write_text("[Journal]\nStorage=persistent\n", encoding="utf-8")
    outcome = run_check("LOG-01", LocalHost())
    assert str(outcome.status) == "fail"
    assert _ev(outcome)["systemd-journald"] == "(not running)"


def test_this_machine_gives_a_clean_answer():
    outcome = run_check("LOG-01", LocalHost())
    assert str(outcome.status) in ("pass", "fail")
    assert outcome.evidence
