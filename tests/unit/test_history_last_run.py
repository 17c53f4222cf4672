"""The last audit is shown again after a restart: its findings are rebuilt from the history with
the same titles, messages (plural forms and self-translating parameters included) and evidence."""

from __future__ import annotations

import pytest

from gp_guard.audit import history, service
from gp_guard.i18n import set_language
from gp_guard.store import Store
from tests.helpers import HOSTS, recorded

HOST_NAMES = sorted(p.name for p in HOSTS.iterdir() if p.is_dir())


def _shown(findings):
    return {f.id: (f.kind, f.status, f.title(), f.message(), f.fix_steps(),
                   [e.render() for e in f.outcome.evidence]) for f in findings}


@pytest.mark.parametrize("host", HOST_NAMES)
def test_the_last_run_reads_as_it_was_shown_in_both_languages(tmp_path, host):
    store = Store(tmp_path / "gp_guard.db")
    store.set_answer("Q-BKP-01", "yes")
    report = service.run_audit(recorded(host), store, no_network=True)
    last = history.last_run(store)
    assert last is not None
    assert last.summary.id == report.run_id and last.platform == report.platform
    try:
        for lang in ("fr", "en"):
            set_language(lang)
            assert _shown(last.findings) == _shown(report.findings), lang
    finally:
        set_language("en")
    store.close()


def test_no_run_yet(tmp_path):
    store = Store(tmp_path / "gp_guard.db")
    assert history.last_run(store) is None
    store.close()


def test_a_stored_class_outside_gp_guard_is_never_imported(tmp_path):
    assert history._decode({"$str": "os:system", "value": "x"}) == "x"
    assert type(history._decode({"$str": "os:system", "value": "x"})) is str
    assert history._decode({"$data": "subprocess:Popen", "fields": {}}) == ""
