"""vsftpd configuration reader (``/etc/vsftpd.conf`` or the file given on its command line).

Format (vsftpd.conf(5)): one ``option=value`` per line, no spaces around ``=``, ``#`` starts a
comment line. Options given on the command line as ``-oOPTION=VALUE`` override the file.
Compiled-in defaults apply to what the file leaves out; note that vsftpd's own default for
``anonymous_enable`` is YES (Debian's shipped file sets it to NO).

Public API: ``parse_conf(text, path) -> dict``, ``load(host, path, argv=()) -> VsftpdConfig``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gp_guard.audit.software import read_config_text
from gp_guard.host import Host

DEFAULTS = {
    "anonymous_enable": "YES",
    "anon_upload_enable": "NO",
    "anon_mkdir_write_enable": "NO",
    "anon_other_write_enable": "NO",
    "write_enable": "NO",
    "local_enable": "NO",
    "ssl_enable": "NO",
    "allow_anon_ssl": "NO",
    "force_local_logins_ssl": "YES",
    "force_local_data_ssl": "YES",
    "listen": "NO",
    "listen_ipv6": "NO",
    "listen_address": "",
    "listen_address6": "",
    "listen_port": "21",
}


class VsftpdConfigError(Exception):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def parse_conf(text: str, path: str) -> dict[str, str]:
    """``{option: value}`` of a vsftpd.conf text; raises ``VsftpdConfigError`` on a bad line."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").isalnum():
            raise VsftpdConfigError(path, f"line {number} is not option=value")
        values[key.lower()] = value.strip()
    return values


@dataclass(frozen=True)
class VsftpdConfig:
    path: str
    explicit: dict[str, str]

    ANON_KEYS = ("anonymous_enable", "write_enable", "anon_upload_enable", "anon_mkdir_write_enable")
    TLS_KEYS = ("ssl_enable", "force_local_logins_ssl", "listen_address")

    @property
    def tls(self) -> bool:
        return self.yes("ssl_enable")

    def value(self, key: str) -> str:
        return self.explicit.get(key, DEFAULTS.get(key, ""))

    def yes(self, key: str) -> bool:
        return self.value(key).upper() in ("YES", "TRUE", "1")

    def where(self, key: str) -> str:
        if key in self.explicit:
            return f"{self.path}: {key}={self.explicit[key]}"
        return f"{self.path}: {key} not set (vsftpd default {DEFAULTS.get(key) or 'empty'})"

    @property
    def anonymous(self) -> bool:
        return self.yes("anonymous_enable")

    @property
    def anonymous_upload(self) -> bool:
        return self.anonymous and self.yes("write_enable") and (
            self.yes("anon_upload_enable") or self.yes("anon_mkdir_write_enable")
        )

    @property
    def port(self) -> int:
        try:
            return int(self.value("listen_port"))
        except ValueError:
            return 21

    @property
    def loopback_only(self) -> bool:
        address = self.value("listen_address") if self.yes("listen") else ""
        address6 = self.value("listen_address6") if self.yes("listen_ipv6") else ""
        if self.yes("listen") and not self.yes("listen_ipv6"):
            return address.startswith("127.")
        if self.yes("listen_ipv6") and not self.yes("listen"):
            return address6 == "::1"
        return False


def load(host: Host, path: str, argv: Sequence[str] = ()) -> VsftpdConfig:
    """Read ``path`` through ``host`` and apply ``-oKEY=VALUE`` options from ``argv``."""
    text = read_config_text(host, path, VsftpdConfigError)
    if text is None:
        raise VsftpdConfigError(path, "file not found")
    values = parse_conf(text, path)
    for arg in argv[1:]:
        if arg.startswith("-o") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            values[key.strip().lower()] = value.strip()
    return VsftpdConfig(path, values)
