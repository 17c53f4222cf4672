"""Build dist/gp-guard_<version>_amd64.deb: a PyInstaller bundle in /opt/gp-guard, wrapped by dpkg-deb.

    python installer/build_deb.py [--out dist] [--bundle build/linux/dist/gp-guard]

--bundle reuses a bundle already frozen (the tests use it to skip a second PyInstaller run).
Reproducible: every file gets the mtime SOURCE_DATE_EPOCH (default: the last commit), fixed
permissions and root ownership; dpkg-deb sorts the members and uses SOURCE_DATE_EPOCH too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    BUILD,
    ICON_SVG,
    INSTALLER,
    ROOT,
    freeze,
    need,
    normalise_tree,
    render_png,
    run,
    source_date_epoch,
    step,
    version,
)

ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def qt_libraries() -> list[str]:
    """The X/GL libraries (and the font) Qt's xcb platform needs: the list `make run` installs,
    tools/packages/qt.txt."""
    text = (ROOT / "tools" / "packages" / "qt.txt").read_text(encoding="utf-8")
    names = [word for line in text.splitlines() for word in line.split("#", 1)[0].split()]
    if not names:
        raise SystemExit("tools/packages/qt.txt lists no package")
    return names


def disk_kib(root: Path) -> int:
    return sum(-(-p.lstat().st_size // 1024) for p in root.rglob("*") if not p.is_dir()) + 1


def stage(bundle: Path, pkg: Path, ver: str) -> None:
    if pkg.exists():
        shutil.rmtree(pkg)
    shutil.copytree(bundle, pkg / "opt" / "gp-guard", symlinks=True)
    (pkg / "usr" / "bin").mkdir(parents=True)
    (pkg / "usr" / "bin" / "gp-guard").symlink_to("/opt/gp-guard/gp-guard")
    apps = pkg / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy(INSTALLER / "linux" / "gp_guard.desktop", apps / "gp_guard.desktop")
    icons = pkg / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        render_png(ICON_SVG, size, icons / f"{size}x{size}" / "apps" / "gp_guard.png")
    (icons / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(ICON_SVG, icons / "scalable" / "apps" / "gp_guard.svg")
    doc = pkg / "usr" / "share" / "doc" / "gp-guard"
    doc.mkdir(parents=True)
    shutil.copy(INSTALLER / "linux" / "copyright", doc / "copyright")
    control = (INSTALLER / "linux" / "control.in").read_text(encoding="utf-8")
    control = (control.replace("@VERSION@", ver).replace("@SIZE@", str(disk_kib(pkg)))
               .replace("@QTLIBS@", ", ".join(qt_libraries())))
    (pkg / "DEBIAN").mkdir()
    (pkg / "DEBIAN" / "control").write_text(control, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--bundle", type=Path, help="a bundle already frozen by installer/linux/gp-guard.spec")
    args = parser.parse_args()
    need("dpkg-deb", "dpkg")
    ver = version()
    epoch = source_date_epoch()
    work = BUILD / "linux"
    bundle = args.bundle
    if bundle is None:
        with step("PyInstaller bundle"):
            bundle = freeze(INSTALLER / "linux" / "gp-guard.spec", work / "dist", work / "pyi")
    with step("staging"):
        pkg = work / "pkg"
        stage(bundle, pkg, ver)
        normalise_tree(pkg, epoch)
    args.out.mkdir(parents=True, exist_ok=True)
    deb = args.out / f"gp-guard_{ver}_amd64.deb"
    with step("dpkg-deb (xz)"):
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
        run("dpkg-deb", "--root-owner-group", "-Zxz", "--build", pkg, deb, env=env)
    print(f"{deb}: {deb.stat().st_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
