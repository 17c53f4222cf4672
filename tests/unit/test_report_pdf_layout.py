"""The PDF report as printed: no list item cut by a page break (a lone "1." at the bottom of a
page), metadata in the document's language, and no ISO date anywhere in the PDF or the HTML."""

from __future__ import annotations

import re
import subprocess

import pytest

from gp_guard.audit import service
from gp_guard.checklist import progress
from gp_guard.i18n import set_language
from gp_guard.report import html, model, pdf, sections
from gp_guard.store import open_default
from tests.conftest import require_tool
from tests.helpers import recorded

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LONE_NUMBER = re.compile(r"^\s*\d+\.\s*$")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pages(path) -> list[str]:
    tool = require_tool("pdftotext", "reads the PDF report back, page by page")
    text = subprocess.run([tool, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _info(path) -> dict[str, str]:
    tool = require_tool("pdfinfo", "reads the PDF report's metadata")
    out = subprocess.run([tool, str(path)], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.strip() for k, _s, v in (line.partition(":") for line in out.splitlines())}


@pytest.fixture
def report(tmp_path):
    """A report of the weak French PC (many findings, many steps), in ``lang``."""

    def make(lang: str, host: str = "win10_fr_weak"):
        set_language(lang)
        store = open_default()
        store.set_answer("Q-BKP-01", "yes")
        service.run_audit(recorded(host), store, no_network=True)
        progress.attest(store, "BKP-RESTORE", on=__import__("datetime").date(2026, 3, 2), note="")
        data = model.build(store)
        return data, pdf.write(data, tmp_path / f"report-{lang}.pdf"), html.render(data)

    yield make
    set_language("en")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_list_item_is_cut_by_a_page_break(report, lang):
    data, path, _page = report(lang)
    pages = _pages(path)
    assert len(pages) >= 5
    for number, page in enumerate(pages, 1):
        body = [line for line in page.splitlines() if line.strip()][:-2]  # without the footer
        # a step's number is never alone at the top or the bottom of a page
        assert not LONE_NUMBER.match(body[0]) and not LONE_NUMBER.match(body[-1]), (number, body[:2], body[-2:])
    flat_pages = [_flat(p) for p in pages]
    pieces = []
    for block in sections.blocks(data):
        if isinstance(block, sections.Entry):
            pieces.append(_flat(block.title))
            pieces += [_flat(f"{n}. {step}") for n, step in enumerate(block.steps, 1)]
        elif isinstance(block, sections.Bullets):
            pieces += [_flat(item) for item in block.items]
    assert len(pieces) > 100
    cut = [piece[:80] for piece in pieces if not any(piece in page for page in flat_pages)]
    assert cut == [], "printed across a page break"


@pytest.mark.parametrize("lang, title, subject, keywords", [
    ("fr", "Rapport de sécurité du cabinet", "État des mesures de sécurité du cabinet", "RGPD"),
    ("en", "Security report of the practice", "State of the security measures of the practice", "GDPR"),
])
def test_pdf_metadata_is_in_the_documents_language(report, lang, title, subject, keywords):
    _data, path, _page = report(lang)
    info = _info(path)
    assert info["Title"] == title
    assert info["Subject"].startswith(subject)
    assert keywords in info["Keywords"]
    assert f"/Lang ({lang})".encode() in path.read_bytes()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_report_shows_no_iso_date(report, lang):
    data, path, page = report(lang)
    text = "\n".join(_pages(path))
    assert not ISO_DATE.search(text), ISO_DATE.findall(text)
    visible = re.sub(r"<[^>]+>", " ", page)  # the page's text, without its markup
    assert not ISO_DATE.search(visible), ISO_DATE.findall(visible)
    assert str(data.generated_at.year) in text  # the dates are there, written for a reader


def test_severity_and_states_have_their_mark_and_word_on_paper(report):
    from gp_guard.marks import STATE_MARKS, STATUS_MARKS

    data, path, page = report("en")
    text = _flat("\n".join(_pages(path)))
    assert "✕ To fix" in text and "✓ Done" in text
    for block in sections.blocks(data):
        if isinstance(block, sections.Entry):
            mark, _sep, word = block.mark.partition(" ")
            assert mark in set(STATUS_MARKS.values()) | set(STATE_MARKS.values()) and word, block.mark
        if isinstance(block, sections.Heading) and block.text.startswith("Severity"):
            assert block.severity is not None and block.severity.label.lower() in block.text
    assert page.count('<svg class="bars"') == sum(
        1 for b in sections.blocks(data) if isinstance(b, sections.Heading) and b.severity is not None) > 0
