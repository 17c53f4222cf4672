"""The recovery kit works: the key read back from the PDF's text opens a file with stock ``age``."""

from __future__ import annotations

import io
import re
import stat
import subprocess

import pytest

from gp_guard import i18n
from gp_guard.vault import agefile, keys, recovery_kit
from gp_guard.vault.agefile import X25519Identity
from tests.conftest import require_tool

PASSPHRASE = b"cheval correct agrafe"


@pytest.fixture
def created(monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)
    return keys.create_keys(PASSPHRASE)


def pdf_text(path) -> str:
    require_tool("pdftotext", "reads the kit's text back (poppler-utils)")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_the_kit_recovers_a_file_with_stock_age(created, tmp_path):
    age = require_tool("age", "the kit promises recovery with the stock age tool")
    kit = tmp_path / "kit-de-secours.pdf"
    pdf = recovery_kit.build_kit(created.recovery_secret, created.working, created.recovery,
                                 created=created.created, practice="Cabinet du Dr Martin")
    recovery_kit.write_kit(kit, pdf)
    assert stat.S_IMODE(kit.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        recovery_kit.write_kit(kit, pdf)

    text = pdf_text(kit)
    found = set(re.findall(r"AGE-SECRET-KEY-1[0-9A-Z]+", text))
    assert found == {created.recovery_secret}
    for expected in (created.working.to_string(), created.recovery.to_string(),
                     "age -d -i cle-de-secours.txt fichier.dcm.age > fichier.dcm",
                     "winget install", "brew install age", "apt install age",
                     "Kit de secours", "DOCUMENT SECRET", "Cabinet du Dr Martin",
                     created.created[8:10] + "/" + created.created[5:7] + "/" + created.created[:4]):
        assert expected in text, expected

    # A file protected by gp_guard, then opened with nothing but age and the key from the kit.
    data = bytes(range(256)) * 300
    sealed = tmp_path / "fichier.dcm.age"
    with sealed.open("wb") as out:
        agefile.encrypt(io.BytesIO(data), out, keys.recipients())
    key_file = tmp_path / recovery_kit.KEY_FILE_NAME
    key_file.write_text(found.pop() + "\n")
    result = subprocess.run([age, "-d", "-i", str(key_file), str(sealed)], capture_output=True,
                            check=True)
    assert result.stdout == data


def test_page_one_renders(created, tmp_path):
    require_tool("pdftoppm", "renders the kit like a printer would (poppler-utils)")
    kit = tmp_path / "kit.pdf"
    recovery_kit.write_kit(kit, recovery_kit.build_kit(
        created.recovery_secret, created.working, created.recovery))
    result = subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(kit),
                             str(tmp_path / "page")], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stderr, result.stderr
    (png,) = tmp_path.glob("page*.png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5000


def test_english_kit_and_french_by_default(created, tmp_path):
    i18n.set_language("en")  # the kit stays French whatever the interface language
    french = tmp_path / "fr.pdf"
    french.write_bytes(recovery_kit.build_kit(created.recovery_secret, created.working,
                                              created.recovery))
    assert "Récupérer un fichier sans gp_guard" in pdf_text(french)
    english = tmp_path / "en.pdf"
    english.write_bytes(recovery_kit.build_kit(created.recovery_secret, created.working,
                                               created.recovery, lang="en"))
    text = pdf_text(english)  # the French sheet first (the issue: instructions in French), then English
    assert "Récupérer un fichier sans gp_guard" in text and "Recovering a file without gp_guard" in text
    assert text.index("Récupérer un fichier sans gp_guard") < text.index("Recovering a file without gp_guard")
    assert "Recovering a file without gp_guard" not in pdf_text(french)
    assert text.count(created.recovery_secret) == 2


def test_a_kit_with_the_wrong_key_is_refused(created):
    with pytest.raises(ValueError):
        recovery_kit.build_kit(X25519Identity.generate().to_string(), created.working,
                               created.recovery)
    with pytest.raises(ValueError):
        recovery_kit.build_kit("AGE-SECRET-KEY-1NOPE", created.working, created.recovery)


def test_confirm_kit():
    secret = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"
    assert recovery_kit.confirm_kit("40Q2P2LM0"[-8:], secret)
    assert recovery_kit.confirm_kit(" 0q2p 2lm0 ", secret)
    assert recovery_kit.confirm_kit(secret.lower(), secret)
    assert not recovery_kit.confirm_kit("0Q2P2LM1", secret)
    assert not recovery_kit.confirm_kit("2P2LM0", secret)  # too short
    assert not recovery_kit.confirm_kit("", secret)
    assert not recovery_kit.confirm_kit("AGE-SECRET-KEY-1EGTZVFF", secret)  # the start is public-ish
    i18n.set_language("fr")
    assert "8 derniers caractères" in recovery_kit.confirm_hint()
