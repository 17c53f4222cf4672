"""The Wazuh SCA policy: valid YAML, and its rules, evaluated the way the Wazuh agent does, agree
with the status file gp_guard writes. Also the CLI of the supervision outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml  # PyYAML, a test dependency, reads the generated policy

from gp_guard import cli, settings
from gp_guard.audit import questions
from gp_guard.audit.registry import all_checks
from gp_guard.audit.service import run_audit
from gp_guard.i18n import set_language
from gp_guard.monitoring import jsonlines, prometheus, wazuh
from gp_guard.store import open_default
from tests.helpers import HOSTS, recorded

HOST = "win10_fr_weak"
RULE = re.compile(r"(?P<negate>not )?f:(?P<path>.+?)(?: -> r:(?P<regex>.+))?")


def os_regex_line(regex: str, line: str) -> bool:
    """OS_Regex for the only shape gp_guard writes: ^literal$ (no OS_Regex special character inside)."""
    assert regex.startswith("^") and regex.endswith("$"), regex
    literal = regex[1:-1]
    assert re.fullmatch(r"[A-Za-z0-9_=-]+", literal), f"outside the emulated subset: {regex}"
    return line == literal


def rule_holds(rule: str) -> bool:
    """A Wazuh SCA file rule: f:PATH (exists) or f:PATH -> r:REGEX (some line matches)."""
    match = RULE.fullmatch(rule)
    assert match, rule
    path = Path(match["path"])
    if match["regex"] is None:
        result = path.is_file()
    else:
        result = path.is_file() and any(os_regex_line(match["regex"], line)
                                        for line in path.read_text(encoding="utf-8").splitlines())
    return not result if match["negate"] else result


def check_passes(check: dict) -> bool:
    results = [rule_holds(rule) for rule in check["rules"]]
    return {"all": all(results), "any": any(results), "none": not any(results)}[check["condition"]]


@pytest.fixture(params=[HOST, "win11_en_standard_user"])
def audited(tmp_path, request):
    """A real audit of a recorded Windows PC, written to the monitoring folder by run_audit's hook."""
    out = tmp_path / "out"
    out.mkdir()
    store = open_default()
    settings.set(store, settings.MONITORING_FOLDER.key, str(out))
    report = run_audit(recorded(request.param), store)
    return report, out / wazuh.FILE_NAME


def test_policy_is_valid_yaml_with_one_check_per_gp_guard_check(audited):
    _report, status_file = audited
    policy = yaml.safe_load(wazuh.to_yaml(wazuh.policy(str(status_file), "windows")))
    assert set(policy) == {"policy", "requirements", "checks"}
    assert {"id", "file", "name", "description"} <= set(policy["policy"])
    ids = [c["id"] for c in policy["checks"]]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids)
    expected = {c.id for c in all_checks() if "windows" in c.meta.platforms}
    expected |= {q.id for q in questions.QUESTIONS if "windows" in q.meta.platforms}
    named = {c["compliance"][0]["gp_guard"][0] for c in policy["checks"]}
    assert named == expected | {"critical_failures", "VAULT", "BREACH"}
    for check in policy["checks"]:
        assert {"id", "title", "description", "rationale", "remediation", "condition", "rules"} <= set(check)
        assert check["condition"] in ("all", "any", "none") and check["rules"]


def test_rules_agree_with_the_status_file_gp_guard_writes(audited):
    report, status_file = audited
    policy = yaml.safe_load(wazuh.to_yaml(wazuh.policy(str(status_file), "windows")))
    assert check_passes(policy["requirements"])
    by_gp_guard_id = {c["compliance"][0]["gp_guard"][0]: c for c in policy["checks"]}
    statuses = {f.id: str(f.status) for f in report.findings}
    assert "fail" in statuses.values() and "skipped" in statuses.values()
    for check_id, status in statuses.items():
        assert check_passes(by_gp_guard_id[check_id]) is (status == "pass"), (check_id, status)
    critical = any(f.severity == "critical" and f.status == "fail" for f in report.findings)
    assert check_passes(by_gp_guard_id["critical_failures"]) is not critical
    assert check_passes(by_gp_guard_id["BREACH"])  # no breach open
    assert not check_passes(by_gp_guard_id["VAULT"])  # no vault set up: not "pass"
    status_file.unlink()  # an agent without gp_guard: the policy is not run there
    assert not check_passes(policy["requirements"])


