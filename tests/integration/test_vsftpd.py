"""FTP-01 and FTP-02 against a real vsftpd (Debian package), on loopback and a test port.

vsftpd is started as ``vsftpd FILE.conf`` (standalone, foreground, 127.0.0.1 only), so the
inventory must find it by its command line; the checks read that file and probe the live server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gp_guard.audit.model import Status
from gp_guard.audit.software import inventory
from gp_guard.host import LocalHost
from tests.conftest import require_tool
from tests.helpers import run_check
from tests.integration.test_orthanc import Server, evidence_text, free_port, message


def write_conf(tmp_path: Path, port: int, anonymous: bool) -> Path:
    anon_root = tmp_path / "anon"
    (anon_root / "pub").mkdir(parents=True)
    (anon_root / "pub" / "compte-rendu.txt").write_text("synthetic test file\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (tmp_path, anon_root, empty):
        os.chmod(folder, 0o755)
    lines = [
        "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", f"listen_port={port}",
        "background=NO", "seccomp_sandbox=NO", f"secure_chroot_dir={empty}", f"anon_root={anon_root}",
        "# a comment line, as in Debian's file",
    ]
    if anonymous:
        lines += ["anonymous_enable=YES", "write_enable=YES", "anon_upload_enable=YES", "local_enable=NO"]
    else:
        lines += ["anonymous_enable=NO", "local_enable=YES", "write_enable=NO"]
    conf = tmp_path / ("anonymous.conf" if anonymous else "closed.conf")
    conf.write_text("\n".join(lines) + "\n")
    return conf


@pytest.fixture(params=[True, False], ids=["anonymous", "closed"])
def vsftpd(request, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("vsftpd runs as root in standalone mode")
    binary = require_tool("vsftpd", "the FTP checks are tested against a real vsftpd")
    port = free_port()
    conf = write_conf(tmp_path, port, request.param)
    server = Server([binary, str(conf)], tmp_path / "vsftpd.log", port)
    try:
        yield request.param, server, conf, port
    finally:
        server.stop()


def test_inventory_finds_vsftpd_by_its_command_line(vsftpd):
    _anonymous, server, conf, port = vsftpd
    found = [i for i in inventory.find(LocalHost(), "vsftpd") if server.proc.pid in i.pids]
    assert found and found[0].config_paths == (str(conf),)
    assert port in found[0].ports and not found[0].network_listening


def test_anonymous_ftp(vsftpd):
    anonymous, _server, conf, port = vsftpd
    outcome = run_check("FTP-01", LocalHost())
    text = evidence_text(outcome)
    if anonymous:
        assert outcome.status is Status.FAIL, (message(outcome), text)
        assert f"port {port}" in message(outcome) and "vsftpd 3." in message(outcome)
        assert "drop files there" in message(outcome)
        assert f"{conf}: anonymous_enable=YES" in text
        assert "anonymous login accepted" in text
    else:
        assert outcome.status is Status.PASS, (message(outcome), text)
        assert f"{conf}: anonymous_enable=NO" in text
        assert "anonymous login refused" in text
    assert f"127.0.0.1:{port} banner '220 (vsFTPd" in text
    assert not (conf.parent / "anon" / ".gp_guard_probe").exists()


def test_ftp_without_tls(vsftpd):
    _anonymous, _server, conf, port = vsftpd
    outcome = run_check("FTP-02", LocalHost())
    text = evidence_text(outcome)
    # ssl_enable is off, but the server listens on 127.0.0.1 only: a warning, not a failure
    assert outcome.status is Status.WARN, (message(outcome), text)
    assert f"{conf}: ssl_enable not set (vsftpd default NO)" in text
    assert f"{conf}: listen_address=127.0.0.1" in text
    assert "AUTH TLS not offered" in text
