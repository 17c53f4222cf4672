"""Benchmark: full `gp-guard audit --json --no-network`, and GUI start to first painted window.

Run with `make bench` (or `.venv/bin/python bench/audit.py`). Prints medians; targets: audit
under 3 s, window under 1.5 s. Each run is a fresh process, as a doctor or an IT provider starts it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
ROOT = Path(__file__).resolve().parent.parent
GP_GUARD = [sys.executable, "-m", "gp_guard"]


def env(home: str) -> dict[str, str]:
    return dict(os.environ, GP_GUARD_HOME=home, GP_GUARD_NO_NETWORK="1", PYTHONPATH=str(ROOT))


def bench_audit(home: str) -> list[float]:
    times = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        proc = subprocess.run([*GP_GUARD, "audit", "--json", "--no-network"], env=env(home),
                              capture_output=True, text=True)
        times.append(time.perf_counter() - begin)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"audit failed: {proc.stderr}")
    return times


def bench_first_paint(home: str) -> list[float]:
    platform = "xcb" if shutil.which("xvfb-run") and sys.platform.startswith("linux") else "offscreen"
    times = []
    for _ in range(RUNS):
        cmd = [*GP_GUARD]
        if platform == "xcb":
            cmd = ["xvfb-run", "-a", *cmd]
        e = env(home) | {"GP_GUARD_BENCH_FIRST_PAINT": "1", "QT_QPA_PLATFORM": platform}
        proc = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=60)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("first-paint ")), None)
        if line is None:
            raise SystemExit(f"no first-paint line: {proc.stdout}\n{proc.stderr}")
        times.append(float(line.split()[1]))
    return times, platform


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        audit = bench_audit(home)
        print(f"audit --json --no-network: median {statistics.median(audit):.2f} s "
              f"(min {min(audit):.2f}, max {max(audit):.2f}, {RUNS} runs; target < 3 s)")
        paint, platform = bench_first_paint(home)
        print(f"GUI start to first paint ({platform}): median {statistics.median(paint):.2f} s "
              f"(min {min(paint):.2f}, max {max(paint):.2f}, {RUNS} runs; target < 1.5 s)")


if __name__ == "__main__":
    main()
