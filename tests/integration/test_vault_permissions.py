"""Files and sub-folders the system does not let gp_guard read: said so, not "in use" (red-team D14)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gp_guard.vault import agefile, folder, outcome

REPO = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from gp_guard.vault import agefile, folder, outcome
work, recovery = agefile.parse_identities(open(sys.argv[2]).read())
report = folder.lock(sys.argv[1], [work.recipient(), recovery.recipient()], [work], retry_delay=0.0)
for rel in report.done:
    print("done", rel)
for problem in report.failed:
    print("failed", problem.name, problem.message == outcome.P_DENIED, problem.message == outcome.P_DIR_DENIED)
"""


def _without_root_powers() -> None:
    """In the child, before exec: root loses the right to ignore permissions (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH), so the permissions below apply to it as to anyone."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "PR_CAPBSET_DROP")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="permissions are set the POSIX way here")
def test_unreadable_file_and_sub_folder_are_reported_as_permissions(tmp_path):
    root = tmp_path / "Imagerie"
    (root / "locked").mkdir(parents=True)
    (root / "ok.dcm").write_bytes(b"ok")
    (root / "secret.dcm").write_bytes(b"secret")
    (root / "locked" / "inside.dcm").write_bytes(b"inside")
    work, recovery = agefile.X25519Identity.generate(), agefile.X25519Identity.generate()
    keyfile = tmp_path / "keys.txt"
    keyfile.write_text(work.to_string() + "\n" + recovery.to_string() + "\n")
    (root / "secret.dcm").chmod(0)
    (root / "locked").chmod(0)
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, str(root), str(keyfile)], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120,
                              preexec_fn=_without_root_powers if os.geteuid() == 0 else None)
    finally:
        (root / "secret.dcm").chmod(0o600)
        (root / "locked").chmod(0o700)
    assert done.returncode == 0, done.stderr
    lines = sorted(done.stdout.splitlines())
    assert lines == ["done ok.dcm", "failed locked False True", "failed secret.dcm True False"]
    assert (root / "secret.dcm").read_bytes() == b"secret" and (root / "locked" / "inside.dcm").read_bytes() == b"inside"
    assert "permissions" in folder.Problem("x", outcome.P_DENIED).text()
