"""The CLI, the window's checklist and the report show the same state for the same data.

They once disagreed: with a folder encrypted and the kit confirmed, the window and the report
ticked the two vault items while ``gp-guard checklist list`` printed them "to do" and rewrote
today's progress snapshot with the lower count.
"""

from __future__ import annotations

from gp_guard import cli
from gp_guard.checklist import progress
from gp_guard.checklist.progress import State
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages.checklist import ChecklistPage
from gp_guard.report import model
from gp_guard.store import open_default
from gp_guard.vault import folder, keys
from tests.helpers import recorded

PASSPHRASE = b"cheval correct agrafe batterie"
VAULT_ITEMS = ("PC-VAULT", "BKP-KIT")


def _cli_states(capsys) -> dict[str, str]:
    assert cli.main(["checklist", "list"]) == 0
    out = capsys.readouterr().out
    states = {}
    for line in out.splitlines():
        for item in VAULT_ITEMS:
            if f"] {item} " in line:
                states[item] = line.split("]")[0].strip(" [")
    return states


def test_vault_items_agree_in_cli_window_and_report(qtbot, no_keyring, tmp_path, capsys):
    store = open_default()
    keys.create_keys(PASSPHRASE)
    images = tmp_path / "Radios"
    images.mkdir()
    (images / "thorax.dcm").write_bytes(b"DICM" * 1000)
    folder.lock(images, keys.recipients(), store=store)
    keys.mark_kit_confirmed()

    core = {s.item.id: s.state for s in progress.statuses(store, record=False)}
    assert core["PC-VAULT"] is State.DONE and core["BKP-KIT"] is State.DONE

    printed = _cli_states(capsys)
    assert printed == {item: State.DONE.label for item in VAULT_ITEMS}
    after_cli = progress.timeline(store)[-1].done

    audit = AuditController(store, recorded("win10_fr_weak"))
    page = ChecklistPage(PageContext(store, audit, lambda key: None, lambda lang: None, lambda url: None))
    qtbot.addWidget(page)
    page.refresh()
    assert {i: page.statuses[i].state for i in VAULT_ITEMS} == {i: State.DONE for i in VAULT_ITEMS}
    assert progress.timeline(store)[-1].done == after_cli  # the window does not rewrite it either

    report_states = {line.id: line.state for _theme, lines in model.build(store).checklist for line in lines}
    assert {i: report_states[i] for i in VAULT_ITEMS} == {i: State.DONE for i in VAULT_ITEMS}
    assert sum(1 for s in core.values() if s is State.DONE) == after_cli
