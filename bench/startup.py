"""Benchmark: start-up of the installed (frozen) app beside the source run.

    python bench/startup.py [--bundle /opt/gp-guard/gp-guard]

Measures `gp-guard --version` (target < 0.3 s) and start to first painted window (target < 1.5 s,
measured by bench/audit.py's first-paint probe) for the source run and the PyInstaller bundle
(the installed /opt/gp-guard, else build/linux/dist/gp-guard from `make dist`). Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import audit  # noqa: E402  (bench/audit.py: the first-paint measurement)

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = [Path("/opt/gp-guard/gp-guard"), ROOT / "build" / "linux" / "dist" / "gp-guard" / "gp-guard"]


def bench_version(command: list[str], home: str) -> list[float]:
    times = []
    for _ in range(audit.RUNS):
        begin = time.perf_counter()
        proc = subprocess.run([*command, "--version"], env=audit.env(home), capture_output=True, text=True)
        times.append(time.perf_counter() - begin)
        if proc.returncode != 0:
            raise SystemExit(f"{command} --version failed: {proc.stderr}")
    return times


def first_paint(command: list[str], home: str) -> tuple[list[float], str]:
    saved = audit.GP_GUARD
    audit.GP_GUARD = command
    try:
        return audit.bench_first_paint(home)
    finally:
        audit.GP_GUARD = saved


def line(label: str, times: list[float], target: str) -> str:
    return (f"{label}: median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}, "
            f"{len(times)} runs; target {target})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="the frozen gp-guard executable")
    args = parser.parse_args()
    bundle = args.bundle or next((c for c in CANDIDATES if c.is_file()), None)
    runs: list[tuple[str, list[str]]] = [("source", [sys.executable, "-m", "gp_guard"])]
    if bundle is None:
        print("no bundle found (install the .deb or run `make dist`): source run only")
    else:
        runs.append((f"bundle {bundle}", [str(bundle)]))
    with tempfile.TemporaryDirectory() as home:
        for label, command in runs:
            print(line(f"{label} --version", bench_version(command, home), "< 0.3 s"))
            paint, platform = first_paint(command, home)
            print(line(f"{label} first paint ({platform})", paint, "< 1.5 s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
