"""Firebird configuration (firebird.conf): where it listens, wire encryption, legacy logins."""

from __future__ import annotations

from dataclasses import dataclass, field

from gp_guard.host import LINUX, MACOS, WINDOWS, Host


@dataclass
class FirebirdConfig:
    path: str
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def listens_on_network(self) -> bool:
        bind = self.settings.get("remotebindaddress", "")
        return bind not in ("127.0.0.1", "localhost", "::1")

    @property
    def wire_crypt(self) -> str:
        return self.settings.get("wirecrypt", "Required")

    @property
    def legacy_auth(self) -> bool:
        return "legacy_auth" in self.settings.get("authserver", "Srp").lower()

    @property
    def port(self) -> int:
        try:
            return int(self.settings.get("remoteserviceport", "3050"))
        except ValueError:
            return 3050


def candidate_paths(platform: str) -> list[str]:
    return {
        LINUX: ["/etc/firebird/3.0/firebird.conf", "/etc/firebird/4.0/firebird.conf", "/opt/firebird/firebird.conf"],
        MACOS: ["/Library/Frameworks/Firebird.framework/Resources/firebird.conf"],
        WINDOWS: [r"C:\Program Files\Firebird\Firebird_3_0\firebird.conf",
                  r"C:\Program Files\Firebird\Firebird_4_0\firebird.conf",
                  r"C:\Program Files\Firebird\Firebird_5_0\firebird.conf"],
    }.get(platform, [])


def parse(text: str, path: str) -> FirebirdConfig:
    config = FirebirdConfig(path)
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, sep, value = line.partition("=")
        if sep and key.strip():
            config.settings[key.strip().lower()] = value.strip()
    return config


def read_configs(host: Host) -> list[FirebirdConfig]:
    configs = []
    for path in candidate_paths(host.platform):
        text = host.read_text(path)
        if text is not None:
            configs.append(parse(text, path))
    return configs
