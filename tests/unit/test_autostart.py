"""Autostart of the folder watcher: live on Linux (the XDG file), the Windows Run value through a
recorded Windows host whose registry takes writes, the macOS LaunchAgent as the file it writes."""

from __future__ import annotations

import configparser
import plistlib
import shlex

import pytest

from gp_guard import cli
from gp_guard.guardian import autostart
from gp_guard.host import MACOS, WINDOWS, LocalHost, RegValue, normalize_key
from tests.helpers import HOSTS, LenientHost

ARGV = ["/opt/gp guard/bin/gp-guard", "vault", "watch"]  # a space: the quoting matters


class WritableWindows(LenientHost):
    """A recorded Windows 11 machine whose registry also takes the writes gp_guard makes (its own
    Run value, never recorded, reads as absent until written)."""

    def __init__(self) -> None:
        super().__init__(HOSTS / "win11_fr_hardened")
        self.writes: list[tuple[str, str, str]] = []

    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        assert normalize_key(key).startswith("hkey_current_user\\")  # never anything that needs admin
        self.writes.append((key, name, value))
        self._registry.setdefault(normalize_key(key), {})[name.lower()] = RegValue("REG_SZ", value)

    def reg_delete_user_value(self, key: str, name: str) -> None:
        self._registry.get(normalize_key(key), {}).pop(name.lower(), None)


def test_windows_run_value_on_then_off():
    host = WritableWindows()
    assert host.platform == WINDOWS
    assert autostart.status(host) is None
    autostart.enable(host, ARGV)
    assert host.writes == [(r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run", "gp_guard",
                            '"/opt/gp guard/bin/gp-guard" vault watch')]
    assert autostart.status(host) == r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run\gp_guard"
    autostart.disable(host)
    assert autostart.status(host) is None


def test_a_registry_write_off_windows_is_a_clear_error():
    host = LocalHost()
    host.platform = WINDOWS
    with pytest.raises(autostart.AutostartError) as caught:
        autostart.enable(host, ARGV)
    assert "could not be written" in str(caught.value)


def test_macos_launch_agent_file(tmp_path):
    host = LocalHost()
    host.platform = MACOS
    autostart.enable(host, ARGV, home=str(tmp_path))
    path = tmp_path / "Library" / "LaunchAgents" / "fr.gp-guard.watcher.plist"
    assert autostart.status(host, home=str(tmp_path)) == str(path)
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == "fr.gp-guard.watcher"
    assert agent["ProgramArguments"] == ARGV
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    autostart.disable(host, home=str(tmp_path))
    assert not path.exists() and autostart.status(host, home=str(tmp_path)) is None


def desktop_exec(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["X-GNOME-Autostart-enabled"] == "true"
    return shlex.split(entry["Exec"].replace("%%", "%"))


def test_linux_desktop_entry_quotes_its_arguments():
    argv = ["/home/dr/mes progs/python", "-m", "gp_guard", 'a"b', "100%"]
    assert desktop_exec(autostart.linux_desktop(argv)) == argv


def test_linux_live_on_status_off_through_the_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    path = tmp_path / "config" / "autostart" / "gp_guard-watcher.desktop"
    assert cli.main(["autostart", "status"]) == 0
    assert "off" in capsys.readouterr().out
    assert cli.main(["autostart", "on"]) == 0
    assert path.is_file()
    assert desktop_exec(path.read_text(encoding="utf-8"))[-2:] == ["vault", "watch"]
    assert cli.main(["autostart", "status"]) == 0
    assert str(path) in capsys.readouterr().out
    assert cli.main(["autostart", "off"]) == 0
    assert not path.exists()
    assert cli.main(["--lang", "fr", "autostart", "status"]) == 0
    assert "désactivé" in capsys.readouterr().out


GIO_LOADS = ("import sys, gi; gi.require_version('Gio', '2.0'); from gi.repository import Gio\n"
             "try:\n    print(Gio.DesktopAppInfo.new_from_filename(sys.argv[1]) is not None)\n"
             "except TypeError:  # the constructor returned NULL: the entry is refused\n    print(False)\n")


def test_linux_entry_is_valid_and_ignored_once_gp_guard_is_gone(tmp_path):
    """After an uninstall the leftover entry in the user's folder does nothing: GLib's desktop-file
    loader (what gnome-session uses for autostart) refuses it once the program is gone. (GLib
    checks Exec's program too; TryExec states it for the desktops that only look there.)"""
    import os
    import shutil
    import subprocess

    from tests.conftest import require_tool

    validate = require_tool("desktop-file-validate", "apt-get install desktop-file-utils")
    system_python = "/usr/bin/python3"
    have_gio = os.path.exists(system_python) and subprocess.run(
        [system_python, "-c", "import gi"], capture_output=True).returncode == 0
    installed = tmp_path / "opt" / "gp-guard"
    installed.parent.mkdir()
    shutil.copy(shutil.which("true") or "/bin/true", installed)
    entry = tmp_path / "gp_guard-watcher.desktop"
    entry.write_text(autostart.linux_desktop([str(installed), "vault", "watch"]), encoding="utf-8")
    checked = subprocess.run([validate, str(entry)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"TryExec={installed}\n" in entry.read_text(encoding="utf-8")
    if not have_gio:
        from tests.conftest import IN_CI

        if IN_CI:
            pytest.fail("python3-gi is not installed (apt-get install python3-gi gir1.2-glib-2.0)")
        pytest.skip("python3-gi is not installed (apt-get install python3-gi gir1.2-glib-2.0)")
    loads = subprocess.run([system_python, "-c", GIO_LOADS, str(entry)], capture_output=True, text=True)
    assert loads.stdout.strip() == "True", loads.stderr
    installed.unlink()  # gp_guard uninstalled
    loads = subprocess.run([system_python, "-c", GIO_LOADS, str(entry)], capture_output=True, text=True)
    assert loads.stdout.strip() == "False", loads.stderr
