"""Windows and macOS checks against real outputs recorded under tests/fixtures/hosts/."""

from __future__ import annotations

import json
import shutil

import pytest

from gp_guard.audit.model import Status
from gp_guard.audit.registry import all_checks
from gp_guard.audit.runner import run_one
from gp_guard.host import (
    MACOS,
    WINDOWS,
    HostError,
    Listener,
    NeedsAdmin,
    NotRecorded,
    ProcessInfo,
    ToolMissing,
)
from gp_guard.host.recorded import RecordedHost
from tests.helpers import HOSTS, expectations, message, recorded, run_check

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


# -- the replay is strict: every verdict rests on a recording ------------------------------------

class _Following(RecordedHost):
    """A recorded host that notes which checks each recording answers."""

    def __init__(self, folder) -> None:  # type: ignore[no-untyped-def]
        self.current = ""
        self.used: dict[str, set[str]] = {}
        super().__init__(folder)

    def _use(self, rec) -> None:  # type: ignore[no-untyped-def]
        self.used.setdefault(rec.origin.name, set()).add(self.current)


def _ask(host: RecordedHost, what: str) -> None:
    """Make the request a NotRecorded message names (``NotRecorded.what``)."""
    word, _sep, target = what.partition(" ")
    calls = {
        "command": lambda: host.run(json.loads(target)),
        "file": lambda: host.read_text(target),
        "path": lambda: host.exists(target),
        "folder": lambda: host.list_dir(target),
        "value": lambda: host.reg_value(*target.split(" | ", 1)),
        "key": lambda: host.reg_subkeys(target),
        "tool": lambda: host.has_tool(target),
        "environment": lambda: host.env(target.removeprefix("variable ")),
        "search": lambda: host.find_files(**json.loads(target)),
        "listeners": host.listeners,
        "processes": host.processes,
    }
    try:
        calls[word]()
    except (HostError, NotRecorded):
        pass


def _run_all(host: _Following) -> dict[str, object]:
    outcomes = {}
    for check in all_checks():
        host.current = check.id
        outcomes[check.id] = run_one(check, host, no_network=True)
    return outcomes


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTS.iterdir() if p.is_dir()))
def test_deleting_any_one_recording_turns_its_checks_into_an_error_naming_it(name, tmp_path):
    """A check that read the deleted recording either gives exactly the same outcome (another
    recording gives the same answer: a folder exists because either of two files in it is recorded)
    or becomes an ``error`` whose ``what`` is a request the deleted recording answered. Every
    recording is needed by at least one check, and none is read by no check at all."""
    full = _Following(HOSTS / name)
    before = _run_all(full)
    recordings = sorted(p.name for p in (HOSTS / name).glob("*.rec"))
    assert not [r for r in recordings if r not in full.used], "recordings that no check reads"
    for rec_name in recordings:
        folder = tmp_path / rec_name
        shutil.copytree(HOSTS / name, folder, ignore=lambda _d, names, r=rec_name: [n for n in names if n == r])
        host = RecordedHost(folder)
        errors = 0
        for check in all_checks():
            if check.id not in full.used[rec_name]:
                continue
            outcome = run_one(check, host, no_network=True)
            if outcome == before[check.id]:
                continue
            assert outcome.status == Status.ERROR, (rec_name, check.id, outcome.status, outcome.params)
            what = str(outcome.params["what"])
            asked = _Following(HOSTS / name)
            asked.current = "asked"
            _ask(asked, what)
            assert "asked" in asked.used.get(rec_name, ()), (rec_name, check.id, what)
            errors += 1
        assert errors, f"deleting {rec_name} changes no verdict: another recording says the same"


def test_an_unrecorded_request_is_an_error_never_a_default(tmp_path):
    (tmp_path / "host.toml").write_text('platform = "windows"\nrecorded_at = "2024-01-01T00:00:00"\n')
    host = RecordedHost(tmp_path)
    for call in (lambda: host.reg_value(r"HKLM\SOFTWARE\Policies\Microsoft\Windows\System", "X"),
                 lambda: host.reg_subkeys(r"HKLM\SOFTWARE"), lambda: host.read_text(r"C:\x.ini"),
                 lambda: host.exists(r"C:\x"), lambda: host.list_dir(r"C:\x"), lambda: host.env("TEMP"),
                 lambda: host.has_tool("sshd"), lambda: host.run(["whoami"]), host.listeners, host.processes,
                 lambda: host.find_files([r"C:\Users"], ["*.sql"])):
        with pytest.raises(NotRecorded):
            call()
    outcome = run_check("ACC-07", host)  # UAC: three registry values, none recorded
    assert outcome.status == Status.ERROR
    assert "EnableLUA" in message("ACC-07", outcome, "windows") or "Policies" in str(outcome.params["what"])


def test_absence_and_denial_are_recorded_like_anything_else(tmp_path):
    (tmp_path / "host.toml").write_text('platform = "windows"\nrecorded_at = "2024-01-01T00:00:00"\n')
    (tmp_path / "a.rec").write_text(
        "kind: absent\nsource: test\n---\nvalue HKLM\\SOFTWARE\\X | Y\nkey HKLM\\SOFTWARE\\Z\npath C:\\a.ini\n"
        "tool sshd\nenv TEMP\n", encoding="utf-8")
    (tmp_path / "d.rec").write_text("kind: denied\nsource: test\n---\npath C:\\secret.ini\n", encoding="utf-8")
    host = RecordedHost(tmp_path)
    assert host.reg_value(r"hklm\software\x", "y") is None and host.reg_subkeys(r"HKLM\SOFTWARE\Z") == []
    assert host.reg_value(r"HKLM\SOFTWARE\Z", "anything") is None  # an absent key has no value
    assert host.read_text(r"c:\A.ini") is None and not host.exists(r"C:\a.ini") and host.list_dir(r"C:\a.ini") is None
    assert host.has_tool("sshd") is False and host.env("temp") is None
    with pytest.raises(ToolMissing):
        host.run(["sshd", "-T"])
    with pytest.raises(NeedsAdmin):
        host.read_text(r"C:\secret.ini")
    with pytest.raises(NotRecorded):
        host.reg_value(r"HKLM\SOFTWARE\X", "other")  # only Y was said to be absent


def test_psutil_listeners_and_processes_replay(tmp_path):
    (tmp_path / "host.toml").write_text('platform = "linux"\nrecorded_at = "2024-01-01T00:00:00"\n')
    (tmp_path / "l.rec").write_text(
        'kind: listeners\nformat: psutil\nsource: test\n---\n'
        '{"proto": "tcp", "ip": "0.0.0.0", "port": 4242, "pid": 12, "process": "Orthanc"}\n'
        '{"proto": "udp", "ip": "::", "port": 123, "pid": null, "process": null}\n', encoding="utf-8")
    (tmp_path / "p.rec").write_text(
        'kind: processes\nsource: test\n---\n{"pid": 12, "name": "Orthanc", "cmdline": ["Orthanc", "/etc/orthanc"], '
        '"username": "orthanc"}\n', encoding="utf-8")
    host = RecordedHost(tmp_path)
    assert host.listeners() == [Listener("tcp", "0.0.0.0", 4242, 12, "Orthanc"), Listener("udp", "::", 123)]
    assert host.processes() == [ProcessInfo(12, "Orthanc", ("Orthanc", "/etc/orthanc"), "orthanc")]
    (tmp_path / "l.rec").write_text("kind: listeners\nformat: psutil\nstate: denied\nsource: test\n---\n")
    with pytest.raises(NeedsAdmin):
        RecordedHost(tmp_path).listeners()
