"""Benchmark of folder encryption: ``python bench/vault.py [--dir DIR] [--small N] [--big-mib M]``.

On the same data, in one run, on the real disk (never tmpfs):
  * ``cp -r`` + ``sync``: the disk's limit;
  * the ``age`` CLI encrypting to new files (one process per file for the small ones, as a script
    would), + ``sync`` for the same durability;
  * gp_guard lock (fsync, decrypt-verify, rename, folder fsync, re-check, delete) and unlock.
Cases: one 1 GiB file, and 2,000 files of 512 KiB (cold: read from the disk); and the hot file
(issue 16): one 512 MiB file written, then locked right away (still in the page cache, as a file
the watcher just saw finished), gp_guard lock vs ``age`` + ``sync``, several rounds, each tool's
output deleted and synced before the next (``--hot-mib``; ``--only hot`` runs just that case, ``--small 0`` skips the small files). Peak memory (RSS) of the gp_guard runs is
measured in a child process. Targets (issue 4): big file lock ≥ age + sync and ≥ 80 % of cp +
sync; small files ≥ 2× the per-file age loop; peak memory independent of file size.

Fairness: every timed run starts with its input out of the page cache (as for a study written
days ago; ``posix_fadvise(DONTNEED)`` after a ``sync``) and with 2 GiB of memory just touched and
released. On a virtual machine, memory the guest has not used for a few seconds is handed back to
the host and is slow to use again (measured here: touching 1 GiB takes 0.8-2.6 s); without this
step whichever tool runs right after a large deletion gets fast memory and the others do not.
The order of cp, age and gp_guard also rotates from one round to the next. Medians over the
rounds are printed, and every round.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MIB = 1024 * 1024
ORDER = ["cp", "age", "gp_guard"]


def fs_type(path: Path) -> str:
    best, kind = "", "?"
    with open("/proc/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            parts = line.split()
            if str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    return kind


def sync() -> None:
    subprocess.run(["sync"], check=True)


def forget(folder: Path) -> None:
    """Put the folder's files out of the page cache: each timed run reads its input from the disk."""
    sync()
    for path in folder.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def warm_memory(size: int = 2 << 30) -> None:
    """Touch then release ``size`` bytes (in a short-lived process, so this one stays small), so
    the next run finds memory the host has backed."""
    code = ("import mmap, sys\n"
            "n = int(sys.argv[1])\n"
            "area = mmap.mmap(-1, n)\n"
            "for offset in range(0, n, mmap.PAGESIZE):\n"
            "    area[offset] = 1\n")
    subprocess.run([sys.executable, "-c", code, str(size)], check=True)


def timed(fn, src: Path) -> float:  # type: ignore[no-untyped-def]
    forget(src)
    warm_memory()
    start = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - start


def make_data(root: Path, big_mib: int, small: int) -> tuple[Path, Path]:
    big, many = root / "big", root / "small"
    big.mkdir(parents=True)
    many.mkdir()
    block = os.urandom(MIB)
    with open(big / "study.dcm", "wb") as out:
        for index in range(big_mib):
            out.write(block[index % 7:] + block[: index % 7])
    for index in range(small):
        (many / f"IMG{index:05d}.dcm").write_bytes(os.urandom(512 * 1024))
    sync()
    return big, many


def child(action: str, folder: Path, keyfile: Path, cold: bool = True) -> tuple[float, int, float]:
    """Run gp_guard lock/unlock in a child: (seconds including sync, peak RSS in MiB, CPU seconds)."""
    code = (
        "import sys, time, resource, subprocess\n"
        "from gp_guard.vault import agefile, folder\n"
        "w, r = agefile.parse_identities(open(sys.argv[3]).read())\n"
        "t, cpu = time.perf_counter(), time.process_time()\n"
        "rep = (folder.lock(sys.argv[2], [w.recipient(), r.recipient()], [w] if sys.argv[1] == 'lock' else None) "
        "if sys.argv[1].startswith('lock') else folder.unlock(sys.argv[2], [w]))\n"
        "cpu = time.process_time() - cpu\n"
        "subprocess.run(['sync'])\n"
        "assert rep.ok, [p.text() for p in rep.failed]\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"  # VmHWM belongs to this program; ru_maxrss may include the parent's before exec
        "    peak = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])\n"
        "except (OSError, StopIteration):\n"
        "    pass\n"
        "print(time.perf_counter() - t, peak, cpu)\n"
    )
    if cold:
        forget(folder)
        warm_memory()
    out = subprocess.run([sys.executable, "-c", code, action, str(folder), str(keyfile)], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]).stdout
    seconds, rss_kib, cpu = out.split()
    return float(seconds), int(rss_kib) // 1024, float(cpu)


