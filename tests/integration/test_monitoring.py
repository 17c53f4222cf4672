"""gp_guard's Prometheus textfile against the real Debian tools, on loopback and free ports.

- ``prometheus-node-exporter`` reads the folder gp_guard writes after an audit and serves the score
  and every check;
- ``promtool check metrics`` accepts the file; ``promtool test rules`` runs the example alert rules
  of installer/monitoring/ against their recorded series;
- a real ``prometheus`` scrapes two exporters (one alarming practice, one healthy) with the example
  rules loaded, and the API shows exactly the alerts due (waited on through the API, bounded).

None of these tools is started as a service: each test starts its own on 127.0.0.1 and stops it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from gp_guard import settings
from gp_guard.audit.service import run_audit
from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import Register
from gp_guard.monitoring import prometheus, service
from gp_guard.monitoring.state import gather
from gp_guard.store import open_default
from gp_guard.vault import folder, keys
from tests.conftest import require_tool
from tests.helpers import recorded
from tests.integration.test_orthanc import Server, free_port

pytestmark = pytest.mark.integration

RULES_DIR = Path(__file__).parents[2] / "installer" / "monitoring"
DEADLINE = 90.0  # seconds: Prometheus start, two scrapes and two rule evaluations take a few
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


def get(url: str) -> str:
    with _direct.open(url, timeout=5) as response:
        return response.read().decode("utf-8")


def exporter(binary: str, textfile_dir: Path, log_dir: Path) -> Server:
    port = free_port()
    return Server([binary, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
                   "--collector.textfile", f"--collector.textfile.directory={textfile_dir}"],
                  log_dir / f"node_exporter-{port}.log", port)


def scrape(server: Server) -> list[str]:
    return get(f"http://127.0.0.1:{server.port}/metrics").splitlines()


def write_audit(out: Path, host: str) -> object:
    """A real audit of a recorded computer, written to ``out`` by run_audit's own hook."""
    store = open_default()
    settings.set(store, settings.MONITORING_FOLDER.key, str(out))
    return run_audit(recorded(host), store)


def test_node_exporter_serves_the_score_and_every_check(tmp_path):
    binary = require_tool("prometheus-node-exporter", "the textfile is read by the real node_exporter")
    out = tmp_path / "textfile"
    out.mkdir()
    report = write_audit(out, "win10_fr_weak")
    server = exporter(binary, out, tmp_path)
    try:
        lines = scrape(server)
    finally:
        server.stop()
    assert "node_textfile_scrape_error 0" in lines
    assert f'gp_guard_score{{capped_by="none",grade="{report.score.grade}"}} {report.score.value}' in lines
    served = {line.split('id="')[1].split('"')[0]: line for line in lines if line.startswith("gp_guard_check_status{")}
    assert set(served) == {f.id for f in report.findings}
    for finding in report.findings:
        assert f'status="{finding.status}"' in served[finding.id] and f'severity="{finding.severity}"' in served[finding.id]
    assert any(line.startswith('node_textfile_mtime_seconds{file="') and "gp_guard.prom" in line for line in lines)


def test_promtool_accepts_the_textfile(tmp_path, memory_keyring):
    promtool = require_tool("promtool", "promtool (Debian package prometheus) lints the exposition format")
    out = tmp_path / "textfile"
    out.mkdir()
    store = open_default()
    keys.create_keys()
    breach = BreachRecord(title="synthetic")
    breach.set_answer("aware_at", dt.datetime.now(dt.UTC).isoformat())
    Register.open(store).save(breach)  # every metric family present, breach series included
    write_audit(out, "win11_en_standard_user")
    text = (out / prometheus.FILE_NAME).read_text()
    assert "gp_guard_breach_deadline_timestamp_seconds{" in text and "gp_guard_vault_folders " in text
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result


