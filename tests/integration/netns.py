"""A real internet box for tests: miniupnpd in network namespaces the test creates.

Layout (nothing leaves the namespaces): `pc` (192.168.77.10) --veth-- `box` (192.168.77.1, runs
miniupnpd) --veth-- `wan` (an isolated uplink that nobody answers on). Code under test runs in
`pc` with `ip netns exec`, so its SSDP discovery can only reach the box.
"""

from __future__ import annotations

import os
import subprocess
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

NFT_RULES = """table inet filter {
  chain miniupnpd {
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
  chain forward {
    type filter hook forward priority 0; policy accept;
    jump miniupnpd
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
  }
}
"""

PC_IP = "192.168.77.10"


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), check=check, capture_output=True, text=True, timeout=30)


@dataclass
class Lan:
    tag: str
    workdir: Path
    miniupnpd: subprocess.Popen[bytes] | None = None

    @property
    def box(self) -> str:
        return f"box{self.tag}"

    @property
    def pc(self) -> str:
        return f"pc{self.tag}"

    @property
    def wan(self) -> str:
        return f"wan{self.tag}"

    @property
    def pc_if(self) -> str:
        return f"lp{self.tag}"

    def create(self) -> None:
        t = self.tag
        for ns in (self.box, self.pc, self.wan):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", f"lb{t}", "type", "veth", "peer", "name", self.pc_if)
        sh("ip", "link", "set", f"lb{t}", "netns", self.box)
        sh("ip", "link", "set", self.pc_if, "netns", self.pc)
        sh("ip", "link", "add", f"w0{t}", "type", "veth", "peer", "name", f"wx{t}")
        sh("ip", "link", "set", f"w0{t}", "netns", self.box)
        sh("ip", "link", "set", f"wx{t}", "netns", self.wan)
        box = ("ip", "-n", self.box)
        sh(*box, "addr", "add", "45.11.0.2/24", "dev", f"w0{t}")
        sh(*box, "addr", "add", "192.168.77.1/24", "dev", f"lb{t}")
        for dev in ("lo", f"w0{t}", f"lb{t}"):
            sh(*box, "link", "set", dev, "up")
        for dev in ("lo", f"wx{t}"):
            sh("ip", "-n", self.wan, "link", "set", dev, "up")
        pc = ("ip", "-n", self.pc)
        sh(*pc, "addr", "add", f"{PC_IP}/24", "dev", self.pc_if)
        for dev in ("lo", self.pc_if):
            sh(*pc, "link", "set", dev, "up")
        sh(*pc, "route", "add", "default", "via", "192.168.77.1")
        sh(*pc, "route", "add", "239.0.0.0/8", "dev", self.pc_if)
        rules = self.workdir / "rules.nft"
        rules.write_text(NFT_RULES)
        sh("ip", "netns", "exec", self.box, "nft", "-f", str(rules))

    def start_box(self) -> None:
        conf = self.workdir / "miniupnpd.conf"
        conf.write_text(
            f"ext_ifname=w0{self.tag}\nlistening_ip=lb{self.tag}\nport=5000\nenable_upnp=yes\n"
            f"enable_natpmp=no\nsecure_mode=no\nsystem_uptime=yes\nuuid={uuid.uuid4()}\n"
            "friendly_name=Test Livebox\n"
            "allow 1-65535 192.168.77.0/24 1-65535\ndeny 0-65535 0.0.0.0/0 0-65535\n"
        )
        self.miniupnpd = subprocess.Popen(
            ["ip", "netns", "exec", self.box, "miniupnpd", "-f", str(conf), "-d"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self.miniupnpd.stdout is not None
        seen = []
        for raw in self.miniupnpd.stdout:  # blocks on the daemon's own words; EOF if it dies
            line = raw.decode(errors="replace")
            seen.append(line)
            if "HTTP listening on port" in line:
                break
        else:
            raise RuntimeError("miniupnpd did not start:\n" + "".join(seen))
        drain = threading.Thread(target=self._drain, daemon=True)
        drain.start()
        # Ready when a real UPnP client finds the box (upnpc does its own bounded discovery).
        out = sh("ip", "netns", "exec", self.pc, "upnpc", "-m", self.pc_if, "-l")
        assert "ExternalIPAddress = 45.11.0.2" in out.stdout, out.stdout + out.stderr

    def _drain(self) -> None:
        assert self.miniupnpd is not None and self.miniupnpd.stdout is not None
        with open(self.workdir / "miniupnpd.log", "wb") as log:
            for raw in self.miniupnpd.stdout:
                log.write(raw)

    def add_mapping(self, internal_ip: str, port: int, external: int | None = None, proto: str = "TCP") -> None:
        """A real UPnP client (upnpc) asks the box for a mapping, as a program of the LAN would."""
        out = sh("ip", "netns", "exec", self.pc, "upnpc", "-u", "http://192.168.77.1:5000/rootDesc.xml",
                 "-a", internal_ip, str(port), str(external or port), proto)
        assert "is redirected to internal" in out.stdout, out.stdout + out.stderr

    def run_in_pc(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", self.pc, *argv], env=env,
                              capture_output=True, text=True, timeout=60)

    def destroy(self) -> None:
        if self.miniupnpd is not None and self.miniupnpd.poll() is None:
            self.miniupnpd.terminate()
            try:
                self.miniupnpd.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.miniupnpd.kill()
        for ns in (self.box, self.pc, self.wan):
            pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip", "netns", "del", ns, check=False)
