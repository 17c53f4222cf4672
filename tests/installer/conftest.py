"""Fixtures of the installer tests: the built artefacts (built once if dist/ lacks them)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
sys.path.insert(0, str(ROOT / "installer"))
from common import version  # noqa: E402

VERSION = version()


def need(condition: bool, message: str) -> None:
    """Skip with the reason when the condition fails; under CI=true it is a failure."""
    if not condition:
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def tool(name: str, package: str) -> str:
    """Path of a tool; package is the Debian package, or a full install command."""
    path = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    install = package if " " in package else f"apt-get install {package}"
    need(path is not None, f"{name} is not installed ({install}); .ci/run installs it")
    assert path is not None
    return path


def build(script: str, artefact: Path) -> Path:
    if not artefact.exists():
        subprocess.run([sys.executable, str(ROOT / "installer" / script), "--out", str(DIST)],
                       check=True, cwd=ROOT)
    assert artefact.is_file(), f"{script} did not write {artefact}"
    return artefact


@pytest.fixture(scope="session")
def deb() -> Path:
    need(importlib.util.find_spec("PyInstaller") is not None,
         "PyInstaller is not installed (pip install -e '.[dist]')")
    tool("dpkg-deb", "dpkg")
    tool("rsvg-convert", "librsvg2-bin")
    return build("build_deb.py", DIST / f"gp-guard_{VERSION}_amd64.deb")


@pytest.fixture(scope="session")
def setup_exe() -> Path:
    tool("makensis", "nsis")
    tool("osslsigncode", "osslsigncode")
    tool("rsvg-convert", "librsvg2-bin")
    return build("build_windows.py", DIST / f"gp_guard-{VERSION}-setup.exe")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the tests' GP_GUARD_HOME: installed apps use their real folders."""
    env = {k: v for k, v in os.environ.items() if k != "GP_GUARD_HOME"}
    env.update(extra)
    return env
