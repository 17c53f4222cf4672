"""Micro-benchmark of one big file: ``python bench/vault_big.py [--mib 1024] [--repeat 3]``.

Interleaves ``age -r KEY -o out in && sync`` and gp_guard lock (+ sync) on the same file on the
real disk (never tmpfs), in alternating order; unlock (untimed) restores the original after each lock. Prints each run and
the medians, and the ratio lock/age (target >= 1, issue 4).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MIB = 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=str(Path.cwd()))
    args = parser.parse_args()
    age = shutil.which("age")
    if age is None:
        print("the age CLI is needed")
        return 2
    work = Path(tempfile.mkdtemp(prefix="gp_guard-bigbench-", dir=args.dir))
    os.environ["GP_GUARD_HOME"] = str(work / "home")
    try:
        from gp_guard.vault import agefile, folder

        ident = agefile.X25519Identity.generate()
        rec = ident.recipient()
        data = work / "data"
        data.mkdir()
        block = os.urandom(MIB)
        with open(data / "study.dcm", "wb") as out:
            for index in range(args.mib):
                out.write(block[index % 7:] + block[: index % 7])
        subprocess.run(["sync"], check=True)
        size = args.mib * MIB / 1e6
        ages, locks = [], []
        def run_age() -> float:
            subprocess.run(["sync"], check=True)
            t = time.perf_counter()
            subprocess.run([age, "-r", rec.to_string(), "-o", str(work / "out.age"), str(data / "study.dcm")], check=True)
            subprocess.run(["sync"], check=True)
            seconds = time.perf_counter() - t
            (work / "out.age").unlink()
            return seconds

        def run_lock() -> float:
            subprocess.run(["sync"], check=True)
            t = time.perf_counter()
            rep = folder.lock(data, [rec], [ident])
            subprocess.run(["sync"], check=True)
            seconds = time.perf_counter() - t
            assert rep.ok, [p.text() for p in rep.failed]
            assert folder.unlock(data, [ident]).ok
            return seconds

        for run in range(args.repeat):
            # The order alternates: whichever runs right after a 1 GiB deletion is slowed down on
            # this virtual disk (discard), and that must not always be the same one.
            if run % 2 == 0:
                t_age = run_age()
                t_lock = run_lock()
            else:
                t_lock = run_lock()
                t_age = run_age()
            ages.append(t_age)
            locks.append(t_lock)
            print(f"run {run + 1} ({'age first' if run % 2 == 0 else 'lock first'}): age+sync {size / t_age:.0f} MB/s, "
                  f"lock {size / t_lock:.0f} MB/s, ratio {t_age / t_lock:.2f}x", flush=True)
        t_age, t_lock = statistics.median(ages), statistics.median(locks)
        print(f"median: age+sync {size / t_age:.0f} MB/s, lock {size / t_lock:.0f} MB/s, ratio {t_age / t_lock:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
