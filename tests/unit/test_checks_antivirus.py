"""AV-01 and AV-02 on this Linux machine, for real (processes, files), and their parsers on odd input.

Real antivirus daemons are not installed here; the tests start real processes whose name is the one
the check looks for (a copy of /bin/sleep named ``clamd``...), and real signature files with real
modification times in a temporary ClamAV database folder named by a real freshclam.conf.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from gp_guard.audit.checks import antivirus
from gp_guard.audit.model import Status
from gp_guard.host import LocalHost
from gp_guard.host.recorded import RecordedHost
from tests.helpers import LenientHost, run_check

AGENT_NAMES = ("clamd", "clamonacc", "wdavdaemon", "savd", "esets_daemon")


def _evidence(outcome) -> dict[str, str]:
    return {e.source: e.value for e in outcome.evidence}


@pytest.fixture
def no_real_antivirus():
    running = {p.info["name"] for p in psutil.process_iter(["name"])} & set(AGENT_NAMES)
    if running or shutil.which("mdatp"):
        pytest.skip(f"this machine runs a real antivirus ({running or 'mdatp'})")


@pytest.fixture
def fake_process(tmp_path):
    """Start real processes under a given name; all stopped afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> int:
        exe = tmp_path / name
        shutil.copy("/bin/sleep", exe)
        proc = subprocess.Popen([str(exe), "300"])
        started.append(proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # wait until the kernel shows the new name
            try:
                if psutil.Process(proc.pid).name() == name:
                    return proc.pid
            except psutil.NoSuchProcess:
                break
        raise AssertionError(f"process {name} did not start")

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


# -- AV-01 on Linux -----------------------------------------------------------------------------
def test_av01_fails_without_any_antivirus(no_real_antivirus):
    outcome = run_check("AV-01", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert _evidence(outcome)["running processes"] == "clamd=no; clamonacc=no"


def test_av01_warns_when_clamd_runs_without_on_access_scanning(no_real_antivirus, fake_process):
    fake_process("clamd")
    outcome = run_check("AV-01", LocalHost())
    assert outcome.status == Status.WARN, outcome
    assert _evidence(outcome)["running processes"] == "clamd=yes; clamonacc=no"


def test_av01_passes_with_clamd_and_clamonacc(no_real_antivirus, fake_process):
    fake_process("clamd")
    fake_process("clamonacc")
    outcome = run_check("AV-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert outcome.params["names"] == "ClamAV (clamonacc)"
    assert _evidence(outcome)["running processes"] == "clamd=yes; clamonacc=yes"


def test_av01_recognises_another_agent(no_real_antivirus, fake_process):
    fake_process("wdavdaemon")
    outcome = run_check("AV-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert outcome.params["names"] == "Microsoft Defender for Endpoint"


# -- AV-02 on Linux -----------------------------------------------------------------------------
@pytest.fixture
def clamav_db(tmp_path, monkeypatch):
    """A real freshclam.conf pointing at a real, empty database folder."""
    db = tmp_path / "clamav db"
    db.mkdir()
    conf = tmp_path / "freshclam.conf"
    conf.write_text(f'# freshclam.conf\nLogSyslog false\nDatabaseDirectory "{db}"\nDatabaseMirror database.clamav.net\n')
    monkeypatch.setattr(antivirus, "FRESHCLAM_CONF", str(conf))
    return db


def _signature_file(db: Path, name: str, age_hours: float) -> Path:
    path = db / name
    path.write_bytes(b"ClamAV-VDB:fake header")
    when = time.time() - age_hours * 3600
    os.utime(path, (when, when))
    return path


def test_av02_passes_with_fresh_signatures(clamav_db):
    if shutil.which("mdatp"):
        pytest.skip("mdatp installed")
    path = _signature_file(clamav_db, "daily.cld", age_hours=26)
    outcome = run_check("AV-02", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert outcome.params["days"] == 1
    assert str(path) in _evidence(outcome)


def test_av02_fails_with_old_signatures_and_uses_the_newest_file(clamav_db):
    _signature_file(clamav_db, "daily.cvd", age_hours=24 * 40)
    path = _signature_file(clamav_db, "daily.cld", age_hours=24 * 5 + 2)
    outcome = run_check("AV-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params["days"] == 5
    assert list(_evidence(outcome)) == [str(path)]


def test_av02_is_skipped_without_a_signature_database(clamav_db):
    if shutil.which("mdatp"):
        pytest.skip("mdatp installed")
    outcome = run_check("AV-02", LocalHost())
    assert outcome.status == Status.SKIPPED, outcome


def test_clamav_database_dir_parsing():
    assert antivirus.clamav_database_dir(None) == "/var/lib/clamav"
    assert antivirus.clamav_database_dir("\x00\xff garbage\n\n=") == "/var/lib/clamav"
    assert antivirus.clamav_database_dir("#DatabaseDirectory /x\nDatabaseDirectory /srv/clam\n") == "/srv/clam"
    assert antivirus.clamav_database_dir('DatabaseDirectory "/a b"') == "/a b"


# -- Windows parsers on odd input ------------------------------------------------------------------
def test_security_center_parser_on_real_and_odd_output():
    text = (
        "\r\n\r\ndisplayName              : Windows Defender\r\n"
        "pathToSignedProductExe   : windowsdefender://\r\n"
        "productState             : 397584\r\n\r\n"
        "displayName              : Some AV\r\n"
        "productState             : not-a-number\r\n\r\n"
    )
    products = antivirus.parse_security_center(text)
    assert len(products) == 1
    defender = products[0]
    assert defender.is_defender and defender.on and defender.signatures_out_of_date  # 0x61110
    assert antivirus.parse_security_center("") == []
    assert antivirus.parse_security_center("Get-CimInstance : Invalid namespace\n + CategoryInfo") == []
    assert antivirus.parse_format_list(":::\n   \n\x00") == []


def test_product_state_bits():
    assert not antivirus.AvProduct("x", 393472).on  # 0x60100 Defender off
    assert antivirus.AvProduct("x", 266240).on  # 0x41000 third party on
    assert antivirus.AvProduct("x", 266256).signatures_out_of_date  # 0x41010
    assert antivirus.AvProduct("x", 0x42000).on is False  # snoozed is not on


def _garbage_windows_host(tmp_path: Path, body: str, rc: int = 0) -> RecordedHost:
    folder = tmp_path / "garbage_win"
    folder.mkdir()
    (folder / "host.toml").write_text('platform = "windows"\nadmin = true\nrecorded_at = "2024-01-01T00:00:00+00:00"\n')
    for script in (antivirus.SECURITY_CENTER, antivirus.MP_STATUS):
        argv = ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script]
        name = "sc" if script == antivirus.SECURITY_CENTER else "mp"
        (folder / f"{name}.rec").write_text(
            f"kind: command\nargv: {json.dumps(argv)}\nrc: {rc}\nsource: test garbage\n---\n{body}",
            encoding="utf-8",
        )
    return LenientHost(folder)  # a hand-made folder: what it does not record is absent


@pytest.mark.parametrize(("body", "rc"), [("", 0), ("\x00\x01 garbage : : :\n\nfoo", 0), ("Access denied", 1)])
def test_windows_checks_give_a_clean_status_on_garbage(tmp_path, body, rc):
    host = _garbage_windows_host(tmp_path, body, rc)
    for check_id in ("AV-01", "AV-02"):
        outcome = run_check(check_id, host)
        assert outcome.status == Status.WARN, (check_id, outcome)
        assert outcome.evidence
