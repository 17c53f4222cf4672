"""Supervision outputs (gp_guard/monitoring): what they say, that they say nothing identifying,
that they never change with the language, and that every audit writes them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re

import keyring
import pytest
from keyring.backends import fail

from gp_guard import settings
from gp_guard.audit.runner import CancelToken
from gp_guard.audit.service import run_audit
from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import Register
from gp_guard.i18n import set_language
from gp_guard.monitoring import jsonlines, prometheus, service, wazuh
from gp_guard.monitoring.state import BreachClock, VaultState, gather
from gp_guard.store import open_default
from gp_guard.vault import folder, keys
from tests.helpers import recorded

HOST = "win10_fr_weak"  # a recorded Windows PC with critical failures


@pytest.fixture
def out(tmp_path):
    """An empty folder for the outputs (tmp_path also holds gp_guard's own data)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def audit(store=None, **kwargs):
    return run_audit(recorded(HOST), store, **kwargs)


def parse_prom(text: str) -> list[tuple[str, dict[str, str], float]]:
    """The series of a textfile (enough of the exposition format for gp_guard's output)."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r'([a-z_]+)(?:\{(.*)\})? (\S+)', line)
        assert match, line
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        out.append((match.group(1), labels, float(match.group(3))))
    return out


def test_one_series_per_check_with_status_and_severity():
    report = audit()
    series = parse_prom(prometheus.render(gather(report, None)))
    checks = {labels["id"]: (labels, value) for name, labels, value in series if name == "gp_guard_check_status"}
    assert set(checks) == {f.id for f in report.findings}
    for finding in report.findings:
        labels, value = checks[finding.id]
        assert labels["status"] == str(finding.status) and labels["severity"] == str(finding.severity)
        assert value == prometheus.STATUS_CODE[str(finding.status)]
    score = [(labels, value) for name, labels, value in series if name == "gp_guard_score"]
    assert score == [({"grade": report.score.grade, "capped_by": report.score.capped_by or "none"}, report.score.value)]
    findings = {(labels["status"], labels["severity"]): value for name, labels, value in series if name == "gp_guard_findings"}
    assert len(findings) == 25 and sum(findings.values()) == len(report.findings)
    assert findings[("fail", "critical")] == sum(1 for f in report.blocking if str(f.severity) == "critical")
    stamp = next(value for name, _l, value in series if name == "gp_guard_last_audit_timestamp_seconds")
    assert stamp == pytest.approx(report.started_at.timestamp(), abs=0.01)


def test_outputs_do_not_change_with_the_language(monkeypatch):
    report = audit()
    now = dt.datetime.now(dt.UTC)
    english = gather(report, None, now=now)
    set_language("fr")
    french = gather(report, None, now=now)
    assert prometheus.render(french) == prometheus.render(english)
    assert wazuh.status_text(french) == wazuh.status_text(english)
    assert jsonlines.encode(jsonlines.events(french)) == jsonlines.encode(jsonlines.events(english))


def test_practice_label_only_when_the_provider_sets_it(monkeypatch, out):
    store = open_default()
    settings.set(store, settings.MONITORING_FOLDER.key, str(out))
    audit(store)
    text = (out / prometheus.FILE_NAME).read_text()
    assert 'practice="' not in text and '"labels"' not in (out / jsonlines.FILE_NAME).read_text()
    monkeypatch.setenv(service.LABEL_ENV, 'Cabinet "Les Tilleuls"\nBât. B')
    audit(store)
    series = parse_prom((out / prometheus.FILE_NAME).read_text())
    assert {labels.get("practice") for _n, labels, _v in series} == {'Cabinet \\"Les Tilleuls\\"Bât. B'}
    last = json.loads((out / jsonlines.FILE_NAME).read_text().splitlines()[-1])
    assert last["labels"] == {"practice": 'Cabinet "Les Tilleuls"Bât. B'}
    assert 'practice=Cabinet "Les Tilleuls"Bât. B\n' in (out / wazuh.FILE_NAME).read_text()


def test_vault_and_breach_state_read_without_any_key(memory_keyring, tmp_path):
    store = open_default()
    keys.create_keys()
    records = tmp_path / "Dossiers patients"
    records.mkdir()
    for name in ("dupont-jean.pdf", "martin-anne.pdf"):
        (records / name).write_bytes(b"%PDF synthetic" * 100)
    folder.lock(records, keys.recipients(), store=store)
    (records / "durand-paul.pdf").write_bytes(b"%PDF new, not yet encrypted")
    keys.mark_kit_confirmed()
    breach = BreachRecord(title="Ordinateur volé au cabinet")
    breach.set_answer("aware_at", (dt.datetime.now(dt.UTC) - dt.timedelta(hours=50)).isoformat())
    saved = Register.open(store).save(breach)
    report = audit()

    keyring.set_keyring(fail.Keyring())  # from here on no secret can be had: the state needs none
    state = gather(report, store)
    assert state.vault == VaultState(configured=True, folders=1, folders_protected=0, folders_with_problems=0,
                                     files_encrypted=2, files_in_clear=1, kit_confirmed=True)
    assert state.vault.status == "fail"
    assert [b.ref for b in state.breaches] == [saved.ref]
    assert 21.5 < state.breaches[0].hours_left(state.at) < 22.1
    assert state.breach_status == "fail"  # under 24 h

    outputs = [prometheus.render(state), wazuh.status_text(state), jsonlines.encode(jsonlines.events(state))]
    series = parse_prom(outputs[0])
    values = {name: value for name, _labels, value in series}
    assert values["gp_guard_vault_files_in_clear"] == 1 and values["gp_guard_vault_files_encrypted"] == 2
    assert values["gp_guard_vault_folders"] == 1 and values["gp_guard_vault_recovery_kit_confirmed"] == 1
    assert values["gp_guard_breaches_open"] == 1
    assert 21.5 * 3600 < values["gp_guard_breach_clock_seconds_left"] < 22.1 * 3600
    assert values["gp_guard_breach_deadline_timestamp_seconds"] == pytest.approx(saved.deadline().timestamp(), abs=1)
    for text in outputs:  # nothing identifying: no folder, no file name, no breach text
        for secret in ("Dossiers patients", "dupont", "durand", "martin", str(tmp_path), "Ordinateur volé"):
            assert secret not in text


def test_breach_clock_states():
    report = audit()
    now = dt.datetime.now(dt.UTC)
    state = gather(report, None, now=now)
    assert state.breach_status == "pass"
    soon = dataclasses.replace(state, breaches=(BreachClock("V-1", now + dt.timedelta(hours=30)),))
    assert soon.breach_status == "warn"
    late = dataclasses.replace(state, breaches=(BreachClock("V-1", now - dt.timedelta(hours=1)),))
    assert late.breach_status == "fail"
    assert "gp_guard_breach_clock_seconds_left{ref=\"V-1\"} -3600\n" in prometheus.render(late)


def test_write_atomic_replaces_in_one_step(out):
    path = out / "gp_guard.prom"
    path.write_text("old\n")
    prometheus.write_atomic(path, "new\n")
    assert path.read_text() == "new\n" and (path.stat().st_mode & 0o777) == 0o644
    assert os.listdir(out) == ["gp_guard.prom"]

    def broken():
        yield "half a fi"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        prometheus.write_atomic(path, broken())
    assert path.read_text() == "new\n" and os.listdir(out) == ["gp_guard.prom"]


def test_every_audit_writes_the_settings_folder(out):
    store = open_default()
    audit(store)
    assert os.listdir(out) == []  # no folder set: nothing written anywhere
    settings.set(store, settings.MONITORING_FOLDER.key, str(out))
    report = audit(store)
    assert sorted(os.listdir(out)) == sorted(service.folder_outputs(out)[k].name for k in ("prom", "status", "json_lines"))
    status = (out / wazuh.FILE_NAME).read_text()
    assert all(f"\n{f.id}={f.status}\n" in status for f in report.findings)
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    audit(store, only=["FW-01"])  # a partial audit does not replace the provider's view
    audit(store, save=False)  # nor one not saved
    token = CancelToken()
    token.cancel()
    audit(store, cancel=token)  # nor a cancelled one
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before


def test_explicit_targets_and_a_write_failure_that_spares_the_audit(tmp_path):
    store = open_default()
    errors: list[str] = []
    blocker = tmp_path / "a file"
    blocker.write_text("")
    targets = service.Targets(prom=blocker / "x.prom", json_lines=tmp_path / "x.jsonl", on_error=errors.append)
    report = audit(store, monitor=targets)
    assert report.run_id is not None
    assert len(errors) == 1 and "x.prom" in errors[0] and "The audit itself is saved" in errors[0]
    assert len((tmp_path / "x.jsonl").read_text().splitlines()) == len(report.findings) + 2


def test_state_change_events_only_when_the_state_changes(tmp_path, memory_keyring):
    store = open_default()
    path = tmp_path / "events.jsonl"

    def kinds():
        return [json.loads(line)["gp_guard"]["type"] for line in path.read_text().splitlines()]

    report = audit()
    service.write_json_lines(gather(report, store), path, store)
    assert kinds().count("vault") == 1 and kinds().count("breach") == 1  # first time: both states
    service.write_json_lines(gather(report, store), path, store)
    assert kinds().count("vault") == 1 and kinds().count("breach") == 1  # nothing changed
    breach = BreachRecord(title="Clé USB perdue")
    breach.set_answer("aware_at", dt.datetime.now(dt.UTC).isoformat())
    Register.open(store).save(breach)
    service.write_json_lines(gather(report, store), path, store)
    assert kinds().count("vault") == 1 and kinds().count("breach") == 2
    last = json.loads(path.read_text().splitlines()[-1])["gp_guard"]
    assert last["id"] == "BREACH" and last["status"] == "warn" and last["breach"]["open"] == 1
    assert "Clé USB" not in path.read_text()


def test_a_thousand_audits_of_json_lines(out):
    report = audit()
    base = gather(report, None)
    path = out / jsonlines.FILE_NAME
    statuses = ("pass", "fail", "warn", "skipped", "error")
    written = 0
    previous = None
    for number in range(1000):
        moment = base.audited_at + dt.timedelta(hours=number)
        checks = tuple(dataclasses.replace(c, status=statuses[(number + i) % 5]) for i, c in enumerate(base.checks))
        vault = VaultState(configured=True, folders=1, files_in_clear=number % 3)
        state = dataclasses.replace(base, audited_at=moment, at=moment, checks=checks, vault=vault)
        written += jsonlines.append(path, jsonlines.events(state, previous), max_bytes=8 * 1024 * 1024, backups=10)
        previous = jsonlines.snapshot(state)
    files = sorted(out.iterdir())
    assert len(files) > 1  # it rotated
    lines = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == written >= 1000 * len(base.checks)
    ids = set()
    for line in lines:
        event = json.loads(line)
        data = event["gp_guard"]
        assert data["id"] and data["status"] in statuses and data["severity"] in prometheus.SEVERITIES
        assert dt.datetime.fromisoformat(event["@timestamp"]).tzinfo is not None
        assert event["event"]["kind"] == "state"
        ids.add(event["event"]["id"])
    assert len(ids) == len(lines)  # a stable, unique _id for Elastic / OpenSearch bulk


def test_rotation_keeps_whole_lines_and_the_newest(out):
    path = out / "e.jsonl"
    for number in range(200):
        jsonlines.append(path, [{"n": number, "pad": "x" * 100}], max_bytes=2000, backups=2)
    assert sorted(p.name for p in out.iterdir()) == ["e.jsonl", "e.jsonl.1", "e.jsonl.2"]
    assert all(p.stat().st_size <= 2000 for p in out.iterdir())
    newest = [json.loads(line)["n"] for line in path.read_text().splitlines()]
    older = [json.loads(line)["n"] for line in (out / "e.jsonl.1").read_text().splitlines()]
    assert newest[-1] == 199 and older[-1] == newest[0] - 1


def test_events_are_kept_when_the_file_cannot_be_rotated(out, monkeypatch):
    path = out / "e.jsonl"
    jsonlines.append(path, [{"n": 0, "pad": "x" * 100}], max_bytes=150)

    def refuse(src, dst):
        raise PermissionError(13, "held open by the log shipper")

    monkeypatch.setattr(jsonlines.os, "replace", refuse)
    jsonlines.append(path, [{"n": 1}], max_bytes=150)
    assert [json.loads(line)["n"] for line in path.read_text().splitlines()] == [0, 1]


def test_replace_is_retried_while_a_reader_holds_the_file(out, monkeypatch):
    """On Windows the rename is refused while windows_exporter reads the file: retried, then it gives up."""
    real = os.replace
    refusals = []

    def busy(src, dst):
        if len(refusals) < 2:
            refusals.append(dst)
            raise PermissionError(13, "being read by windows_exporter")
        real(src, dst)

    monkeypatch.setattr(prometheus, "REPLACE_PAUSE", 0.0)
    monkeypatch.setattr(prometheus.os, "replace", busy)
    path = out / "gp_guard.prom"
    prometheus.write_atomic(path, "x 1\n")
    assert path.read_text() == "x 1\n" and len(refusals) == 2

    def always(src, dst):
        raise PermissionError(13, "held")

    monkeypatch.setattr(prometheus.os, "replace", always)
    with pytest.raises(PermissionError):
        prometheus.write_atomic(path, "x 2\n")
    assert path.read_text() == "x 1\n" and os.listdir(out) == ["gp_guard.prom"]
