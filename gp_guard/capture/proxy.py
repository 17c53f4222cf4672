"""The recording proxy: a ``Host`` that passes every request of the checks to the live host and
keeps the request and its answer, exactly as the checks made it, for the capture to write.

Requests are keyed as the replay keys them (``RecordedHost``): the same request made by two
checks is kept once, under the first check that made it (the check a thread runs is in its name,
``check-<ID>``, given by the audit runner). Failures are answers too: a tool that is missing, a
command that timed out, a file or a registry key that needs administrator rights, a file that is
not an ordinary one.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gp_guard.host import (
    CommandResult,
    CommandTimeout,
    FileInfo,
    Host,
    HostFacts,
    Listener,
    LocalHost,
    NeedsAdmin,
    ProcessInfo,
    RawOutput,
    RegValue,
    ToolMissing,
    UnreadableFile,
)
from gp_guard.host.local import powershell_argv
from gp_guard.host.recorded import RecordedHost

# Never recorded, whatever a check asks: BitLocker key protectors and recovery passwords, Wi-Fi
# profiles (their keys), browsers' own data (history, cookies, saved passwords, form data).
_FORBIDDEN_ARGV = re.compile(r"(?i)keyprotector|recoverypassword|manage-bde.*-protectors|wlan\s+show\s+profile|"
                             r"wlan.*key\s*=\s*clear|wifi.*show-secrets|find-generic-password|find-internet-password")
_FORBIDDEN_PATH = re.compile(
    r"(?i)(?:^|[\\/])(?:login data|cookies|history|web data|places\.sqlite|cookies\.sqlite|logins\.json|key[34]\.db|"
    r"formhistory\.sqlite|bookmarks|top sites|shortcuts|visited links)(?:-journal|-wal)?$|"
    r"system-connections|wpa_supplicant|[\\/]wlansvc[\\/]|airport\.preferences|keychains?[\\/]")


def forbidden_argv(argv: Sequence[str]) -> bool:
    return bool(_FORBIDDEN_ARGV.search(" ".join(argv)))


def forbidden_path(path: str) -> bool:
    return bool(_FORBIDDEN_PATH.search(path))


@dataclass
class Entry:
    """One recorded request: what it was (``kind``, ``key``), which check first made it, the answer."""

    kind: str  # command | file | dir | exists | find | reg_value | reg_subkeys | tool | env | listeners | processes
    key: Any
    check: str
    askers: set[str] = field(default_factory=set)  # every check that made this request
    answer: Any = None
    error: BaseException | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _current_check() -> str:
    name = threading.current_thread().name
    return name[len("check-"):] if name.startswith("check-") else "HOST"


class RecordingHost(Host):
    """Wraps the live host; every primitive is passed through and recorded (see the module docstring)."""

    live = True

    def __init__(self, inner: LocalHost | RecordedHost, now: dt.datetime | None = None) -> None:
        self.inner = inner  # this computer; or a replay, to test the capture of a Windows or a Mac here
        self.platform = inner.platform
        self.oem_code_page = inner.oem_code_page
        self.started = now or inner.now().replace(microsecond=0)
        self.entries: dict[tuple[str, Any], Entry] = {}
        self._lock = threading.Lock()

    # -- bookkeeping ------------------------------------------------------------------------
    def _call(self, kind: str, key: Any, call: Any, **extra: Any) -> Any:
        with self._lock:
            known = self.entries.get((kind, key))
            if known is not None:
                known.askers.add(_current_check())
        if known is not None:  # asked before: the same answer (as the replay will give)
            if known.error is not None:
                raise known.error
            return known.answer
        entry = Entry(kind, key, _current_check(), {_current_check()}, extra=extra)
        try:
            entry.answer = call()
        except (NeedsAdmin, ToolMissing, CommandTimeout, UnreadableFile) as exc:
            entry.error = exc
        with self._lock:
            first = self.entries.setdefault((kind, key), entry)
            first.askers |= entry.askers
            entry = first
        if entry.error is not None:
            raise entry.error
        return entry.answer

    def snapshot(self) -> list[Entry]:
        """The requests recorded so far (a check stopped at its deadline may still be running)."""
        with self._lock:
            return list(self.entries.values())

    # -- commands ---------------------------------------------------------------------------
    def _command(self, argv: Sequence[str], live_argv: Sequence[str], timeout: float) -> CommandResult:
        key = tuple(argv)

        def live() -> RawOutput:
            if forbidden_argv(key):  # recorded as refused: the replay refuses it the same way
                raise NeedsAdmin("never recorded by the capture kit: " + key[0])
            return self.inner.run_bytes(live_argv, timeout)

        raw: RawOutput = self._call("command", key, live, timeout=timeout)
        return CommandResult(key, raw.returncode, raw.stdout.decode(raw.encoding, "replace"),
                             raw.stderr.decode(raw.encoding, "replace"))

    def run(self, argv: Sequence[str], timeout: float = 10.0) -> CommandResult:
        return self._command(argv, argv, timeout)

    def powershell(self, script: str, timeout: float = 20.0) -> CommandResult:
        # recorded as a replay asks for it, run as LocalHost runs it (UTF-8 output asked first)
        live = powershell_argv(script, utf8=isinstance(self.inner, LocalHost))
        return self._command(powershell_argv(script, utf8=False), live, timeout)

    def has_tool(self, name: str) -> bool:
        return bool(self._call("tool", name, lambda: self.inner.has_tool(name)))

    # -- files ------------------------------------------------------------------------------
    def read_text(self, path: str) -> str | None:
        def live() -> str | None:
            if forbidden_path(path):  # recorded as refused: the replay refuses it the same way
                raise NeedsAdmin(path)
            return self.inner.read_text(path)

        return self._call("file", path, live)  # type: ignore[no-any-return]

    def list_dir(self, path: str) -> list[str] | None:
        names = self._call("dir", path, lambda: self.inner.list_dir(path))
        return None if names is None else list(names)  # a copy: a check may sort it, the record must not change

    def claim(self, path: str, user: str | None) -> None:
        self.inner.claim(path, user)

    def exists(self, path: str) -> bool:
        return bool(self._call("exists", path, lambda: self.inner.exists(path)))

    def find_files(
        self, roots: Sequence[str], patterns: Sequence[str], max_depth: int = 4, limit: int = 500
    ) -> list[FileInfo]:
        key = (tuple(roots), tuple(patterns), max_depth, limit)
        found = self._call("find", key, lambda: self.inner.find_files(roots, patterns, max_depth, limit))
        return list(found)

    # -- registry ---------------------------------------------------------------------------
    def reg_value(self, key: str, name: str) -> RegValue | None:
        return self._call("reg_value", (key, name), lambda: self.inner.reg_value(key, name))  # type: ignore[no-any-return]

    def reg_subkeys(self, key: str) -> list[str]:
        return list(self._call("reg_subkeys", key, lambda: self.inner.reg_subkeys(key)))

    def reg_set_user_string(self, key: str, name: str, value: str) -> None:
        raise NeedsAdmin("the capture kit never writes to the registry")

    def reg_delete_user_value(self, key: str, name: str) -> None:
        raise NeedsAdmin("the capture kit never writes to the registry")

    # -- system -----------------------------------------------------------------------------
    def listeners(self) -> list[Listener]:
        return list(self._call("listeners", None, self.inner.listeners))

    def processes(self) -> list[ProcessInfo]:
        return list(self._call("processes", None, self.inner.processes))

    def is_admin(self) -> bool:
        return bool(self._call("admin", None, self.inner.is_admin))

    def addresses(self) -> set[str]:
        return set(self._call("addresses", None, self.inner.addresses))

    def user_name(self) -> str:
        return str(self._call("user", None, self.inner.user_name))

    def home(self) -> str:
        return str(self._call("home", None, self.inner.home))

    def env(self, name: str) -> str | None:
        return self._call("env", name, lambda: self.inner.env(name))  # type: ignore[no-any-return]

    def now(self) -> dt.datetime:
        return self.started  # one instant for the whole capture, as the replay has one (recorded_at)

    def facts(self) -> HostFacts:
        return self.inner.facts()
