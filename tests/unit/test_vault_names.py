"""File names real practices have: not valid UTF-8 (old Windows, CD media), and very long ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gp_guard.vault import agefile, folder
from gp_guard.vault.journal import Journal


@pytest.fixture(scope="module")
def ids():
    return agefile.X25519Identity.generate(), agefile.X25519Identity.generate()


def lock(root, ids, **kw):
    work, recovery = ids
    return folder.lock(root, [work.recipient(), recovery.recipient()], [work], retry_delay=0.0, **kw)


def tree(root: Path) -> dict[bytes, bytes]:
    """Names as bytes: what is on the disk, whatever its encoding."""
    out = {}
    for here, _dirs, files in os.walk(os.fsencode(root)):
        for name in files:
            path = os.path.join(here, name)
            out[os.path.relpath(path, os.fsencode(root))] = Path(os.fsdecode(path)).read_bytes()
    return out


def test_a_latin1_name_does_not_stop_the_folder(tmp_path, ids):
    root = tmp_path / "latin"
    root.mkdir()
    for index in range(100):
        (root / f"doc{index}.txt").write_bytes(f"doc {index}".encode())
    latin = os.path.join(os.fsencode(root), b"radio_\xe9t\xe9.dcm")
    with open(latin, "wb") as handle:
        handle.write(b"dicom")
    before = tree(root)
    report = lock(root, ids)
    assert report.ok and len(report.done) == 101
    after = tree(root)
    assert sorted(after) == sorted(name + b".age" for name in before)  # every file, no .age.tmp
    name = os.fsdecode(b"radio_\xe9t\xe9.dcm")
    assert name in report.done
    assert folder.status(root)[0].state == "protected"
    assert Journal().pending() == []
    back = folder.unlock(root, [ids[0]], retry_delay=0.0)
    assert back.ok and tree(root) == before


def test_a_latin1_name_that_fails_is_stored_and_printed(tmp_path, ids, capsys):
    from gp_guard.cli import vault as cli_vault

    root = tmp_path / "latin"
    root.mkdir()
    bad = os.path.join(os.fsencode(root), b"compte_rendu_\xe9.pdf.age")
    with open(bad, "wb") as handle:
        handle.write(b"age-encryption.org/v1\nnot really")
    report = folder.unlock(root, [ids[0]], retry_delay=0.0)
    assert [p.message for p in report.failed] == [folder.P_DAMAGED]
    [state] = folder.status(root)
    assert [p.name for p in state.failed] == [os.fsdecode(b"compte_rendu_\xe9.pdf.age")]
    cli_vault._summary(report)
    assert "compte_rendu_\ufffd.pdf.age" in capsys.readouterr().out


@pytest.mark.parametrize("length", [243, 244, 245, 247, 248, 251])
def test_every_name_that_locks_also_unlocks(tmp_path, ids, length):
    root = tmp_path / "long"
    root.mkdir()
    name = "c" * (length - 4) + ".dcm"
    (root / name).write_bytes(b"image")
    (root / "short.pdf").write_bytes(b"short")
    assert lock(root, ids).ok
    assert sorted(p.name for p in root.iterdir()) == sorted([name + ".age", "short.pdf.age"])
    # the paper key's way (vault recover DIR --recovery-key) is an unlock with the recovery identity
    back = folder.unlock(root, [ids[1]], retry_delay=0.0)
    assert back.ok, [p.text() for p in back.failed]
    assert (root / name).read_bytes() == b"image"
    assert sorted(p.name for p in root.iterdir()) == sorted([name, "short.pdf"])


def test_an_accented_long_name_is_shortened_whole_characters(tmp_path, ids):
    root = tmp_path / "long"
    root.mkdir()
    name = "é" * 122 + ".pdf"  # 248 bytes
    (root / name).write_bytes(b"scan")
    tmp = folder._Lock.tmp(name)
    assert len(os.fsencode(tmp)) <= 255 and tmp.endswith(".age.tmp") and tmp.isprintable()
    assert lock(root, ids).ok and folder.unlock(root, [ids[0]], retry_delay=0.0).ok
    assert (root / name).read_bytes() == b"scan"


def test_a_name_too_long_for_age_is_refused_with_the_right_words(tmp_path, ids):
    root = tmp_path / "long"
    root.mkdir()
    name = "c" * 248 + ".dcm"  # 252 bytes: "<name>.age" would not fit
    (root / name).write_bytes(b"image")
    report = lock(root, ids)
    assert [(p.name, p.message) for p in report.failed] == [(name, folder.P_NAME_LONG)]
    assert "too long to add “.age”" in report.failed[0].text()
    assert (root / name).read_bytes() == b"image"


def test_a_plaintext_named_age_is_not_counted_as_encrypted(tmp_path, ids):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "compte-rendu.age").write_bytes(b"Patient: Dupont, plaintext")
    (root / "lettre.pdf").write_bytes(b"letter")
    [state] = folder.status(root)
    assert (state.encrypted, state.plain) == (0, 2)
    report = lock(root, ids)
    assert report.done == ["lettre.pdf"]
    assert [(p.name, p.message) for p in report.failed] == [("compte-rendu.age", folder.P_NOT_AGE)]
    assert (root / "compte-rendu.age").read_bytes() == b"Patient: Dupont, plaintext"
    [state] = folder.status(root)
    assert (state.encrypted, state.plain, state.state) == (1, 1, "failed")
