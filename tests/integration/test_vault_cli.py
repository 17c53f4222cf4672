"""`gp-guard vault …` end to end: init, lock, status, verify, open, unlock, recover with the paper key."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from gp_guard.cli import vault as cli_vault
from gp_guard.vault import keys
from tests.conftest import require_tool

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch):
    monkeypatch.setattr(keys, "TYPED_WORK_FACTOR", 10)  # 1 ms instead of 1 s per unlock


def vault(*argv: str, stdin: str = "") -> int:
    parser = argparse.ArgumentParser(prog="gp-guard")
    sub = parser.add_subparsers(dest="command")
    cli_vault.register(sub)
    args = parser.parse_args(["vault", *argv])
    old = os.sys.stdin
    os.sys.stdin = io.StringIO(stdin)
    try:
        return cli_vault.run(args)
    finally:
        os.sys.stdin = old


@pytest.fixture
def ready(tmp_path, capsys):
    out = tmp_path / "it" / "recovery-key.txt"
    out.parent.mkdir()
    kit = tmp_path / "kit.pdf"
    assert vault("init", "--passphrase-stdin", "--recovery-key-out", str(out), "--kit", str(kit),
                 stdin=PASSPHRASE + "\n") == 0
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    root = tmp_path / "Imagerie"
    (root / "2024").mkdir(parents=True)
    (root / "2024" / "IMG0001.dcm").write_bytes(os.urandom(300_000))
    (root / "compte-rendu.pdf").write_bytes(b"%PDF-1.4 patient")
    capsys.readouterr()
    return root, out


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_init_lock_status_verify_unlock(ready, capsys):
    root, _key = ready
    before = snapshot(root)
    assert vault("lock", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    out, err = capsys.readouterr()
    assert "Files encrypted: 2" in out
    assert "SSD" in err and "CRY-01" in err  # honest words about deletion, before the work
    assert sorted(snapshot(root)) == ["2024/IMG0001.dcm.age", "compte-rendu.pdf.age"]

    assert vault("status", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["keys"] is True
    assert [(f["path"], f["state"], f["encrypted"]) for f in data["folders"]] == [(str(root), "protected", 2)]

    assert vault("verify", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    (root / "compte-rendu.pdf.age").write_bytes((root / "compte-rendu.pdf.age").read_bytes()[:-1])
    assert vault("verify", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 1
    assert "compte-rendu.pdf.age" in capsys.readouterr().out
    assert vault("status") == 0
    assert "some files need attention" in capsys.readouterr().out

    assert vault("unlock", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 1
    after = snapshot(root)
    assert after["2024/IMG0001.dcm"] == before["2024/IMG0001.dcm"]
    assert "compte-rendu.pdf" not in after and "compte-rendu.pdf.age" in after  # damaged: kept, not half-decrypted


def test_wrong_passphrase_is_a_clear_error_and_changes_nothing(ready, capsys):
    root, _key = ready
    before = snapshot(root)
    assert vault("lock", str(root), "--passphrase-stdin", stdin="not the passphrase\n") == 2
    assert "not the right one" in capsys.readouterr().err
    assert snapshot(root) == before


def test_refused_folder_exits_2_in_french(ready, capsys):
    from gp_guard import i18n

    i18n.set_language("fr")
    assert vault("lock", "/usr", "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 2
    assert "dossier du système" in capsys.readouterr().err


def test_recover_with_the_paper_key_and_with_stock_age(ready, tmp_path, capsys):
    age = require_tool("age", "recovering without gp_guard")
    root, key = ready
    before = snapshot(root)
    assert vault("lock", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    # the README's four lines: stock age and the key file, no gp_guard
    done = subprocess.run([age, "-d", "-i", str(key), str(root / "compte-rendu.pdf.age")],
                          capture_output=True, check=True)
    assert done.stdout == before["compte-rendu.pdf"]
    # the working identity is lost: the paper key alone decrypts the folder in place
    (keys.vault_dir() / keys.IDENTITY_FILE).unlink()
    assert vault("recover", str(root)) == 2
    assert vault("recover", str(root), "--recovery-key", str(key)) == 0
    assert snapshot(root) == before


def test_recover_without_arguments_finishes_interrupted_work(ready, capsys):
    assert vault("recover") == 0
    assert "0 files finished" in capsys.readouterr().out


def test_open_decrypts_to_a_private_copy_removed_afterwards(ready, monkeypatch, capsys):
    from gp_guard.vault import viewer

    root, _key = ready
    assert vault("lock", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    seen = []
    monkeypatch.setattr(viewer, "open_with_default_app", lambda path: seen.append((path, path.read_bytes(), path.parent.stat().st_mode)))
    assert vault("open", str(root / "compte-rendu.pdf.age"), "--passphrase-stdin", stdin=PASSPHRASE + "\n\n") == 0
    [(path, data, mode)] = seen
    assert data == b"%PDF-1.4 patient" and path.name == "compte-rendu.pdf"
    assert oct(mode & 0o777) == "0o700"
    assert not path.exists() and not path.parent.exists()


def test_init_twice_keeps_the_keys(ready, tmp_path, capsys):
    assert vault("init", "--passphrase-stdin", "--kit", str(tmp_path / "other.pdf"), stdin=PASSPHRASE + "\n") == 2
    assert "already exist" in capsys.readouterr().err


def test_lock_with_public_keys_only_says_the_check_is_lighter(ready, capsys):
    root, key = ready
    assert vault("lock", str(root)) == 0  # no passphrase, no terminal: public keys only
    err = capsys.readouterr().err
    assert "checked by its length only" in err
    assert sorted(snapshot(root)) == ["2024/IMG0001.dcm.age", "compte-rendu.pdf.age"]


def test_init_with_a_short_passphrase_is_a_clear_error(tmp_path, capsys):
    code = vault("init", "--passphrase-stdin", "--kit", str(tmp_path / "kit.pdf"), stdin="court\n")
    err = capsys.readouterr().err
    assert code == 2 and "at least 10 characters" in err
    assert not keys.has_keys() and not (tmp_path / "kit.pdf").exists()


def test_init_writes_the_kit_to_the_documents_folder_not_the_current_one(tmp_path, monkeypatch, capsys):
    home, documents, cwd = tmp_path / "home", tmp_path / "home" / "Mes documents", tmp_path / "checkout"
    for place in (documents, cwd):
        place.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(documents))
    monkeypatch.chdir(cwd)
    assert vault("init", "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    kit = documents / cli_vault.DEFAULT_KIT
    assert kit.is_file() and list(cwd.iterdir()) == []
    assert f"Recovery kit written to {kit}" in capsys.readouterr().out  # says where, in full


def test_init_without_a_documents_folder_uses_the_home_folder(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(home / "missing"))
    monkeypatch.chdir(tmp_path)
    assert vault("init", "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    assert (home / cli_vault.DEFAULT_KIT).is_file()


def test_the_default_kit_name_is_ignored_by_git():
    git = require_tool("git", "checks the repository's .gitignore")
    repo = Path(__file__).resolve().parents[2]
    for name in (cli_vault.DEFAULT_KIT, "recovery-key.txt"):
        assert subprocess.run([git, "-C", str(repo), "check-ignore", "-q", "--no-index", name]).returncode == 0


def test_every_file_holding_a_key_or_patient_data_is_private_even_under_umask_000(tmp_path, monkeypatch, capsys):
    from gp_guard.vault import viewer

    old = os.umask(0)
    try:
        out, kit = tmp_path / "recovery-key.txt", tmp_path / "kit.pdf"
        assert vault("init", "--passphrase-stdin", "--recovery-key-out", str(out), "--kit", str(kit),
                     stdin=PASSPHRASE + "\n") == 0
        root = tmp_path / "Imagerie"
        root.mkdir()
        (root / "scan.pdf").write_bytes(b"patient")
        os.chmod(root / "scan.pdf", 0o600)
        assert vault("lock", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
        seen = []
        monkeypatch.setattr(viewer, "open_with_default_app", lambda path: seen.append(path.stat().st_mode))
        assert vault("open", str(root / "scan.pdf.age"), "--passphrase-stdin", stdin=PASSPHRASE + "\n\n") == 0
    finally:
        os.umask(old)
    private = [out, kit, *keys.vault_dir().iterdir()]
    assert all(oct(p.stat().st_mode & 0o077) == "0o0" for p in private), [(p, oct(p.stat().st_mode)) for p in private]
    assert oct(keys.vault_dir().stat().st_mode & 0o777) == "0o700"
    assert [oct(mode & 0o777) for mode in seen] == ["0o400"]  # the decrypted copy: the user only, read-only
    assert oct((root / "scan.pdf.age").stat().st_mode & 0o777) == "0o600"  # the original's mode, kept


def vault_bytes(*argv: str, stdin: bytes) -> int:
    """As ``vault``, with a standard input that has bytes underneath (as a real pipe has)."""
    parser = argparse.ArgumentParser(prog="gp-guard")
    cli_vault.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["vault", *argv])
    old = os.sys.stdin
    os.sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        return cli_vault.run(args)
    finally:
        os.sys.stdin = old


@pytest.mark.parametrize("command", ["unlock", "verify", "open"])
def test_passphrase_bytes_that_are_not_utf8_are_a_wrong_passphrase_not_a_traceback(ready, capsys, command):
    root, _key = ready
    assert vault("lock", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    target = str(root / "compte-rendu.pdf.age") if command == "open" else str(root)
    assert vault_bytes(command, target, "--passphrase-stdin", stdin=b"caf\xe9 \xff\xfe mauvais\n") == 2
    assert "not the right one" in capsys.readouterr().err
    assert vault_bytes("verify", str(root), "--passphrase-stdin", stdin=PASSPHRASE.encode() + b"\r\n") == 0


def test_recover_with_another_practices_key_says_so_and_changes_nothing(ready, capsys):
    root, _key = ready
    assert vault("lock", str(root), "--passphrase-stdin", stdin=PASSPHRASE + "\n") == 0
    before = snapshot(root)
    other = root.parent / "other-practice.txt"
    other.write_text(keys.recovery_identity_text(agefile_identity().to_string()))
    capsys.readouterr()
    assert vault("recover", str(root), "--recovery-key", str(other)) == 2
    assert "does not belong to the practice" in capsys.readouterr().err
    assert snapshot(root) == before


def agefile_identity():
    from gp_guard.vault import agefile

    return agefile.X25519Identity.generate()


def test_a_database_of_a_newer_gp_guard_is_a_clear_error(ready, capsys):
    import sqlite3

    from gp_guard import store as store_module
    from gp_guard.paths import database_path

    if store_module._default is not None:
        store_module._default.close()
        store_module._default = None
    conn = sqlite3.connect(database_path())
    conn.execute("PRAGMA user_version=99")
    conn.close()
    assert vault("status") == 2
    err = capsys.readouterr().err
    assert "newer version of gp_guard" in err and "Traceback" not in err


def test_init_into_a_missing_folder_is_refused_before_the_keys_exist(tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    assert vault("init", "--passphrase-stdin", "--kit", str(missing / "kit.pdf"), stdin=PASSPHRASE + "\n") == 2
    assert "does not exist" in capsys.readouterr().err
    assert not keys.has_keys()  # the recovery key, shown only in the kit, was never made
    assert vault("init", "--passphrase-stdin", "--kit", str(tmp_path / "kit.pdf"), "--recovery-key-out",
                 str(missing / "key.txt"), stdin=PASSPHRASE + "\n") == 2
    assert not keys.has_keys()
