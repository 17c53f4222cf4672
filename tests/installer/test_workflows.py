"""The CI workflows for the Windows and macOS runners cannot run here: keep them valid with actionlint."""

from __future__ import annotations

import subprocess

import pytest

from tests.installer.conftest import ROOT, tool

pytestmark = pytest.mark.installer


@pytest.mark.parametrize("name", ["windows.yml", "macos.yml"])
def test_workflow_passes_actionlint(name):
    actionlint = tool("actionlint", "pip install -e '.[dist]'")
    workflow = ROOT / ".github" / "workflows" / name
    proc = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    actionlint = tool("actionlint", "pip install -e '.[dist]'")
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: windows-2022\n    steps:\n"
                      "      - run: echo ${{ secrets.A }\n        shell: pwsh\n")
    proc = subprocess.run([actionlint, "-no-color", str(broken)], capture_output=True, text=True)
    assert proc.returncode != 0 and "broken.yml" in proc.stdout
