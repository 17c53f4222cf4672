"""Small helpers for tests (import as ``from tests.helpers import ...``)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from gp_guard.audit.model import Outcome
from gp_guard.audit.registry import all_checks
from gp_guard.audit.runner import run_one
from gp_guard.host_recorded import RecordedHost

FIXTURES = Path(__file__).parent / "fixtures"
HOSTS = FIXTURES / "hosts"


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
