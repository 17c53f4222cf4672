"""Benchmark of the folder watcher: ``python bench/watch.py [--quiet-seconds N] [--mib M] [--rounds R]``.

The latency from "the writer closed the file" to "its ``.age`` is durable and the original is
gone" (the vault's protocol makes the copy durable, renamed and its folder synced before the
original is deleted, so the original's disappearance marks both), for one file of ``--mib`` MiB
(default 50) arriving in a protected folder watched by a real ``gp-guard vault watch`` process
(inotify here), ``--rounds`` times (default 5); the median is printed against the target of issue
16: quiet period + 2 s. The data live in a temporary folder on a real disk (never tmpfs).
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MIB = 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet-seconds", type=float, default=10.0, help="the watcher's quiet period (default 10)")
    parser.add_argument("--mib", type=int, default=50, help="size of the arriving file in MiB (default 50)")
    parser.add_argument("--rounds", type=int, default=5, help="files, one after the other (default 5)")
    args = parser.parse_args()
    base = Path(tempfile.gettempdir())
    work = Path(tempfile.mkdtemp(prefix="gp_guard-watch-bench-", dir=base if not str(base).startswith("/dev/shm") else "."))
    os.environ["GP_GUARD_HOME"] = str(work / "home")
    watcher = None
    try:
        from gp_guard.vault import folder, keys

        keys.TYPED_WORK_FACTOR = 10  # the bench's own throw-away keys: no need for a slow passphrase
        keys.create_keys(b"bench passphrase, thrown away")
        root = work / "Imagerie"
        root.mkdir()
        folder.lock(root, keys.recipients())
        env = dict(os.environ, PYTHONPATH=str(REPO))
        watcher = subprocess.Popen([sys.executable, "-m", "gp_guard", "vault", "watch", "--quiet-seconds",
                                    str(args.quiet_seconds)], stdout=subprocess.PIPE, text=True, env=env)
        assert watcher.stdout is not None
        first = watcher.stdout.readline()
        assert "watched" in first, first
        block = os.urandom(MIB)
        latencies = []
        for index in range(args.rounds):
            path = root / f"arrival{index}.dcm"
            with open(path, "wb") as out:
                for chunk in range(args.mib):
                    out.write(block[chunk % 17:] + block[: chunk % 17])
            closed = time.perf_counter()
            deadline = closed + args.quiet_seconds + 120
            while path.exists() or not (root / (path.name + ".age")).exists():
                if time.perf_counter() > deadline:
                    print(f"round {index + 1}: not encrypted after {args.quiet_seconds + 120:.0f} s")
                    return 1
                time.sleep(0.005)  # a benchmark, not a test: a short poll is the measurement's resolution
            latencies.append(time.perf_counter() - closed)
            print(f"round {index + 1}: {latencies[-1]:.2f} s from close to .age durable and original gone", flush=True)
        median = statistics.median(latencies)
        print(f"{args.mib} MiB, quiet period {args.quiet_seconds:g} s: median latency {median:.2f} s "
              f"(quiet period + {median - args.quiet_seconds:.2f} s; target: quiet period + 2 s or less)")
        return 0
    finally:
        if watcher is not None:
            watcher.terminate()
            watcher.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
