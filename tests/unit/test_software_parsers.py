"""vsftpd, Conquest and Horos readers, the inventory's command-line parsing, probe limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gp_guard.audit.probes import dicom, ftp, http
from gp_guard.audit.software import conquest, horos, inventory, vsftpd
from gp_guard.host import LINUX, Listener, LocalHost, ProcessInfo
from tests.helpers import PartialHost

# -- vsftpd ------------------------------------------------------------------------------------


def test_vsftpd_defaults_and_command_line_overrides(tmp_path: Path):
    conf = tmp_path / "v.conf"
    conf.write_text("# comment\nlisten=YES\nwrite_enable=YES\nanon_upload_enable=YES\n\nlisten_address=127.0.0.1\n")
    cfg = vsftpd.load(LocalHost(), str(conf), ("vsftpd", "-oanonymous_enable=NO", str(conf)))
    assert not cfg.anonymous and cfg.loopback_only and cfg.port == 21
    cfg = vsftpd.load(LocalHost(), str(conf))
    assert cfg.anonymous and cfg.anonymous_upload  # vsftpd's compiled default is anonymous_enable=YES
    assert cfg.where("anonymous_enable").endswith("not set (vsftpd default YES)")


def test_vsftpd_debian_file():
    if not Path("/etc/vsftpd.conf").exists():
        pytest.skip("vsftpd is not installed")
    cfg = vsftpd.load(LocalHost(), "/etc/vsftpd.conf")
    assert not cfg.anonymous and not cfg.yes("ssl_enable") and not cfg.loopback_only


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_vsftpd_any_text_parses_or_fails_cleanly(text):
    try:
        values = vsftpd.parse_conf(text, "f.conf")
    except vsftpd.VsftpdConfigError as exc:
        assert exc.path == "f.conf" and "line" in exc.detail
    else:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())


# -- Conquest ----------------------------------------------------------------------------------


def test_conquest_without_remote_ae_accepts_anyone(tmp_path: Path):
    (tmp_path / "dicom.ini").write_text("[sscscp]\nMyACRNema = CONQUESTSRV1\nTCPPort = 5678\nACRNemaMap = acrnema.map\n")
    (tmp_path / "acrnema.map").write_text("/* AE host port */\nSCANNER 192.168.1.30 104 un\nTELERAD 45.11.0.2 104 un\n")
    cfg = conquest.load(LocalHost(), str(tmp_path / "dicom.ini"))
    assert cfg.port == 5678 and cfg.accepts_any_ae and cfg.sop_list_path is None
    assert [a.aet for a in cfg.public_aes] == ["TELERAD"]
    (tmp_path / "dgatesop.lst").write_text("RemoteAE SCANNER\n")
    assert not conquest.load(LocalHost(), str(tmp_path / "dicom.ini")).accepts_any_ae


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_conquest_any_text_fails_cleanly(tmp_path_factory, text):
    ini = tmp_path_factory.mktemp("conquest") / "dicom.ini"
    ini.write_text(text)
    try:
        conquest.load(LocalHost(), str(ini))
    except conquest.ConquestConfigError as exc:
        assert exc.path == str(ini)


# -- Horos -------------------------------------------------------------------------------------

PLIST = """<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>STORESCP</key><true/><key>AEPORT</key><string>104</string>
<key>httpWebServer</key><integer>1</integer><key>passwordWebServer</key><false/>
<key>SERVERS</key><array><dict><key>Address</key><string>10.0.0.9</string><key>AETitle</key><string>PACS</string></dict></array>
</dict></plist>"""


def test_horos_preferences():
    prefs = horos.HorosPrefs("Horos", "defaults export com.horosproject.horos -", horos.parse_plist(PLIST, "x"))
    assert prefs.listener and prefs.dicom_port == 104 and prefs.web_server and not prefs.web_password
    assert not prefs.xmlrpc and [n.public for n in prefs.nodes] == [False]


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_horos_any_text_fails_cleanly(text):
    try:
        horos.parse_plist(text, "src")
    except horos.HorosPrefsError as exc:
        assert exc.path == "src"


# -- inventory ---------------------------------------------------------------------------------


class ProcessHost(PartialHost):
    """Only processes and sockets: the inventory's matching, without touching this machine."""

    platform = LINUX

    def __init__(self, procs, listeners):  # type: ignore[no-untyped-def]
        self._procs, self._listeners = procs, listeners

    def processes(self):  # type: ignore[no-untyped-def]
        return self._procs

    def listeners(self):  # type: ignore[no-untyped-def]
        return self._listeners

    def exists(self, path):  # type: ignore[no-untyped-def]
        return False

    def has_tool(self, name):  # type: ignore[no-untyped-def]
        return False

    def home(self):  # type: ignore[no-untyped-def]
        return "/home/x"


