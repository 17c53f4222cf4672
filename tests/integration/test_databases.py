"""DB-01 and DB-02 against real PostgreSQL and MariaDB servers started on loopback test ports."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import message, run_check

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT = 15432
MY_PORT = 13306


def _as_postgres(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], capture_output=True, text=True,
                          timeout=120, check=True)


@pytest.fixture(scope="module")
def pg_cluster():
    if not (PG_BIN / "initdb").exists():
        require_tool("pg_ctlcluster", "PostgreSQL 15 server (Debian package postgresql)")
        pytest.skip("PostgreSQL 15 binaries not found")
    if os.geteuid() != 0:
        pytest.skip("the test starts PostgreSQL as the postgres user, which needs root")
    base = Path(tempfile.mkdtemp(prefix="gpguard-pg-"))
    os.chmod(base, 0o755)
    shutil.chown(base, "postgres")
    data = base / "data"
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust")
    yield base, data
    subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                    "stop"], capture_output=True, timeout=60)
    shutil.rmtree(base, ignore_errors=True)


def configure(base: Path, data: Path, listen: str, method: str) -> None:
    conf = data / "postgresql.conf"
    text = conf.read_text().split("# gp_guard test\n")[0]
    conf.write_text(text + f"# gp_guard test\nlisten_addresses = '{listen}'\nport = {PG_PORT}\n")
    (data / "pg_hba.conf").write_text(
        f"local all all {method}\nhost all all 127.0.0.1/32 {method}\n"
        + (f"host all all 0.0.0.0/0 {method}\n" if listen == "*" else ""))
    subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast",
                    "stop"], capture_output=True, timeout=60)
    _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", f"-k {base}", "-l", str(base / "log"),
                 "-w", "start")  # -w: returns once the server accepts connections


@pytest.mark.parametrize(("listen", "method", "status", "words"), [
    ("*", "trust", "fail", "lets clients in without a password"),
    ("*", "scram-sha-256", "warn", "a password is required"),
    ("localhost", "trust", "warn", "any program running here"),
    ("localhost", "scram-sha-256", "pass", "asks for a password"),
])
def test_postgres(pg_cluster, listen, method, status, words):
    base, data = pg_cluster
    configure(base, data, listen, method)
    outcome = run_check("DB-01", LocalHost())
    assert str(outcome.status) == status, (outcome.message, outcome.params, outcome.evidence)
    sources = {e.source: e.value for e in outcome.evidence}
    assert sources[f"{data}/postgresql.conf listen_addresses"] == listen
    probe = sources[f"login probe postgres@127.0.0.1:{PG_PORT}"]
    assert probe == ("no password asked (trust)" if method == "trust" else "SCRAM password")
    assert words in message("DB-01", outcome)


@pytest.fixture(scope="module")
def mariadb():
    require_tool("mariadbd", "MariaDB server (Debian package mariadb-server)")
    require_tool("mariadb-install-db", "MariaDB server (Debian package mariadb-server)")
    base = Path(tempfile.mkdtemp(prefix="gpguard-my-"))
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={base}/data", "--user=root",
                    "--auth-root-authentication-method=normal"], check=True, capture_output=True, timeout=300)
    server = subprocess.Popen(["mariadbd", "--no-defaults", f"--datadir={base}/data", "--user=root",
                               f"--port={MY_PORT}", "--bind-address=127.0.0.1", f"--socket={base}/sock"],
                              stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    for line in server.stderr:  # wait for the server's own signal
        if "ready for connections" in line:
            break
    else:
        raise RuntimeError("mariadbd did not start")
    yield base
    subprocess.run(["mariadb-admin", "--no-defaults", f"--socket={base}/sock", "-uroot", "-pS3cret-test",
                    "shutdown"], capture_output=True, timeout=60)
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=30)
    shutil.rmtree(base, ignore_errors=True)


def test_mariadb_root_without_then_with_password(mariadb):
    outcome = run_check("DB-02", LocalHost())
    assert str(outcome.status) == "fail"
    assert any(e.source == f"login probe root@127.0.0.1:{MY_PORT}" and "without a password" in e.value
               for e in outcome.evidence)
    subprocess.run(["mariadb", "--no-defaults", f"--socket={mariadb}/sock", "-uroot", "-e",
                    "ALTER USER root@localhost IDENTIFIED BY 'S3cret-test'"], check=True, capture_output=True, timeout=60)
    outcome = run_check("DB-02", LocalHost())
    assert str(outcome.status) == "pass", outcome.evidence
    assert any("Access denied" in e.value for e in outcome.evidence)
