"""Authenticode signing with osslsigncode, driven by environment variables naming the certificate.

    GP_GUARD_SIGN_PFX        a PKCS#12 file (.pfx/.p12) holding the certificate and its key, or
    GP_GUARD_SIGN_CERT + GP_GUARD_SIGN_KEY   PEM certificate (chain) and private key files
    GP_GUARD_SIGN_PASS       the password of the .pfx or key (optional; never on a command line:
                             handed to osslsigncode through a 0600 file that is removed at once)
    GP_GUARD_SIGN_TIMESTAMP  an RFC 3161 timestamp server URL (optional, for releases: required)

    python installer/windows/sign.py FILE...        sign these files in place
Nothing is signed when neither GP_GUARD_SIGN_PFX nor GP_GUARD_SIGN_CERT is set.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

NAME = "gp_guard"
URL = "https://gp-guard.invalid/"
PE_SUFFIXES = {".exe", ".dll", ".pyd"}


def configured() -> bool:
    return bool(os.environ.get("GP_GUARD_SIGN_PFX") or os.environ.get("GP_GUARD_SIGN_CERT"))


def credentials() -> list[str]:
    if os.environ.get("GP_GUARD_SIGN_PFX"):
        return ["-pkcs12", os.environ["GP_GUARD_SIGN_PFX"]]
    cert, key = os.environ.get("GP_GUARD_SIGN_CERT"), os.environ.get("GP_GUARD_SIGN_KEY")
    if not (cert and key):
        raise SystemExit("set GP_GUARD_SIGN_PFX, or GP_GUARD_SIGN_CERT and GP_GUARD_SIGN_KEY")
    return ["-certs", cert, "-key", key]


def has_signature(path: Path) -> bool:
    """True when the PE file already carries an Authenticode signature (security directory set)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head[:2] != b"MZ":
        return False
    pe = struct.unpack_from("<I", head, 0x3C)[0]
    if head[pe:pe + 4] != b"PE\0\0":
        return False
    optional = pe + 24
    magic = struct.unpack_from("<H", head, optional)[0]
    directories = optional + (112 if magic == 0x20B else 96)
    _address, size = struct.unpack_from("<II", head, directories + 4 * 8)
    return size > 0


def sign(paths: list[Path]) -> None:
    base = ["osslsigncode", "sign", *credentials(), "-h", "sha256", "-n", NAME, "-i", URL]
    if os.environ.get("GP_GUARD_SIGN_TIMESTAMP"):
        base += ["-ts", os.environ["GP_GUARD_SIGN_TIMESTAMP"]]
    with tempfile.TemporaryDirectory() as tmp:
        if os.environ.get("GP_GUARD_SIGN_PASS"):
            secret = Path(tmp) / "pass"
            fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(os.environ["GP_GUARD_SIGN_PASS"])
            base += ["-readpass", str(secret)]
        for path in paths:
            out = path.with_name(path.name + ".signed")
            proc = subprocess.run([*base, "-in", str(path), "-out", str(out)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                out.unlink(missing_ok=True)
                raise SystemExit(f"signing {path.name} failed: {proc.stderr.strip() or proc.stdout.strip()}")
            os.replace(out, path)


def sign_tree(root: Path) -> tuple[int, int]:
    """Sign every PE file under root that has no signature yet; vendor signatures (PSF, Qt) stay.

    Returns (signed now, already signed by their vendor)."""
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in PE_SUFFIXES and p.is_file())
    unsigned = [p for p in files if not has_signature(p)]
    sign(unsigned)
    return len(unsigned), len(files) - len(unsigned)


def main(argv: list[str]) -> int:
    if not configured():
        print("sign.py: no certificate configured (GP_GUARD_SIGN_PFX / GP_GUARD_SIGN_CERT); not signed")
        return 0
    sign([Path(a) for a in argv])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
