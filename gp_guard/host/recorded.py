"""A host that replays outputs recorded on real machines (tests/fixtures/hosts/<name>/, or a folder
written by ``gp-guard capture``).

A recorded host is a folder with ``host.toml`` (platform, admin rights, user, recording date,
description, ``[env]``) and any number of ``*.rec`` files. Each ``.rec`` file holds one recorded answer::

    kind: command
    argv: ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", "..."]
    rc: 0
    source: https://... (where this real output was published, and on which system)
    ---
    <the output, byte for byte as the tool printed it>

Kinds: ``command`` (``argv``, ``rc``, optional ``stderr`` or ``stderr_base64``, ``encoding`` the live
code decoded it with, ``outcome: tool-missing | timeout | denied``); ``registry`` (a ``reg query`` dump of whole
keys, or with ``value:`` and ``type:`` one value as JSON); ``subkeys`` (``key:``, one name a line);
``file`` and ``dir`` (``path:``); ``find`` (``roots``, ``patterns``, ``max_depth``; one JSON file a
line); ``listeners`` (``format: netstat-ano | lsof | psutil``) and ``processes`` (JSON lines; either
may say ``state: denied``); ``absent``, ``present`` and ``denied``: lines ``path P``, ``key K``,
``value K | NAME``, ``tool T``, ``env NAME`` saying what is not there, there, or not readable.
``body: base64`` keeps exact bytes. Several helpers can add files to one host without touching a
shared index.

The replay is strict: a request no recording answers raises ``NotRecorded`` (the check becomes an
``error`` finding naming it), never a default.

A replay folder may come from anywhere (an IT provider's e-mail): every file is opened without
blocking and must be an ordinary file (a FIFO named ``x.rec`` is refused, not waited on), each
recording is at most ``MAX_RECORDING_BYTES``, the folder at most ``MAX_RECORDINGS`` files and
``MAX_FOLDER_BYTES`` in all, and every header is checked when the folder is loaded. Anything wrong
raises ``RecordingError`` (a ``ValueError``) whose message, in the user's language, names the file
and what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime as dt
import json
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from gp_guard.host.base import (
    MAX_FILE_BYTES,
    PLATFORMS,
    WINDOWS,
    CommandResult,
    CommandTimeout,
    FileInfo,
    Host,
    HostError,
    HostFacts,
    Listener,
    NeedsAdmin,
    NotRecorded,
    ProcessInfo,
    RawOutput,
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
_KINDS = ("command", "registry", "subkeys", "file", "dir", "find", "listeners", "processes", "absent", "present", "denied")


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
    data = (data or b"").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    head_bytes, sep, raw = data.partition(b"\n---\n")
    if not sep:
        raise RecordingError(_("{path}: no '---' line separates the headers from the output.").format(path=path))
    try:
        head = head_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordingError(_("{path} is not UTF-8 text (byte {position}).").format(
            path=path, position=exc.start)) from None
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
    encoded = headers.get("body") == "base64"  # the exact bytes (a capture: CR, any encoding)
    if encoded:
        try:
            raw = base64.b64decode(b"".join(raw.split()), validate=True)
        except binascii.Error:
            raise RecordingError(_("{path}: the output is not valid base64 (header 'body: base64').").format(
                path=path)) from None
    try:  # base64: names as the system gave them, even when not UTF-8 (surrogate escapes, as os.scandir)
        body = raw.decode("utf-8", "surrogateescape") if encoded else raw.decode("utf-8")
    except UnicodeDecodeError:
        body = ""
    if not body and raw and headers.get("kind") != "command" and not encoded:
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
    items = _json_lines(
        rec,
        lambda i: (_is_int(i.get("pid")) and isinstance(i.get("name"), str)
                   and isinstance(i.get("cmdline") or [], list) and all(isinstance(a, str) for a in i.get("cmdline") or [])
                   and isinstance(i.get("username"), (str, type(None)))),
        _('{path}, line {line}: each line must be a JSON object with a whole-number '
          '"pid", a text "name" and, if given, a list of texts "cmdline".'))
    return [ProcessInfo(i["pid"], i["name"], tuple(i.get("cmdline") or []), i.get("username")) for i in items]


# What an ``absent`` / ``present`` / ``denied`` recording lists, one per line: "<what> <target>".
_FACT_WORDS = ("path", "key", "value", "tool", "env")


def _facts(rec: Recording) -> list[tuple[str, str]]:
    """The lines of an ``absent``, ``present`` or ``denied`` recording: (what, target)."""
    facts = []
    for number, line in enumerate(rec.body.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, _sep, target = line.strip().partition(" ")
        target = target.strip()
        allowed = ("path", "key", "value") if rec.headers["kind"] != "absent" else _FACT_WORDS
        if word not in allowed or not target or (word == "value" and " | " not in target):
            raise RecordingError(_('{path}, line {line}: each line must be "<what> <target>" with <what> one of '
                                   '{known} (a registry value: "value KEY | NAME").').format(
                path=rec.origin, line=number, known=", ".join(allowed)))
        facts.append((word, target))
    return facts


def _json_lines(rec: Recording, check: Callable[[dict[str, Any]], bool], message: str) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(rec.body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        if not isinstance(item, dict) or not check(item):
            raise RecordingError(message.format(path=rec.origin, line=number))
        items.append(item)
    return items


def _denied(rec: Recording) -> bool:
    """A listeners or processes recording of a machine that refused to list them (``state: denied``)."""
    return rec.headers.get("state") == "denied"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _psutil_listeners(rec: Recording) -> list[Listener]:
    """``format: psutil``: one JSON object per line, as LocalHost.listeners() gives them."""
    items = _json_lines(
        rec,
        lambda i: (i.get("proto") in ("tcp", "udp") and isinstance(i.get("ip"), str) and _is_int(i.get("port"))
                   and (i.get("pid") is None or _is_int(i.get("pid")))
                   and isinstance(i.get("process"), (str, type(None)))),
        _('{path}, line {line}: each line must be a JSON object with "proto" (tcp or udp), a text "ip" and '
          'a whole-number "port".'))
    return [Listener(i["proto"], i["ip"], i["port"], i.get("pid"), i.get("process")) for i in items]


def _found_files(rec: Recording) -> list[FileInfo]:
    """A ``find`` recording: one JSON object per line, {"path": ..., "size": ..., "mtime": ...}."""
    items = _json_lines(
        rec,
        lambda i: (isinstance(i.get("path"), str) and _is_int(i.get("size"))
                   and isinstance(i.get("mtime"), (int, float)) and not isinstance(i.get("mtime"), bool)),
        _('{path}, line {line}: each line must be a JSON object with a text "path", a whole-number "size" '
          'and a number "mtime".'))
    return [FileInfo(i["path"], i["size"], float(i["mtime"])) for i in items]


def _json_header(rec: Recording, name: str) -> list[str]:
    try:
        value = json.loads(_header(rec, name))
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordingError(_('{path}: "{name}" must be a JSON list of texts.').format(path=rec.origin, name=name))
    return value


def _typed_value(rec: Recording) -> RegValue:
    """A registry value recorded on its own (a capture): ``type:`` and the value as JSON (bytes as
    {"hex": "..."})."""
    kind = _header(rec, "type")
    try:
        data = json.loads(rec.body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("hex"), str):
        try:
            return RegValue(kind, bytes.fromhex(data["hex"]))
        except ValueError:
            pass
    elif isinstance(data, (int, str)) or (isinstance(data, list) and all(isinstance(v, str) for v in data)):
        return RegValue(kind, data)
    raise RecordingError(_('{path}: the value must be JSON: a number, a text, a list of texts or '
                           '{{"hex": "..."}}.').format(path=rec.origin))


class RecordedHost(Host):
    """Replays a folder of recorded outputs, strictly: every answer comes from a recording.

    A request that no recording answers raises ``NotRecorded`` naming it (the check becomes an
    ``error`` finding); nothing is ever taken as absent, empty or the system's default for lack of
    data. Absence is recorded like anything else (``kind: absent``), and so is access denied
    (``kind: denied``). Two inferences only, both from recorded data: a registry key dumped with
    ``reg query`` lists all its values (a value not in the dump is absent), and a folder holding a
    recorded file or folder exists.
    """

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
        self._registry: dict[str, dict[str, RegValue]] = {}  # whole keys (reg query dumps)
        self._reg_values: dict[tuple[str, str], tuple[RegValue, Recording]] = {}  # values recorded one by one
        self._reg_origin: dict[str, Recording] = {}  # dumped key -> the dump
        self._subkeys: dict[str, tuple[list[str], Recording]] = {}  # key -> its subkeys' names
        self._files: dict[str, Recording] = {}
        self._dirs: dict[str, list[str]] = {}
        self._finds: dict[tuple[tuple[str, ...], tuple[str, ...], int], tuple[list[FileInfo], Recording]] = {}
        self._absent: dict[tuple[str, str], Recording] = {}
        self._present: dict[str, Recording] = {}
        self._denied: dict[tuple[str, str], Recording] = {}
        self._listeners: list[tuple[list[Listener], Recording]] = []
        self._processes: tuple[list[ProcessInfo], Recording] | None = None
        paths = []
        for path in self.folder.rglob("*.rec"):
            paths.append(path)
            if len(paths) > MAX_RECORDINGS:
                raise RecordingError(_("{path} holds more than {count} recordings.").format(
                    path=self.folder, count=MAX_RECORDINGS))
        total = 0
        for path in sorted(paths):
            rec = read_recording(path)
            total += max(len(rec.body), len(rec.raw))
            if total > MAX_FOLDER_BYTES:
                raise RecordingError(_("The recordings in {path} add up to more than {size} MiB.").format(
                    path=self.folder, size=MAX_FOLDER_BYTES // (1024 * 1024)))
            self._add(rec)

    def _use(self, rec: Recording) -> None:
        """Called with every recording an answer comes from (a test follows which check uses which)."""

    def _use_dump(self, key: str) -> None:
        origin = self._reg_origin.get(key)
        if origin is not None:  # None for a value a test wrote (tests/unit/test_autostart.py)
            self._use(origin)

    def _add(self, rec: Recording) -> None:
        kind = rec.headers["kind"]
        if kind == "command":
            argv = _argv(rec)
            _whole_number(rec, "rc")
            outcome = rec.headers.get("outcome", "ran")
            if outcome not in ("ran", "tool-missing", "timeout", "denied"):
                raise RecordingError(_('{path}: "outcome" must be ran, tool-missing, timeout or denied.').format(
                    path=rec.origin))
            encoding = rec.headers.get("encoding")
            if encoding is not None:
                try:
                    codecs.lookup(encoding)
                except LookupError:
                    raise RecordingError(_('{path}: "encoding" names no known encoding: {value}.').format(
                        path=rec.origin, value=encoding[:20])) from None
            self._commands[argv] = rec
            if outcome != "tool-missing":
                self._tools.add(argv[0])
        elif kind == "registry":
            if "value" in rec.headers:
                self._reg_values[(normalize_key(_header(rec, "key")), rec.headers["value"].lower())] = (
                    _typed_value(rec), rec)
                return
            try:
                parsed = parse_reg_query(rec.body)
            except ValueError:
                raise RecordingError(_("{path}: a REG_DWORD or REG_QWORD value is not a number.").format(
                    path=rec.origin)) from None
            for key, values in parsed.items():
                self._registry.setdefault(key, {}).update(values)
                self._reg_origin.setdefault(key, rec)
        elif kind == "subkeys":
            self._subkeys[normalize_key(_header(rec, "key"))] = (
                [line.strip() for line in rec.body.splitlines() if line.strip()], rec)
        elif kind == "file":
            _whole_number(rec, "size")
            _iso_time(rec, "mtime")
            self._files[self._norm_path(_header(rec, "path"))] = rec
        elif kind == "dir":
            self._dirs[self._norm_path(_header(rec, "path"))] = [
                line.rstrip("\r") for line in rec.body.splitlines() if line.strip()
            ]
            self._present[self._norm_path(rec.headers["path"])] = rec
        elif kind == "find":
            roots = tuple(self._norm_path(r) for r in _json_header(rec, "roots"))
            patterns = tuple(p.lower() for p in _json_header(rec, "patterns"))
            _whole_number(rec, "max_depth")
            self._finds[(roots, patterns, int(rec.headers.get("max_depth", "4")))] = (_found_files(rec), rec)
        elif kind in ("absent", "present", "denied"):
            for word, target in _facts(rec):
                fact = (word, self._norm_fact(word, target))
                if kind == "absent":
                    self._absent[fact] = rec
                elif kind == "denied":
                    self._denied[fact] = rec
                else:
                    self._present[fact[1]] = rec
        elif kind == "listeners":
            fmt = rec.headers.get("format", "")
            if _denied(rec):
                self._listeners.append(([], rec))
                return
            parser = _LISTENER_PARSERS.get(fmt)
            if fmt == "psutil":
                listeners = _psutil_listeners(rec)
            elif parser is not None:
                listeners = parser(rec.body)
            else:
                raise RecordingError(_("{path}: unknown listeners format \"{format}\" (known: {known}).").format(
                    path=rec.origin, format=fmt, known=", ".join([*_LISTENER_PARSERS, "psutil"])))
            self._listeners.append((listeners, rec))
        elif kind == "processes":
            self._processes = ([] if _denied(rec) else _processes(rec), rec)
        else:
            raise RecordingError(_("{path}: unknown kind \"{kind}\" (known: {known}).").format(
                path=rec.origin, kind=kind, known=", ".join(_KINDS)))

    def _norm_path(self, path: str) -> str:
        if self.platform == WINDOWS:
            return str(PureWindowsPath(path)).lower()
        return str(PurePosixPath(path))

    def _norm_fact(self, word: str, target: str) -> str:
        if word == "path":
            return self._norm_path(target)
        if word == "key":
            return normalize_key(target)
        if word == "value":
            key, _sep, name = target.partition(" | ")
            return normalize_key(key) + " | " + name.strip().lower()
        if word == "env":
            return target.upper()
        return target

    def _fact(self, word: str, target: str) -> Recording | None:
        """The ``absent`` recording that says ``target`` is not there; NeedsAdmin when a ``denied``
        recording says it could not be read."""
        fact = (word, self._norm_fact(word, target))
        denied = self._denied.get(fact)
        if denied is not None:
            self._use(denied)
            raise NeedsAdmin(target)
        rec = self._absent.get(fact)
        if rec is not None:
            self._use(rec)
        return rec

    # -- commands ---------------------------------------------------------------------------
    def run(self, argv: Sequence[str], timeout: float = 10.0) -> CommandResult:
        return self.run_bytes(argv, timeout).decoded()

    def run_bytes(self, argv: Sequence[str], timeout: float = 10.0) -> RawOutput:
        """The recorded bytes and the encoding the live path decodes them with (LocalHost.run_bytes)."""
        key = tuple(argv)
        rec = self._commands.get(key)
        if rec is None:
            if self._fact("tool", argv[0]) is not None:
                raise ToolMissing(argv[0])
            raise NotRecorded("command " + json.dumps(list(argv), ensure_ascii=False))
        self._use(rec)
        outcome = rec.headers.get("outcome", "ran")
        if outcome == "tool-missing":
            raise ToolMissing(argv[0])
        if outcome == "timeout":
            raise CommandTimeout(argv[0], timeout)
        if outcome == "denied":
            raise NeedsAdmin(argv[0])
        encoding = rec.headers.get("encoding") or output_encoding(key, self.platform, self.oem_code_page)
        if "stderr_base64" in rec.headers:
            try:
                stderr = base64.b64decode(rec.headers["stderr_base64"], validate=True)
            except binascii.Error:
                raise RecordingError(_("{path}: the output is not valid base64 (header 'body: base64').").format(
                    path=rec.origin)) from None
        else:
            stderr = rec.headers.get("stderr", "").encode(encoding, "replace")
        return RawOutput(key, int(rec.headers.get("rc", "0")), rec.raw, stderr, encoding)

    def has_tool(self, name: str) -> bool:
        if name in self._tools:
            return True
        if self._fact("tool", name) is not None:
            return False
        raise NotRecorded("tool " + name)

    # -- files ------------------------------------------------------------------------------
    def read_text(self, path: str) -> str | None:
        norm = self._norm_path(path)
        rec = self._files.get(norm)
        if rec is not None:
            self._use(rec)
            if rec.headers.get("state") == "unreadable":  # a FIFO, a device, a file too large (UnreadableFile)
                raise UnreadableFile(path, rec.headers.get("reason", "not an ordinary file"))
            if rec.headers.get("body") == "base64":  # the bytes, decoded as LocalHost decodes a file
                return rec.raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
            return rec.body
        if rec is None and norm in self._dirs:
            self._use(self._present[norm])
            return None  # a folder: LocalHost reads nothing either
        if rec is None and self._fact("path", path) is not None:
            return None
        raise NotRecorded("file " + path)

    def exists(self, path: str) -> bool:
        norm = self._norm_path(path)
        for known in (self._files.get(norm), self._present.get(norm)):
            if known is not None:
                self._use(known)
                return True
        if self._fact("path", path) is not None:
            return False
        below = self._below(norm)
        if below is not None:
            self._use(below)
            return True
        raise NotRecorded("path " + path)

    def _below(self, norm: str) -> Recording | None:
        """A recorded file or folder inside ``norm`` (which then exists)."""
        sep = "\\" if self.platform == WINDOWS else "/"
        prefix = norm.rstrip(sep) + sep
        for known, rec in [*self._files.items(), *self._present.items()]:
            if known.startswith(prefix):
                return rec
        return None

    def list_dir(self, path: str) -> list[str] | None:
        norm = self._norm_path(path)
        if norm in self._dirs:
            rec = self._present[norm]
            self._use(rec)
            if rec.headers.get("state") == "unreadable":
                raise UnreadableFile(path, rec.headers.get("reason", "too many entries"))
            return list(self._dirs[norm])
        if norm in self._files:
            self._use(self._files[norm])
            return None  # a file, not a folder
        if self._fact("path", path) is not None:
            return None
        raise NotRecorded("folder " + path)

    def find_files(
        self, roots: Sequence[str], patterns: Sequence[str], max_depth: int = 4, limit: int = 500
    ) -> list[FileInfo]:
        key = (tuple(self._norm_path(r) for r in roots), tuple(p.lower() for p in patterns))
        found = self._finds.get((*key, max_depth))
        if found is None:
            raise NotRecorded("search " + json.dumps({"roots": list(roots), "patterns": list(patterns),
                                                       "max_depth": max_depth}, ensure_ascii=False))
        self._use(found[1])
        return found[0][:limit]

    # -- registry ---------------------------------------------------------------------------
    def reg_value(self, key: str, name: str) -> RegValue | None:
        norm = normalize_key(key)
        single = self._reg_values.get((norm, name.lower()))
        if single is not None:
            self._use(single[1])
            return single[0]
        if norm in self._registry:  # a whole key was dumped: a value it does not list is absent
            self._use_dump(norm)
            return self._registry[norm].get(name.lower())
        if self._fact("value", f"{key} | {name}") is not None or self._fact("key", key) is not None:
            return None
        raise NotRecorded(f"value {key} | {name}")

    def reg_subkeys(self, key: str) -> list[str]:
        norm = normalize_key(key)
        listed = self._subkeys.get(norm)
        if listed is not None:
            self._use(listed[1])
            return list(listed[0])
        if norm in self._registry:  # `reg query KEY` (with or without /s) prints the subkeys too
            self._use_dump(norm)
            prefix = norm + "\\"
            return sorted({k[len(prefix):].split("\\", 1)[0] for k in self._registry if k.startswith(prefix)})
        if self._fact("key", key) is not None:
            return []
        raise NotRecorded("key " + key)

    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        raise HostError("a recorded machine is replayed, never written to")

    def reg_delete_user_value(self, key: str, name: str) -> None:
        raise HostError("a recorded machine is replayed, never written to")

    # -- system -----------------------------------------------------------------------------
    def listeners(self) -> list[Listener]:
        if not self._listeners:
            raise NotRecorded("listeners")
        result = []
        for listeners, rec in self._listeners:
            self._use(rec)
            if _denied(rec):
                raise NeedsAdmin("listeners")
            result.extend(listeners)
        return result

    def processes(self) -> list[ProcessInfo]:
        if self._processes is None:
            raise NotRecorded("processes")
        self._use(self._processes[1])
        if _denied(self._processes[1]):
            raise NeedsAdmin("processes")
        return list(self._processes[0])

    def is_admin(self) -> bool:
        return self._admin

    def addresses(self) -> set[str]:
        return set(self._addresses)

    def user_name(self) -> str:
        return self._user

    def home(self) -> str:
        return self._home

    def env(self, name: str) -> str | None:
        value = self._env.get(name.upper())
        if value is not None:
            return value
        if self._fact("env", name) is not None:
            return None
        raise NotRecorded("environment variable " + name)

    def now(self) -> dt.datetime:
        return self._now

    def facts(self) -> HostFacts:
        return HostFacts(
            platform=self.platform,
            hostname=str(self.meta.get("hostname", self.folder.name)),
            description=str(self.meta.get("description", "")),
        )
