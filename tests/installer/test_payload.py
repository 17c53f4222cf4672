"""The Windows payload's pruning keeps what gp_guard loads and drops what it never does."""

from __future__ import annotations

import sys

import pytest

from tests.installer.conftest import ROOT

pytestmark = pytest.mark.installer

sys.path.insert(0, str(ROOT / "installer" / "windows"))
import payload  # noqa: E402

KEPT = ["lib/babel/locale-data/", "lib/babel/locale-data/fr.dat", "lib/babel/locale-data/root.dat",
        "lib/babel/locale-data/en.dat", "lib/PySide6/translations/qtbase_fr.qm", "lib/PySide6/Qt6Core.dll",
        "lib/PySide6/Qt6Network.dll", "lib/PySide6/QtWidgets.pyd", "lib/PySide6/plugins/platforms/qwindows.dll",
        "lib/PySide6/plugins/styles/qmodernwindowsstyle.dll", "lib/gp_guard/resources/locale/fr/LC_MESSAGES/core.po",
        "lib/keyring/backends/Windows.py", "lib/win32ctypes/pywin32/win32cred.py", "lib/cryptography/hazmat/bindings/_rust.pyd",
        "lib/keyring-25.7.0.dist-info/entry_points.txt", "python/python313.dll",
        "lib/PySide6/QtSvg.pyd", "lib/PySide6/Qt6Svg.dll"]  # the window's icons are SVG (gui/widgets/icons.py)
DROPPED = ["lib/babel/locale-data/de.dat", "lib/PySide6/translations/qtbase_de.qm", "lib/PySide6/Qt6Quick.dll",
           "lib/PySide6/Qt6Qml.dll", "lib/PySide6/designer.exe", "lib/PySide6/opengl32sw.dll",
           "lib/PySide6/qml/QtQuick/Controls/x.dll", "lib/PySide6/QtQuick.pyi", "lib/bin/", "lib/gp_guard/__pycache__/",
           "lib/pip-1.dist-info/direct_url.json"]


@pytest.mark.parametrize("path", KEPT)
def test_kept(path):
    assert not payload.PRUNE.search(path)


@pytest.mark.parametrize("path", DROPPED)
def test_dropped(path):
    assert payload.PRUNE.search(path)


def test_the_launcher_runs_gp_guard_relative_to_its_own_folder(tmp_path):
    exe = tmp_path / "gp-guard.exe"
    payload.launcher("t64.exe", "..\\python\\python.exe", exe, 1_700_000_000)
    data = exe.read_bytes()
    assert data[:2] == b"MZ"
    assert b"#!<launcher_dir>\\..\\python\\python.exe -X utf8 -I\r\n" in data
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # the zip is found past the .exe stub
        assert "gp_guard.cli" in zf.read("__main__.py").decode()
    again = tmp_path / "again.exe"
    payload.launcher("t64.exe", "..\\python\\python.exe", again, 1_700_000_000)
    assert again.read_bytes() == data  # reproducible
