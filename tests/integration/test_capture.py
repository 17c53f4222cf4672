"""`gp-guard capture` on this Linux machine, for real: the capture replays to the live verdicts,
holds neither the machine's name nor the user's, and its manifest matches what was written.

The capture runs in a UTS namespace the test creates, with a host name of its own, and with a
login name of its own in the environment (``LOGNAME``/``USER``, which getpass reads first); a file
named after both is left where DATA-01 searches, so both names reach the checks' outputs."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from gp_guard.host.recorded import read_recording
from tests.conftest import IN_CI, require_tool

HOSTNAME = "ws-durand-4821"
LOGIN = "mdurand7"


def _need_root() -> None:
    if os.geteuid() != 0:
        message = "a UTS namespace (a host name of the test's own) needs root"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _gp_guard(tmp_path: Path, *args: str, uts: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GP_GUARD_HOME=str(tmp_path / "home"), GP_GUARD_NO_NETWORK="1", LOGNAME=LOGIN, USER=LOGIN,
               PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    argv = [sys.executable, "-m", "gp_guard", *args]
    if uts:
        argv = [require_tool("unshare", "a UTS namespace"), "--uts", "sh", "-c",
                f'hostname {HOSTNAME} && exec "$@"', "sh", *argv]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)


def _statuses(proc: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert proc.returncode in (0, 1), proc.stderr
    return {f["id"]: f["status"] for f in json.loads(proc.stdout)["findings"] if not f["id"].startswith("Q-")}


@pytest.fixture(scope="module")
def captured(tmp_path_factory):  # type: ignore[no-untyped-def]
    _need_root()
    tmp_path = tmp_path_factory.mktemp("capture")
    with tempfile.TemporaryDirectory(dir="/tmp") as bait:  # DATA-01 searches /tmp
        (Path(bait) / f"export_{LOGIN}_{HOSTNAME}.csv").write_text("nom;prenom\n", encoding="utf-8")
        before = _statuses(_gp_guard(tmp_path, "audit", "--json", "--no-save", "--no-network", uts=True))
        proc = _gp_guard(tmp_path, "capture", "--out", str(tmp_path / "cap"), "--no-network", uts=True)
        after = _statuses(_gp_guard(tmp_path, "audit", "--json", "--no-save", "--no-network", uts=True))
    assert proc.returncode == 0, proc.stderr
    return tmp_path, tmp_path / "cap", before, after


def test_the_replay_of_a_capture_gives_the_live_verdicts(captured):
    tmp_path, folder, before, after = captured
    verdicts = json.loads((folder / "verdicts.json").read_text(encoding="utf-8"))
    live = {k: v for k, v in verdicts["checks"].items() if k not in verdicts["network_checks"]}
    replayed = _statuses(_gp_guard(tmp_path, "audit", "--json", "--replay", str(folder), "--no-network"))
    # the checks the capture ran live, at the moment it recorded them
    assert {k: replayed[k] for k in live} == live
    assert "DATA-01" in live and "ACC-04" in live and "NET-01" in live
    # and a separate live audit, for every check whose verdict did not change meanwhile (other tests
    # on this machine come and go in /tmp and on loopback ports)
    steady = {k for k in before if before[k] == after.get(k) and k not in verdicts["network_checks"]}
    assert len(steady) > len(live) // 2
    assert {k: replayed[k] for k in steady} == {k: before[k] for k in steady}


def test_the_capture_holds_neither_the_host_name_nor_the_login_name(captured):
    _tmp, folder, _before, _after = captured
    names = sorted(p.name for p in folder.iterdir())
    assert any(n.endswith(".rec") for n in names) and "host.toml" in names and "README.txt" in names
    texts = {p.name: p.read_bytes() for p in folder.iterdir()}
    with zipfile.ZipFile(folder.with_name(folder.name + ".zip")) as archive:
        texts |= {f"zip:{info.filename}": archive.read(info) for info in archive.infolist()}
    assert len([t for t in texts if t.startswith("zip:")]) == len(names)
    for path in folder.glob("*.rec"):  # what base64 hides: the exact output bytes, stderr
        rec = read_recording(path)
        texts[f"decoded:{path.name}"] = rec.raw + base64.b64decode(rec.headers.get("stderr_base64", ""))
    found = [(name, secret) for name, data in texts.items() for secret in (HOSTNAME, LOGIN)
             if secret.encode().lower() in data.lower()]
    assert not found, found
    everything = b"".join(texts.values())
    assert b"export_usr" in everything  # the bait was seen, its name pseudonymized
    assert b"PC-" in texts["host.toml"] and b'user = "usr' in texts["host.toml"]


def test_the_manifest_hashes_every_file(captured):
    _tmp, folder, _before, _after = captured
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    assert set(listed) == {p.name for p in folder.iterdir()} - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_capture_is_refused_in_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "cap").mkdir()
    (tmp_path / "cap" / "notes.txt").write_text("mine")
    proc = _gp_guard(tmp_path, "--lang", "fr", "capture", "--out", str(tmp_path / "cap"))
    assert proc.returncode == 2
    assert "n'est pas un dossier vide" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "cap" / "notes.txt").read_text() == "mine"
