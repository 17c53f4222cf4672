"""Benchmark: wall time of the network part of the audit with real servers up.

Run as root (it creates network namespaces): `.venv/bin/python bench/exposure.py`.
Inside a private namespace `pc` it starts an open Orthanc (HTTP + DICOM), an anonymous vsftpd and a
PostgreSQL with trust, and a real UPnP box (miniupnpd, in its own namespace) that forwards the
DICOM port; then times `gp-guard audit --json --only <exposure checks>` run in `pc` (fresh process
each time) and prints the median, the slowest checks, and the target (< 5 s). Nothing leaves the
namespaces: the probes go to loopback, the UPnP discovery to the test box.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.netns import PC_IP, Lan  # noqa: E402

CHECKS = "NET-01,NET-02,IMG-01,IMG-02,IMG-03,IMG-04,INV-01,FTP-01,FTP-02,DB-01,DB-02,DB-03,BOX-01,BOX-02,EXP-01"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def start_until(argv: list[str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if ready in line:
            return proc
    raise RuntimeError(f"{argv[3]} did not start")


def main() -> None:
    if os.geteuid() != 0:
        raise SystemExit("run as root: the benchmark creates network namespaces")
    work = Path(tempfile.mkdtemp(prefix="gpguard-bench-"))
    os.chmod(work, 0o755)
    lan = Lan(f"b{os.getpid() % 10000}", work)
    procs: list[subprocess.Popen[str]] = []
    try:
        lan.create()
        lan.start_box()
        in_pc = ["ip", "netns", "exec", lan.pc]
        storage = work / "orthanc"
        storage.mkdir()
        (work / "orthanc.json").write_text(json.dumps({
            "Name": "bench", "StorageDirectory": str(storage), "IndexDirectory": str(storage),
            "HttpPort": 8042, "DicomPort": 4242, "RemoteAccessAllowed": True,
            "AuthenticationEnabled": False, "DicomAlwaysAllowFind": True, "Plugins": []}))
        procs.append(start_until([*in_pc, "Orthanc", "--verbose", str(work / "orthanc.json")], "Orthanc has started"))
        anon = work / "anon"
        (anon / "pub").mkdir(parents=True)
        empty = work / "empty"
        empty.mkdir()
        (work / "vsftpd.conf").write_text("\n".join([
            "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", "listen_port=2121",
            "background=NO", "seccomp_sandbox=NO", f"secure_chroot_dir={empty}", f"anon_root={anon}",
            "anonymous_enable=YES", "local_enable=NO"]) + "\n")
        procs.append(subprocess.Popen([*in_pc, "vsftpd", str(work / "vsftpd.conf")], text=True))
        if (PG_BIN / "initdb").exists():
            data = work / "pg"
            shutil.chown(work, "postgres")
            subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust"],
                           check=True, capture_output=True)
            with open(data / "postgresql.conf", "a") as conf:
                conf.write("listen_addresses = '*'\nport = 5432\n")
            subprocess.run([*in_pc, "runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(data),
                            "-o", f"-k {work}", "-l", str(work / "pg.log"), "-w", "start"], check=True, capture_output=True)
        lan.add_mapping(PC_IP, 4242)
        env = dict(os.environ, GP_GUARD_HOME=str(work / "home"), PYTHONPATH=str(ROOT))
        env.pop("GP_GUARD_NO_NETWORK", None)  # discovery stays inside the namespaces
        walls, own, durations = [], [], {}
        for _ in range(RUNS):
            begin = time.perf_counter()
            out = lan.run_in_pc([sys.executable, "-m", "gp_guard", "audit", "--json", "--no-save", "--only", CHECKS], env)
            walls.append(time.perf_counter() - begin)
            report = json.loads(out.stdout)
            own.append(report["duration_s"])
            for f in report["findings"]:
                durations.setdefault(f["id"], []).append(f["duration_s"])
        statuses = {f["id"]: f["status"] for f in report["findings"]}
        print(f"exposure scan ({len(CHECKS.split(','))} checks, process start included): "
              f"median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}, "
              f"{RUNS} runs; target < 5 s)")
        print(f"audit's own duration_s (checks in parallel): median {statistics.median(own):.2f} s")
        slowest = sorted(durations.items(), key=lambda kv: -statistics.median(kv[1]))[:5]
        print("slowest checks (median s): " + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in slowest))
        print("statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())))
    finally:
        if (work / "pg").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(work / "pg"),
                            "-m", "immediate", "stop"], capture_output=True)
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        lan.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
