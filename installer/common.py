"""Helpers shared by the build scripts of installer/ (standard library only)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"
ICON_SVG = ROOT / "resources" / "icons" / "gp_guard.svg"
BUILD = ROOT / "build"


def version() -> str:
    text = (ROOT / "gp_guard" / "version.py").read_text(encoding="utf-8")
    found = re.search(r'__version__ = "([^"]+)"', text)
    if not found:
        raise SystemExit("gp_guard/version.py has no __version__")
    return found.group(1)


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH if set, else the time of the last commit: every file gets this mtime."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return 1_700_000_000


def need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"{tool} is missing: apt-get install {package}")
    return path


def run(*cmd: str | Path, **kwargs) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def step(name: str):  # type: ignore[no-untyped-def]
    """Context manager printing how long a build step took."""

    class _Step:
        def __enter__(self) -> None:
            self.begin = time.monotonic()
            print(f"== {name}", flush=True)

        def __exit__(self, *exc: object) -> None:
            print(f"== {name}: {time.monotonic() - self.begin:.1f} s", flush=True)

    return _Step()


def normalise_tree(root: Path, epoch: int) -> None:
    """Fixed permissions (0755 dirs and executables, 0644 files) and mtimes, for reproducible archives."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_symlink():
            os.utime(path, (epoch, epoch), follow_symlinks=False)
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            path.chmod(0o755 if path.stat().st_mode & 0o111 else 0o644)
        os.utime(path, (epoch, epoch))
    os.utime(root, (epoch, epoch))


def render_png(svg: Path, size: int, out: Path) -> None:
    """The icon at size x size pixels, drawn by rsvg-convert (Debian librsvg2-bin, LGPL-2.1+)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    run(need("rsvg-convert", "librsvg2-bin"), "-w", str(size), "-h", str(size), svg, "-o", out)


def freeze(spec: Path, dist: Path, work: Path) -> Path:
    """Run PyInstaller on spec; the one-folder bundle is dist/gp-guard."""
    env = dict(os.environ, PYTHONHASHSEED="0", SOURCE_DATE_EPOCH=str(source_date_epoch()),
               PYTHONPATH=str(ROOT))
    run(sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", dist, "--workpath", work, spec, env=env, cwd=ROOT)
    return dist / "gp-guard"
