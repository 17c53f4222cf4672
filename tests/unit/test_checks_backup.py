"""BKP-01 on this Linux machine (Déjà Dup settings through the real gsettings, a declared backup
folder with real files) and the date parsers' edge cases."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from pathlib import Path

import pytest

from gp_guard import store
from gp_guard.audit.checks.backup import SETTING_TARGET, filetime, iso_date, tm_stamp
from gp_guard.audit.model import Status
from gp_guard.host import LINUX, LocalHost
from tests.conftest import require_tool
from tests.helpers import run_check

# The keys of Déjà Dup's real schema that BKP-01 reads (data/org.gnome.DejaDup.gschema.xml.in of
# deja-dup: "last-backup", type s, ISO 8601, default ''; "periodic", type b, default false).
DEJA_DUP_SCHEMA = """<?xml version="1.0" encoding="UTF-8"?>
<schemalist>
  <schema id="org.gnome.DejaDup" path="/org/gnome/deja-dup/">
    <key name="last-backup" type="s"><default>''</default></key>
    <key name="last-run" type="s"><default>''</default></key>
    <key name="periodic" type="b"><default>false</default></key>
    <key name="periodic-period" type="i"><default>7</default></key>
  </schema>
</schemalist>
"""


@pytest.fixture
def linux() -> LocalHost:
    host = LocalHost()
    if host.platform != LINUX:
        pytest.skip("live backup test for Linux")
    return host


@pytest.fixture
def deja_dup(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """Déjà Dup's settings schema, stored in a private key file instead of the session's dconf."""
    require_tool("gsettings", "reads Déjà Dup's last backup date")
    compiler = require_tool("glib-compile-schemas", "compiles the test copy of Déjà Dup's schema")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "org.gnome.DejaDup.gschema.xml").write_text(DEJA_DUP_SCHEMA, encoding="utf-8")
    subprocess.run([compiler, str(schemas)], check=True)
    monkeypatch.setenv("GSETTINGS_SCHEMA_DIR", str(schemas))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))

    def set_key(key: str, value: str) -> None:
        subprocess.run(["gsettings", "set", "org.gnome.DejaDup", key, value], check=True, env=os.environ.copy())

    return set_key


def _iso(days_ago: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")


def test_recent_deja_dup_backup_passes(linux, deja_dup):
    stamp = _iso(1.5)
    deja_dup("last-backup", stamp)
    outcome = run_check("BKP-01", linux)
    assert outcome.status == Status.PASS, outcome
    assert outcome.params["source"] == "Déjà Dup"
    seen = {e.source: e.value for e in outcome.evidence}
    assert seen["gsettings get org.gnome.DejaDup last-backup"] == f"'{stamp}'"


def test_old_deja_dup_backup_fails_with_its_age(linux, deja_dup):
    deja_dup("last-backup", _iso(30.2))
    outcome = run_check("BKP-01", linux)
    assert outcome.status == Status.FAIL
    assert outcome.params["days"] == 30 and outcome.params["limit"] == 7


def test_deja_dup_scheduled_but_never_finished_is_a_warning(linux, deja_dup):
    deja_dup("periodic", "true")
    outcome = run_check("BKP-01", linux)
    assert outcome.status == Status.WARN
    assert outcome.params["sources"] == "Déjà Dup"


def test_nothing_found_is_an_honest_warning_pointing_to_the_questions(linux, tmp_path, monkeypatch):
    require_tool("gsettings", "reads Déjà Dup's last backup date")
    empty = tmp_path / "no-schemas"
    empty.mkdir()
    monkeypatch.setenv("GSETTINGS_SCHEMA_DIR", str(empty))  # Déjà Dup is not installed here
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    outcome = run_check("BKP-01", linux)
    if outcome.status == Status.PASS:  # pragma: no cover - this machine has Déjà Dup installed
        pytest.skip("Déjà Dup's schema is installed system-wide on this machine")
    assert outcome.status == Status.WARN
    assert "Q-BKP-01" in outcome.message and "Q-BKP-02" in outcome.message
    assert any(e.source.startswith("gsettings") for e in outcome.evidence)


def _backup_folder(root: Path, days_ago: float) -> Path:
    (root / "2026" / "week").mkdir(parents=True)
    newest = root / "2026" / "week" / "cabinet.tar.age"
    newest.write_bytes(b"x")
    older = root / "old.tar.age"
    older.write_bytes(b"y")
    stamp = time.time() - days_ago * 86400
    os.utime(newest, (stamp, stamp))
    os.utime(older, (stamp - 86400 * 40, stamp - 86400 * 40))
    return newest


def test_declared_backup_folder_is_dated_by_its_newest_file(linux, tmp_path, monkeypatch):
    monkeypatch.setenv("GSETTINGS_SCHEMA_DIR", str(tmp_path))  # no Déjà Dup: only the folder counts
    target = tmp_path / "disque_sauvegarde"
    newest = _backup_folder(target, 2)
    store.open_default().set_setting(SETTING_TARGET, str(target))
    outcome = run_check("BKP-01", linux)
    assert outcome.status == Status.PASS
    assert outcome.params["source"] == str(target)
    folder = next(e.value for e in outcome.evidence if e.source == f"declared backup folder {target}")
    assert folder.startswith(f"newest file {newest} written ")


def test_declared_backup_folder_too_old_fails(linux, tmp_path, monkeypatch):
    monkeypatch.setenv("GSETTINGS_SCHEMA_DIR", str(tmp_path))
    target = tmp_path / "nas"
    _backup_folder(target, 12)
    store.open_default().set_setting(SETTING_TARGET, str(target))
    outcome = run_check("BKP-01", linux)
    assert outcome.status == Status.FAIL and outcome.params["days"] == 12


def test_declared_backup_disk_unplugged_is_a_warning(linux, tmp_path, monkeypatch):
    monkeypatch.setenv("GSETTINGS_SCHEMA_DIR", str(tmp_path))
    store.open_default().set_setting(SETTING_TARGET, str(tmp_path / "media" / "unplugged"))
    outcome = run_check("BKP-01", linux)
    assert outcome.status == Status.WARN
    assert any(e.value == "not reachable (disk unplugged?)" for e in outcome.evidence)


# -- parsers ---------------------------------------------------------------------------------

def test_filetime():
    assert filetime(0x1DB372DC1ADA400) == dt.datetime(2024, 11, 15, 7, 12, 40, tzinfo=dt.UTC)
    assert filetime(0) is None and filetime(-5) is None
    assert filetime(2**63 - 1) is None  # far beyond year 9999: no crash
    assert filetime("garbage") is None  # type: ignore[arg-type]


def test_tm_stamp():
    apfs = "/Volumes/.timemachine/CA30DC01-325C-43C2-8187-E404168D2F8B/2024-08-17-001115.backup/2024-08-17-001115.backup\n"
    assert tm_stamp(apfs) == dt.datetime(2024, 8, 17, 0, 11, 15, tzinfo=dt.UTC)
    assert tm_stamp("/Volumes/Zeit/Backups.backupdb/beryl/2024-06-17-125537") == dt.datetime(2024, 6, 17, 12, 55, 37, tzinfo=dt.UTC)
    assert tm_stamp("tmutil: No destinations configured.") is None
    assert tm_stamp("Failed to mount backup destination, error: Error Domain=TMBackupErrorDomain Code=11") is None
    assert tm_stamp("/x/2024-13-45-999999") is None


def test_iso_date():
    assert iso_date("'2024-11-14T22:15:30.123456Z'\n") == dt.datetime(2024, 11, 14, 22, 15, 30, 123456, tzinfo=dt.UTC)
    assert iso_date("''") is None and iso_date("") is None and iso_date("'not a date'") is None
    assert iso_date("'2024-11-14T22:15:30'").tzinfo is dt.UTC  # type: ignore[union-attr]


def test_messages_read_naturally_in_french():
    from gp_guard.audit.model import Finding
    from gp_guard.audit.registry import all_checks
    from gp_guard.i18n import set_language
    from tests.helpers import recorded

    meta = next(c.meta for c in all_checks() if c.id == "BKP-01")
    outcome = run_check("BKP-01", recorded("win10_fr_weak"))
    set_language("fr")
    try:
        text = Finding(meta, outcome, "windows").message()
    finally:
        set_language("en")
    assert text == "La dernière sauvegarde trouvée (Historique des fichiers) date du 02/09/2025, il y a 78 jours : plus de 7 jours."
    assert Finding(meta, outcome, "windows").message().startswith("The last backup found (File History) dates from 2 September 2025")  # never ISO


# -- Windows File History configuration, through a recorded host built for the test ------------

CONFIG1 = """<?xml version="1.0" encoding="UTF-8"?>
<DataProtectionUserConfig>
  <LocalCatalogPath1>C:\\Users\\doctor\\AppData\\Local\\Microsoft\\Windows\\FileHistory\\Configuration\\Catalog1.edb</LocalCatalogPath1>
  <DPFrequency>3600</DPFrequency>
  <DPStatus>{status}</DPStatus>
  <Target>
    <TargetName>\\\\labhome099\\data\\FileHistoryBackup</TargetName>
    <TargetUrl>\\\\labhome099\\data\\FileHistoryBackup\\</TargetUrl>
    <TargetDriveType>REMOTE</TargetDriveType>
  </Target>