def test_windows_path_and_language():
    path = r"C:\ProgramData\gp_guard\gp_guard-status.txt"
    english = yaml.safe_load(wazuh.to_yaml(wazuh.policy(path, "windows")))
    assert english["requirements"]["rules"] == [f"f:{path}"]
    set_language("fr")
    french = yaml.safe_load(wazuh.to_yaml(wazuh.policy(path, "windows")))
    assert [(c["id"], c["rules"]) for c in french["checks"]] == [(c["id"], c["rules"]) for c in english["checks"]]
    assert french["checks"][0]["title"] == "Aucun point critique à corriger (gp_guard)"


def test_check_ids_are_stable_when_checks_are_added():
    before = wazuh.check_ids(["FW-01", "CRY-01", "AV-01"])
    after = wazuh.check_ids(["FW-01", "CRY-01", "AV-01", "NEW-99"])
    assert all(after[key] == value for key, value in before.items())


def run(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse refusing an option
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_audit_writes_prom_and_json_lines(capsys, tmp_path):
    prom, lines = tmp_path / "p" / "gp_guard.prom", tmp_path / "p" / "events.jsonl"
    prom.parent.mkdir()
    code, _out, err = run(capsys, "audit", "--replay", str(HOSTS / HOST), "--prom", str(prom),
                          "--json-lines", str(lines), "--json")
    assert code == 1 and err == ""
    assert "gp_guard_check_status{" in prom.read_text()
    events = [json.loads(line) for line in lines.read_text().splitlines()]
    assert {e["gp_guard"]["type"] for e in events} == {"finding", "vault", "breach"}


def test_cli_refuses_an_output_in_a_missing_folder_before_auditing(capsys, tmp_path):
    code, out, err = run(capsys, "--lang", "fr", "audit", "--prom", str(tmp_path / "nowhere" / "x.prom"))
    assert code == 2 and out == ""
    assert "n'existe pas" in err and "Traceback" not in err
    code, _out, err = run(capsys, "audit", "--json-lines", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_cli_export_policy(capsys, tmp_path):
    code, _out, err = run(capsys, "--lang", "fr", "export-policy", "wazuh")
    assert code == 2 and "monitoring.folder" in err and "Traceback" not in err
    settings.set(open_default(), settings.MONITORING_FOLDER.key, str(tmp_path))
    code, out, _err = run(capsys, "export-policy", "wazuh", "--platform", "linux")
    assert code == 0
    policy = yaml.safe_load(out)
    assert policy["requirements"]["rules"] == [f"f:{tmp_path / wazuh.FILE_NAME}"]
    target = tmp_path / "gp_guard_linux.yml"
    code, out, _err = run(capsys, "export-policy", "wazuh", "--status-file", "/var/lib/gp_guard/status.txt",
                          "--output", str(target))
    assert code == 0 and str(target) in out
    assert yaml.safe_load(target.read_text())["requirements"]["rules"] == ["f:/var/lib/gp_guard/status.txt"]


def test_file_names_are_the_documented_ones():
    readme = (Path(__file__).parents[2] / "docs" / "monitoring.md").read_text(encoding="utf-8")
    for name in (prometheus.FILE_NAME, wazuh.FILE_NAME, jsonlines.FILE_NAME):
        assert name in readme
    for metric in prometheus.METRICS:
        assert metric in readme, metric


RULES_DIR = Path(__file__).parents[2] / "installer" / "monitoring"


def test_alert_rules_use_gp_guard_metrics_and_are_tested_both_ways():
    """The example rules name only metrics gp_guard writes; each alert has a case where it fires
    and one where it must not (promtool runs them: tests/integration/test_monitoring.py)."""
    rules = yaml.safe_load((RULES_DIR / "gp_guard.rules.yml").read_text())["groups"][0]["rules"]
    names = {r["alert"] for r in rules}
    assert names == {"GpGuardCriticalFailure", "GpGuardAuditStale", "GpGuardBreachClockUnder24h", "GpGuardFilesInClear"}
    for rule in rules:
        used = set(re.findall(r"gp_guard_\w+", rule["expr"]))
        assert used and used <= set(prometheus.METRICS), rule["expr"]
    cases = yaml.safe_load((RULES_DIR / "gp_guard.rules.test.yml").read_text())
    assert cases["rule_files"] == ["gp_guard.rules.yml"]
    evaluations = [e for test in cases["tests"] for e in test["alert_rule_test"]]
    for name in names:
        outcomes = [bool(e["exp_alerts"]) for e in evaluations if e["alertname"] == name]
        assert True in outcomes and False in outcomes, name


def test_yaml_writer_round_trips_awkward_values():
    data = {"empty_map": {}, "empty_list": [], "flag": True, "n": 7,
            "items": [{"text": 'deux-points: "guillemets" \\ # dièse\nligne', "list": ["- tiret", "yes", "0123"]}]}
    assert yaml.safe_load(wazuh.to_yaml(data)) == data
