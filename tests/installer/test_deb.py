"""The .deb as a doctor's Linux machine gets it: apt install, CLI and window from /usr/bin, purge."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.installer.conftest import VERSION, clean_env, need, tool

pytestmark = pytest.mark.installer

WATCHED = [Path("/opt/gp-guard"), Path("/usr/bin"), Path("/usr/share/applications"),
           Path("/usr/share/icons/hicolor"), Path("/usr/share/doc")]
CACHES = {"icon-theme.cache", "mimeinfo.cache"}  # rebuilt by the triggers of other packages


def snapshot() -> set[str]:
    found: set[str] = set()
    for top in WATCHED:
        if top.exists():
            found.update(str(p) for p in top.rglob("*") if p.name not in CACHES)
    return found


def installed() -> bool:
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "gp-guard"], capture_output=True, text=True)
    return "install ok installed" in proc.stdout


@pytest.fixture(scope="module")
def apt_installed(deb):
    need(os.geteuid() == 0, "installing a .deb needs root")
    tool("apt-get", "apt")
    if installed():
        subprocess.run(["apt-get", "purge", "-y", "-qq", "gp-guard"], check=True)
    before = snapshot()
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", str(deb.resolve())],
                   check=True, env=env, capture_output=True)
    yield before
    if installed():
        subprocess.run(["apt-get", "purge", "-y", "-qq", "gp-guard"], check=True, env=env)


def test_version_from_usr_bin(apt_installed, tmp_path):
    proc = subprocess.run(["/usr/bin/gp-guard", "--version"], capture_output=True, text=True,
                          env=clean_env(HOME=str(tmp_path)), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"gp_guard {VERSION}"
    assert os.path.realpath("/usr/bin/gp-guard") == "/opt/gp-guard/gp-guard"


def test_the_installed_bundle_has_the_app_and_navigation_icons(apt_installed):
    """The window finds its icons under sys._MEIPASS/resources/icons (gui/widgets/icons.py)."""
    found = {p.relative_to("/opt/gp-guard").as_posix() for p in Path("/opt/gp-guard").rglob("*.svg")}
    assert any(f.endswith("resources/icons/gp_guard.svg") for f in found), sorted(found)[:10]
    assert any(f.endswith("resources/icons/navigation/audit.svg") for f in found), sorted(found)[:10]


def test_audit_json_from_usr_bin(apt_installed, tmp_path):
    proc = subprocess.run(["/usr/bin/gp-guard", "audit", "--json", "--no-network"], capture_output=True,
                          text=True, env=clean_env(HOME=str(tmp_path)), timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["platform"] == "linux" and report["version"] == VERSION
    assert len(report["findings"]) >= 40  # every check module was frozen (pkgutil discovery)
    assert (tmp_path / ".local" / "share" / "gp_guard" / "gp_guard.db").is_file()


def test_window_opens_from_installed_files(apt_installed, tmp_path):
    xvfb = tool("Xvfb", "xvfb")
    xdotool = tool("xdotool", "xdotool")
    tool("xwininfo", "x11-utils")
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    app = None
    try:
        with os.fdopen(read) as handle:
            display = ":" + handle.readline().strip()  # Xvfb writes its number once it accepts clients
        env = clean_env(HOME=str(tmp_path), DISPLAY=display, QT_QPA_PLATFORM="xcb")
        app = subprocess.Popen(["/usr/bin/gp-guard"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # xdotool polls the X server until the main window is mapped (by its title, English or
        # French: a crash dialog has the same class and must not pass for it).
        found = subprocess.run([xdotool, "search", "--sync", "--onlyvisible", "--name",
                                "^gp_guard ?: (security of the practice|sécurité du cabinet)$"],
                               capture_output=True, text=True, env=env, timeout=120)
        window = found.stdout.split()[0]
        info = subprocess.run(["xwininfo", "-id", window], capture_output=True, text=True, env=env).stdout
        assert "Map State: IsViewable" in info
        assert app.poll() is None, app.communicate()[1]
    finally:
        if app is not None:
            app.terminate()
            app.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)


def test_purge_leaves_no_file(apt_installed):
    files = set(subprocess.run(["dpkg-query", "-L", "gp-guard"], capture_output=True, text=True,
                               check=True).stdout.split())
    assert "/opt/gp-guard/gp-guard" in files and "/usr/share/applications/gp_guard.desktop" in files
    subprocess.run(["apt-get", "purge", "-y", "-qq", "gp-guard"], check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), capture_output=True)
    assert not installed()
    assert not Path("/opt/gp-guard").exists()
    assert snapshot() - apt_installed == set()


def test_desktop_file_is_valid():
    validate = tool("desktop-file-validate", "desktop-file-utils")
    desktop = Path(__file__).resolve().parents[2] / "installer" / "linux" / "gp_guard.desktop"
    proc = subprocess.run([validate, str(desktop)], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout
    text = desktop.read_text(encoding="utf-8")
    assert "GenericName[fr]=" in text and "Comment[fr]=" in text
