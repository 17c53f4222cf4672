"""The Windows installer under Wine, as an IT provider runs it: silent, per user, no admin rights.

Wine 8 cannot start Qt 6.11 (no ICU DLL) nor cryptography >= 43 (no bcryptprimitives.dll), so the
window and the vault are left to the Windows runner (.github/workflows/windows.yml); the CLI, the
installer, the upgrade and the uninstaller run here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.installer.conftest import VERSION, clean_env, tool

pytestmark = pytest.mark.installer

UNINSTALL_KEY = r"[Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\gp_guard]"


class Wine:
    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = clean_env(WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
        self.env.pop("DISPLAY", None)
        self.wine = tool("wine", "wine")
        self.server = tool("wineserver", "wine")

    def run(self, *args: str | Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
        # Pipes, not files: under Wine 8, Python dies at start-up when stdout is a file.
        proc = subprocess.run([self.wine, *map(str, args)], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", env=self.env, timeout=timeout)
        self.settle()
        return proc

    def settle(self) -> None:
        """Wait until every process of the prefix has ended and the registry is written."""
        subprocess.run([self.server, "-w"], env=self.env, timeout=300, check=True)

    def user(self) -> Path:
        return next((self.prefix / "drive_c" / "users").glob(f"{os.environ.get('USER', 'root')}*"))

    def files(self) -> set[str]:
        return {str(p.relative_to(self.prefix)) for p in self.user().rglob("*")
                if "Temp" not in p.relative_to(self.user()).parts}

    def user_reg(self) -> str:
        return (self.prefix / "user.reg").read_text(encoding="utf-8", errors="replace")

    def user_path(self) -> str:
        text = self.user_reg()
        section = text.split("[Environment]", 1)[1].split("\n[", 1)[0] if "[Environment]" in text else ""
        line = next((x for x in section.splitlines() if x.lower().startswith('"path"=')), "")
        return line.split(":", 1)[-1] if line else ""


@pytest.fixture(scope="module")
def wine(setup_exe, tmp_path_factory):
    prefix = tmp_path_factory.mktemp("wineprefix")
    w = Wine(prefix)
    try:
        subprocess.run([w.wine, "wineboot", "-i"], env=w.env, capture_output=True, timeout=300)
        w.settle()
        yield w
    finally:
        subprocess.run([w.server, "-k"], env=w.env, capture_output=True)
        shutil.rmtree(prefix, ignore_errors=True)  # ~700 MB: not left for pytest's three kept runs


def app_dir(wine: Wine) -> Path:
    return wine.user() / "AppData" / "Local" / "Programs" / "gp_guard"


def data_dir(wine: Wine) -> Path:
    return wine.user() / "AppData" / "Local" / "gp_guard"


def shortcut(wine: Wine) -> Path:
    return wine.user() / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "gp_guard.lnk"


def test_install_run_upgrade_uninstall_keeps_only_the_data(wine, setup_exe):
    before = wine.files()
    proc = wine.run(setup_exe, "/S")
    assert proc.returncode == 0, proc.stderr[-2000:]
    app = app_dir(wine)
    assert (app / "bin" / "gp-guard.exe").is_file() and (app / "gp_guard.exe").is_file()
    assert (app / "uninstall.exe").is_file() and shortcut(wine).is_file()
    assert not (wine.prefix / "drive_c" / "Program Files" / "gp_guard").exists()  # per user
    assert UNINSTALL_KEY in wine.user_reg()
    assert "QuietUninstallString" in wine.user_reg()
    assert r"AppData\\Local\\Programs\\gp_guard\\bin" in wine.user_path()

    cli = app / "bin" / "gp-guard.exe"
    version = wine.run(cli, "--version")
    assert version.returncode == 0, version.stderr[-2000:]
    assert version.stdout.strip() == f"gp_guard {VERSION}"
    # The window launcher starts pythonw (no console): without Qt under Wine, a command shows it
    # finds its interpreter and gp_guard (exit 0; pythonw has no stdout to read).
    assert wine.run(app / "gp_guard.exe", "--version").returncode == 0
    checks = wine.run(cli, "checks", "--lang", "fr")
    assert checks.returncode == 0, checks.stderr[-2000:]
    assert "Le compte invité est désactivé" in checks.stdout  # French, accents intact (UTF-8 mode)
    # Under Wine the audit stops at the database (chmod of the open -shm file is a sharing
    # violation there, see the report); the Windows runner runs it. The log folder is the app's own.
    assert (data_dir(wine) / "Logs").is_dir()
    (data_dir(wine) / "gp_guard.db").write_bytes(b"stands for the audit history")
    vault = data_dir(wine) / "vault"
    vault.mkdir(exist_ok=True)
    (vault / "identity.age").write_text("stands for the encrypted key")

    upgrade = wine.run(setup_exe, "/S")  # over the installed copy: program replaced, data kept
    assert upgrade.returncode == 0
    assert (data_dir(wine) / "gp_guard.db").is_file() and (vault / "identity.age").is_file()
    assert wine.run(cli, "--version").stdout.strip() == f"gp_guard {VERSION}"
    assert wine.user_path().count(r"gp_guard\\bin") == 1

    gone = wine.run(app / "uninstall.exe", "/S")
    assert gone.returncode == 0
    assert not app.exists() and not shortcut(wine).exists()
    assert UNINSTALL_KEY not in wine.user_reg() and "gp_guard" not in wine.user_path()
    left = wine.files() - before
    data = str(data_dir(wine).relative_to(wine.prefix))
    assert left and all(p == data or p.startswith(data + os.sep) for p in left), sorted(left)[:20]
    assert (data_dir(wine) / "gp_guard.db").is_file()  # silent uninstall keeps the data


def test_uninstall_deletes_data_on_request_but_never_the_vault(wine, setup_exe):
    assert wine.run(setup_exe, "/S").returncode == 0
    data = data_dir(wine)
    (data / "vault").mkdir(parents=True, exist_ok=True)
    (data / "vault" / "identity.age").write_text("stands for the encrypted key")
    (data / "gp_guard.db").write_bytes(b"audit history")
    (data / "Logs").mkdir(exist_ok=True)
    (data / "Logs" / "gp_guard.log").write_text("log")
    assert wine.run(app_dir(wine) / "uninstall.exe", "/S", "/DELETEDATA").returncode == 0
    assert sorted(p.name for p in data.iterdir()) == ["vault"]
    assert (data / "vault" / "identity.age").is_file()
    assert not app_dir(wine).exists()