def test_inventory_reads_config_paths_from_command_lines():
    host = ProcessHost(
        [ProcessInfo(10, "Orthanc", ("/usr/sbin/Orthanc", "--verbose", "/srv/pacs/")),
         ProcessInfo(11, "Orthanc", ("Orthanc",)),
         ProcessInfo(20, "vsftpd", ("/usr/sbin/vsftpd", "-oanonymous_enable=NO", "/etc/ftp/site.conf")),
         ProcessInfo(30, "postgres", ("/usr/lib/postgresql/15/bin/postgres", "-D", "/var/lib/pg", "-c",
                                      "config_file=/etc/postgresql/15/main/postgresql.conf")),
         ProcessInfo(31, "postgres", ("postgres: 15/main: checkpointer",)),
         ProcessInfo(40, "bash", ("bash", "-c", "Orthanc")),
         ProcessInfo(50, "Orthanc.exe", (r"C:\Program Files\Orthanc Server\Orthanc.exe", r"C:\Program Files\Orthanc Server\Configuration"))],
        [Listener("tcp", "0.0.0.0", 4242, 10), Listener("tcp", "127.0.0.1", 8042, 10), Listener("udp", "0.0.0.0", 4242, 10)],
    )
    found = {(i.product, i.pids): i for i in inventory.find_software(host)}
    main = found[("orthanc", (10,))]
    assert main.config_paths == ("/srv/pacs/",) and main.ports == (4242, 8042)
    assert [str(e) for e in main.network_listening] == ["0.0.0.0:4242"]
    assert found[("orthanc", (11,))].config_paths == ()  # built-in defaults
    assert found[("orthanc", (50,))].config_paths == (r"C:\Program Files\Orthanc Server\Configuration",)
    assert found[("vsftpd", (20,))].config_paths == ("/etc/ftp/site.conf",)
    assert found[("postgresql", (30,))].config_paths == ("/var/lib/pg", "/etc/postgresql/15/main/postgresql.conf")
    assert not any(31 in i.pids or 40 in i.pids for i in found.values())


def test_inventory_survives_a_host_that_cannot_list_anything():
    class Mute(ProcessHost):
        def processes(self):  # type: ignore[no-untyped-def]
            from gp_guard.host import NeedsAdmin

            raise NeedsAdmin("processes")

    assert inventory.find_software(Mute([], [])) == []


# -- probes stay on loopback and give up quickly -------------------------------------------------


@pytest.mark.parametrize("ip", ["192.168.1.10", "10.0.0.1", "8.8.8.8", "localhost.example"])
def test_probes_refuse_anything_but_loopback(ip):
    with pytest.raises(ValueError):
        http.get(80, ip=ip)
    with pytest.raises(ValueError):
        ftp.probe(21, ip=ip)
    with pytest.raises(ValueError):
        dicom.probe(104, ip=ip)


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_probes_of_a_closed_port_answer_cleanly():
    port = closed_port()
    assert http.get(port).status is None
    assert not ftp.probe(port).connected
    assert dicom.probe(port).association in ("no answer", "aborted", "error")


def test_probes_of_a_silent_server_are_bounded():
    """A server that accepts the connection and never speaks: each probe gives up on its timeout."""
    import socket
    import time

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        port = server.getsockname()[1]
        start = time.monotonic()
        assert http.get(port, timeout=0.5).status is None
        assert not ftp.probe(port, timeout=0.5).connected
        assert not dicom.probe(port, timeout=0.5).patient_data_returned
        assert time.monotonic() - start < 4


# -- FileZilla Server 0.9 (Windows) ------------------------------------------------------------


def test_filezilla_legacy_anonymous_disabled_and_tls(tmp_path: Path):
    from gp_guard.audit.checks import ftp as ftp_checks

    xml = tmp_path / "FileZilla Server.xml"
    xml.write_text("""<FileZillaServer><Settings>
        <Item name="Serverports" type="string">2121</Item><Item name="Enable SSL" type="numeric">1</Item>
        </Settings><Users><User Name="anonymous"><Option Name="Enabled">0</Option>
        <Permissions><Permission Dir="C:\\ftp"><Option Name="FileWrite">0</Option></Permission></Permissions>
        </User></Users></FileZillaServer>""")
    cfg = ftp_checks.load_filezilla_legacy(LocalHost(), str(xml))
    assert not cfg.anonymous and not cfg.anonymous_upload and cfg.tls and cfg.port == 2121
    assert cfg.where("anonymous").endswith("user anonymous, Enabled=0")


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_filezilla_legacy_any_text_fails_cleanly(tmp_path_factory, text):
    from gp_guard.audit.checks import ftp as ftp_checks

    xml = tmp_path_factory.mktemp("fz") / "FileZilla Server.xml"
    xml.write_text(text)
    try:
        ftp_checks.load_filezilla_legacy(LocalHost(), str(xml))
    except ftp_checks.FileZillaConfigError as exc:
        assert exc.path == str(xml)


@pytest.mark.parametrize(("ips", "expected"), [
    (["0.0.0.0"], "127.0.0.1"), (["127.0.0.1"], "127.0.0.1"), (["::"], "::1"), (["::1"], "::1"),
    (["192.168.1.20"], None), ([], None), (["192.168.1.20", "::"], "::1"),
])
def test_probes_use_a_loopback_address_the_server_listens_on(ips, expected):
    endpoints = [inventory.Endpoint(ip, 4242) for ip in ips] + [inventory.Endpoint("0.0.0.0", 8042)]
    assert inventory.loopback_address(endpoints, 4242) == expected


def test_windows_orthanc_service_config_is_found_in_the_install_folder():
    """OrthancService.exe starts `Orthanc.exe --logdir=Logs Configuration` in InstallDir."""
    from gp_guard.host import WINDOWS, RegValue

    class WindowsHost(ProcessHost):
        platform = WINDOWS

        def reg_value(self, key, name):  # type: ignore[no-untyped-def]
            if name == "InstallDir" and key.lower().endswith(r"orthanc\orthanc server"):
                return RegValue("REG_SZ", r"D:\Imagerie\Orthanc")
            return None

    host = WindowsHost([ProcessInfo(7, "Orthanc.exe", ("Orthanc.exe", "--logdir=Logs", "Configuration"))], [])
    (inst,) = inventory.find(host, "orthanc")
    assert inst.config_paths == (r"D:\Imagerie\Orthanc\Configuration",)
