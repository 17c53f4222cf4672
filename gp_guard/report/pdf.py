"""The report as a PDF, with fpdf2: no Qt, no display.

French needs a Unicode font: DejaVu Sans (Debian/Ubuntu), else Arial on Windows and macOS. Without
any of them, fpdf2's built-in Helvetica is used and the few characters it lacks are replaced, so a
report is always produced.

Characters the main font lacks (Chinese or Japanese in a name, say) are drawn with a fallback font
when one is installed (``FALLBACK_CANDIDATES``); a character no font has is never dropped
silently: it is printed as a visible ``MISSING`` mark and the document ends with a notice
(``Coverage``, shared with the breach dossier).
"""

from __future__ import annotations

import logging
import os
import unicodedata
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from gp_guard.audit.model import Severity
from gp_guard.i18n import _, format_date
from gp_guard.marks import SEVERITY_BARS, SEVERITY_LEVELS, SEVERITY_SHADES
from gp_guard.paths import write_private_bytes
from gp_guard.report import sections
from gp_guard.report.model import ReportData

log = logging.getLogger(__name__)

FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
)

# fonts with the scripts DejaVu and Arial lack (CJK first), as Debian, Windows and macOS install them
FALLBACK_CANDIDATES: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",  # fonts-droid-fallback
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/truetype/arphic/uming.ttc",  # fonts-arphic-uming
    "/usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf",  # fonts-noto-core
    "C:/Windows/Fonts/msyh.ttc", "C:/Windows/Fonts/msgothic.ttc", "C:/Windows/Fonts/malgun.ttf",
    "C:/Windows/Fonts/seguisym.ttf",
    "/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)
MISSING = "\u25a1"  # □, in DejaVu and Arial: the place of a character no installed font can draw
MISSING_PLAIN = "?"  # the same without a Unicode font (Helvetica)


class Coverage:
    """Which characters the fonts of a PDF can draw; the others become a visible mark, counted."""

    def __init__(self, pdf: FPDF, main: str | None, candidates: tuple[str, ...] | None = None) -> None:
        self.pdf = pdf
        self.missing = 0
        self.cmaps: list[Any] = []
        if main is None:  # core Helvetica: Latin-1 only
            return
        self.cmaps.append(getattr(pdf.fonts[main.lower()], "cmap", {}))
        names = []
        for index, path in enumerate(FALLBACK_CANDIDATES if candidates is None else candidates):
            if not os.path.isfile(path):
                continue
            name = f"fallback{index}"
            try:
                pdf.add_font(name, "", path)
            except Exception as exc:  # noqa: BLE001 - an unreadable font file is skipped, never fatal
                log.warning("fallback font %s skipped: %s", path, type(exc).__name__)
                continue
            names.append(name)
            self.cmaps.append(getattr(pdf.fonts[name], "cmap", {}))
        if names:
            pdf.set_fallback_fonts(names, exact_match=False)  # bold text falls back to the regular face

    def visible(self, text: str) -> str:
        """``text`` with every character no font has replaced by ``MISSING`` (counted)."""
        if not self.cmaps:
            return self._latin1(text)
        out = []
        for char in text:
            code = ord(char)
            if code < 32 or code in (0x7F, 0xAD) or any(code in cmap for cmap in self.cmaps) or _invisible(char):
                out.append(char)
            else:
                self.missing += 1
                out.append(MISSING)
        return "".join(out)

    def _latin1(self, text: str) -> str:
        for char, plain in _LATIN1_FALLBACK.items():
            text = text.replace(char, plain)
        out = []
        for char in unicodedata.normalize("NFC", text):
            if ord(char) < 256:
                out.append(char)
                continue
            plain = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            if not plain:
                self.missing += 1
            out.append(plain or MISSING_PLAIN)
        return "".join(out)

    def mark(self) -> str:
        return MISSING if self.cmaps else MISSING_PLAIN


def _invisible(char: str) -> bool:
    """Joiners, variation selectors and marks that fonts need not have: fpdf2 handles them."""
    return unicodedata.category(char) in ("Cf", "Mn", "Me")


TONES = {"good": (214, 237, 214), "bad": (246, 214, 208), "warn": (250, 234, 194), "neutral": (228, 228, 228)}
ACCENT = (42, 93, 143)
GREY = (90, 90, 90)
MARK_WIDTH = 34.0
_LATIN1_FALLBACK = {"→": "->", "…": "...", "’": "'", "œ": "oe", "Œ": "OE", "·": "-", "≤": "<=", "≥": ">=",
                    "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-", "\u202f": " ", "\u00a0": " ",
                    "✓": "+", "✕": "x", "↻": "~", "▮": "#", "▯": "-"}


def unicode_font() -> tuple[str, str] | None:
    """(regular, bold) TTF paths of the first Unicode font found, or None."""
    for regular, bold in FONT_CANDIDATES:
        if os.path.isfile(regular) and os.path.isfile(bold):
            return regular, bold
    return None


