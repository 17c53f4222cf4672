"""The window's audit writes the provider's monitoring folder too (through run_audit's hook)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6", reason="the window's audit controller needs Qt")

from gp_guard import settings  # noqa: E402
from gp_guard.gui.audit_controller import AuditController  # noqa: E402
from gp_guard.monitoring import prometheus, wazuh  # noqa: E402
from gp_guard.store import open_default  # noqa: E402
from tests.helpers import recorded  # noqa: E402


def test_the_window_audit_writes_the_monitoring_folder(qtbot, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    store = open_default()
    settings.set(store, settings.MONITORING_FOLDER.key, str(out))
    audit = AuditController(store, recorded("win10_fr_weak"))
    with qtbot.waitSignal(audit.finished, timeout=30_000) as blocker:
        assert audit.start()
    assert audit.wait()
    report = blocker.args[0]
    text = (out / prometheus.FILE_NAME).read_text()
    assert f"gp_guard_score{{grade=\"{report.score.grade}\",capped_by=\"none\"}} {report.score.value}\n" in text
    status = (out / wazuh.FILE_NAME).read_text()
    assert all(f"\n{f.id}={f.status}\n" in status for f in report.findings)