</DataProtectionUserConfig>
"""
FH_DIR = r"C:\Users\doctor\AppData\Local\Microsoft\Windows\FileHistory\Configuration"


def _windows_host(tmp_path: Path, status: str, catalog_mtime: str | None):  # type: ignore[no-untyped-def]
    import shutil

    from tests.helpers import HOSTS, LenientHost

    folder = tmp_path / "win_fh"
    folder.mkdir()
    shutil.copy(HOSTS / "win11_en_standard_user" / "host.toml", folder / "host.toml")  # recorded 2024-06-01
    (folder / "config.rec").write_text(
        f"kind: file\npath: {FH_DIR}\\Config1.xml\n"
        "source: Config1.xml of a real Windows 8 File History set-up (Alex Verboon's File History notes, "
        "verboon.info, 2012), found with find_string '<DPFrequency>'\nedited: trimmed to the elements BKP-01 reads\n---\n"
        + CONFIG1.format(status=status),
        encoding="utf-8",
    )
    if catalog_mtime:
        (folder / "catalog.rec").write_text(
            f"kind: file\npath: {FH_DIR}\\Catalog1.edb\nsize: 1048576\nmtime: {catalog_mtime}\n"
            "source: File History's catalogue, rewritten after each protection cycle\n---\n",
            encoding="utf-8",
        )
    return LenientHost(folder)  # a hand-made folder: what it does not record is absent


def test_file_history_catalog_dates_the_backup(tmp_path):
    outcome = run_check("BKP-01", _windows_host(tmp_path, "ENABLED", "2024-05-31T21:00:00+02:00"))
    assert outcome.status == Status.PASS
    seen = {e.source.rsplit("\\", 1)[-1]: e.value for e in outcome.evidence}
    assert seen["Config1.xml"] == "DPStatus: ENABLED; target: \\\\labhome099\\data\\FileHistoryBackup\\"
    assert seen["Catalog*.edb (last written)"] == "2024-05-31T19:00:00+00:00"


def test_file_history_set_up_without_a_date_is_a_warning(tmp_path):
    outcome = run_check("BKP-01", _windows_host(tmp_path, "ENABLED", None))
    assert outcome.status == Status.WARN and outcome.params["sources"] == "File History"


def test_file_history_turned_off_counts_as_no_backup(tmp_path):
    outcome = run_check("BKP-01", _windows_host(tmp_path, "DISABLED", "2024-05-31T21:00:00+02:00"))
    assert outcome.status == Status.WARN
    assert "found no backup" in outcome.message


# -- macOS Time Machine outputs that carry no path ------------------------------------------------

class _Mac:
    """A macOS host answering tmutil/defaults with given texts (real message forms, see below)."""

    platform = "macos"

    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def run(self, argv, timeout=10.0):  # type: ignore[no-untyped-def]
        from gp_guard.host import CommandResult, ToolMissing

        if argv[0] not in self.outputs:
            raise ToolMissing(argv[0])
        return CommandResult(tuple(argv), 0, self.outputs[argv[0]])

    def now(self):  # type: ignore[no-untyped-def]
        return dt.datetime(2022, 7, 12, tzinfo=dt.UTC)

    def find_files(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return []

    def exists(self, path):  # type: ignore[no-untyped-def]
        return False


def test_time_machine_never_set_up(monkeypatch):
    # "tmutil: No destinations configured." (https://github.com/r-darwish/topgrade/issues/969)
    from gp_guard.audit.checks.backup import recent_backup

    outcome = recent_backup(_Mac({"tmutil": "tmutil: No destinations configured.\n"}))  # type: ignore[arg-type]
    assert outcome.status == Status.WARN and "found no backup" in outcome.message


def test_time_machine_disk_unplugged_falls_back_to_the_preferences():
    from gp_guard.audit.checks.backup import recent_backup

    prefs = (
        "{\n    AutoBackup = 1;\n    Destinations =     (\n                {\n"
        "            SnapshotDates =             (\n"
        '                "2022-07-08 16:02:11 +0000",\n                "2022-07-10 14:26:33 +0000"\n'
        "            );\n        }\n    );\n}\n"
    )
    host = _Mac({"tmutil": "Failed to mount backup destination, error: Error Domain=TMBackupErrorDomain Code=11\n", "defaults": prefs})
    outcome = recent_backup(host)  # type: ignore[arg-type]
    assert outcome.status == Status.PASS
    assert outcome.params["date"] == "2022-07-10"
    no_dates = _Mac({"tmutil": "Failed to mount backup destination\n", "defaults": "{\n    AutoBackup = 1;\n}\n"})
    assert recent_backup(no_dates).status == Status.WARN  # type: ignore[arg-type]
