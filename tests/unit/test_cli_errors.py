"""D8: every store-wide trigger gives a clear message in the user's language and exit 2, for every
command, through the real program in a subprocess; never a traceback, and the database is left as
it is (D1: only real damage moves it aside)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI, require_tool

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "register-pass-123\n"

# Every command that opens the database; {out} is a writable folder outside the data folder.
COMMANDS = [
    ("audit", "--only", "Q-BOX-01"),
    ("answer", "Q-BOX-01", "yes"),
    ("vault", "status"),
    ("breach", "list"),
    ("settings",),
    ("settings", "audit_on_start", "true"),
    ("practice", "--name", "Dr Martin"),
    ("report", "--html", "{out}/rapport.html"),
    ("checklist", "list"),
    ("database",),
]
IDS = [" ".join(c[:2]) for c in COMMANDS]


def gp(home: Path, *argv: str, stdin: str = PASSPHRASE, as_user: bool = False,
       lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gp_guard ARGV`` on the data in ``home``; fails on any traceback.

    ``as_user``: with the file permissions an ordinary user has (root keeps its uid but loses the
    capabilities that override file modes).
    """
    env = dict(os.environ, GP_GUARD_HOME=str(home), GP_GUARD_NO_NETWORK="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", LC_ALL="C.UTF-8")
    env.pop("GP_GUARD_LANG", None)
    if lang:
        env["GP_GUARD_LANG"] = lang
    prefix: list[str] = []
    if as_user and os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search"
        prefix = [require_tool("setpriv", "drops root's file-mode override"),
                  "--bounding-set", caps, "--inh-caps", caps, "--"]
    proc = subprocess.run([*prefix, sys.executable, "-m", "gp_guard", *argv], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def command(argv: tuple[str, ...], out: Path) -> list[str]:
    return [a.format(out=out) for a in argv]


def kept_aside(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "data").iterdir() if ".corrupt-" in p.name)


def need_root(why: str) -> None:
    if os.geteuid() != 0:
        message = f"needs root ({why})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@contextlib.contextmanager
