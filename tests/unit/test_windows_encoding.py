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
