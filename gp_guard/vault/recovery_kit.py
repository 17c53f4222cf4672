"""The recovery kit: one printed sheet that opens every protected file without gp_guard.

It holds the recovery key (``AGE-SECRET-KEY-1…``) as text and as a QR code, the date, the
practice's public keys, and step-by-step instructions to decrypt a file with the stock ``age``
tool on Windows, macOS or Linux. It is always written in French (whoever recovers the files in a
French practice, maybe years later, reads French); ``lang="en"`` adds the same sheet in English
after the French one, for a doctor who uses gp_guard in English.

**The kit is a secret**: anyone holding it can read the protected files. ``write_kit`` creates the
PDF with mode 0600 and never overwrites a file; tell the doctor to print it, store the paper in a
safe place and delete the PDF (or keep it only on an encrypted medium).

Public API (stable):
    ``build_kit(secret, working, recovery, *, created=None, practice=None, lang="fr") -> bytes``
    (raises ``ValueError`` when ``secret`` is not the recovery key of ``recovery``: a kit with a
    wrong key is worse than none);
    ``write_kit(path, pdf) -> None`` (mode 0600, ``FileExistsError`` if it exists);
    ``confirm_kit(typed, secret) -> bool``: the doctor typed back the last ``CONFIRM_LENGTH``
    characters of the key (case and spaces ignored) or the whole key;
    ``confirm_hint() -> str``: what to type, in the current language.

The recovery secret is never stored by gp_guard: re-printing a kit needs the key from the paper or
from the file an IT provider keeps (``keys.write_recovery_key_file``).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from gp_guard import i18n
from gp_guard.i18n import N_, _
from gp_guard.vault import KIT_FILE_NAME
from gp_guard.vault.agefile import AgeError, X25519Identity, X25519Recipient

CONFIRM_LENGTH = 8
KEY_FILE_NAME = "cle-de-secours.txt"
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/local/share/fonts/dejavu")
MARGIN = 16.0

# The PDF library's font subsetter logs the glyphs it keeps: a hint of the key's characters.
logging.getLogger("fontTools").setLevel(logging.WARNING)

DEFAULT_FILE_NAME = KIT_FILE_NAME


def _tr(message: str, lang: str) -> str:
    return (i18n.load_catalog(lang).get(message) if lang != "en" else None) or message


def confirm_hint() -> str:
    return _("Type the last 8 characters of the recovery key, as printed on the kit.")


def _normalise(text: str) -> str:
    return "".join(text.split()).replace("-", "").upper()


def confirm_kit(typed: str, secret: str) -> bool:
    """True when ``typed`` is the end (last 8 characters) of ``secret``, or all of it."""
    given = _normalise(typed)
    key = _normalise(secret)
    if len(given) < CONFIRM_LENGTH or len(key) < CONFIRM_LENGTH:
        return False
    target = key if len(given) == len(key) else key[-CONFIRM_LENGTH:]
    return hmac.compare_digest(given.encode(), target.encode())


def _fonts() -> tuple[str, str, str] | None:
    """(regular, bold, mono) DejaVu TTF paths, or None (then Helvetica/Courier, accents kept in
    Latin-1, which covers French)."""
    for folder in FONT_DIRS:
        names = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf")
        found = [os.path.join(folder, n) for n in names]
        if all(os.path.isfile(p) for p in found):
            return found[0], found[1], found[2]
    return None


class _Kit(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts = _fonts()
        self.unicode = fonts is not None
        if fonts is not None:
            self.add_font("Body", "", fonts[0])
            self.add_font("Body", "B", fonts[1])
            self.add_font("Mono", "", fonts[2])
            self.body, self.mono = "Body", "Mono"
        else:
            self.body, self.mono = "Helvetica", "Courier"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.set_title("gp_guard - recovery kit")
        self.set_creator("gp_guard")
        self.footer_text = ""

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(self.body, "", 8)
        self.set_text_color(110, 110, 110)
        text = self.footer_text.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, self.t(text), align="C")
        self.set_text_color(0, 0, 0)

    def t(self, text: str) -> str:
        if self.unicode:
            return text
        for char, plain in {"’": "'", "«\u00a0": '"', "\u00a0»": '"', "«": '"', "»": '"',
                            "…": "...", "—": "-", "–": "-", "\u202f": " "}.items():
            text = text.replace(char, plain)
        return text.encode("latin-1", "replace").decode("latin-1")

    def para(self, text: str, size: float = 10, style: str = "", height: float | None = None) -> None:
        self.set_font(self.body, style, size)
        height = height or size * 0.47
        self.multi_cell(0, height, self.t(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def code(self, text: str, size: float = 9.5) -> None:
        self.set_font(self.mono, "", size)
        self.set_fill_color(238, 238, 238)
        self.multi_cell(0, 5.0, text, fill=True, align="L", new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT, wrapmode=WrapMode.CHAR)

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """The QR code drawn as vector squares (crisp at any printer resolution)."""
        matrix = segno.make(data, error="m").matrix
        module = size / len(matrix)
        self.set_fill_color(0, 0, 0)
        for row, cells in enumerate(matrix):
            col = 0
            while col < len(cells):
                if cells[col]:
                    start = col
                    while col < len(cells) and cells[col]:
                        col += 1
                    self.rect(x + start * module, y + row * module, (col - start) * module,
                              module, style="F")
                else:
                    col += 1


def _sheet(pdf: _Kit, lang: str, secret: str, working: X25519Recipient, recovery: X25519Recipient,
           when: dt.date, practice: str | None) -> None:
    """One whole sheet in ``lang``, starting on a new page."""

    def tr(message: str) -> str:
        return _tr(message, lang)

    date_text = when.strftime("%d/%m/%Y") if lang == "fr" else when.isoformat()
    pdf.add_page()  # the previous sheet's last footer is drawn here, in its own language
    pdf.footer_text = tr(N_("gp_guard recovery kit - secret document - page {page} of {pages}"))
    pdf.set_font(pdf.body, "B", 16)
    pdf.cell(0, 9, pdf.t(tr(N_("Recovery kit for protected files"))),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(160, 30, 30)
    pdf.para(tr(N_("SECRET DOCUMENT: anyone holding this sheet can read your protected files.")),
             10, "B")
    pdf.set_text_color(0, 0, 0)
    if practice:
        pdf.para(tr(N_("Practice: {name}")).format(name=practice))
    pdf.para(tr(N_("Keys created on {date}. Kit printed on {today}.")).format(
        date=date_text,
        today=dt.date.today().strftime("%d/%m/%Y") if lang == "fr" else dt.date.today().isoformat()))
    pdf.ln(2)
    pdf.para(tr(N_(
        "This sheet opens every file gp_guard has protected, even if the computer, gp_guard or "
        "the passphrase is lost. Keep it like an original deed: in a locked place, preferably "
        "outside the practice. Do not photograph it, do not send it by e-mail, and delete the PDF "
        "once it is printed."
    )))
    pdf.ln(3)

    pdf.para(tr(N_("Recovery key")), 12, "B", 7)
    pdf.code(secret, 10)
    pdf.ln(1)
    top = pdf.get_y()
    qr_size = 42.0  # 33 modules of 1.3 mm; 5 mm of white around them is the quiet zone
    pdf.qr(secret, pdf.w - MARGIN - qr_size, top + 4, qr_size)
    pdf.set_right_margin(MARGIN + qr_size + 6)
    pdf.para(tr(N_(
        "The QR code on the right holds the same key. Type the key exactly as printed, on a "
        "single line: capital letters and digits, starting with AGE-SECRET-KEY-1."
    )), 9.5)
    pdf.ln(1)
    pdf.para(tr(N_("Last 8 characters (asked by gp_guard to check that the kit was saved):")), 9.5)
    pdf.set_font(pdf.mono, "", 11)
    pdf.cell(0, 6, " ".join([secret[-8:-4], secret[-4:]]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_right_margin(MARGIN)
    pdf.set_y(max(pdf.get_y(), top + 4 + qr_size) + 5)

    pdf.para(tr(N_("Public keys of the practice (not secret)")), 11, "B", 6)
    pdf.para(tr(N_("Everyday key:")), 9)
    pdf.code(working.to_string(), 8.5)
    pdf.para(tr(N_("Recovery key (public part):")), 9)
    pdf.code(recovery.to_string(), 8.5)
    pdf.ln(3)

    pdf.para(tr(N_("Recovering a file without gp_guard")), 12, "B", 7)
    pdf.para(tr(N_(
        "Each protected file was renamed with “.age” added at the end (for example "
        "fichier.dcm.age). It uses the age format, a public standard (c2sp.org/age) read by "
        "several independent free programs."
    )), 9.5)
    pdf.ln(1)
    pdf.para(tr(N_("1. Install the free “age” program:")), 9.5, "B")
    pdf.para(tr(N_("Windows: in a command prompt, type")), 9.5)
    pdf.code("winget install --id FiloSottile.age")
    pdf.para(tr(N_("macOS (with Homebrew):")), 9.5)
    pdf.code("brew install age")
    pdf.para(tr(N_("Linux (Debian, Ubuntu):")), 9.5)
    pdf.code("sudo apt install age")
    pdf.para(tr(N_(
        "Or download it from https://github.com/FiloSottile/age/releases (the official page)."
    )), 9.5)
    pdf.ln(1)
    pdf.para(tr(N_(
        "2. Create a text file named {name} holding only the recovery key above, on one line "
        "(type it or scan the QR code), in the folder of the file to recover."
    )).format(name=KEY_FILE_NAME), 9.5, "B")
    pdf.ln(1)
    pdf.para(tr(N_("3. In a terminal opened in that folder, type:")), 9.5, "B")
    pdf.code(f"age -d -i {KEY_FILE_NAME} -o fichier.dcm fichier.dcm.age")
    pdf.para(tr(N_(
        "or, in the Windows command prompt, the macOS or the Linux terminal (not in PowerShell, "
        "which damages files written with “>”):"
    )), 9.5)
    pdf.code(f"age -d -i {KEY_FILE_NAME} fichier.dcm.age > fichier.dcm")
    pdf.para(tr(N_(
        "Replace fichier.dcm with the real name. The recovered file is identical to the "
        "original; the .age file is kept."
    )), 9.5)
    pdf.ln(1)
    pdf.para(tr(N_("4. A whole folder (macOS or Linux terminal):")), 9.5, "B")
    pdf.code(f'for f in *.age; do age -d -i {KEY_FILE_NAME} -o "${{f%.age}}" "$f"; done')
    pdf.para(tr(N_("Windows (PowerShell):")), 9.5)
    pdf.code(
        "Get-ChildItem -Recurse -Filter *.age | ForEach-Object {\n"
        f"  age -d -i $PWD\\{KEY_FILE_NAME} -o ($_.FullName -replace '\\.age$','') $_.FullName }}"
    )
    pdf.ln(1)
    pdf.para(tr(N_(
        "5. Delete {name} when you are done: it is as secret as this sheet."
    )).format(name=KEY_FILE_NAME), 9.5, "B")


def build_kit(secret: str, working: X25519Recipient, recovery: X25519Recipient, *,
              created: str | None = None, practice: str | None = None, lang: str = "fr") -> bytes:
    """The kit as PDF bytes. ``created``: when the keys were made (ISO 8601), else today."""
    try:
        identity = X25519Identity.from_string(secret)
    except AgeError:
        raise ValueError("the recovery key is malformed") from None
    if identity.recipient() != recovery:
        raise ValueError("the recovery key does not match the recovery public key")
    secret = identity.to_string()

    when = dt.date.today()
    if created:
        try:
            when = dt.datetime.fromisoformat(created.replace("Z", "+00:00")).date()
        except ValueError:
            pass

    pdf = _Kit()
    for sheet_lang in ("fr", "en") if lang == "en" else ("fr",):
        _sheet(pdf, sheet_lang, secret, working, recovery, when, practice)
    out = pdf.output()
    return bytes(out)


def write_kit(path: Path, pdf: bytes) -> None:
    """Write the kit PDF: a secret, so mode 0600 from creation; never over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pdf)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise
