"""A host that replays outputs recorded on real machines (tests/fixtures/hosts/<name>/).

A recorded host is a folder with ``host.toml`` (platform, admin rights, user, recording date,
description) and any number of ``*.rec`` files. Each ``.rec`` file holds one recorded output::

    kind: command                       # command | registry | file | dir | listeners | processes
    argv: ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", "..."]
    rc: 0
    source: https://... (where this real output was published, and on which system)
    ---
    <the output, byte for byte as the tool printed it>

``registry`` files are real ``reg query`` outputs (``key:`` names the queried key); ``file`` and
``dir`` files give ``path:``; ``listeners`` give ``format:`` (``netstat-ano`` or ``lsof``).
Several helpers can add files to one host without touching a shared index.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from gp_guard.host import (
    WINDOWS,
    CommandResult,
    FileInfo,
    Host,
    HostFacts,
    Listener,
    NotRecorded,
    ProcessInfo,
    RegValue,
    ToolMissing,
    normalize_key,
)


@dataclass(frozen=True)
class Recording:
    headers: dict[str, str]
    body: str
    origin: Path


def read_recording(path: Path) -> Recording:
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise ValueError(f"{path}: no '---' line separates headers from the output")
    headers: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"{path}: bad header line {line!r}")
        headers[name.strip().lower()] = value.strip()
    if "kind" not in headers or "source" not in headers:
        raise ValueError(f"{path}: every recording needs 'kind' and 'source'")
    return Recording(headers, body, path)


_REG_LINE = re.compile(r"^ {4}(.*?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$")


def parse_reg_query(text: str) -> dict[str, dict[str, RegValue]]:
    """Parse the output of ``reg query KEY [/s]`` into {normalized key: {value name: value}}."""
    keys: dict[str, dict[str, RegValue]] = {}
    current: dict[str, RegValue] | None = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("HKEY_"):
            current = keys.setdefault(normalize_key(line), {})
            continue
        match = _REG_LINE.match(line)
        if match and current is not None:
            name, kind, value = match.group(1), match.group(2), match.group(3) or ""
            current[name.lower()] = RegValue(kind, _reg_convert(kind, value))
    return keys


def _reg_convert(kind: str, value: str) -> int | str | list[str]:
    if kind in ("REG_DWORD", "REG_QWORD"):
        return int(value, 16) if value.lower().startswith("0x") else int(value or 0)
    if kind == "REG_MULTI_SZ":
        return [part for part in value.split("\\0") if part]
    return value


def parse_netstat_ano(text: str) -> list[Listener]:
    """``netstat -ano`` (any Windows locale): TCP lines in a listening state, all UDP lines."""
    result: list[Listener] = []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].upper() not in ("TCP", "UDP"):
            continue
        proto = parts[0].lower()
        if proto == "tcp":
            # Proto, local, remote, state (localized: LISTENING, ÉCOUTE, ABHÖREN...), pid
            if len(parts) < 5 or not _remote_is_unspecified(parts[2]):
                continue
            pid = parts[4]
        else:
            if len(parts) < 4:
                continue
            pid = parts[3]
        ip, port = _split_endpoint(parts[1])
        result.append(Listener(proto, ip, port, int(pid) if pid.isdigit() else None))
    return result


def _remote_is_unspecified(remote: str) -> bool:
    ip, port = _split_endpoint(remote)
    return port == 0 and ip in ("0.0.0.0", "::", "*")


def _split_endpoint(endpoint: str) -> tuple[str, int]:
    host, _, port = endpoint.rpartition(":")
    host = host.strip("[]")
    try:
        return host, int(port)
    except ValueError:
        return host, 0


def parse_lsof_listen(text: str) -> list[Listener]:
    """``lsof -nP -iTCP -sTCP:LISTEN`` (macOS): COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME."""
    result: list[Listener] = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 9 or "(LISTEN)" not in line:
            continue
        name_index = parts.index("(LISTEN)") - 1
        ip, port = _split_endpoint(parts[name_index])
        result.append(Listener("tcp", "0.0.0.0" if ip == "*" else ip, port, int(parts[1]), parts[0]))
    return result


_LISTENER_PARSERS = {"netstat-ano": parse_netstat_ano, "lsof": parse_lsof_listen}


class RecordedHost(Host):
    """Replays a folder of real recorded outputs."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        meta = tomllib.loads((self.folder / "host.toml").read_text(encoding="utf-8"))
        self.meta = meta
        self.platform = meta["platform"]
        self._admin = bool(meta.get("admin", False))
        self._user = str(meta.get("user", "user"))
        self._home = str(meta.get("home", ""))
        self._env: dict[str, str] = {str(k).upper(): str(v) for k, v in meta.get("env", {}).items()}
        self._now = dt.datetime.fromisoformat(str(meta["recorded_at"]))
        if self._now.tzinfo is None:
            self._now = self._now.replace(tzinfo=dt.UTC)
        self._tools = set(meta.get("tools", []))
        self._commands: dict[tuple[str, ...], Recording] = {}
        self._registry: dict[str, dict[str, RegValue]] = {}
        self._files: dict[str, Recording] = {}
        self._dirs: dict[str, list[str]] = {}
        self._listeners: list[Listener] | None = None
        self._processes: list[ProcessInfo] | None = None
        for path in sorted(self.folder.rglob("*.rec")):
            self._add(read_recording(path))

    def _add(self, rec: Recording) -> None:
        kind = rec.headers["kind"]
        if kind == "command":
            argv = tuple(json.loads(rec.headers["argv"]))
            self._commands[argv] = rec
            self._tools.add(argv[0])
        elif kind == "registry":
            for key, values in parse_reg_query(rec.body).items():
                self._registry.setdefault(key, {}).update(values)
        elif kind == "file":
            self._files[self._norm_path(rec.headers["path"])] = rec
        elif kind == "dir":
            self._dirs[self._norm_path(rec.headers["path"])] = [
                line.rstrip("\r") for line in rec.body.splitlines() if line.strip()
            ]
        elif kind == "listeners":
            parser = _LISTENER_PARSERS[rec.headers.get("format", "")]
            self._listeners = (self._listeners or []) + parser(rec.body)
        elif kind == "processes":
            procs = [json.loads(line) for line in rec.body.splitlines() if line.strip()]
            self._processes = [
                ProcessInfo(p["pid"], p["name"], tuple(p.get("cmdline", ())), p.get("username"))
                for p in procs
            ]
        else:
            raise ValueError(f"{rec.origin}: unknown kind {kind!r}")

    def _norm_path(self, path: str) -> str:
        if self.platform == WINDOWS:
            return str(PureWindowsPath(path)).lower()
        return str(PurePosixPath(path))

    # -- commands ---------------------------------------------------------------------------
    def run(self, argv: Sequence[str], timeout: float = 10.0) -> CommandResult:
        key = tuple(argv)
        rec = self._commands.get(key)
        if rec is None:
            if argv[0] not in self._tools:
                raise ToolMissing(argv[0])
            raise NotRecorded(" ".join(argv))
        return CommandResult(
            key, int(rec.headers.get("rc", "0")), rec.body, rec.headers.get("stderr", "")
        )

    def has_tool(self, name: str) -> bool:
        return name in self._tools

    # -- files ------------------------------------------------------------------------------
    def read_text(self, path: str) -> str | None:
        rec = self._files.get(self._norm_path(path))
        return rec.body if rec else None

    def exists(self, path: str) -> bool:
        norm = self._norm_path(path)
        return norm in self._files or norm in self._dirs

    def list_dir(self, path: str) -> list[str] | None:
        return self._dirs.get(self._norm_path(path))

    def find_files(
        self, roots: Sequence[str], patterns: Sequence[str], max_depth: int = 4, limit: int = 500
    ) -> list[FileInfo]:
        found = []
        for norm, rec in self._files.items():
            name = norm.replace("\\", "/").rsplit("/", 1)[-1]
            if any(norm.startswith(self._norm_path(r)) for r in roots) and any(
                fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns
            ):
                mtime = dt.datetime.fromisoformat(rec.headers.get("mtime", str(self._now))).timestamp()
                size = int(rec.headers.get("size", len(rec.body.encode())))
                found.append(FileInfo(rec.headers["path"], size, mtime))
        return found[:limit]

    # -- registry ---------------------------------------------------------------------------
    def reg_value(self, key: str, name: str) -> RegValue | None:
        return self._registry.get(normalize_key(key), {}).get(name.lower())

    def reg_subkeys(self, key: str) -> list[str]:
        prefix = normalize_key(key) + "\\"
        names = {k[len(prefix):].split("\\", 1)[0] for k in self._registry if k.startswith(prefix)}
        return sorted(names)

    # -- system -----------------------------------------------------------------------------
    def listeners(self) -> list[Listener]:
        if self._listeners is None:
            raise NotRecorded("listeners")
        return list(self._listeners)

    def processes(self) -> list[ProcessInfo]:
        if self._processes is None:
            raise NotRecorded("processes")
        return list(self._processes)

    def is_admin(self) -> bool:
        return self._admin

    def addresses(self) -> set[str]:
        return {str(a) for a in self.meta.get("addresses", [])}

    def user_name(self) -> str:
        return self._user

    def home(self) -> str:
        return self._home

    def env(self, name: str) -> str | None:
        return self._env.get(name.upper())

    def now(self) -> dt.datetime:
        return self._now

    def facts(self) -> HostFacts:
        return HostFacts(
            platform=self.platform,
            hostname=str(self.meta.get("hostname", self.folder.name)),
            description=str(self.meta.get("description", "")),
        )
