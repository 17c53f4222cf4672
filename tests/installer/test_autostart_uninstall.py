"""The uninstallers remove the folder watcher's start at login (gp_guard/guardian/autostart.py).

Windows: the NSIS uninstaller deletes the HKCU Run value ``gp_guard`` and leaves the other
programs' values; read from the script (always) and run under Wine on a tiny payload. Linux: the
package manager cannot reach the users' folders, so the XDG entry names its program (``TryExec``)
and is ignored once gp_guard is gone (tests/unit/test_autostart.py). macOS has no uninstaller
(the app is dragged to the Bin), see installer/README.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from gp_guard.guardian import autostart
from tests.installer.conftest import ROOT, tool
from tests.installer.test_signing import build_setup, tiny_payload  # noqa: F401 - the fixture

NSI = ROOT / "installer" / "windows" / "gp_guard.nsi"


def _defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'^!define (\w+) "([^"]*)"', text, flags=re.MULTILINE))


def test_the_nsis_uninstaller_deletes_the_run_value_the_app_writes():
    text = NSI.read_text(encoding="utf-8")
    defines = _defines(text)
    assert "HKEY_CURRENT_USER\\" + defines["RUN_KEY"] == autostart.RUN_KEY
    assert defines["RUN_VALUE"] == autostart.RUN_VALUE
    uninstall = text.split('Section "Uninstall"', 1)[1].split("SectionEnd", 1)[0]
    assert 'DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"' in uninstall
    assert "DeleteRegKey HKCU \"${RUN_KEY}\"" not in uninstall  # never the other programs' values


@pytest.mark.installer
def test_uninstalling_under_wine_removes_only_gp_guards_run_value(tiny_payload, tmp_path):  # noqa: F811
    setup = build_setup(tiny_payload, tmp_path / "out", {k: v for k, v in os.environ.items()
                                                          if k not in ("GP_GUARD_SIGN_PFX", "GP_GUARD_SIGN_CERT")})
    wine, server = tool("wine", "wine"), tool("wineserver", "wine")
    prefix = tmp_path / "prefix"
    env = {k: v for k, v in os.environ.items() if k not in ("GP_GUARD_HOME", "DISPLAY")}
    env.update(WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([wine, *args], env=env, capture_output=True, text=True, timeout=300)
        subprocess.run([server, "-w"], env=env, timeout=300, check=True)
        return done

    def run_values() -> str:
        text = (prefix / "user.reg").read_text(encoding="utf-8", errors="replace")
        marker = "[Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run]"
        return text.split(marker, 1)[1].split("\n[", 1)[0] if marker in text else ""

    try:
        assert run(str(setup), "/S").returncode == 0
        run_key = autostart.RUN_KEY.replace("HKEY_CURRENT_USER", "HKCU")
        command = autostart.windows_entry([r"C:\Users\me\AppData\Local\Programs\gp_guard\gp_guard.exe", "vault", "watch"])[2]
        assert run("reg", "add", run_key, "/v", autostart.RUN_VALUE, "/d", command, "/f").returncode == 0
        assert run("reg", "add", run_key, "/v", "OtherApp", "/d", "C:\\other.exe", "/f").returncode == 0
        assert '"gp_guard"=' in run_values() and '"OtherApp"=' in run_values()
        uninstaller = next((prefix / "drive_c" / "users").glob("*/AppData/Local/Programs/gp_guard/uninstall.exe"))
        assert run(str(uninstaller), "/S").returncode == 0
        values = run_values()
        assert '"gp_guard"=' not in values and '"OtherApp"=' in values
    finally:
        subprocess.run([server, "-k"], env=env, capture_output=True)
        shutil.rmtree(prefix, ignore_errors=True)  # a Wine prefix is hundreds of MB
