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

A replay folder may come from anywhere (an IT provider's e-mail): every file is opened without
blocking and must be an ordinary file (a FIFO named ``x.rec`` is refused, not waited on), each
recording is at most ``MAX_RECORDING_BYTES``, the folder at most ``MAX_RECORDINGS`` files and
``MAX_FOLDER_BYTES`` in all, and every header is checked when the folder is loaded. Anything wrong
raises ``RecordingError`` (a ``ValueError``) whose message, in the user's language, names the file
and what is wrong.
"""

from __future__ import annotations

import codecs
import datetime as dt
import fnmatch
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from gp_guard.host.base import (
    MAX_FILE_BYTES,
    PLATFORMS,
    WINDOWS,
    CommandResult,
    FileInfo,
    Host,
    HostError,
    HostFacts,
    Listener,
    NotRecorded,
    ProcessInfo,
    RegValue,
    ToolMissing,
    UnreadableFile,
    normalize_key,
    output_encoding,
    read_regular_file,
)
from gp_guard.i18n import _

MAX_RECORDING_BYTES = MAX_FILE_BYTES  # as LocalHost reads at most; the largest real recording is about 40 KB
MAX_FOLDER_BYTES = 64 * 1024 * 1024
MAX_RECORDINGS = 5000
_KINDS = ("command", "registry", "file", "dir", "listeners", "processes")


class RecordingError(ValueError):
    """A replay folder that cannot be used; the message is translated and names the file."""


def _read_text_file(path: Path, max_bytes: int) -> str:
    """An ordinary UTF-8 text file of at most ``max_bytes`` (universal newlines), or RecordingError."""
    try:
        data = read_regular_file(path, max_bytes)
    except UnreadableFile as exc:
        if exc.reason.startswith("larger than"):
            raise RecordingError(_("{path} is larger than {size} MiB; a recording must be smaller.").format(
                path=path, size=max_bytes // (1024 * 1024))) from None
        raise RecordingError(_("{path} is not an ordinary file (it is a named pipe, a device or a socket); "
                               "a recording must be a text file.").format(path=path)) from None
    if data is None:
        if path.is_dir():
            raise RecordingError(_("{path} is a folder; a recording must be a text file.").format(path=path))
        raise FileNotFoundError(2, "No such file or directory", str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordingError(_("{path} is not UTF-8 text (byte {position}).").format(
            path=path, position=exc.start)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Recording:
    headers: dict[str, str]
    body: str  # the output as UTF-8 text ("" when it is not UTF-8: see ``raw``)
    origin: Path
    raw: bytes = b""  # the output's bytes as the machine gave them (a French Windows: cp850)


def read_recording(path: Path) -> Recording:
    """Headers are UTF-8 text; the output after the '---' line is kept as the bytes the recorded
    machine gave, and decoded by the replay exactly as the live path decodes them."""
    try:
        data = read_regular_file(path, MAX_RECORDING_BYTES)
    except UnreadableFile:
        data = b""  # _read_text_file below says what is wrong with it
    if not data:
        _read_text_file(path, MAX_RECORDING_BYTES)  # raises the right RecordingError (or FileNotFoundError)
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    head_bytes, sep, raw = data.partition(b"\n---\n")
    if not sep:
        raise RecordingError(_("{path}: no '---' line separates the headers from the output.").format(path=path))
    try:
        head = head_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordingError(_("{path} is not UTF-8 text (byte {position}).").format(
            path=path, position=exc.start)) from None
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        body = ""
    headers: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise RecordingError(_("{path}: this header line is not 'name: value': {line}").format(
                path=path, line=line[:80]))
        headers[name.strip().lower()] = value.strip()
    if "kind" not in headers or "source" not in headers:
        raise RecordingError(_("{path}: every recording needs a 'kind' and a 'source' header.").format(path=path))
    if not body and raw and headers.get("kind") != "command":
        raise RecordingError(_("{path} is not UTF-8 text (byte {position}).").format(
            path=path, position=len(head_bytes) + len(sep)))
    return Recording(headers, body, path, raw)


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


def _meta_platform(meta: dict[str, object]) -> str:
    platform = meta.get("platform")
    if platform not in PLATFORMS:
        raise RecordingError(_('host.toml: "platform" must be one of {known}.').format(known=", ".join(PLATFORMS)))
    return str(platform)


def _meta_time(meta: dict[str, object]) -> dt.datetime:
    value = meta.get("recorded_at")
    try:
        if isinstance(value, dt.datetime):
            when = value
        elif isinstance(value, str):
            when = dt.datetime.fromisoformat(value)
        else:
            raise ValueError(value)
    except ValueError:
        raise RecordingError(_('host.toml: "recorded_at" must be a date and time, for example '
                               '2025-11-20T09:30:00+01:00.')) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _meta_list(meta: dict[str, object], key: str, message: str) -> list[str]:
    value = meta.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordingError(message)
    return value


def _header(rec: Recording, name: str) -> str:
    if not rec.headers.get(name):
        raise RecordingError(_("{path}: this recording needs a '{name}' header.").format(path=rec.origin, name=name))
    return rec.headers[name]


def _argv(rec: Recording) -> tuple[str, ...]:
    try:
        argv = json.loads(_header(rec, "argv"))
    except ValueError:
        argv = None
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and a for a in argv):
        raise RecordingError(_('{path}: "argv" must be a non-empty JSON list of texts, for example '
                               '["whoami", "/groups"].').format(path=rec.origin))
    return tuple(argv)


def _whole_number(rec: Recording, name: str) -> None:
    value = rec.headers.get(name)
    if value is not None and not re.fullmatch(r"-?\d{1,19}", value):
        raise RecordingError(_('{path}: "{name}" must be a whole number.').format(path=rec.origin, name=name))


def _iso_time(rec: Recording, name: str) -> None:
    value = rec.headers.get(name)
    if value is None:
        return
    try:
        dt.datetime.fromisoformat(value).timestamp()
    except (ValueError, OverflowError, OSError):
        raise RecordingError(_('{path}: "{name}" must be a date and time, for example '
                               '2025-11-20T09:30:00+01:00.').format(path=rec.origin, name=name)) from None


def _processes(rec: Recording) -> list[ProcessInfo]:
    """One JSON object per line: ``{"pid": 4, "name": "System", "cmdline": [...], "username": ...}``."""
    procs = []
    for number, line in enumerate(rec.body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        cmdline = item.get("cmdline") or [] if isinstance(item, dict) else None
        if not (isinstance(item, dict) and isinstance(item.get("pid"), int) and not isinstance(item["pid"], bool)
                and isinstance(item.get("name"), str) and isinstance(cmdline, list)
                and all(isinstance(a, str) for a in cmdline)
                and isinstance(item.get("username"), (str, type(None)))):
            raise RecordingError(_('{path}, line {line}: each line must be a JSON object with a whole-number '
                                   '"pid", a text "name" and, if given, a list of texts "cmdline".').format(
                path=rec.origin, line=number))
        procs.append(ProcessInfo(item["pid"], item["name"], tuple(cmdline), item.get("username")))
    return procs


class RecordedHost(Host):
    """Replays a folder of real recorded outputs."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        toml_path = self.folder / "host.toml"
        try:
            meta = tomllib.loads(_read_text_file(toml_path, 1024 * 1024))
        except tomllib.TOMLDecodeError as exc:
            raise RecordingError(_("{path} is not valid TOML: {detail}").format(path=toml_path, detail=exc)) from None
        self.meta = meta
        self.platform = _meta_platform(meta)
        self._admin = bool(meta.get("admin", False))
        self._user = str(meta.get("user", "user"))
        self._home = str(meta.get("home", ""))
        env = meta.get("env", {})
        if not isinstance(env, dict):
            raise RecordingError(_('host.toml: "env" must be a table of names and values ([env]).'))
        self._env: dict[str, str] = {str(k).upper(): str(v) for k, v in env.items()}
        self._now = _meta_time(meta)
        self._tools = set(_meta_list(meta, "tools", _('host.toml: "tools" must be a list of tool names.')))
        self._addresses = _meta_list(meta, "addresses", _('host.toml: "addresses" must be a list of IP addresses.'))
        # what the console tools of the recorded PC wrote to a pipe in (a French PC: cp850)
        self.oem_code_page = str(meta.get("oem_code_page", "cp437" if self.platform == WINDOWS else "utf-8"))
        try:
            codecs.lookup(self.oem_code_page)
        except LookupError:
            raise RecordingError(_('host.toml: "oem_code_page" names no known code page: {value}.').format(
                value=self.oem_code_page[:20])) from None
        self._commands: dict[tuple[str, ...], Recording] = {}
        self._registry: dict[str, dict[str, RegValue]] = {}
        self._files: dict[str, Recording] = {}
        self._dirs: dict[str, list[str]] = {}
        self._listeners: list[Listener] | None = None
        self._processes: list[ProcessInfo] | None = None
        paths = []
        for path in self.folder.rglob("*.rec"):
            paths.append(path)
            if len(paths) > MAX_RECORDINGS:
                raise RecordingError(_("{path} holds more than {count} recordings.").format(
                    path=self.folder, count=MAX_RECORDINGS))
        total = 0
        for path in sorted(paths):
            rec = read_recording(path)
            total += len(rec.body)
            if total > MAX_FOLDER_BYTES:
                raise RecordingError(_("The recordings in {path} add up to more than {size} MiB.").format(
                    path=self.folder, size=MAX_FOLDER_BYTES // (1024 * 1024)))
            self._add(rec)

    def _add(self, rec: Recording) -> None:
        kind = rec.headers["kind"]
        if kind == "command":
            argv = _argv(rec)
            _whole_number(rec, "rc")
            self._commands[argv] = rec
            self._tools.add(argv[0])
        elif kind == "registry":
            try:
                parsed = parse_reg_query(rec.body)
            except ValueError:
                raise RecordingError(_("{path}: a REG_DWORD or REG_QWORD value is not a number.").format(
                    path=rec.origin)) from None
            for key, values in parsed.items():
                self._registry.setdefault(key, {}).update(values)
        elif kind == "file":
            _whole_number(rec, "size")
            _iso_time(rec, "mtime")
            self._files[self._norm_path(_header(rec, "path"))] = rec
        elif kind == "dir":
            self._dirs[self._norm_path(_header(rec, "path"))] = [
                line.rstrip("\r") for line in rec.body.splitlines() if line.strip()
            ]
        elif kind == "listeners":
            fmt = rec.headers.get("format", "")
            parser = _LISTENER_PARSERS.get(fmt)
            if parser is None:
                raise RecordingError(_("{path}: unknown listeners format \"{format}\" (known: {known}).").format(
                    path=rec.origin, format=fmt, known=", ".join(_LISTENER_PARSERS)))
            self._listeners = (self._listeners or []) + parser(rec.body)
        elif kind == "processes":
            self._processes = _processes(rec)
        else:
            raise RecordingError(_("{path}: unknown kind \"{kind}\" (known: {known}).").format(
                path=rec.origin, kind=kind, known=", ".join(_KINDS)))

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
        encoding = output_encoding(key, self.platform, self.oem_code_page)
        return CommandResult(
            key, int(rec.headers.get("rc", "0")), rec.raw.decode(encoding, "replace"), rec.headers.get("stderr", "")
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

    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        raise HostError("a recorded machine is replayed, never written to")

    def reg_delete_user_value(self, key: str, name: str) -> None:
        raise HostError("a recorded machine is replayed, never written to")

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
        return set(self._addresses)

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
