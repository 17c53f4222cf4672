"""Authenticode: the build signs with the certificate named in the environment, and refuses a
CPython whose PSF signature does not verify."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.installer.conftest import ROOT, tool

pytestmark = pytest.mark.installer

sys.path.insert(0, str(ROOT / "installer" / "windows"))
import payload  # noqa: E402
import sign  # noqa: E402


@pytest.fixture
def throwaway_pfx(tmp_path, monkeypatch):
    """A self-signed code-signing certificate made by openssl, as a password-protected .pfx."""
    openssl = tool("openssl", "openssl")
    key, cert, pfx = tmp_path / "key.pem", tmp_path / "cert.pem", tmp_path / "sign.pfx"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=gp_guard throwaway test signer",
                    "-addext", "extendedKeyUsage=codeSigning"], check=True, capture_output=True)
    subprocess.run([openssl, "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx,
                    "-passout", "pass:s3cret-test"], check=True, capture_output=True)
    monkeypatch.setenv("GP_GUARD_SIGN_PFX", str(pfx))
    monkeypatch.setenv("GP_GUARD_SIGN_PASS", "s3cret-test")
    monkeypatch.delenv("GP_GUARD_SIGN_CERT", raising=False)
    return cert


def verify(path: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("osslsigncode", "osslsigncode"), "verify", "-CAfile", str(ca), "-in", str(path)],
                          capture_output=True, text=True)


def test_signs_the_installer_and_the_signature_verifies(setup_exe, throwaway_pfx, tmp_path):
    copy = tmp_path / setup_exe.name
    shutil.copy(setup_exe, copy)
    assert not sign.has_signature(copy)
    assert subprocess.run([sys.executable, str(ROOT / "installer" / "windows" / "sign.py"), str(copy)],
                          capture_output=True, text=True, env=os.environ).returncode == 0
    assert sign.has_signature(copy)
    checked = verify(copy, throwaway_pfx)
    assert checked.returncode == 0 and "Signature verification: ok" in checked.stdout, checked.stdout
    assert "gp_guard throwaway test signer" in checked.stdout
    other = tmp_path / "other.pem"  # a different certificate does not vouch for it
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", tmp_path / "k2",
                    "-out", other, "-days", "2", "-subj", "/CN=someone else"], check=True, capture_output=True)
    assert verify(copy, other).returncode != 0


def test_sign_tree_signs_only_what_no_vendor_signed(setup_exe, throwaway_pfx, tmp_path):
    app = ROOT / "build" / "windows" / "app"
    if not (app / "python" / "python.exe").is_file():
        pytest.skip("no payload in build/windows/app (dist/ held a prebuilt installer)")
    tree = tmp_path / "tree"
    for rel in ("python/python.exe", "bin/gp-guard.exe", "lib/psutil/_psutil_windows.pyd"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(app / rel, tree / rel)
    assert sign.sign_tree(tree) == (2, 1)
    assert verify(tree / "bin" / "gp-guard.exe", throwaway_pfx).returncode == 0
    assert "Python Software Foundation" in verify(tree / "python" / "python.exe", throwaway_pfx).stdout


def test_build_refuses_a_tampered_cpython(setup_exe, tmp_path):
    app = ROOT / "build" / "windows" / "app"
    if not (app / "python" / "python313.dll").is_file():
        pytest.skip("no payload in build/windows/app (dist/ held a prebuilt installer)")
    python = tmp_path / "python"
    python.mkdir()
    for name in ("python.exe", "python313.dll", "vcruntime140.dll"):
        shutil.copy(app / "python" / name, python / name)
    assert payload.verify_python(python, tmp_path) == 3
    dll = bytearray((python / "python313.dll").read_bytes())
    dll[4096] ^= 0xFF  # one byte of code changed after the PSF signed it
    (python / "python313.dll").write_bytes(bytes(dll))
    with pytest.raises(SystemExit, match="python313.dll: the Python Software Foundation's signature does not verify"):
        payload.verify_python(python, tmp_path)


@pytest.fixture
def tiny_payload(tmp_path):
    """A payload of a few files: makensis takes seconds instead of minutes on it."""
    app = tmp_path / "app"
    (app / "python").mkdir(parents=True)
    (app / "python" / "README.txt").write_text("stands for the embeddable CPython")
    (app / "lib" / "gp_guard").mkdir(parents=True)
    (app / "lib" / "gp_guard" / "__init__.py").write_text("")
    payload.launcher("t64.exe", "..\\python\\python.exe", app / "bin" / "gp-guard.exe", 1_700_000_000)
    payload.launcher("w64.exe", "python\\pythonw.exe", app / "gp_guard.exe", 1_700_000_000)
    return app


def build_setup(app: Path, out: Path, env: dict[str, str]) -> Path:
    tool("makensis", "nsis")
    subprocess.run([sys.executable, str(ROOT / "installer" / "build_windows.py"), "--payload", str(app),
                    "--out", str(out)], check=True, capture_output=True, env=env)
    return next(out.glob("gp_guard-*-setup.exe"))


def test_the_same_payload_gives_the_same_installer(tiny_payload, tmp_path, monkeypatch):
    for name in ("GP_GUARD_SIGN_PFX", "GP_GUARD_SIGN_CERT"):
        monkeypatch.delenv(name, raising=False)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    first = build_setup(tiny_payload, tmp_path / "one", env).read_bytes()
    second = build_setup(tiny_payload, tmp_path / "two", env).read_bytes()
    assert first == second


def test_a_signed_build_signs_the_installer_and_its_uninstaller(tiny_payload, throwaway_pfx, tmp_path):
    setup = build_setup(tiny_payload, tmp_path / "out", dict(os.environ))
    checked = verify(setup, throwaway_pfx)
    assert checked.returncode == 0 and "Signature verification: ok" in checked.stdout, checked.stdout
    # The uninstaller only exists once installed: install it under Wine and check it too.
    wine, server = tool("wine", "wine"), tool("wineserver", "wine")
    env = {k: v for k, v in os.environ.items() if k not in ("GP_GUARD_HOME", "DISPLAY")}
    env.update(WINEPREFIX=str(tmp_path / "prefix"), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
    try:
        subprocess.run([wine, str(setup), "/S"], env=env, capture_output=True, timeout=300)
        subprocess.run([server, "-w"], env=env, timeout=300, check=True)
        uninstaller = next((tmp_path / "prefix" / "drive_c" / "users").glob(
            "*/AppData/Local/Programs/gp_guard/uninstall.exe"))
        checked = verify(uninstaller, throwaway_pfx)
        assert checked.returncode == 0 and "Signature verification: ok" in checked.stdout, checked.stdout
    finally:
        subprocess.run([server, "-k"], env=env, capture_output=True)
        shutil.rmtree(tmp_path / "prefix", ignore_errors=True)  # a Wine prefix is hundreds of MB
