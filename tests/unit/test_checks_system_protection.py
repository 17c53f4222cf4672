"""ACC-07: not applicable on Linux (checked on this machine), and its macOS parsers on odd input.

The Windows and macOS decisions themselves are exercised on the recorded hosts
(tests/fixtures/expectations/system_protection.toml); here the parsers meet real variants and
garbage, and a recorded Mac with nonsense output gets a clean status.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gp_guard.audit.checks import system_protection
from gp_guard.audit.model import Status
from gp_guard.host import LocalHost
from gp_guard.host.recorded import RecordedHost
from tests.helpers import run_check


def test_acc07_does_not_apply_on_linux():
    host = LocalHost()
    if host.platform != "linux":
        pytest.skip("Linux-only expectation")
    outcome = run_check("ACC-07", host)
    assert outcome.status == Status.SKIPPED
    assert outcome.message == "Does not apply to this operating system."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("System Integrity Protection status: enabled.\n", True),
        ("System Integrity Protection status: disabled.\n", False),
        # macOS 10.x with parts switched off ("csrutil enable --without debug")
        ("System Integrity Protection status: enabled (Custom Configuration).\n\nConfiguration:\n\tDebugging Restrictions: disabled\n", False),
        ("System Integrity Protection status: unknown (Custom Configuration).\n", None),
        ("csrutil: command not found", None),
        ("", None),
    ],
)
def test_parse_csrutil(text, expected):
    assert system_protection.parse_csrutil(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("assessments enabled\n", True), ("assessments disabled\n", False), ("\x00garbage", None), ("", None)],
)
def test_parse_spctl(text, expected):
    assert system_protection.parse_spctl(text) is expected


def _mac(tmp_path: Path, csrutil: str, spctl: str) -> RecordedHost:
    folder = tmp_path / "odd_mac"
    folder.mkdir()
    (folder / "host.toml").write_text('platform = "macos"\nadmin = true\nrecorded_at = "2024-01-01T00:00:00+00:00"\n')
    for name, argv, body in (("a", ["csrutil", "status"], csrutil), ("b", ["spctl", "--status"], spctl)):
        (folder / f"{name}.rec").write_text(
            f"kind: command\nargv: {json.dumps(argv)}\nrc: 0\nsource: test input\n---\n{body}", encoding="utf-8"
        )
    return RecordedHost(folder)


def test_acc07_macos_garbage_gives_a_warning_not_a_crash(tmp_path):
    outcome = run_check("ACC-07", _mac(tmp_path, "\x00\x01 nonsense", ""))
    assert outcome.status == Status.WARN, outcome
    assert [e.source for e in outcome.evidence] == ["csrutil status", "spctl --status"]


def test_acc07_macos_one_protection_off_is_named(tmp_path):
    outcome = run_check("ACC-07", _mac(tmp_path, "System Integrity Protection status: enabled.\n", "assessments disabled\n"))
    assert outcome.status == Status.FAIL
    assert outcome.params["protections"] == "Gatekeeper"