class _Pdf(FPDF):
    def __init__(self, footer_text: str, font: tuple[str, str] | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.unicode = font is not None
        if font is not None:
            self.add_font("Body", "", font[0])
            self.add_font("Body", "B", font[1])
            self.family = "Body"
        else:
            self.family = "Helvetica"
        self.coverage = Coverage(self, "Body" if font is not None else None)
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)

    def t(self, text: str) -> str:
        return self.coverage.visible(text)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, self.t(self.footer_text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, self.t(_("Page {page} of {pages}").format(page=self.page_no(), pages="{nb}")), align="R")
        self.set_text_color(0, 0, 0)


def _text(pdf: _Pdf, text: str, size: float = 10, style: str = "", *, height: float = 5.0,
          x: float | None = None, color: tuple[int, int, int] = (0, 0, 0)) -> None:
    pdf.set_font(pdf.family, style, size)
    pdf.set_text_color(*color)
    if x is not None:
        pdf.set_x(x)
    width = pdf.w - pdf.r_margin - pdf.get_x()
    pdf.multi_cell(width, height, pdf.t(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _severity_bars(pdf: _Pdf, severity: Severity, x: float, y: float, size: float = 4.2) -> float:
    """The severity's bars (as on screen: 4 for critical … 0 for information), filled in its
    colour; returns their width."""
    fill = _hex(SEVERITY_SHADES[severity][0])
    level = SEVERITY_LEVELS[severity]
    gap = size / 8
    width = (size - gap * (SEVERITY_BARS - 1)) / SEVERITY_BARS
    pdf.set_line_width(0.25)
    pdf.set_draw_color(*GREY)
    pdf.set_fill_color(*fill)
    for n in range(SEVERITY_BARS):
        height = size * (0.35 + 0.65 * (n + 1) / SEVERITY_BARS)
        left = x + n * (width + gap)
        if n < level:
            pdf.set_draw_color(*fill)
            pdf.rect(left, y + size - height, width, height, style="FD")
        else:
            pdf.set_draw_color(*GREY)
            pdf.rect(left, y + size - height, width, height, style="D")
    pdf.set_draw_color(0, 0, 0)
    return size


def _heading(pdf: _Pdf, block: sections.Heading) -> None:
    size = {1: 18, 2: 13.5, 3: 11}[block.level]
    if block.level == 2:
        if pdf.get_y() > pdf.h - 50:
            pdf.add_page()
        pdf.ln(4)
    elif block.level == 3:
        if pdf.get_y() > pdf.h - 35:
            pdf.add_page()
        pdf.ln(1.5)
    colour = ACCENT if block.level < 3 else (0, 0, 0)
    if block.severity is not None:
        top = pdf.get_y()
        width = _severity_bars(pdf, block.severity, pdf.l_margin, top + 0.6)
        pdf.set_xy(pdf.l_margin + width + 2, top)
        colour = _hex(SEVERITY_SHADES[block.severity][0])
    _text(pdf, block.text, size, "B", height=size * 0.5, color=colour)
    if block.level == 1:
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.6)
        pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
        pdf.ln(4)
    else:
        pdf.ln(1)


def _facts(pdf: _Pdf, block: sections.Facts) -> None:
    pdf.set_font(pdf.family, "B", 10)
    key_width = min(60.0, max(42.0, *(pdf.get_string_width(pdf.t(k)) + 4 for k, _v in block.rows)))
    for key, value in block.rows:
        _keep(pdf, _height(pdf, value, 10, "", 5.5, pdf.w - pdf.r_margin - pdf.l_margin - key_width))
        pdf.set_font(pdf.family, "B", 10)
        y = pdf.get_y()
        pdf.cell(key_width, 5.5, pdf.t(key))
        pdf.set_xy(pdf.l_margin + key_width, y)
        _text(pdf, value, 10, height=5.5)
    pdf.ln(2)


def _height(pdf: _Pdf, text: str, size: float, style: str, line: float, width: float) -> float:
    """The height ``text`` takes in a box of ``width`` (measured, nothing drawn)."""
    pdf.set_font(pdf.family, style, size)
    return len(pdf.multi_cell(width, line, pdf.t(text), dry_run=True, output="LINES")) * line


def _room(pdf: _Pdf) -> float:
    return pdf.page_break_trigger - pdf.get_y()


def _keep(pdf: _Pdf, height: float, whole: float | None = None) -> None:
    """Start a new page unless ``height`` fits below; ``whole`` (the block's full height) moves the
    block to the next page when it would fit there in one piece: no item is cut by a page break."""
    if height > _room(pdf) or (whole is not None and whole > _room(pdf)
                               and whole <= pdf.page_break_trigger - pdf.t_margin):
        pdf.add_page()


def _entry(pdf: _Pdf, block: sections.Entry) -> None:
    indent = pdf.l_margin + MARK_WIDTH
    width = pdf.w - pdf.r_margin - indent
    head = _height(pdf, block.title, 10, "B", 5.5, width)
    detail = _height(pdf, block.detail, 8.5, "", 4.5, width) if block.detail else 0.0
    steps = [_height(pdf, step, 9, "", 4.8, width - 6) for step in block.steps]
    # the title stays with its detail and first step; the whole entry moves when it fits a page
    _keep(pdf, head + detail + (steps[0] if steps else 0.0), head + detail + sum(steps) + 1.8)
    pdf.set_font(pdf.family, "B", 8.5)
    pdf.set_fill_color(*TONES.get(block.tone, TONES["neutral"]))
    y = pdf.get_y()
    pdf.cell(MARK_WIDTH - 2, 5.5, pdf.t(block.mark), fill=True, align="C")
    pdf.set_xy(pdf.l_margin + MARK_WIDTH, y)
    _text(pdf, block.title, 10, "B", height=5.5)
    indent = pdf.l_margin + MARK_WIDTH
    if block.detail:
        _text(pdf, block.detail, 8.5, height=4.5, x=indent, color=GREY)
    for number, (step, height) in enumerate(zip(block.steps, steps, strict=True), 1):
        _keep(pdf, height)  # a step's number never stays alone at the bottom of a page
        pdf.set_font(pdf.family, "", 9)
        y = pdf.get_y()
        pdf.set_x(indent)
        pdf.cell(6, 4.8, f"{number}.")
        pdf.set_xy(indent + 6, y)
        _text(pdf, step, 9, height=4.8)
    pdf.ln(1.8)


def _bullets(pdf: _Pdf, block: sections.Bullets) -> None:
    for item in block.items:
        _keep(pdf, _height(pdf, item, 9.5, "", 5, pdf.w - pdf.r_margin - pdf.l_margin - 7))
        pdf.set_font(pdf.family, "", 9.5)
        y = pdf.get_y()
        pdf.set_x(pdf.l_margin + 2)
        pdf.cell(5, 5, pdf.t("•") if pdf.unicode else "-")
        pdf.set_xy(pdf.l_margin + 7, y)
        _text(pdf, item, 9.5, height=5)
    pdf.ln(1.5)


def _table(pdf: _Pdf, block: sections.Table) -> None:
    pdf.set_font(pdf.family, "", 9)
    heading = FontFace(emphasis="BOLD", fill_color=TONES["neutral"])
    pdf.set_draw_color(160, 160, 160)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(text_align="LEFT", line_height=5, headings_style=heading,
                   cell_fill_mode=TableCellFillMode.NONE) as table:
        head = table.row()
        for cell in block.header:
            head.cell(pdf.t(cell))
        for row in block.rows:
            line = table.row()
            for cell in row:
                line.cell(pdf.t(cell))
    pdf.ln(2)


def render(data: ReportData) -> bytes:
    title = _("Security report of the practice")
    footer = " · ".join(p for p in (data.identity.name, title, format_date(data.generated_at)) if p)
    pdf = _Pdf(footer, unicode_font())
    # the metadata a PDF reader shows (title, subject, language) in the document's language
    pdf.set_title(pdf.t(" · ".join(p for p in (title, data.identity.name) if p)))
    pdf.set_subject(pdf.t(_("State of the security measures of the practice, made by gp_guard on {date}. No patient data, no passwords.").format(
        date=format_date(data.generated_at))))
    pdf.set_keywords(pdf.t(_("security, audit, GDPR, checklist")))
    pdf.set_creator(f"gp_guard {data.version}")
    pdf.set_lang(data.lang)
    pdf.alias_nb_pages()
    pdf.add_page()
    for block in sections.blocks(data):
        if isinstance(block, sections.Heading):
            _heading(pdf, block)
        elif isinstance(block, sections.Para):
            _text(pdf, block.text, 8.5 if block.small else 10, color=GREY if block.small else (0, 0, 0))
            pdf.ln(1.5)
        elif isinstance(block, sections.Facts):
            _facts(pdf, block)
        elif isinstance(block, sections.Entry):
            _entry(pdf, block)
        elif isinstance(block, sections.Bullets):
            _bullets(pdf, block)
        elif isinstance(block, sections.Table):
            _table(pdf, block)
    if pdf.coverage.missing:
        pdf.ln(2)
        _text(pdf, _("Some characters cannot be printed with the fonts of this computer: each is shown as {mark}. Install a font for that script (for example Noto CJK) to print them.").format(
            mark=pdf.coverage.mark()), 9, "B")
    return bytes(pdf.output())


def write(data: ReportData, path: Path) -> Path:
    """Write the PDF as a private file (0600, next to ``path`` then renamed into place: no
    half-written report), like every file gp_guard writes about the practice."""
    write_private_bytes(path, render(data))
    return path
