"""The report's vault section, from a real vault: keys, a locked and verified folder, the kit."""

from __future__ import annotations

from gp_guard import vault
from gp_guard.report import html, model, sources
from gp_guard.store import open_default
from gp_guard.vault import folder, keys

PASSPHRASE = b"cheval correct agrafe batterie"


def test_report_shows_the_real_vault_state(no_keyring, tmp_path):
    store = open_default()
    assert vault.report_summary(store) is None  # not set up yet
    created = keys.create_keys(PASSPHRASE)
    images = tmp_path / "Radios"
    images.mkdir()
    (images / "thorax.dcm").write_bytes(b"DICM" * 1000)
    folder.lock(images, keys.recipients(), store=store)
    summary = vault.report_summary(store)
    assert summary == {"folders_protected": 1, "last_verified": None, "recovery_kit_confirmed": None}
    folder.verify(images, [keys.unlock(PASSPHRASE)], store=store)
    keys.mark_kit_confirmed()
    summary = vault.report_summary(store)
    assert summary["folders_protected"] == 1
    assert summary["last_verified"] and summary["recovery_kit_confirmed"]
    page = html.render(model.build(store))
    assert sources.vault_summary(store).folders_protected == 1
    vault_part = page.split("Protected folders (vault)")[1].split("<h2>")[0]
    assert "Not set up yet." not in vault_part
    assert "Folders protected" in vault_part and "confirmed stored on" in vault_part
    assert created.recovery_secret not in page and "thorax" not in page
