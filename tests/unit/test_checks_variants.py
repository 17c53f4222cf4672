"""Checks replayed on one-file variants of the recorded hosts (tests/fixtures/variants/).

Each variant is a situation a real PC or Mac can be in that gave a wrong verdict before the check
was fixed (issue 14: an administrator Microsoft account, a program firewall rule, blank
Get-HotFix dates, a letterless volume, an audit elevated with another account, a Mac offered the
next macOS, no Full Disk Access, Remote Management on). The expected statuses are in each
variant's variant.toml.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, HOSTS, RecordedHost, run_check

VARIANTS = FIXTURES / "variants"


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for folder in sorted(p for p in VARIANTS.iterdir() if p.is_dir()):
        meta = tomllib.loads((folder / "variant.toml").read_text(encoding="utf-8"))
        for check_id, status in meta["expect"].items():
            rows.append((folder.name, check_id, status))
    return rows


ROWS = _rows()


def build_variant(name: str, tmp_path: Path) -> RecordedHost:
    """The base host with the variant's recordings laid over it, in a temporary folder."""
    folder = VARIANTS / name
    meta = tomllib.loads((folder / "variant.toml").read_text(encoding="utf-8"))
    target = tmp_path / name
    shutil.copytree(HOSTS / meta["base"], target)
    for rec in folder.glob("*.rec"):
        shutil.copyfile(rec, target / rec.name)
    return RecordedHost(target)


@pytest.mark.parametrize(("variant", "check_id", "expected"), ROWS, ids=[f"{r[1]}@{r[0]}" for r in ROWS])
def test_check_on_variant(variant, check_id, expected, tmp_path):
    outcome = run_check(check_id, build_variant(variant, tmp_path))
    assert str(outcome.status) == expected, (outcome.message, outcome.params, outcome.evidence)
    assert outcome.evidence, f"{check_id} on {variant} gives no evidence of what it saw"


def test_every_variant_names_a_recorded_host_and_changes_something():
    for folder in (p for p in VARIANTS.iterdir() if p.is_dir()):
        meta = tomllib.loads((folder / "variant.toml").read_text(encoding="utf-8"))
        assert (HOSTS / meta["base"] / "host.toml").is_file(), folder
        assert meta.get("description"), folder
        assert list(folder.glob("*.rec")), folder


def _console_host(tmp_path: Path, admin: bool, body: str | None) -> RecordedHost:
    import json

    from gp_guard.audit.checks.console_user import CONSOLE_USER_SCRIPT

    tmp_path.mkdir()
    (tmp_path / "host.toml").write_text(
        f'platform = "windows"\nadmin = {str(admin).lower()}\nuser = "u"\nrecorded_at = "2026-01-01T00:00:00+00:00"\n',
        encoding="utf-8")
    if body is not None:
        argv = json.dumps(["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", CONSOLE_USER_SCRIPT])
        (tmp_path / "console.rec").write_text(f"kind: command\nargv: {argv}\nrc: 0\nsource: test\n---\n{body}",
                                              encoding="utf-8")
    return RecordedHost(tmp_path)


def test_the_daily_users_hive_is_hkcu_unless_elevated_with_a_known_console_user(tmp_path):
    from gp_guard.audit.checks.console_user import user_key

    key = r"HKCU\Control Panel\Desktop"
    # Not elevated: the audit runs in the daily session; no PowerShell call is made (none recorded).
    assert user_key(_console_host(tmp_path / "a", False, None), key) == key
    # Elevated, nobody at the console: nobody else's hive to read.
    assert user_key(_console_host(tmp_path / "b", True, '{"UserName":null,"SID":null}'), key) == key
    elevated = _console_host(tmp_path / "c", True, '{"UserName":"PC\\\\doc","SID":"S-1-5-21-1-2-3-1001"}')
    assert user_key(elevated, key) == r"HKU\S-1-5-21-1-2-3-1001\Control Panel\Desktop"
    assert user_key(elevated, r"HKLM\SOFTWARE\X") == r"HKLM\SOFTWARE\X"


def _count_recordings():  # type: ignore[no-untyped-def]
    """tools/count_recordings.py, loaded as a module (tools/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("count_recordings", FIXTURES.parent.parent / "tools" / "count_recordings.py")
    assert spec and spec.loader
    counter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counter)
    return counter


def test_every_recording_states_its_origin_for_the_readme_count():
    """tools/count_recordings.py counts real / edited / laid-out / config recordings per platform
    from each file's ``origin:`` header (the README's verification table); none is left to guess."""
    counter = _count_recordings()
    unstated = [f"{p.parent.name}/{p.name}" for p in sorted(HOSTS.rglob("*.rec"))
                if not counter.classify(counter.headers(p))[1]]
    assert not unstated, f"recordings without an origin: header: {unstated}"


def test_the_readme_counts_the_recordings_as_the_tool_does():
    """The README's verification table gives what tools/count_recordings.py counts now."""
    from collections import Counter

    counter = _count_recordings()
    counts: dict[str, Counter[str]] = {}
    hosts: Counter[str] = Counter()
    for host in (p for p in HOSTS.iterdir() if p.is_dir()):
        platform = counter.platform_of(host)
        hosts[platform] += 1
        for rec in host.glob("*.rec"):
            counts.setdefault(platform, Counter())[counter.classify(counter.headers(rec))[0]] += 1
    readme = (FIXTURES.parent.parent / "README.md").read_text(encoding="utf-8")
    for label, platform in (("Windows", "windows"), ("macOS", "macos")):
        c = counts[platform]
        row = (f"| {label} | {hosts[platform]} | {sum(c.values())} | {c['real']} | {c['edited']} | "
               f"{c['laid-out']} | {c['config']} |")
        assert row in readme, f"README.md should say {row} (python tools/count_recordings.py)"