def age_loop(age: str, src: Path, dst: Path, recipients: list[str]) -> None:
    dst.mkdir()
    args = [age]
    for recipient in recipients:
        args += ["-r", recipient]
    for path in sorted(src.iterdir()):
        subprocess.run([*args, "-o", str(dst / (path.name + ".age")), str(path)], check=True)


def write_hot(path: Path, mib: int) -> None:
    """A new file, written now and synced: clean, and entirely in the page cache."""
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for index in range(mib):
            out.write(block[index % 13:] + block[: index % 13])
    sync()


def hot_case(work: Path, keyfile: Path, age: str, recipients: list[str], mib: int, rounds: int) -> tuple[float, float]:
    """gp_guard lock vs age + sync on a file just written; prints every round, returns the median
    ratios (decrypt-verified, public keys only)."""
    hot = work / "hot"
    hot.mkdir()
    ratios: list[float] = []
    public: list[float] = []
    cpu: dict[str, list[float]] = {"age": [], "gp_guard": [], "public": []}
    print(f"1 hot file of {mib} MiB (written, then locked right away):", flush=True)
    for round_ in range(rounds):
        times = {}
        for who in (("age", "gp_guard", "public") if round_ % 2 == 0 else ("public", "gp_guard", "age")):
            write_hot(hot / "arrival.dcm", mib)
            if who == "age":
                args = [age] + [x for r in recipients for x in ("-r", r)]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run([*args, "-o", str(work / "arrival.dcm.age"), str(hot / "arrival.dcm")], check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                sync()
                times[who] = time.perf_counter() - start
                cpu[who].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                (work / "arrival.dcm.age").unlink()
                (hot / "arrival.dcm").unlink()
            else:  # decrypt-verified (as the window and `vault lock`), or public keys only (the watcher)
                times[who], _rss, used = child("lock" if who == "gp_guard" else "lock-public", hot, keyfile, cold=False)
                cpu[who].append(used)
                (hot / "arrival.dcm.age").unlink()
            sync()
        ratios.append(times["age"] / times["gp_guard"])
        public.append(times["age"] / times["public"])
        print(f"  round {round_ + 1}: age+sync {mib * MIB / 1e6 / times['age']:.0f} MB/s, "
              f"lock {mib * MIB / 1e6 / times['gp_guard']:.0f} MB/s ({ratios[-1]:.2f}x age), "
              f"lock with the public keys only (the watcher) {mib * MIB / 1e6 / times['public']:.0f} MB/s "
              f"({public[-1]:.2f}x age)", flush=True)
    print(f"  hot lock/age per round: {', '.join(f'{x:.2f}' for x in sorted(ratios))} "
          f"(median {statistics.median(ratios):.2f}x; target >= 1); public keys only: median "
          f"{statistics.median(public):.2f}x", flush=True)
    print(f"  CPU seconds, medians: age {statistics.median(cpu['age']):.2f}, lock {statistics.median(cpu['gp_guard']):.2f}, "
          f"public keys only {statistics.median(cpu['public']):.2f} (on a machine whose cores are all busy, "
          "the time follows the CPU used: the verified lock decrypts the whole copy again)", flush=True)
    return statistics.median(ratios), statistics.median(public)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="where to put the test data (default: a temporary folder on a real disk)")
    parser.add_argument("--small", type=int, default=2000, help="number of 512 KiB files (default 2000; 0: no small-file case)")
    parser.add_argument("--big-mib", type=int, default=1024, help="size of the big file in MiB (default 1024)")
    parser.add_argument("--repeat", type=int, default=6, help="rounds of each measurement; medians are printed (default 6)")
    parser.add_argument("--hot-mib", type=int, default=512, help="size of the hot file in MiB (default 512)")
    parser.add_argument("--only", choices=("hot", "cold"), help="run only the hot case, or only the cold ones")
    args = parser.parse_args()
    age = shutil.which("age")
    if age is None:
        print("the age CLI is needed (apt-get install age)")
        return 2
    base = Path(args.dir) if args.dir else Path(tempfile.gettempdir())
    if fs_type(base) in ("tmpfs", "ramfs"):
        base = Path.cwd()
    work = Path(tempfile.mkdtemp(prefix="gp_guard-bench-", dir=base))
    os.environ["GP_GUARD_HOME"] = str(work / "home")
    try:
        from gp_guard.vault import agefile

        ids = [agefile.X25519Identity.generate(), agefile.X25519Identity.generate()]
        keyfile = work / "keys.txt"
        keyfile.write_text("".join(i.to_string() + "\n" for i in ids))
        recipients = [i.recipient().to_string() for i in ids]
        print(f"data in {work} ({fs_type(work)}), {os.cpu_count()} CPUs, medians of {args.repeat} runs")
        hot = hot_case(work, keyfile, age, recipients, args.hot_mib, args.repeat) if args.only != "cold" else None
        if args.only == "hot":
            return 0
        big, many = make_data(work / "data", args.big_mib, args.small)
        rows = []
        cases = [(f"1 file of {args.big_mib} MiB", big, args.big_mib * MIB)]
        if args.small:
            cases.append((f"{args.small} files of 512 KiB", many, args.small * 512 * 1024))
        for label, src, size in cases:
            runs: list[tuple[float, float, float, float, int, int]] = []
            print(f"{label}:", flush=True)
            for round_ in range(args.repeat):  # rotating order, medians: this disk is noisy
                times: dict[str, float] = {}
                rss = [0, 0]
                for who in ORDER[round_ % 3:] + ORDER[: round_ % 3]:
                    if who == "cp":
                        times[who] = timed(lambda s=src: subprocess.run(["cp", "-r", str(s), str(work / "cp")], check=True), src)
                        shutil.rmtree(work / "cp")
                    elif who == "age":
                        times[who] = timed(lambda s=src: age_loop(age, s, work / "age", recipients), src)
                        shutil.rmtree(work / "age")
                    else:
                        times["lock"], rss[0], _cpu = child("lock", src, keyfile)
                        times["unlock"], rss[1], _cpu = child("unlock", src, keyfile)
                runs.append((times["cp"], times["age"], times["lock"], times["unlock"], rss[0], rss[1]))
                print(f"  round {round_ + 1} ({', '.join(ORDER[round_ % 3:] + ORDER[: round_ % 3])}): "
                      f"cp+sync {size / 1e6 / times['cp']:.0f} MB/s, age+sync {size / 1e6 / times['age']:.0f} MB/s, "
                      f"lock {size / 1e6 / times['lock']:.0f} MB/s ({times['age'] / times['lock']:.2f}x age, "
                      f"{times['cp'] / times['lock']:.0%} of cp), unlock {size / 1e6 / times['unlock']:.0f} MB/s", flush=True)
            t_cp, t_age, t_lock, t_unlock = (statistics.median(r[i] for r in runs) for i in range(4))
            rss_lock, rss_unlock = max(r[4] for r in runs), max(r[5] for r in runs)
            mb = size / 1e6
            rows.append((label, mb, t_cp, t_age, t_lock, t_unlock, rss_lock, rss_unlock))
            ratios = sorted(r[1] / r[2] for r in runs)
            print(f"  lock/age per round: {', '.join(f'{x:.2f}' for x in ratios)} (median {statistics.median(ratios):.2f}x); "
                  f"lock/cp per round: median {statistics.median(r[0] / r[2] for r in runs):.0%}", flush=True)
        print()
        print(f"{'case':<24}{'cp+sync':>10}{'age+sync':>10}{'lock':>10}{'unlock':>10}   lock/age  lock/cp  peak RSS lock/unlock")
        for label, mb, t_cp, t_age, t_lock, t_unlock, rss_lock, rss_unlock in rows:
            print(f"{label:<24}{mb / t_cp:>7.0f}MB/s{mb / t_age:>6.0f}MB/s{mb / t_lock:>6.0f}MB/s{mb / t_unlock:>6.0f}MB/s"
                  f"   {t_age / t_lock:>7.2f}x {t_cp / t_lock:>7.2f}x  {rss_lock} / {rss_unlock} MiB")
        print()
        big_row = rows[0]
        print(f"targets: big lock >= age+sync: {big_row[3] / big_row[4]:.2f}x (>= 1); "
              f"big lock vs cp+sync: {big_row[2] / big_row[4]:.0%} (>= 80%)", end="")
        if len(rows) > 1:
            small_row = rows[1]
            print(f"; small lock vs per-file age: {small_row[3] / small_row[4]:.2f}x (>= 2); "
                  f"peak RSS big vs small: {big_row[6]} vs {small_row[6]} MiB", end="")
        print()
        if hot is not None:
            print(f"lock/age+sync, medians in this run: hot file {hot[0]:.2f}x (public keys only {hot[1]:.2f}x), "
                  f"cold big file {big_row[3] / big_row[4]:.2f}x")
        print(f"bench process peak RSS (data generation): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
