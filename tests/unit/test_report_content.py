"""The report: what it shows, what it never shows (secrets, patient data), PDF and HTML, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import types

import pytest

import gp_guard.breach
import gp_guard.vault
from gp_guard import cli, i18n
from gp_guard.audit import history
from gp_guard.audit.model import Evidence, Finding, Outcome, Status
from gp_guard.audit.registry import all_checks
from gp_guard.checklist import progress
from gp_guard.report import html, identity, model, pdf, sources
from gp_guard.store import open_default
from tests.conftest import require_tool

PATIENT = "Jeanne DUPONTEL-KERBRAT"
SECRET = "S3cr3t-Tr0ub4dor-42"
KEY = "AGE-SECRET-KEY-1QQQFAKEFAKEFAKE"


@pytest.fixture
def store():
    return open_default()


def _seed_audit(store) -> None:
    metas = {c.id: c.meta for c in all_checks()}
    leak = Outcome(Status.FAIL, f"Found /home/dr/export_{PATIENT}.sql with password={SECRET}",
                   evidence=(Evidence("/home/dr", f"export_{PATIENT}.sql"), Evidence("orthanc.json", SECRET)))
    old = [Finding(metas["CRY-01"], Outcome(Status.FAIL), "linux")]
    history.save_run(store, dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC), 1.0, 31, "E", "linux", old)
    findings = [
        Finding(metas["DATA-01"], leak, "linux"),
        Finding(metas["IMG-01"], leak, "linux"),
        Finding(metas["CRY-01"], Outcome(Status.PASS), "linux"),
        Finding(metas["FW-01"], Outcome(Status.WARN), "linux"),
        Finding(metas["HW-01"], Outcome(Status.SKIPPED, "needs administrator rights"), "linux"),
    ]
    history.save_run(store, dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC), 1.0, 44, "D", "linux", findings)


@pytest.fixture
def providers(monkeypatch):
    """A vault and a breach register whose records carry a patient name and secrets."""
    monkeypatch.setattr(gp_guard.vault, "report_summary", lambda store: {
        "folders_protected": 2, "last_verified": "2026-06-02T10:00:00",
        "recovery_kit_confirmed": dt.date(2026, 6, 3), "recovery_key": KEY, "folders": [f"/home/dr/{PATIENT}"]})
    monkeypatch.setattr(gp_guard.breach, "report_summary", lambda store: types.SimpleNamespace(entries=[
        {"aware_at": dt.datetime(2026, 4, 2, 9, 30), "severity": "high", "notified_authority": True,
         "people_informed": False, "closed": False, "description": f"laptop of {PATIENT} stolen, pin {SECRET}",
         "people": [PATIENT]},
        {"aware_at": "2025-11-20", "severity": f"{PATIENT}", "notified_authority": "yes", "closed": True},
    ]))


def _pdf_text(path) -> str:
    tool = require_tool("pdftotext", "reads the PDF report back")
    return subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _no_leak(text: str) -> None:
    flat = " ".join(text.split())
    for needle in (PATIENT, "DUPONTEL", SECRET, KEY, "export_", "password="):
        assert needle not in flat, needle


def test_report_has_no_secret_and_no_patient_data(store, providers, tmp_path):
    _seed_audit(store)
    progress.attest(store, "BKP-RESTORE", on=dt.date(2026, 6, 1), note="test with the IT provider")
    identity.save(store, identity.PracticeIdentity("Cabinet du Dr Martin", "12 rue Garibaldi\n69003 Lyon"))
    data = model.build(store)
    pdf_path = pdf.write(data, tmp_path / "r.pdf")
    html_path = html.write(data, tmp_path / "r.html")
    page = html_path.read_text(encoding="utf-8")
    text = _pdf_text(pdf_path)
    for content in (page, text):
        _no_leak(content)
        flat = " ".join(content.split())
        assert "Cabinet du Dr Martin" in flat
        assert "Nothing of the vault" not in flat
        assert "test with the IT provider" in flat  # the doctor's own note
    assert "3 June 2026" in page and "2 April 2026" in page  # kit confirmed, breach date (never ISO)
    assert "Breaches recorded: 2; still open: 1; notified to the CNIL: 1." in page


def test_report_sections_and_order(store, providers):
    _seed_audit(store)
    progress.statuses(store, today=dt.date(2026, 1, 1))
    data = model.build(store)
    assert data.latest is not None and data.latest.score == 44 and data.trend == 13
    assert [f.id for f in data.findings[next(iter(data.findings))]] == ["IMG-01"]  # critical first
    assert {f.id for f in data.passed} == {"CRY-01"}
    assert {f.id for f in data.unchecked} == {"HW-01"}
    assert data.findings and all(f.steps for lines in data.findings.values() for f in lines)
    page = html.render(data)
    assert page.index("IMG-01") < page.index("FW-01") < page.index("DATA-01")  # by severity
    assert "+13 points since the previous audit" in page
    assert "Items done over time</dt><dd>1 January 2026: " in page
    assert data.vault == sources.VaultSummary(2, dt.date(2026, 6, 2), dt.date(2026, 6, 3))
    assert data.breaches is not None
    assert [e.severity for e in data.breaches.entries] == ["", "high"]  # unknown word dropped
    assert [e.notified_authority for e in data.breaches.entries] == [False, True]  # only True counts


def test_vault_and_breach_not_set_up_yet(store):
    data = model.build(store)  # no keys, no register
    assert data.vault is None and data.breaches is None
    page = html.render(data)
    assert page.count("Not set up yet.") == 2
    assert "no audit yet" in page


def test_a_failing_provider_does_not_stop_the_report(store, monkeypatch, caplog):
    def broken(store):
        raise RuntimeError(f"cannot open key {KEY}")

    monkeypatch.setattr(gp_guard.vault, "report_summary", broken)
    monkeypatch.setattr(gp_guard.breach, "report_summary", broken)
    assert sources.vault_summary(store) is None and sources.breach_summary(store) is None
    assert KEY not in caplog.text
    data = model.build(store)
    assert data.vault is None and data.breaches is None


def test_french_pdf_keeps_its_accents(store, providers, tmp_path):
    _seed_audit(store)
    i18n.set_language("fr")
    text = _pdf_text(pdf.write(model.build(store), tmp_path / "fr.pdf"))
    flat = " ".join(text.split())
    assert "Rapport de sécurité du cabinet" in flat
    assert "Résultats du dernier audit, par gravité" in flat
    _no_leak(text)


def test_pdf_without_a_unicode_font_is_still_written(store, monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    i18n.set_language("fr")
    text = _pdf_text(pdf.write(model.build(store), tmp_path / "plain.pdf"))
    assert "Rapport de sécurité du cabinet" in " ".join(text.split())


def test_report_core_imports_without_qt(tmp_path):
    code = ("import sys; sys.modules['PySide6'] = None\n"
            "from gp_guard.report import html, model, pdf\n"
            "from gp_guard.store import open_default\n"
            "from gp_guard.i18n import set_language\n"
            "set_language('en')\n"
            "pdf.write(model.build(open_default()), __import__('pathlib').Path(sys.argv[1]))\n")
    target = tmp_path / "noqt.pdf"
    env = {"GP_GUARD_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code, str(target)], check=True, env=env, timeout=120)
    assert target.read_bytes().startswith(b"%PDF-")


def _cli(argv: list[str]) -> int:
    return cli.main(argv)


def test_cli_report(tmp_path, capsys):
    assert _cli(["report"]) == 2
    assert "--pdf FILE" in capsys.readouterr().err
    assert _cli(["report", "--pdf", str(tmp_path / "missing" / "r.pdf")]) == 2
    assert _cli(["report", "--pdf", str(tmp_path)]) == 2
    assert _cli(["practice", "--rpps", "12"]) == 2
    assert "11 digits" in capsys.readouterr().err
    assert _cli(["practice", "--name", "Cabinet Lumière", "--siren", "732 829 320"]) == 0
    assert _cli(["report", "--lang", "fr", "--pdf", str(tmp_path / "r.pdf"), "--html", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Cabinet Lumière" in page and "732829320" in page
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")
    assert not list(tmp_path.glob("*.tmp"))


def test_cli_checklist(store, capsys):
    assert _cli(["checklist", "attest", "BKP-KIT", "--note", "in the safe", "--date", "2026-01-05"]) == 0
    assert "2026-01-05" in capsys.readouterr().out
    assert _cli(["checklist", "attest", "BKP-KIT", "--date", "05/01/2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert _cli(["checklist", "attest", "PC-DISK"]) == 2
    assert _cli(["checklist", "attest", "ZZZ"]) == 2
    assert _cli(["checklist"]) == 0
    out = capsys.readouterr().out
    assert "BKP-KIT" in out and "in the safe" in out and "of 4" in out
    assert _cli(["checklist", "next"]) == 0
    out = capsys.readouterr().out
    assert out.count("Effort:") == 3 and "First hour" in out
    assert _cli(["checklist", "withdraw", "BKP-KIT"]) == 0
    assert json.dumps([r.withdrawn for r in progress.attestations(store, "BKP-KIT")]) == "[false, true]"


def test_real_breach_register_reaches_the_report_without_its_sensitive_fields(store, monkeypatch, tmp_path):
    """End to end with the real breach register of gp_guard/breach."""
    register = pytest.importorskip("gp_guard.breach.register")
    model_module = pytest.importorskip("gp_guard.breach.model")
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        record = model_module.BreachRecord(title=f"Vol du portable, dossier de {PATIENT}")
        record.set_answer("aware_at", "2026-03-02T09:00:00+01:00")
        record.nature.what_happened = f"Dossier de {PATIENT} avec le code {SECRET}"
        register.Register.open(store, lambda first: "cheval agrafe batterie").save(record)
    finally:
        keyring.set_keyring(previous)
    data = model.build(store)
    assert data.breaches is not None and data.breaches.total == 1
    assert data.breaches.entries[0].aware_on == dt.date(2026, 3, 2)
    page = html.render(data)
    _no_leak(page)
    _no_leak(_pdf_text(pdf.write(data, tmp_path / "breach.pdf")))


def _report_with_register(store, records, tmp_path):
    import keyring
    from keyring.backends import fail

    from gp_guard.breach.register import Register

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        register = Register.open(store, lambda first: "cheval agrafe batterie")
        saved = [register.save(r) for r in records]
    finally:
        keyring.set_keyring(previous)
    return register, saved


def test_report_never_says_notified_before_the_notification_is_recorded(store, tmp_path):
    from tests.unit.test_breach_register import sample

    i18n.set_language("fr")
    register, (saved,) = _report_with_register(store, [sample()], tmp_path)  # decided, not recorded
    flat = " ".join(_pdf_text(pdf.write(model.build(store), tmp_path / "a.pdf")).split())
    assert "notifiées à la CNIL : 0" in flat
    assert "Notification décidée, pas encore enregistrée : 1." in flat
    assert "décision : notifier la" in flat  # the table cell (wrapped by the layout)
    register.record_notification(saved.id, "2026-03-03T10:15:00+01:00", "CNIL-2026-0042")
    data = model.build(store)
    assert data.breaches.notified == 1 and data.breaches.to_notify == 0
    flat = " ".join(_pdf_text(pdf.write(data, tmp_path / "b.pdf")).split())
    assert "notifiées à la CNIL : 1" in flat and "décision : notifier" not in flat


def test_characters_outside_the_fonts_never_vanish(store, monkeypatch, tmp_path):
    """D16: 'Dr 漢字 😀' used to print as 'Dr 😀'. With no CJK font installed, a visible mark and a
    notice; with a font that has the character, the character itself."""
    identity.save(store, identity.PracticeIdentity(name="Dr 漢字 😀 Martin"))
    monkeypatch.setattr(pdf, "FALLBACK_CANDIDATES", ())  # as on this machine: no CJK font
    flat = " ".join(_pdf_text(pdf.write(model.build(store), tmp_path / "cjk.pdf")).split())
    assert "Dr □□ 😀 Martin" in flat
    assert "Some characters cannot be printed with the fonts of this computer: each is shown as □." in flat
    # a fallback font is used when installed: glyphicons has U+E001, which DejaVu lacks
    glyphs = "/usr/share/fonts/truetype/glyphicons/glyphicons-halflings-regular.ttf"
    if not pdf.unicode_font() or not __import__("os").path.isfile(glyphs):
        pytest.skip("needs DejaVu and the glyphicons font (fonts-glyphicons-halflings) to test the fallback")
    identity.save(store, identity.PracticeIdentity(name="Dr \ue001 Martin"))
    monkeypatch.setattr(pdf, "FALLBACK_CANDIDATES", (glyphs,))
    out = pdf.write(model.build(store), tmp_path / "fallback.pdf")
    fonts = subprocess.run([require_tool("pdffonts", "lists the fonts embedded in the PDF"), str(out)],
                           capture_output=True, text=True, check=True).stdout
    assert "GLYPHICONSHalflings" in fonts.replace(" ", "").replace("-", "")
    assert "□" not in " ".join(_pdf_text(out).split())


def test_dossier_keeps_a_visible_mark_for_characters_it_cannot_print(monkeypatch, tmp_path):
    from gp_guard.breach.dossier import breach_dossier
    from tests.unit.test_breach_register import sample

    monkeypatch.setattr(pdf, "FALLBACK_CANDIDATES", ())
    record = sample()
    record.controller.name = "Dr 漢字 😀"
    flat = " ".join(_pdf_text(breach_dossier(record, tmp_path / "d.pdf")).split())
    assert "Dr □□ 😀" in flat
    assert "Certains caractères ne peuvent pas être imprimés avec les polices de cet ordinateur : chacun apparaît comme □." in flat
    record.controller.name = "Dr Martin"
    flat = " ".join(_pdf_text(breach_dossier(record, tmp_path / "e.pdf")).split())
    assert "Certains caractères" not in flat
