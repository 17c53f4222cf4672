"""IMG-* and INV-01 against real Orthanc servers (Debian package), on test ports, throw-away data.

Three set-ups, each started as ``Orthanc CONFIG`` so the inventory must find it by its command
line: an OPEN configuration (remote access, no authentication, C-FIND allowed to anyone, one test
patient stored), a LOCKED-DOWN one, and the Debian package's own commented /etc/orthanc/*.json
files copied to a folder with only paths and ports changed, plus remote access.
Orthanc binds every interface (it has no bind-address option); the data are synthetic.
"""

from __future__ import annotations

import http.client
import io
import json
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from gp_guard.audit.model import Outcome, Status
from gp_guard.audit.software import inventory
from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import run_check

DEADLINE = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, argv: list[str], log: Path, port: int, cwd: Path | None = None) -> None:
        self.log = log
        self.port = port
        self.handle = log.open("wb")
        self.proc = subprocess.Popen(argv, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd)
        self.wait_for_port()

    def wait_for_port(self) -> None:
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                pass
            try:  # waits a little, and notices a server that died at start
                self.proc.wait(timeout=0.05)
                raise RuntimeError(f"server exited ({self.proc.returncode}): {self.log.read_text()[-2000:]}")
            except subprocess.TimeoutExpired:
                pass
        raise RuntimeError(f"port {self.port} did not open within {DEADLINE} s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.handle.close()


def make_instance() -> bytes:
    """A tiny synthetic DICOM file (secondary capture, fake patient) for Orthanc to store."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName = "TEST^GPGUARD"
    ds.PatientID = "GPGUARD-TEST-1"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "OT"
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def upload(port: int, auth: tuple[str, str] | None = None) -> None:
    import base64

    headers = {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("POST", "/instances", body=make_instance(), headers=headers)
    response = conn.getresponse()
    assert response.status == 200, response.read()
    conn.close()


def start_orthanc(tmp_path: Path, config_arg: Path, http_port: int) -> Server:
    binary = require_tool("Orthanc", "the imaging checks are tested against a real Orthanc")
    return Server([binary, str(config_arg)], tmp_path / "orthanc.log", http_port)


def base_config(tmp_path: Path, http_port: int, dicom_port: int, **extra) -> dict:  # type: ignore[no-untyped-def]
    storage = tmp_path / "db"
    storage.mkdir()
    return {"Name": "gp_guard test", "StorageDirectory": str(storage), "IndexDirectory": str(storage),
            "Plugins": [], "HttpPort": http_port, "DicomPort": dicom_port, **extra}


def evidence_text(outcome: Outcome) -> str:
    return "\n".join(f"{e.source} | {e.value}" for e in outcome.evidence)


def message(outcome: Outcome) -> str:
    return outcome.message.format(**outcome.params) if outcome.message else ""


@pytest.fixture
def open_orthanc(tmp_path):
    http_port, dicom_port = free_port(), free_port()
    config = tmp_path / "open.json"
    config.write_text(json.dumps(base_config(
        tmp_path, http_port, dicom_port, RemoteAccessAllowed=True, AuthenticationEnabled=False,
        DicomAlwaysAllowFind=True)))
    server = start_orthanc(tmp_path, config, http_port)
    try:
        upload(http_port)
        yield server, config, http_port, dicom_port
    finally:
        server.stop()


@pytest.fixture
def locked_orthanc(tmp_path):
    http_port, dicom_port = free_port(), free_port()
    config = tmp_path / "locked.json"
    password = "Tr3s-l0ng-mot-de-passe-cabinet"
    config.write_text(json.dumps(base_config(
        tmp_path, http_port, dicom_port, RemoteAccessAllowed=False, AuthenticationEnabled=True,
        RegisteredUsers={"drmartin": password}, DicomAlwaysAllowStore=False, DicomAlwaysAllowFind=False,
        DicomAlwaysAllowGet=False, DicomAlwaysAllowMove=False, DicomCheckCalledAet=True,
        DicomCheckModalityHost=True, WebDavEnabled=False, ExecuteLuaEnabled=False,
        RestApiWriteToFileSystemEnabled=False)))
    server = start_orthanc(tmp_path, config, http_port)
    try:
        upload(http_port, ("drmartin", password))
        yield server, config, http_port, dicom_port
    finally:
        server.stop()


@pytest.fixture
def debian_orthanc(tmp_path):
    """The package's own commented files, with paths and ports changed and remote access on."""
    if not Path("/etc/orthanc/orthanc.json").exists():
        require_tool("Orthanc", "the Debian package's configuration files are needed")
        pytest.skip("/etc/orthanc/orthanc.json missing")
    http_port, dicom_port = free_port(), free_port()
    folder = tmp_path / "etc-orthanc"
    folder.mkdir()
    for source in Path("/etc/orthanc").glob("*.json"):
        shutil.copy(source, folder / source.name)
    main = folder / "orthanc.json"
    text = main.read_text()
    storage = tmp_path / "db"
    storage.mkdir()
    replacements = {
        r'"StorageDirectory" : "[^"]*"': f'"StorageDirectory" : "{storage}"',
        r'"IndexDirectory" : "[^"]*"': f'"IndexDirectory" : "{storage}"',
        r'"HttpPort" : \d+': f'"HttpPort" : {http_port}',
        r'"DicomPort" : \d+': f'"DicomPort" : {dicom_port}',
        r'"Plugins" : \[[^\]]*\]': '"Plugins" : [ ]',
        r'"RemoteAccessAllowed" : false': '"RemoteAccessAllowed" : true',
    }
    for pattern, new in replacements.items():
        text, count = re.subn(pattern, new, text, count=1)
        assert count == 1, pattern
    main.write_text(text)
    server = start_orthanc(tmp_path, folder, http_port)
    try:
        yield server, folder, http_port, dicom_port
    finally:
        server.stop()


def other_orthancs(server: Server) -> bool:
    """Another Orthanc runs on this machine (not ours): overall statuses may come from it."""
    return any(i.running and server.proc.pid not in i.pids for i in inventory.find(LocalHost(), "orthanc"))


def test_inventory_finds_orthanc_by_its_command_line(open_orthanc):
    server, config, http_port, dicom_port = open_orthanc
    found = [i for i in inventory.find(LocalHost(), "orthanc") if server.proc.pid in i.pids]
    assert len(found) == 1, inventory.find(LocalHost(), "orthanc")
    inst = found[0]
    assert inst.config_paths == (str(config),)
    assert {http_port, dicom_port} <= set(inst.ports)
    assert inst.version and inst.version.startswith("1.")
    outcome = run_check("INV-01", LocalHost())
    assert outcome.status is Status.FAIL
    assert "Orthanc 1." in message(outcome) and str(dicom_port) in message(outcome)


def test_open_orthanc_is_critical_with_live_evidence(open_orthanc):
    server, config, http_port, dicom_port = open_orthanc
    host = LocalHost()
    alone = not other_orthancs(server)  # else the message may name the other server
    web = run_check("IMG-01", host)
    assert web.status is Status.FAIL, (message(web), evidence_text(web))
    assert not alone or (f"port {http_port}" in message(web) and "without a password" in message(web))
    assert f'{config}: "AuthenticationEnabled" : false' in evidence_text(web)
    assert f"GET http://127.0.0.1:{http_port}/patients without credentials: HTTP 200" in evidence_text(web)

    dicom = run_check("IMG-02", host)
    assert dicom.status is Status.FAIL, (message(dicom), evidence_text(dicom))
    assert not alone or (f"port {dicom_port}" in message(dicom) and "1 found" in message(dicom))
    assert "PATIENT C-FIND answered (status 0x0000), 1 patient(s) returned" in evidence_text(dicom)
    assert "TEST^GPGUARD" not in evidence_text(dicom) and "GPGUARD-TEST-1" not in evidence_text(dicom)

    options = run_check("IMG-03", host)  # Debian 1.10.1+deb12u1: REST writes off by default; WebDAV on
    assert not alone or (options.status is Status.WARN and "WebDAV" in message(options)), message(options)
    assert f'{config}: "RestApiWriteToFileSystemEnabled" not set' in evidence_text(options)


def test_locked_down_orthanc_is_not_flagged(locked_orthanc):
    server, config, http_port, dicom_port = locked_orthanc
    host = LocalHost()
    alone = not other_orthancs(server)
    web = run_check("IMG-01", host)
    assert web.status is not Status.FAIL or not alone, (message(web), evidence_text(web))
    assert str(http_port) not in message(web)
    assert f"GET http://127.0.0.1:{http_port}/patients without credentials: HTTP 401" in evidence_text(web)
    assert f"GET http://127.0.0.1:{http_port}/patients as orthanc: HTTP 401" in evidence_text(web)

    dicom = run_check("IMG-02", host)
    assert dicom.status is not Status.FAIL or not alone, (message(dicom), evidence_text(dicom))
    assert str(dicom_port) not in message(dicom)
    probe_lines = [e.value for e in dicom.evidence if e.source == "DICOM probe (loopback)" and f":{dicom_port}" in e.value]
    assert probe_lines and "0 patient(s) returned" in probe_lines[0]
    assert "C-FIND answered" not in probe_lines[0]

    for check_id in ("IMG-03", "IMG-04"):
        outcome = run_check(check_id, host)
        assert outcome.status is not Status.FAIL or not alone, (check_id, message(outcome))
        assert str(config) not in message(outcome)


def test_debian_commented_configuration_gets_the_automatic_orthanc_account(debian_orthanc):
    """AuthenticationEnabled sits in a comment block of the package's file: with remote access,
    Orthanc >= 1.5.8 turns authentication on and creates orthanc/orthanc; the live probe agrees."""
    server, folder, http_port, _dicom_port = debian_orthanc
    host = LocalHost()
    found = [i for i in inventory.find(host, "orthanc") if server.proc.pid in i.pids]
    assert found and found[0].config_paths == (str(folder),)
    web = run_check("IMG-01", host)
    assert web.status is Status.FAIL, (message(web), evidence_text(web))
    if not other_orthancs(server):
        assert f"port {http_port}" in message(web) and "orthanc/orthanc" in message(web)
    text = evidence_text(web)
    assert f'{folder}: "AuthenticationEnabled" not set' in text
    assert f"GET http://127.0.0.1:{http_port}/patients without credentials: HTTP 401" in text
    assert f"GET http://127.0.0.1:{http_port}/patients as orthanc: HTTP 200" in text


def test_unparseable_configuration_is_an_error_naming_the_path(tmp_path):
    """A configuration Orthanc was started with, broken afterwards: a clear error, no crash."""
    http_port, dicom_port = free_port(), free_port()
    config = tmp_path / "broken.json"
    config.write_text(json.dumps(base_config(tmp_path, http_port, dicom_port)))
    server = start_orthanc(tmp_path, config, http_port)
    try:
        config.write_text('{ "RemoteAccessAllowed" : true, /* unterminated comment ')
        outcome = run_check("IMG-01", LocalHost())
        assert f"{config}: not valid JSON (unterminated /* comment starting on line 1)" in evidence_text(outcome)
        if not other_orthancs(server):
            assert outcome.status is Status.ERROR, message(outcome)
            assert str(config) in message(outcome) and "unterminated" in message(outcome)
    finally:
        server.stop()


def test_relative_configuration_path_is_found_through_the_working_directory(tmp_path):
    """``Orthanc ./open.json`` as the Orthanc book shows it: read where the server runs."""
    binary = require_tool("Orthanc", "the imaging checks are tested against a real Orthanc")
    http_port, dicom_port = free_port(), free_port()
    (tmp_path / "open.json").write_text(json.dumps(base_config(
        tmp_path, http_port, dicom_port, RemoteAccessAllowed=True, AuthenticationEnabled=False)))
    server = Server([binary, "./open.json"], tmp_path / "orthanc.log", http_port, cwd=tmp_path)
    try:
        found = [i for i in inventory.find(LocalHost(), "orthanc") if server.proc.pid in i.pids]
        assert found and found[0].config_paths == (f"/proc/{server.proc.pid}/cwd/./open.json",)
        web = run_check("IMG-01", LocalHost())
        assert web.status is Status.FAIL
        assert f'/proc/{server.proc.pid}/cwd/./open.json: "AuthenticationEnabled" : false' in evidence_text(web)
    finally:
        server.stop()
