"""MySQL/MariaDB configuration: the effective bind address, port and skip-networking of the server.

Reads my.cnf/my.ini with its !include and !includedir lines (bounded depth), the server sections
([mysqld], [mariadb], [server], versioned variants); the last value wins, as in the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gp_guard.audit.software import read_config_text
from gp_guard.audit.software.postgres import ConfigError
from gp_guard.host import LINUX, MACOS, WINDOWS, Host

SERVER_SECTIONS = ("mysqld", "mariadb", "server", "mariadbd")
MAX_INCLUDE_DEPTH = 5
MAX_FILES = 200  # files read for one configuration, includes counted


@dataclass
class MysqlConfig:
    files: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def bind_address(self) -> str | None:
        return self.settings.get("bind-address")

    @property
    def networking(self) -> bool:
        return self.settings.get("skip-networking", "0").lower() in ("0", "off", "false")

    @property
    def listens_on_network(self) -> bool:
        if not self.networking:
            return False
        bind = self.bind_address
        if bind is None:
            return True  # both MySQL and MariaDB listen on every interface by default
        addresses = [a.strip() for a in bind.split(",")]
        return any(a not in ("127.0.0.1", "::1", "localhost") for a in addresses)

    @property
    def skip_grant_tables(self) -> bool:
        """Authentication turned off (often left behind after a forgotten-password reset)."""
        return self.settings.get("skip-grant-tables", "0").lower() not in ("0", "off", "false")

    @property
    def port(self) -> int:
        try:
            return int(self.settings.get("port", "3306"))
        except ValueError:
            return 3306


def main_files(platform: str) -> list[str]:
    return {
        LINUX: ["/etc/mysql/my.cnf", "/etc/my.cnf"],
        MACOS: ["/usr/local/etc/my.cnf", "/opt/homebrew/etc/my.cnf", "/etc/my.cnf"],
        WINDOWS: [r"C:\ProgramData\MySQL\MySQL Server 8.0\my.ini", r"C:\ProgramData\MySQL\MySQL Server 8.4\my.ini",
                  r"C:\Program Files\MariaDB 10.11\data\my.ini", r"C:\Program Files\MariaDB 11.4\data\my.ini"],
    }.get(platform, [])


def read_config(host: Host, path: str, config: MysqlConfig | None = None, depth: int = 0) -> MysqlConfig | None:
    text = read_config_text(host, path, ConfigError)
    if text is None:
        return config
    config = config or MysqlConfig()
    if len(config.files) >= MAX_FILES:
        raise ConfigError(path, f"more than {MAX_FILES} included files")
    config.files.append(path)
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("!include"):
            directive, _, target = line.partition(" ")
            target = target.strip()
            if depth >= MAX_INCLUDE_DEPTH:
                raise ConfigError(path, f"line {number}: includes nested too deeply")
            if directive == "!includedir":
                for name in sorted(host.list_dir(target) or []):
                    if name.endswith((".cnf", ".ini")):
                        sep = "\\" if host.platform == WINDOWS else "/"
                        read_config(host, target.rstrip("/\\") + sep + name, config, depth + 1)
            elif directive == "!include":
                read_config(host, target, config, depth + 1)
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise ConfigError(path, f"line {number}: a section without its closing ']'")  # line not quoted
            section = line[1:-1].strip().lower()
            continue
        if not _server_section(section):
            continue
        key, _, value = line.partition("=")
        key = key.strip().lower().replace("_", "-")
        value = value.split("#", 1)[0].strip().strip("'\"") if _ else "1"
        config.settings[key] = value
    return config


def _server_section(section: str) -> bool:
    base = section.split("-", 1)[0]
    return section in SERVER_SECTIONS or base in ("mysqld", "mariadb")
