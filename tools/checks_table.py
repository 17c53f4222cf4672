"""Print the README's table of checks and how each was verified per platform.

    .venv/bin/python tools/checks_table.py > /tmp/table.md   (then paste into README.md)
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gp_guard.audit.registry import all_checks  # noqa: E402
from gp_guard.host.recorded import RecordedHost  # noqa: E402
from gp_guard.i18n import _, set_language  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LIVE_LINUX = {p.stem.removeprefix("test_checks_") for p in (ROOT / "tests" / "unit").glob("test_checks_*.py")}


def recorded() -> dict[tuple[str, str], set[str]]:
    platform = {h.name: RecordedHost(h).platform for h in (FIXTURES / "hosts").iterdir() if h.is_dir()}
    seen: dict[tuple[str, str], set[str]] = {}
    for path in (FIXTURES / "expectations").glob("*.toml"):
        for check_id, hosts in tomllib.loads(path.read_text()).items():
            for host, status in hosts.items():
                seen.setdefault((check_id, platform[host]), set()).add(status)
    return seen


def main() -> None:
    set_language("en")
    seen = recorded()
    integration = (ROOT / "tests" / "integration")
    live_sources = " ".join(p.read_text() for p in integration.glob("test_*.py"))
    print("| id | severity | what is checked | Windows | macOS | Linux |")
    print("|---|---|---|---|---|---|")
    for check in all_checks():
        meta = check.meta
        cells = []
        for platform in ("windows", "macos"):
            if platform not in meta.platforms:
                cells.append("-")
            elif meta.network:
                cells.append("live probe (same code)")
            else:
                statuses = sorted(seen.get((meta.id, platform), set()))
                cells.append("recorded: " + "/".join(statuses) if statuses else "not verified")
        if "linux" not in meta.platforms:
            cells.append("-")
        elif f'"{meta.id}"' in live_sources:
            cells.append("live, real server")
        else:
            cells.append("live")
        print(f"| {meta.id} | {meta.severity} | {_(meta.title)} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
