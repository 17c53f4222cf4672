"""Benchmark: `gp-guard audit --json --no-network` while hostile servers run on loopback (red-team D3).

Starts the hostile servers of tests/integration/test_hostile_audit.py (endless FTP banner, FTP and
HTTP one byte a second, DICOM PDU announcing 4 GiB, PostgreSQL and MySQL one byte a second, two
`orthanc` processes whose configuration is /dev/zero or a FIFO), runs the audit once from a
checkout and prints its wall time and peak RSS. The audit is killed after --limit seconds and runs
under a 4 GiB address-space cap, so the figures of an unbounded version stay finite.

    .venv/bin/python bench/hostile_audit.py                   # this checkout
    .venv/bin/python bench/hostile_audit.py --checkout ../main  # another one (before/after)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.test_hostile_audit import run_audit, start_hostile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before the audit is killed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        hostile = start_hostile(Path(tmp))
        try:
            run = run_audit(args.checkout.resolve(), Path(tmp) / "data", args.limit)
        finally:
            hostile.stop()
    state = f"exit {run.returncode}" if run.finished else f"still running after {args.limit:g} s, killed"
    memory = " (MemoryError)" if "MemoryError" in run.stderr else ""
    own = f"{run.own_peak_rss_mb:.0f} MB" if run.own_peak_rss_mb is not None else "not reported"
    print(f"checkout {args.checkout.resolve()}: wall {run.seconds:.1f} s, peak RSS {own} (wait4, with the tools: {run.peak_rss_mb:.0f} MB){memory}, {state}")


if __name__ == "__main__":
    main()
