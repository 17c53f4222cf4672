"""Cost of the "still being written?" checks of the vault: ``python bench/vault_inuse.py [--files N]``.

Locks N small files (4 KiB, where the per-file costs show most) three ways, on the real disk:
with the checks as shipped (Linux: a read lease per file, a /proc scan only for the files a lease
cannot vouch for), with leases turned off (the /proc scan for every file and batch: another user's
files), and with the checks disabled (the code before them). Prints the median of 3 runs each.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--dir", default=str(Path.home()))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gp-bench-inuse-", dir=args.dir))
    os.environ["GP_GUARD_HOME"] = str(work / "home")
    from gp_guard.vault import agefile, folder, inuse

    ident = agefile.X25519Identity.generate()

    @contextlib.contextmanager
    def unchecked():
        class _Held:
            writer = None
            same = True

            def alone(self) -> bool:
                return True

        real_writers, real_hold = inuse.writers, inuse.hold
        inuse.writers = lambda paths: {}
        inuse.hold = contextlib.contextmanager(lambda path, expected=None, scanned=None: (yield _Held()))
        try:
            yield
        finally:
            inuse.writers, inuse.hold = real_writers, real_hold

    @contextlib.contextmanager
    def no_lease():
        inuse.LEASES = False
        try:
            yield
        finally:
            inuse.LEASES = True

    ways = {"checks (lease)": contextlib.nullcontext, "checks (scan only)": no_lease, "no checks": unchecked}
    times: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for _round in range(3):
            for name, way in ways.items():
                root = work / "folder"
                shutil.rmtree(root, ignore_errors=True)
                root.mkdir()
                for index in range(args.files):
                    (root / f"{index:05d}.dcm").write_bytes(os.urandom(4096))
                with way():
                    start = time.perf_counter()
                    report = folder.lock(root, [ident.recipient()], [ident])
                    times[name].append(time.perf_counter() - start)
                assert report.ok and len(report.done) == args.files
        processes = sum(1 for p in os.listdir("/proc") if p.isdigit()) if os.path.isdir("/proc") else 0
        print(f"{args.files} files of 4 KiB, {processes} processes running")
        base = statistics.median(times["no checks"])
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:20s} {median:6.2f} s  {args.files / median:7.0f} files/s  x{median / base:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
