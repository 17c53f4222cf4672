"""Small helpers for tests (import as ``from tests.helpers import ...``)."""

from __future__ import annotations

import datetime as dt
import fnmatch
import tomllib
from pathlib import Path

from gp_guard.audit.model import Outcome
from gp_guard.audit.registry import all_checks
from gp_guard.audit.runner import run_one
from gp_guard.host import FileInfo, Host, HostError, NotRecorded, ToolMissing, normalize_key
from gp_guard.host.recorded import RecordedHost

FIXTURES = Path(__file__).parent / "fixtures"
HOSTS = FIXTURES / "hosts"


class PartialHost(Host):
    """A hand-built host for a test that needs only a few primitives: it overrides those, and
    every other one says it is not there (``NotImplementedError``). ``Host`` itself is abstract, so
    a production host cannot leave a primitive out; only tests build partial ones, through here."""

    def run(self, argv, timeout=10.0):  # type: ignore[no-untyped-def]
        raise NotImplementedError("run")

    def has_tool(self, name):  # type: ignore[no-untyped-def]
        raise NotImplementedError("has_tool")

    def read_text(self, path):  # type: ignore[no-untyped-def]
        raise NotImplementedError("read_text")

    def list_dir(self, path):  # type: ignore[no-untyped-def]
        raise NotImplementedError("list_dir")

    def exists(self, path):  # type: ignore[no-untyped-def]
        raise NotImplementedError("exists")

    def find_files(self, roots, patterns, max_depth=4, limit=500):  # type: ignore[no-untyped-def]
        raise NotImplementedError("find_files")

    def reg_value(self, key, name):  # type: ignore[no-untyped-def]
        raise NotImplementedError("reg_value")

    def reg_subkeys(self, key):  # type: ignore[no-untyped-def]
        raise NotImplementedError("reg_subkeys")

    def reg_set_user_string(self, key, name, value):  # type: ignore[no-untyped-def]
        raise NotImplementedError("reg_set_user_string")

    def reg_delete_user_value(self, key, name):  # type: ignore[no-untyped-def]
        raise NotImplementedError("reg_delete_user_value")

    def listeners(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("listeners")

    def processes(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("processes")

    def is_admin(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("is_admin")

    def user_name(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("user_name")

    def home(self):  # type: ignore[no-untyped-def]
        raise NotImplementedError("home")

    def env(self, name):  # type: ignore[no-untyped-def]
        raise NotImplementedError("env")


class LenientHost(RecordedHost):
    """A hand-made replay folder for a test of one parser or one decision (garbage output, an odd
    registry state): whatever it does not record reads as absent (no such file, value, key, tool or
    variable; no process), as the replay did before it became strict. Only tests use it; the
    recorded machines under fixtures/hosts and a capture are replayed strictly (RecordedHost)."""

    def has_tool(self, name):  # type: ignore[no-untyped-def]
        try:
            return super().has_tool(name)
        except NotRecorded:
            return False

    def run(self, argv, timeout=10.0):  # type: ignore[no-untyped-def]
        try:
            return super().run(argv, timeout)
        except NotRecorded:
            if argv[0] not in self._tools:
                raise ToolMissing(argv[0]) from None
            raise HostError(" ".join(argv)) from None

    def listeners(self):  # type: ignore[no-untyped-def]
        try:
            return super().listeners()
        except NotRecorded:
            raise HostError("listeners") from None

    def read_text(self, path):  # type: ignore[no-untyped-def]
        try:
            return super().read_text(path)
        except NotRecorded:
            return None

    def exists(self, path):  # type: ignore[no-untyped-def]
        try:
            return super().exists(path)
        except NotRecorded:
            return False

    def list_dir(self, path):  # type: ignore[no-untyped-def]
        try:
            return super().list_dir(path)
        except NotRecorded:
            return None

    def find_files(self, roots, patterns, max_depth=4, limit=500):  # type: ignore[no-untyped-def]
        try:
            return super().find_files(roots, patterns, max_depth, limit)
        except NotRecorded:
            found = []
            for norm, rec in self._files.items():
                name = norm.replace("\\", "/").rsplit("/", 1)[-1]
                if any(norm.startswith(self._norm_path(r)) for r in roots) and any(
                        fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns):
                    mtime = dt.datetime.fromisoformat(rec.headers.get("mtime", str(self._now))).timestamp()
                    found.append(FileInfo(rec.headers["path"], int(rec.headers.get("size", len(rec.raw))), mtime))
            return found[:limit]

    def reg_value(self, key, name):  # type: ignore[no-untyped-def]
        try:
            return super().reg_value(key, name)
        except NotRecorded:
            return None

    def reg_subkeys(self, key):  # type: ignore[no-untyped-def]
        try:
            return super().reg_subkeys(key)
        except NotRecorded:
            prefix = normalize_key(key) + "\\"
            return sorted({k[len(prefix):].split("\\", 1)[0] for k in self._registry if k.startswith(prefix)})

    def env(self, name):  # type: ignore[no-untyped-def]
        try:
            return super().env(name)
        except NotRecorded:
            return None

    def processes(self):  # type: ignore[no-untyped-def]
        try:
            return super().processes()
        except NotRecorded:
            return []


def recorded(name: str) -> RecordedHost:
    return RecordedHost(HOSTS / name)


def run_check(check_id: str, host) -> Outcome:  # type: ignore[no-untyped-def]
    check = next(c for c in all_checks() if c.id == check_id)
    return run_one(check, host)


def message(check_id: str, outcome: Outcome, platform: str = "linux") -> str:
    """The outcome's message as the user reads it (current language)."""
    from gp_guard.audit.model import Finding

    check = next(c for c in all_checks() if c.id == check_id)
    return Finding(check.meta, outcome, platform).message()


def expectations() -> list[tuple[str, str, str, str]]:
    """(area file, check id, host, expected status) from tests/fixtures/expectations/*.toml."""
    rows = []
    for path in sorted((FIXTURES / "expectations").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for check_id, hosts in data.items():
            for host, status in hosts.items():
                rows.append((path.stem, check_id, host, status))
    return rows
