"""Writing a capture: every recorded request as a ``.rec`` file in the format ``RecordedHost``
replays, ``host.toml``, the live verdicts, a README for the IT provider, a SHA-256 manifest and
a zip. Everything goes through the scrubber first; nothing unscrubbed is ever written."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gp_guard.capture.proxy import Entry, RecordingHost
from gp_guard.capture.scrub import Scrubber, redact_password
from gp_guard.host import (
    CommandTimeout,
    NeedsAdmin,
    RawOutput,
    RegValue,
    ToolMissing,
    UnreadableFile,
)
from gp_guard.paths import write_private_bytes

MANIFEST = "SHA256SUMS"
README = "README.txt"
_LINE_KINDS = ("absent", "present", "denied")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(type(value))


def toml_text(top: dict[str, Any], tables: dict[str, dict[str, Any]]) -> str:
    lines = [f"{k} = {_toml_value(v)}" for k, v in top.items()]
    for name, table in tables.items():
        lines.append(f"\n[{name}]")
        lines.extend(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(v)}" for k, v in sorted(table.items()))
    return "\n".join(lines) + "\n"


def _encode(text: str) -> bytes:
    """UTF-8; a name the system gave in another encoding (a surrogate escape) back to its bytes."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header_value(text: str) -> str:
    """One header line: never a line break (a header is one line)."""
    return " ".join(text.split())


