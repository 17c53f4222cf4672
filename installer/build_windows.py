"""Build dist/gp_guard-<version>-setup.exe on Linux: embeddable CPython + Windows wheels + NSIS.

    python installer/build_windows.py [--out dist] [--payload build/windows/app]

Signs every unsigned .exe/.dll/.pyd of the payload, then the installer and its uninstaller, when
GP_GUARD_SIGN_PFX (or GP_GUARD_SIGN_CERT + GP_GUARD_SIGN_KEY) names a certificate: see
installer/windows/sign.py. Fails if the embeddable CPython's PSF signatures do not verify.
--payload reuses a payload folder already built (it is not signed again).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent / "windows"))
import payload  # noqa: E402
import sign  # noqa: E402
from common import (  # noqa: E402
    BUILD,
    ICON_SVG,
    INSTALLER,
    ROOT,
    need,
    normalise_tree,
    render_png,
    run,
    source_date_epoch,
    step,
    version,
)

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def make_ico(work: Path) -> Path:
    from PIL import Image

    pngs = []
    for size in ICO_SIZES:
        png = work / "icon" / f"{size}.png"
        render_png(ICON_SVG, size, png)
        pngs.append(Image.open(png))
    ico = work / "gp_guard.ico"
    pngs[-1].save(ico, sizes=[(s, s) for s in ICO_SIZES], append_images=pngs[:-1])
    return ico


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--payload", type=Path, help="a payload folder already built")
    args = parser.parse_args()
    makensis = need("makensis", "nsis")
    need("osslsigncode", "osslsigncode")
    ver = version()
    epoch = source_date_epoch()
    work = BUILD / "windows"
    work.mkdir(parents=True, exist_ok=True)
    app = args.payload
    if app is None:
        app = work / "app"
        with step("payload (embeddable CPython, Windows wheels, gp_guard)"):
            payload.build(app, work, epoch)
        if sign.configured():
            with step("signing the payload"):
                signed, vendor = sign.sign_tree(app)
                print(f"signed {signed} files; {vendor} already signed by their vendor")
        normalise_tree(app, epoch)
    ico = make_ico(work)
    args.out.mkdir(parents=True, exist_ok=True)
    setup = (args.out / f"gp_guard-{ver}-setup.exe").resolve()
    defines = [f"-DVERSION={ver}", f"-DPAYLOAD={app.resolve()}", f"-DOUTFILE={setup}", f"-DICON={ico.resolve()}"]
    if sign.configured():
        defines.append(f'-DSIGN_CMD="{sys.executable}" "{INSTALLER / "windows" / "sign.py"}"')
    with step("makensis (LZMA, solid)"):
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
        run(makensis, "-V2", "-INPUTCHARSET", "UTF8", *defines, INSTALLER / "windows" / "gp_guard.nsi", env=env)
    print(f"{setup}: {setup.stat().st_size / 2**20:.1f} MiB")
    shutil.rmtree(work / "icon", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
