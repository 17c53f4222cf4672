"""The runner: concurrency, per-check timeout, isolation, progress, cancellation, rights."""

from __future__ import annotations

import threading

import pytest

from gp_guard.audit.model import Area, Check, CheckMeta, Severity, Status, passed
from gp_guard.audit.runner import CancelToken, run_checks
from gp_guard.host import LocalHost, ToolMissing


def make(id: str, func, *, timeout: float = 5.0, needs_admin: bool = False, network: bool = False) -> Check:
    meta = CheckMeta(id=id, area=Area.NETWORK, severity=Severity.HIGH, title="t", why="w",
                     fix={"all": ("s",)}, platforms=("linux", "windows", "macos"),
                     needs_admin=needs_admin, network=network, timeout=timeout)
    return Check(meta, func)


class FakeRights(LocalHost):
    """The real local host, but reporting no administrator rights."""

    def is_admin(self) -> bool:
        return False


def test_checks_run_concurrently():
    barrier = threading.Barrier(3, timeout=5)

    def meet(_host):
        barrier.wait()  # would time out (BrokenBarrierError) if the checks ran one by one
        return passed()

    findings = run_checks([make(f"C-{i}", meet) for i in range(3)], LocalHost())
    assert [f.status for f in findings] == [Status.PASS] * 3


def test_a_slow_check_times_out_and_the_others_finish():
    release = threading.Event()

    def stuck(_host):
        release.wait(30)
        return passed()

    try:
        findings = run_checks([make("SLOW", stuck, timeout=0.3), make("FAST", lambda h: passed())], LocalHost())
    finally:
        release.set()
    by_id = {f.id: f for f in findings}
    assert by_id["FAST"].status is Status.PASS
    assert by_id["SLOW"].status is Status.ERROR
    assert "0.3" in by_id["SLOW"].message()


def test_a_crashing_check_is_an_error_not_a_crash():
    def boom(_host):
        raise RuntimeError("secret detail must not leak into the message")

    findings = run_checks([make("BOOM", boom), make("OK", lambda h: passed())], LocalHost())
    assert findings[0].status is Status.ERROR
    assert "RuntimeError" in findings[0].message()
    assert "secret" not in findings[0].message()
    assert findings[1].status is Status.PASS


def test_missing_tool_and_hanging_command_give_clear_errors():
    def missing(host):
        host.run(["gp-guard-no-such-tool", "--version"])
        return passed()

    def hangs(host):
        host.run(["sleep", "30"], timeout=0.3)
        return passed()

    findings = run_checks([make("MISSING", missing), make("HANGS", hangs)], LocalHost())
    assert findings[0].status is Status.ERROR
    assert "gp-guard-no-such-tool" in findings[0].message()
    assert findings[1].status is Status.ERROR
    assert findings[1].message() == "sleep did not answer within 0.3 seconds."


def test_progress_reports_every_check():
    seen = []
    checks = [make(f"P-{i}", lambda h: passed()) for i in range(5)]
    run_checks(checks, LocalHost(), progress=seen.append)
    assert sorted(p.done for p in seen) == [1, 2, 3, 4, 5]
    assert {p.check_id for p in seen} == {c.id for c in checks}
    assert all(p.total == 5 for p in seen)


def test_cancel_stops_the_audit_and_marks_the_rest_skipped():
    cancel = CancelToken()
    release = threading.Event()
    started = threading.Event()

    def blocked(_host):
        started.set()
        release.wait(30)
        return passed()

    def cancel_when_started(_host):
        started.wait(5)
        cancel.cancel()
        return passed()

    checks = [make("BLOCKED", blocked), make("CANCELLER", cancel_when_started)]
    checks += [make(f"LATER-{i}", lambda h: passed()) for i in range(20)]
    try:
        findings = run_checks(checks, LocalHost(), cancel=cancel, workers=2)
    finally:
        release.set()
    by_id = {f.id: f for f in findings}
    assert by_id["BLOCKED"].status is Status.SKIPPED
    assert "cancelled" in by_id["BLOCKED"].message()
    assert any(f.status is Status.SKIPPED for f in findings if f.id.startswith("LATER"))
    assert len(findings) == len(checks)


def test_admin_only_check_is_skipped_with_the_reason():
    called = []
    check = make("ADM", lambda h: called.append(1) or passed(), needs_admin=True)
    finding = run_checks([check], FakeRights())[0]
    assert finding.status is Status.SKIPPED
    assert "administrator" in finding.message()
    assert not called


def test_network_probe_is_skipped_under_no_network():
    finding = run_checks([make("NETP", lambda h: passed(), network=True)], LocalHost(), no_network=True)[0]
    assert finding.status is Status.SKIPPED
    assert "--no-network" in finding.message()


def test_host_error_types_are_exported():
    with pytest.raises(ToolMissing):
        LocalHost().run(["gp-guard-no-such-tool"])