def small_disk(size: str = "4m") -> Iterator[Path]:
    """A real, size-limited file system (tmpfs), unmounted afterwards."""
    need_root("mounts a small tmpfs")
    where = Path(tempfile.mkdtemp(prefix="gp_guard_disk_"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


@pytest.fixture
def home(tmp_path) -> Path:
    """A data folder with a database in it (one answer recorded)."""
    home = tmp_path / "home"
    assert gp(home, "answer", "Q-BOX-01", "no").returncode == 0
    return home


@pytest.mark.parametrize("argv", COMMANDS, ids=IDS)
def test_a_database_from_a_newer_version_is_refused_and_left_alone(home, tmp_path, argv):
    db = home / "data" / "gp_guard.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    before = db.read_bytes()
    proc = gp(home, *command(argv, tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "newer version of gp_guard" in proc.stderr
    assert db.read_bytes() == before and kept_aside(home) == []
    if argv == COMMANDS[0]:
        proc = gp(home, *command(argv, tmp_path), lang="fr")
        assert proc.returncode == 2 and "version plus récente de gp_guard" in proc.stderr


def test_a_read_only_file_system_is_explained_for_every_command(tmp_path):
    with small_disk() as disk:
        home = disk / "home"
        assert gp(home, "answer", "Q-BOX-01", "no").returncode == 0
        before = (home / "data" / "gp_guard.db").read_bytes()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        for argv in COMMANDS:
            proc = gp(home, *command(argv, tmp_path))
            assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
            assert "cannot write to its data folder" in proc.stderr, (argv, proc.stderr)
        proc = gp(home, "settings", lang="fr")
        assert proc.returncode == 2 and "ne peut pas écrire dans son dossier de données" in proc.stderr
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert (home / "data" / "gp_guard.db").read_bytes() == before and kept_aside(home) == []


@pytest.mark.parametrize("mode", [0o500, 0o000])
def test_a_data_folder_the_user_may_not_write_is_explained(home, tmp_path, mode):
    data = home / "data"
    before = (data / "gp_guard.db").read_bytes()
    os.chmod(data, mode)
    try:
        for argv in COMMANDS:
            proc = gp(home, *command(argv, tmp_path), as_user=True)
            assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
            assert "cannot write to its data folder" in proc.stderr, (argv, proc.stderr)
        proc = gp(home, "vault", "status", as_user=True, lang="fr")
        assert proc.returncode == 2 and "ne peut pas écrire dans son dossier de données" in proc.stderr
    finally:
        os.chmod(data, 0o700)
    assert (data / "gp_guard.db").read_bytes() == before and kept_aside(home) == []


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_database_held_by_another_writer_is_not_moved_aside(home, journal):
    """Another program keeps a write lock for longer than gp_guard waits (5 s)."""
    db = home / "data" / "gp_guard.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute(f"PRAGMA journal_mode={journal}")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO setting(key, value) VALUES('held', 'yes')")
    try:
        proc = gp(home, "audit", "--only", "Q-BOX-01")  # opens, then saves the run
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "in use by another program" in proc.stderr
        assert kept_aside(home) == []
    finally:
        holder.execute("COMMIT")  # the holder's work is not broken by gp_guard ("disk I/O error")
        holder.close()
    proc = gp(home, "settings")
    assert proc.returncode == 0 and "damaged" not in proc.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT value FROM setting WHERE key='held'").fetchone() == ("yes",)
    assert conn.execute("SELECT value FROM answer WHERE question_id='Q-BOX-01'").fetchone() == ("no",)
    conn.close()


def test_a_damaged_database_is_announced_by_every_command_until_acknowledged(home, tmp_path):
    """D7: never replaced silently, whatever the command; the kept file is named each time."""
    db = home / "data" / "gp_guard.db"
    garbage = os.urandom(65536)
    db.write_bytes(garbage)
    for argv in COMMANDS:
        proc = gp(home, *command(argv, tmp_path))
        assert proc.returncode in (0, 1, 2), proc.stderr
        (kept,) = kept_aside(home)
        said = proc.stdout if argv == ("database",) else proc.stderr
        assert f"kept aside, untouched, as {home / 'data' / kept}" in said, (argv, proc.stderr)
    assert (home / "data" / kept).read_bytes() == garbage
    proc = gp(home, "settings", lang="fr")
    assert "mise de côté, intacte" in proc.stderr
    proc = gp(home, "database", "--acknowledge")
    assert proc.returncode == 0 and kept in proc.stdout
    proc = gp(home, "settings")
    assert proc.returncode == 0 and "kept aside" not in proc.stderr
    assert (home / "data" / kept).read_bytes() == garbage  # acknowledged, still kept


def test_breach_list_announces_the_kept_file_before_asking_for_a_new_passphrase(home):
    (home / "data" / "gp_guard.db").write_bytes(b"not a database" * 1000)
    proc = gp(home, "breach", "list")
    (kept,) = kept_aside(home)
    assert proc.stderr.index(kept) < (proc.stderr + "passphrase").index("passphrase")


def test_an_unexpected_error_shows_a_short_message_and_logs_the_traceback(tmp_path):
    """A defect in gp_guard: one line naming the log file, the traceback only in the log."""
    home = tmp_path / "home"
    replay = tmp_path / "replay"
    replay.mkdir()
    # a sitecustomize that breaks one function, as a programming error would
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(
        "import gp_guard.cli.settings as m\n"
        "def boom(args):\n    raise ZeroDivisionError('boom')\n"
        "m.settings_command = boom\n", encoding="utf-8")
    env = dict(os.environ, GP_GUARD_HOME=str(home), PYTHONPATH=f"{tmp_path / 'site'}{os.pathsep}{ROOT}")
    proc = subprocess.run([sys.executable, "-m", "gp_guard", "settings"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "internal error (ZeroDivisionError)" in proc.stderr
    log = home / "logs" / "gp_guard.log"
    assert str(log) in proc.stderr
    assert "Traceback" in log.read_text(encoding="utf-8") and "boom" in log.read_text(encoding="utf-8")