def test_promtool_runs_the_example_alert_rules(tmp_path):
    promtool = require_tool("promtool", "promtool (Debian package prometheus) runs the alert rules' unit tests")
    rules, cases = RULES_DIR / "gp_guard.rules.yml", RULES_DIR / "gp_guard.rules.test.yml"
    checked = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0 and "SUCCESS: 4 rules found" in checked.stdout, checked
    tested = subprocess.run([promtool, "test", "rules", str(cases)], capture_output=True, text=True, timeout=60,
                            cwd=RULES_DIR)
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested
    # The same tests against a rule that never fires must fail: they do assert the firing.
    broken = tmp_path / "gp_guard.rules.yml"
    broken.write_text(rules.read_text().replace("gp_guard_vault_files_in_clear > 0", "gp_guard_vault_files_in_clear > 1000"))
    (tmp_path / cases.name).write_text(cases.read_text())
    failed = subprocess.run([promtool, "test", "rules", cases.name], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    assert failed.returncode != 0 and "GpGuardFilesInClear" in failed.stdout + failed.stderr


def alarming_practice(out: Path, tmp_path: Path) -> None:
    """A practice that should raise every example alert: a critical failure (real audit of a weak
    PC), a file left in clear in a protected folder, a breach 12 hours from its deadline, and an
    audit 9 days old (the last one gp_guard wrote, its time moved back)."""
    store = open_default()
    settings.set(store, settings.MONITORING_FOLDER.key, "")  # this one is written below, time moved
    keys.create_keys()
    protected = tmp_path / "protected"
    protected.mkdir()
    (protected / "a.pdf").write_bytes(b"synthetic")
    folder.lock(protected, keys.recipients(), store=store)
    (protected / "b.pdf").write_bytes(b"synthetic, arrived after")
    breach = BreachRecord(title="synthetic")
    breach.set_answer("aware_at", (dt.datetime.now(dt.UTC) - dt.timedelta(hours=60)).isoformat())
    Register.open(store).save(breach)
    report = run_audit(recorded("win10_fr_weak"), store)
    state = gather(report, store)
    old = dataclasses.replace(state, audited_at=state.audited_at - dt.timedelta(days=9))
    prometheus.write(old, out / prometheus.FILE_NAME)


def wait_for(server: Server, condition, what: str):  # type: ignore[no-untyped-def]
    """Poll ``condition`` until it returns something true; pause by waiting on the server process
    (so a server that dies is noticed at once). Bounded by DEADLINE."""
    end = time.monotonic() + DEADLINE
    last = None
    while time.monotonic() < end:
        try:
            last = condition()
        except OSError as exc:  # not answering yet
            last = exc
        else:
            if last:
                return last
        try:
            server.proc.wait(timeout=0.25)
            raise AssertionError(f"prometheus exited ({server.proc.returncode}): {server.log.read_text()[-2000:]}")
        except subprocess.TimeoutExpired:
            pass
    raise AssertionError(f"{what} not reached within {DEADLINE} s (last: {last}); log: {server.log.read_text()[-2000:]}")


def rfc3339(text: str) -> float:
    """Prometheus's times (nanoseconds, Z) as Unix time."""
    match = re.fullmatch(r"(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    assert match, text
    whole = dt.datetime.fromisoformat(match[1] + ("+00:00" if match[3] == "Z" else match[3]))
    return whole.timestamp() + float("0." + (match[2] or "0"))


def api(server: Server, path: str, **params: str) -> dict:
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    body = json.loads(get(f"http://127.0.0.1:{server.port}/api/v1/{path}{query}"))
    assert body["status"] == "success", body
    return body["data"]


def test_prometheus_scrapes_and_fires_exactly_the_due_alerts(tmp_path, memory_keyring, monkeypatch):
    node = require_tool("prometheus-node-exporter", "the practices' textfiles are served by node_exporter")
    prom = require_tool("prometheus", "the alert rules are evaluated by a real Prometheus server")
    alarming, healthy = tmp_path / "alarming", tmp_path / "healthy"
    alarming.mkdir()
    healthy.mkdir()
    monkeypatch.setenv(service.LABEL_ENV, "cabinet-sain")
    write_audit(healthy, "win11_fr_hardened")  # score 100, no vault, no breach, audited now
    monkeypatch.delenv(service.LABEL_ENV)
    alarming_practice(alarming, tmp_path)

    exporters = [exporter(node, alarming, tmp_path), exporter(node, healthy, tmp_path)]
    server = None
    try:
        a, b = (f"127.0.0.1:{e.port}" for e in exporters)
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: [{json.dumps(str(RULES_DIR / 'gp_guard.rules.yml'))}]\n"
            f"scrape_configs:\n  - job_name: gp_guard\n    static_configs:\n      - targets: [{json.dumps(a)}, {json.dumps(b)}]\n")
        port = free_port()
        server = Server([prom, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                        tmp_path / "prometheus.log", port)

        def both_scraped() -> bool:
            found = api(server, "query", query="gp_guard_score")["result"]
            return {r["metric"]["instance"] for r in found} == {a, b}

        wait_for(server, both_scraped, "both practices scraped")
        scraped_at = time.time()

        def evaluated_since() -> list:
            groups = api(server, "rules")["groups"]
            rules = [r for g in groups for r in g["rules"]]
            fresh = all(rfc3339(r["lastEvaluation"]) > scraped_at for r in rules)
            return rules if fresh and len(rules) == 4 else []

        rules = wait_for(server, evaluated_since, "a rule evaluation after both scrapes")
        assert all(r["health"] == "ok" for r in rules), rules
        firing = {(al["labels"]["alertname"], al["labels"]["instance"], al["labels"].get("id", ""))
                  for al in api(server, "alerts")["alerts"] if al["state"] == "firing"}
        critical = {f.id for f in run_audit(recorded("win10_fr_weak")).findings
                    if f.status == "fail" and f.severity == "critical"}
        expected = {("GpGuardCriticalFailure", a, check_id) for check_id in critical}
        expected |= {("GpGuardAuditStale", a, ""), ("GpGuardBreachClockUnder24h", a, ""), ("GpGuardFilesInClear", a, "")}
        assert firing == expected, (sorted(firing), sorted(expected))  # every alert for the alarming practice, none for the healthy one
        healthy_series = api(server, "query", query='gp_guard_info{practice="cabinet-sain"}')["result"]
        assert [r["metric"]["instance"] for r in healthy_series] == [b]
    finally:
        if server is not None:
            server.stop()
        for e in exporters:
            e.stop()
