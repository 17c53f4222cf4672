"""A finding's title matches its status: a failure never wears the title of the good state.

Walks every recorded host (Windows, macOS) in French and English, and checks that the CLI text,
the JSON, the GUI's findings tree (through ``Finding.title``) and the report use the same title.
"""

from __future__ import annotations

import json

import pytest

from gp_guard import cli, i18n
from gp_guard.audit import questions
from gp_guard.audit.model import Status
from gp_guard.audit.registry import all_checks
from gp_guard.audit.service import run_audit
from gp_guard.cli.audit import print_text
from gp_guard.report import model as report_model
from gp_guard.store import open_default
from tests.helpers import HOSTS, recorded

HOST_NAMES = sorted(p.name for p in HOSTS.iterdir() if p.is_dir())
METAS = [c.meta for c in all_checks()] + [q.meta for q in questions.QUESTIONS]


@pytest.fixture(params=["fr", "en"])
def lang(request):
    previous = i18n.current_language()
    i18n.set_language(request.param)
    yield request.param
    i18n.set_language(previous)


def test_every_check_and_question_has_a_failure_title_of_its_own(lang):
    for meta in METAS:
        good, bad = i18n._(meta.title), i18n._(meta.problem)
        assert meta.problem, f"{meta.id} has no failure title"
        assert good != bad, f"{meta.id}: the same title for a pass and a failure ({lang})"
        assert meta.title_for(Status.FAIL) == meta.problem
        assert meta.title_for(Status.PASS) == meta.title


def test_french_failure_titles_are_translated():
    catalog = i18n.load_catalog("fr")
    missing = [m.id for m in METAS if not catalog.get(m.problem)]
    assert not missing, missing


@pytest.mark.parametrize("host_name", HOST_NAMES)
def test_recorded_hosts_show_the_title_of_the_status(host_name, lang, capsys):
    report = run_audit(recorded(host_name), None, no_network=True, save=False)
    statuses = {f.id: f.status for f in report.findings}
    assert Status.FAIL in statuses.values() or Status.PASS in statuses.values()
    print_text(report)
    printed = capsys.readouterr().out
    for finding in report.findings:
        shown = finding.to_dict()["title"]
        assert shown == finding.title()
        if finding.status is Status.FAIL:
            assert shown == i18n._(finding.meta.problem), finding.id
            assert shown != i18n._(finding.meta.title), finding.id
            assert f"{finding.id}: {shown}" in printed, finding.id
        elif finding.status is Status.PASS:
            assert shown == i18n._(finding.meta.title), finding.id


def test_fail_and_pass_titles_differ_across_the_recorded_hosts():
    """The checks that fail on one recorded host and pass on another read differently."""
    seen: dict[str, dict[Status, str]] = {}
    for host_name in HOST_NAMES:
        for finding in run_audit(recorded(host_name), None, no_network=True, save=False).findings:
            seen.setdefault(finding.id, {})[finding.status] = finding.title()
    both = {cid: t for cid, t in seen.items() if Status.FAIL in t and Status.PASS in t}
    assert len(both) >= 30, sorted(both)
    same = [cid for cid, t in both.items() if t[Status.FAIL] == t[Status.PASS]]
    assert not same, same


def test_json_and_report_carry_the_same_titles(capsys, tmp_path):
    host = HOSTS / "win10_fr_weak"
    code = cli.main(["audit", "--json", "--lang", "fr", "--no-network", "--replay", str(host)])
    assert code in (0, 1)
    data = json.loads(capsys.readouterr().out)
    by_id = {f["id"]: f for f in data["findings"]}
    failed = [f for f in data["findings"] if f["status"] == "fail"]
    assert failed
    metas = {m.id: m for m in METAS}
    i18n.set_language("fr")
    try:
        for item in failed:
            assert item["title"] == i18n._(metas[item["id"]].problem)
            assert item["goal"] == i18n._(metas[item["id"]].title)
        store = open_default()
        run_audit(recorded("win10_fr_weak"), store, no_network=True)
        data_report = report_model.build(store)
        lines = [line for group in data_report.findings.values() for line in group]
        for line in lines:
            if line.status is Status.FAIL:
                assert line.title == by_id[line.id]["title"], line.id
    finally:
        i18n.set_language("en")


def test_names_that_are_not_utf8_are_shown_escaped_and_the_json_is_utf8():
    """A file name or process argument in Latin-1 bytes (as a French Windows share or an old
    imaging export writes them) reaches the checks as surrogate escapes; the JSON stays UTF-8."""
    from gp_guard.audit.model import Evidence, Finding, Outcome
    from gp_guard.text import printable as displayable

    name = b"/tmp/radio_\xe9t\xe9.dcm".decode("utf-8", "surrogateescape")
    meta = METAS[0]
    finding = Finding(meta, Outcome(Status.FAIL, "{path}", {"path": name}, (Evidence(name, name),)), "linux")
    data = json.dumps(finding.to_dict(), ensure_ascii=False).encode("utf-8")
    assert b"radio_\\\\xe9t\\\\xe9.dcm" in data
    assert finding.message() == "/tmp/radio_\\xe9t\\xe9.dcm"
    assert displayable("Secrétariat") == "Secrétariat"
    assert displayable("\ud800x") == "\\ud800x"
