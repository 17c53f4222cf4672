"""A French Windows writes console tools' output to a pipe in cp850; gp_guard decodes it so."""

from __future__ import annotations

from gp_guard.host import POWERSHELL_UTF8, LocalHost, output_encoding

# what `net localgroup Invités` prints on a French PC, as the pipe carries it
NET_OUTPUT = "Nom alias     Invités\r\nCommentaire   Les invités ont le même accès que les membres du groupe Utilisateurs\r\n"


def test_console_tools_are_read_in_the_oem_code_page():
    raw = NET_OUTPUT.encode("cp850")
    encoding = output_encoding(["net", "localgroup", "Invités"], "windows", "cp850")
    assert encoding == "cp850"
    assert raw.decode(encoding) == NET_OUTPUT
    assert "Invités" not in raw.decode("utf-8", "replace")  # what the UTF-8 decoding used to give


def test_powershell_and_other_systems_are_utf8():
    assert output_encoding(["powershell.exe", "-Command", "Get-LocalUser"], "windows", "cp850") == "utf-8"
    assert output_encoding([r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"], "windows", "cp850") == "utf-8"
    assert output_encoding(["pwsh"], "windows", "cp437") == "utf-8"
    assert output_encoding(["defaults", "read"], "macos", "cp850") == "utf-8"
    assert output_encoding(["net", "user"], "windows", "cp437") == "cp437"


def test_every_powershell_script_asks_for_utf8_output(monkeypatch):
    seen = []
    host = LocalHost()
    monkeypatch.setattr(host, "run", lambda argv, timeout=10.0: seen.append(list(argv)))
    host.powershell("Get-LocalUser | ConvertTo-Json")
    assert seen[0][:4] == ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command"]
    assert seen[0][4] == POWERSHELL_UTF8 + "Get-LocalUser | ConvertTo-Json"


def test_french_recordings_keep_cp850_bytes_and_replay_like_the_live_path():
    """The recorded French PCs give auditpol's output in cp850, as a real one does; decoded so,
    LOG-01 reads as the recordings describe; decoded as UTF-8 (the old live path), it would not."""
    from gp_guard.audit.model import Status
    from tests.helpers import HOSTS, recorded, run_check

    raw = (HOSTS / "win11_fr_hardened" / "LOG-01-auditpol-logon.rec").read_bytes()
    body = raw.partition(b"\n---\n")[2]
    assert "Succès".encode("cp850") in body
    try:
        body.decode("utf-8")
        raise AssertionError("the recording should hold cp850 bytes, not UTF-8")
    except UnicodeDecodeError:
        pass
    hardened, weak = recorded("win11_fr_hardened"), recorded("win10_fr_weak")
    assert hardened.oem_code_page == "cp850"
    assert run_check("LOG-01", hardened).status is Status.PASS
    assert run_check("LOG-01", weak).status is Status.FAIL
    hardened.oem_code_page = "utf-8"  # what gp_guard did before: the verdict goes wrong
    assert run_check("LOG-01", hardened).status is not Status.PASS
