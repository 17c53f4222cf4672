"""Windows and macOS checks against real outputs recorded under tests/fixtures/hosts/."""

from __future__ import annotations

import pytest

from gp_guard.audit.registry import all_checks
from gp_guard.host import MACOS, WINDOWS
from tests.helpers import HOSTS, expectations, recorded, run_check

ROWS = expectations()


@pytest.mark.parametrize(("area", "check_id", "host", "expected"), ROWS,
                         ids=[f"{r[1]}@{r[2]}" for r in ROWS])
def test_check_on_recorded_host(area, check_id, host, expected):
    outcome = run_check(check_id, recorded(host))
    assert str(outcome.status) == expected, (outcome.message, outcome.params, outcome.evidence)
    if expected in ("pass", "fail", "warn"):
        assert outcome.evidence, f"{check_id} on {host} gives no evidence of what it saw"


@pytest.mark.parametrize("platform", [WINDOWS, MACOS])
def test_every_windows_and_macos_check_has_a_passing_and_a_failing_fixture(platform):
    hosts = {p.name for p in HOSTS.iterdir() if p.is_dir()}
    platform_of = {h: recorded(h).platform for h in hosts}
    seen: dict[str, set[str]] = {}
    for _area, check_id, host, expected in ROWS:
        assert host in hosts, f"expectation names unknown host {host}"
        if platform_of[host] == platform:
            seen.setdefault(check_id, set()).add(expected)
    # Live network probes (the internet box over UPnP) read no OS tool output: the same code
    # runs on every system, and it is tested against a real box in tests/integration.
    missing = [
        c.id for c in all_checks()
        if platform in c.meta.platforms and not c.meta.network
        and not {"pass", "fail"} <= seen.get(c.id, set())
    ]
    assert not missing, f"{platform} checks without a passing and a failing recorded fixture: {missing}"


def test_every_recording_cites_its_source():
    from gp_guard.host.recorded import read_recording

    for rec_path in HOSTS.rglob("*.rec"):
        rec = read_recording(rec_path)
        assert rec.headers["source"].strip(), rec_path