class CaptureWriter:
    def __init__(self, proxy: RecordingHost, scrub: Scrubber, source: str) -> None:
        self.proxy = proxy
        self.scrub = scrub
        self.source = source  # the 'source:' header of every recording
        self.files: dict[str, bytes] = {}
        self.lines: dict[tuple[str, str], list[str]] = {}  # (check, absent|present|denied) -> lines
        self.counts: dict[str, int] = {}
        self.tools: set[str] = set()
        self.env: dict[str, str] = {}
        self._finds: set[tuple[Any, ...]] = set()

    # -- one file per recorded answer -------------------------------------------------------
    def _name(self, check: str, what: str) -> str:
        number = self.counts.get(check, 0) + 1
        self.counts[check] = number
        return f"{check}-{number:02d}-{what}.rec"

    def _rec(self, check: str, what: str, headers: dict[str, str], body: bytes, *, comments: Iterable[str] = ()) -> None:
        if headers.get("kind") != "command" and not _utf8(body):  # a file name that is not UTF-8
            headers = {**headers, "body": "base64"}
            comments = [*comments, "kept as base64: a name or a text that is not UTF-8, exactly as the system gave it"]
            body = base64.encodebytes(body)
        head = "".join(f"{k}: {_header_value(v)}\n" for k, v in headers.items())
        head += f"source: {self.source}\n"
        head += "".join(f"# {_header_value(c)}\n" for c in comments)
        self.files[self._name(check, what)] = (head + "---\n").encode("utf-8", "backslashreplace") + body

    def _line(self, check: str, kind: str, line: str) -> None:
        self.lines.setdefault((check, kind), []).append(line)

    def _bytes(self, raw: bytes, encoding: str, config: bool = False) -> bytes:
        text = raw.decode(encoding, "surrogateescape")
        text = self.scrub.config(text) if config else self.scrub.text(text)
        return text.encode(encoding, "surrogateescape")

    def add(self, entry: Entry) -> None:
        getattr(self, "_" + entry.kind)(entry)

    def _command(self, entry: Entry) -> None:
        argv = [self.scrub.text(a) for a in entry.key]
        headers = {"kind": "command", "argv": json.dumps(argv, ensure_ascii=False)}
        error = entry.error
        if isinstance(error, (ToolMissing, CommandTimeout, NeedsAdmin)):
            outcome = {ToolMissing: "tool-missing", CommandTimeout: "timeout", NeedsAdmin: "denied"}[type(error)]
            headers["outcome"] = outcome
            self._rec(entry.check, "command", headers, b"")
            return
        raw: RawOutput = entry.answer
        self.tools.add(argv[0])
        stdout = self._bytes(raw.stdout, raw.encoding, config=True)
        stderr = self._bytes(raw.stderr, raw.encoding, config=True)
        headers["rc"] = str(raw.returncode)
        headers["encoding"] = raw.encoding
        comments = []
        if stderr:
            headers["stderr_base64"] = base64.b64encode(stderr).decode("ascii")
            comments.append("stderr: " + stderr.decode(raw.encoding, "replace").strip()[:200])
        if stdout and not (raw.encoding == "utf-8" and b"\r" not in stdout and _utf8(stdout)):
            headers["body"] = "base64"
            comments.append(f"output kept as base64: the exact bytes ({raw.encoding}, line ends included)")
            stdout = base64.encodebytes(stdout)
        self._rec(entry.check, "command", headers, stdout, comments=comments)

    def _path_error(self, entry: Entry, path: str, kind: str) -> bool:
        if isinstance(entry.error, NeedsAdmin):
            self._line(entry.check, "denied", f"path {path}")
            return True
        if isinstance(entry.error, UnreadableFile):
            self._rec(entry.check, kind, {"kind": kind, "path": path, "state": "unreadable",
                                          "reason": entry.error.reason}, b"")
            return True
        return False

    def _file(self, entry: Entry) -> None:
        path = self.scrub.text(entry.key)
        if self._path_error(entry, path, "file"):
            return
        if entry.answer is None:
            self._line(entry.check, "absent", f"path {path}")
            return
        self._rec(entry.check, "file", {"kind": "file", "path": path},
                  _encode(self.scrub.config(entry.answer)))

    def _dir(self, entry: Entry) -> None:
        path = self.scrub.text(entry.key)
        if self._path_error(entry, path, "dir"):
            return
        if entry.answer is None:
            self._line(entry.check, "absent", f"path {path}")
            return
        names = "".join(self.scrub.text(n) + "\n" for n in entry.answer)
        self._rec(entry.check, "dir", {"kind": "dir", "path": path}, _encode(names))

    def _exists(self, entry: Entry) -> None:
        self._line(entry.check, "present" if entry.answer else "absent", f"path {self.scrub.text(entry.key)}")

    def _find(self, entry: Entry) -> None:
        roots, patterns, depth, _limit = entry.key
        replay_key = (tuple(roots), tuple(patterns), depth)
        if replay_key in self._finds:
            return
        self._finds.add(replay_key)
        body = "".join(json.dumps({"path": self.scrub.text(f.path), "size": f.size, "mtime": f.mtime},
                                  ensure_ascii=False) + "\n" for f in entry.answer)
        self._rec(entry.check, "find", {
            "kind": "find", "roots": json.dumps([self.scrub.text(r) for r in roots], ensure_ascii=False),
            "patterns": json.dumps(list(patterns), ensure_ascii=False), "max_depth": str(depth),
        }, _encode(body))

    def _reg_value(self, entry: Entry) -> None:
        key, name = self.scrub.text(entry.key[0]), entry.key[1]
        if isinstance(entry.error, NeedsAdmin):
            self._line(entry.check, "denied", f"value {key} | {name}")
            return
        value: RegValue | None = entry.answer
        if value is None:
            self._line(entry.check, "absent", f"value {key} | {name}")
            return
        data: Any = value.value
        if isinstance(data, bytes):
            data = {"hex": data.hex()}
        elif isinstance(data, str):
            data = redact_password(data) if "password" in name.lower() else self.scrub.text(data)
        elif isinstance(data, list):
            data = [self.scrub.text(str(v)) for v in data]
        self._rec(entry.check, "registry", {"kind": "registry", "key": key, "value": name, "type": value.type},
                  json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def _reg_subkeys(self, entry: Entry) -> None:
        key = self.scrub.text(entry.key)
        if isinstance(entry.error, NeedsAdmin):
            self._line(entry.check, "denied", f"key {key}")
            return
        names = "".join(self.scrub.text(n) + "\n" for n in entry.answer)
        self._rec(entry.check, "subkeys", {"kind": "subkeys", "key": key}, _encode(names))

    def _tool(self, entry: Entry) -> None:
        if entry.answer:
            self.tools.add(entry.key)
        else:
            self._line(entry.check, "absent", f"tool {entry.key}")

    def _env(self, entry: Entry) -> None:
        if entry.answer is None:
            self._line(entry.check, "absent", f"env {entry.key}")
        else:
            self.env[entry.key] = self.scrub.text(entry.answer)

    def _listeners(self, entry: Entry) -> None:
        if isinstance(entry.error, NeedsAdmin):
            self._rec(entry.check, "listeners", {"kind": "listeners", "format": "psutil", "state": "denied"}, b"")
            return
        body = "".join(json.dumps({"proto": li.proto, "ip": self.scrub.text(li.ip), "port": li.port, "pid": li.pid,
                                   "process": self.scrub.text(li.process) if li.process else li.process},
                                  ensure_ascii=False) + "\n" for li in entry.answer)
        self._rec(entry.check, "listeners", {"kind": "listeners", "format": "psutil"}, _encode(body))

    def _processes(self, entry: Entry) -> None:
        if isinstance(entry.error, NeedsAdmin):
            self._rec(entry.check, "processes", {"kind": "processes", "state": "denied"}, b"")
            return
        body = "".join(json.dumps({
            "pid": p.pid, "name": self.scrub.text(p.name), "cmdline": [self.scrub.config(a) for a in p.cmdline],
            "username": self.scrub.text(p.username) if p.username else p.username,
        }, ensure_ascii=False) + "\n" for p in entry.answer)
        self._rec(entry.check, "processes", {"kind": "processes"}, _encode(body))

    def _admin(self, entry: Entry) -> None:
        """Written in host.toml."""

    _addresses = _user = _home = _admin

    # -- the folder -------------------------------------------------------------------------
    def finish(self) -> None:
        """The absent / present / denied lines, one file per check and kind."""
        for (check, kind), lines in sorted(self.lines.items()):
            body = "".join(f"{line}\n" for line in dict.fromkeys(lines))
            self._rec(check, kind, {"kind": kind}, _encode(body))


def write_folder(out: Path, files: dict[str, bytes]) -> None:
    """Every file (0600, the folder 0700), then the manifest of their SHA-256."""
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, data in sorted(files.items()):
        write_private_bytes(out / name, data)
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    write_private_bytes(out / MANIFEST, manifest.encode("utf-8"))


def write_zip(out: Path, target: Path) -> None:
    """``target``: a zip of the folder, ready to attach to an e-mail (every file, manifest included)."""
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(out.iterdir()):
            archive.write(path, f"{out.name}/{path.name}")
    tmp.chmod(0o600)
    tmp.replace(target)
