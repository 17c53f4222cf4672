"""PostgreSQL configuration: postgresql.conf (listen_addresses, port, hba_file) and pg_hba.conf.

Used by the practice software Médimust among others. Pure parsing through the host; malformed
files give a ConfigError naming the path, never a crash.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gp_guard.audit.software import read_config_text
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError

if TYPE_CHECKING:
    from gp_guard.audit.software.inventory import Installation


class ConfigError(Exception):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class HbaRule:
    line: int
    kind: str  # local, host, hostssl, hostnossl, hostgssenc, hostnogssenc
    database: str
    user: str
    address: str  # "" for local
    method: str

    @property
    def network_wide(self) -> bool:
        """True when the rule admits clients beyond this machine."""
        if self.kind == "local":
            return False
        if self.address in ("all", "samenet", "samehost") or not self.address:
            return self.address != "samehost"
        if self.address.startswith("."):  # host name suffix
            return True
        try:
            network = ipaddress.ip_network(self.address, strict=False)
        except ValueError:
            return self.address not in ("localhost",)
        return not network.is_loopback

    def text(self) -> str:
        parts = [self.kind, self.database, self.user] + ([self.address] if self.address else []) + [self.method]
        return f"line {self.line}: {' '.join(parts)}"


@dataclass
class PostgresConfig:
    conf_path: str
    settings: dict[str, str] = field(default_factory=dict)
    hba_path: str | None = None
    hba: list[HbaRule] | None = None  # None: not readable

    @property
    def listen_addresses(self) -> list[str]:
        raw = self.settings.get("listen_addresses", "localhost")
        return [a.strip() for a in raw.split(",") if a.strip()]

    @property
    def listens_on_network(self) -> bool:
        for address in self.listen_addresses:
            if address in ("*", "0.0.0.0", "::"):
                return True
            if address == "localhost":
                continue
            try:
                if not ipaddress.ip_address(address).is_loopback:
                    return True
            except ValueError:
                return True  # a host name: assume it is reachable
        return False

    @property
    def port(self) -> int:
        try:
            return int(self.settings.get("port", "5432"))
        except ValueError:
            return 5432


_SETTING = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*=?\s*(.*?)\s*$")


def parse_conf(text: str, path: str) -> dict[str, str]:
    """postgresql.conf syntax: name = value, quotes, # comments; the last assignment wins."""
    settings: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        match = _SETTING.match(line)
        if not match or not match.group(2):
            # The line itself is not quoted: a process can name any file as its configuration and
            # the audit often runs as administrator (the evidence must not carry /etc/shadow).
            raise ConfigError(path, f"line {number}: not a 'name = value' setting")
        value = match.group(2)
        if value.startswith("'"):
            if not value.endswith("'") or len(value) < 2:
                raise ConfigError(path, f"line {number}: unterminated quoted value")
            value = value[1:-1].replace("''", "'")
        settings[match.group(1).lower()] = value
    return settings


def _strip_comment(line: str) -> str:
    in_quote = escaped = False
    for index, char in enumerate(line):
        if escaped:  # quoted values may hold backslash escapes such as \' (guc-file.l)
            escaped = False
        elif char == "\\" and in_quote:
            escaped = True
        elif char == "'":
            in_quote = not in_quote
        elif char == "#" and not in_quote:
            return line[:index]
    return line


def parse_hba(text: str, path: str) -> list[HbaRule]:
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("include"):
            continue
        try:
            fields = shlex.split(line)
        except ValueError as exc:
            raise ConfigError(path, f"line {number}: {exc}") from None
        kind = fields[0].lower()
        if kind == "local" and len(fields) >= 4:
            rules.append(HbaRule(number, kind, fields[1], fields[2], "", fields[3].lower()))
        elif kind.startswith("host") and len(fields) >= 5:
            address, rest = fields[3], fields[4:]
            if "/" not in address and len(rest) >= 2 and re.fullmatch(r"[\d.]+", rest[0] or ""):
                # address + separate netmask form: host all all 192.168.1.0 255.255.255.0 md5
                try:
                    prefix = ipaddress.ip_network(f"{address}/{rest[0]}", strict=False).prefixlen
                    address, rest = f"{address}/{prefix}", rest[1:]
                except ValueError:
                    pass
            rules.append(HbaRule(number, kind, fields[1], fields[2], address, rest[0].lower()))
        else:
            raise ConfigError(path, f"line {number}: not a pg_hba.conf rule")  # not quoted: see parse_conf
    return rules


def candidate_configs(host: Host, servers: Sequence[Installation] | None = None) -> list[str]:
    """postgresql.conf files: from running servers (``inventory.find(host, "postgresql")``, which
    reads -D / config_file= on their command lines), then the usual places."""
    if servers is None:
        from gp_guard.audit.software import inventory

        servers = inventory.find(host, "postgresql")
    found: list[str] = []
    for inst in servers:
        if "process" in inst.found_by:
            found.extend(p if p.endswith(".conf") else _join(host, p, "postgresql.conf") for p in inst.config_paths)
    roots = {
        LINUX: ["/etc/postgresql", "/var/lib/pgsql"],
        MACOS: ["/Library/PostgreSQL", "/usr/local/var", "/opt/homebrew/var"],
        WINDOWS: [r"C:\Program Files\PostgreSQL"],
    }.get(host.platform, [])
    found.extend(f.path for f in host.find_files(roots, ["postgresql.conf"], max_depth=3))
    unique: list[str] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def _join(host: Host, folder: str, name: str) -> str:
    sep = "\\" if host.platform == WINDOWS else "/"
    return folder.rstrip("/\\") + sep + name


def read_config(host: Host, conf_path: str) -> PostgresConfig | None:
    """The configuration at conf_path, None if absent. NeedsAdmin propagates; bad syntax raises ConfigError."""
    text = read_config_text(host, conf_path, ConfigError)
    if text is None:
        return None
    config = PostgresConfig(conf_path, parse_conf(text, conf_path))
    folder = conf_path.rsplit("\\" if host.platform == WINDOWS else "/", 1)[0]
    config.hba_path = config.settings.get("hba_file") or _join(host, folder, "pg_hba.conf")
    try:
        hba_text = host.read_text(config.hba_path)
    except HostError:  # pg_hba.conf is often readable by root only
        hba_text = None
    if hba_text is not None:
        config.hba = parse_hba(hba_text, config.hba_path)
    return config
