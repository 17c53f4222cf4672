"""The door to the OS: LocalHost for real, RecordedHost parsers on real formats and on garbage."""

from __future__ import annotations

import socket
import time

import psutil
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gp_guard.host import CommandTimeout, Host, LocalHost, NotRecorded, ToolMissing, normalize_key
from gp_guard.host.recorded import (
    RecordedHost,
    parse_lsof_listen,
    parse_netstat_ano,
    parse_reg_query,
    read_recording,
)

# Format of `reg query` as printed by Windows (values indented by 4 spaces, 4-space separators).
REG = """
HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon
    AutoRestartShell    REG_DWORD    0x1
    Background    REG_SZ    0 0 0
    DefaultUserName    REG_SZ    Dr Martin
    AutoAdminLogon    REG_SZ    0
    PreCreateKnownFolders    REG_SZ    {A520A1A4-1780-4FF6-BD18-167343C5AF16}

HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\GPExtensions
"""

# French-locale `netstat -ano`: localized header and state, the parser must not depend on them.
NETSTAT_FR = """
Connexions actives

  Proto  Adresse locale         Adresse distante       État            PID
  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1044
  TCP    0.0.0.0:4242           0.0.0.0:0              LISTENING       5120
  TCP    127.0.0.1:8042         0.0.0.0:0              LISTENING       5120
  TCP    192.168.1.20:49702     52.97.146.178:443      ESTABLISHED     9876
  TCP    [::]:445               [::]:0                 LISTENING       4
  UDP    0.0.0.0:5353           *:*                                    2212
"""

LSOF = """COMMAND     PID   USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME
rapportd    512 doctor    4u  IPv4 0x5c1d9a2c6f0f5e5b      0t0  TCP *:49152 (LISTEN)
ControlCe   601 doctor    9u  IPv6 0x5c1d9a2c6f0f5e5c      0t0  TCP [::1]:7000 (LISTEN)
"""


def test_reg_query_parsing():
    keys = parse_reg_query(REG)
    values = keys[normalize_key(r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon")]
    assert values["autorestartshell"].value == 1
    assert values["defaultusername"].value == "Dr Martin"
    assert values["autoadminlogon"].type == "REG_SZ"
    assert normalize_key(r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon\GPExtensions") in keys


def test_netstat_french_locale():
    listeners = parse_netstat_ano(NETSTAT_FR)
    tcp = {(x.ip, x.port) for x in listeners if x.proto == "tcp"}
    assert tcp == {("0.0.0.0", 135), ("0.0.0.0", 4242), ("127.0.0.1", 8042), ("::", 445)}
    assert [x.port for x in listeners if x.proto == "udp"] == [5353]
    assert next(x for x in listeners if x.port == 4242).pid == 5120


def test_lsof_listen():
    listeners = parse_lsof_listen(LSOF)
    assert [(x.ip, x.port, x.process) for x in listeners] == [("0.0.0.0", 49152, "rapportd"), ("::1", 7000, "ControlCe")]
    assert listeners[0].all_interfaces and listeners[1].loopback


@given(st.text(max_size=400))
def test_parsers_never_crash_on_garbage(text):
    parse_reg_query(text)
    parse_netstat_ano(text)
    parse_lsof_listen(text)


def test_recorded_host_replays_and_refuses_the_unrecorded(tmp_path):
    (tmp_path / "host.toml").write_text('platform = "windows"\nrecorded_at = "2024-01-01T00:00:00"\n')
    (tmp_path / "a.rec").write_text(
        'kind: command\nargv: ["whoami", "/groups"]\nrc: 0\nsource: test\n---\nhello\n', encoding="utf-8")
    (tmp_path / "b.rec").write_text("kind: registry\nsource: test\n---\n" + REG, encoding="utf-8")
    host = RecordedHost(tmp_path)
    assert host.run(["whoami", "/groups"]).stdout == "hello\n"
    with pytest.raises(NotRecorded):
        host.run(["whoami", "/all"])
    with pytest.raises(NotRecorded):  # nothing says ipconfig is missing either: not a default
        host.run(["ipconfig"])
    assert host.reg_value(r"hklm\software\microsoft\windows nt\currentversion\winlogon", "AutoAdminLogon").value == "0"
    assert host.reg_subkeys(r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon") == ["gpextensions"]
    assert host.now().year == 2024


def test_recording_without_source_is_refused(tmp_path):
    path = tmp_path / "x.rec"
    path.write_text("kind: command\nargv: []\n---\n", encoding="utf-8")
    with pytest.raises(ValueError, match="source"):
        read_recording(path)


def test_local_host_kills_a_command_that_hangs():
    host = LocalHost()
    begin = time.monotonic()
    with pytest.raises(CommandTimeout) as info:
        host.run(["sh", "-c", "sleep 3597 & sleep 3597"], timeout=0.5)  # a duration no other test uses
    assert info.value.seconds == 0.5
    assert time.monotonic() - begin < 10
    # SIGKILL is delivered asynchronously: the group may take a moment to go (a condition, not a sleep)
    survivors = [p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "3597"]]
    _gone, alive = psutil.wait_procs(survivors, timeout=5)
    alive = [p for p in alive if _status(p) not in (None, psutil.STATUS_ZOMBIE)]  # a zombie is dead, unreaped
    assert not alive, "the whole process group must be stopped"


def _status(proc: psutil.Process) -> str | None:
    try:
        return proc.status()
    except psutil.NoSuchProcess:
        return None


def test_local_host_basics(tmp_path):
    host = LocalHost()
    assert host.run(["echo", "bonjour"]).stdout == "bonjour\n"
    with pytest.raises(ToolMissing):
        host.run(["no-such-tool-gp-guard"])
    (tmp_path / "export.sql").write_text("x")
    (tmp_path / "note.txt").write_text("x")
    found = host.find_files([str(tmp_path)], ["*.sql"])
    assert [f.path for f in found] == [str(tmp_path / "export.sql")]
    assert host.read_text(str(tmp_path / "missing")) is None
    assert host.list_dir(str(tmp_path)) == ["export.sql", "note.txt"]


def test_local_host_sees_a_real_listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        listeners = LocalHost().listeners()
    assert any(x.port == port and x.ip == "127.0.0.1" and x.proto == "tcp" for x in listeners)


def test_a_host_missing_a_primitive_fails_when_it_is_built():
    class Forgetful(LocalHost):
        pass

    for primitive in ("run", "read_text", "reg_value", "listeners", "env"):
        cls = type("Partial", (Host,), {name: getattr(Forgetful, name) for name in Host.__abstractmethods__
                                          if name != primitive})
        with pytest.raises(TypeError, match=primitive):
            cls()
    assert Forgetful().platform  # with every primitive it builds
    with pytest.raises(TypeError):
        Host()  # type: ignore[abstract]


def test_the_os_door_is_one_package_and_only_local_imports_the_windows_part():
    import ast
    from pathlib import Path

    import gp_guard

    root = Path(gp_guard.__file__).parent
    importers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if any(n == "gp_guard.host.windows" for n in names):
                importers.add(path.relative_to(root).as_posix())
    assert importers == {"host/local.py"}
    assert not (root / "host.py").exists() and not (root / "host_windows.py").exists()
