"""The CLI and the window start by forbidding core dumps (red-team D12: a core held the passphrase,
the working key and plaintext)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import ctypes, resource, sys
from gp_guard import cli
code = cli.main(sys.argv[1:])
dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) if sys.platform.startswith("linux") else 0  # PR_GET_DUMPABLE
print(resource.getrlimit(resource.RLIMIT_CORE), dumpable, code)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_CORE and prctl are POSIX; Windows sets its error mode")
def test_the_cli_forbids_core_dumps(tmp_path):
    import os

    env = dict(os.environ, PYTHONPATH=str(REPO), GP_GUARD_HOME=str(tmp_path / "home"))
    done = subprocess.run(["sh", "-c", 'ulimit -c unlimited 2>/dev/null; exec "$0" -c "$1" vault status',
                           sys.executable, PROBE], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.splitlines()[-1] == "(0, 0) 0 0"


def test_the_window_hardens_before_anything_else():
    import inspect

    from gp_guard.gui import app

    source = inspect.getsource(app.run_gui)
    assert source.index("hardening.harden()") < source.index("QApplication")
