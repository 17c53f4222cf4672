"""Count the recorded outputs under tests/fixtures/hosts/ by origin, per platform.

    python tools/count_recordings.py [--list] [FOLDER]

Each ``.rec`` file says where its output comes from in its headers. An ``origin:`` header states
it: ``real`` (a real published or captured output, unchanged but for trimming), ``edited`` (real,
with values changed: an ``edited:`` header says which), ``laid-out`` (written from documentation,
a rule's text or several sources: no such output was ever published as it stands) or ``config``
(a configuration or data file the software checks read, not an OS tool's output). Without
``origin:`` the file is classified from its other headers, by the rules of ``classify`` below, and
counted as "inferred": the README's verification table gives these figures, reproducibly.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORIGINS = ("real", "edited", "laid-out", "config")
# Words by which an edited: or source: header says that the output was written, not recorded.
_LAID_OUT = re.compile(
    r"laid out|no published|not a recorded|synthesi[sz]|invented|written in `?reg query`? layout|"
    r"assembled|our (?:French )?rendering|as (?:checked|read) verbatim by|derived from",
    re.I,
)


def headers(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    data = path.read_bytes().replace(b"\r\n", b"\n")
    head = data.partition(b"\n---\n")[0].decode("utf-8", "replace")
    for line in head.splitlines():
        name, colon, value = line.partition(":")
        if colon and not line.lstrip().startswith("#"):
            found[name.strip().lower()] = value.strip()
    return found


def classify(head: dict[str, str]) -> tuple[str, bool]:
    """(origin, stated): the ``origin:`` header, or what the other headers say."""
    stated = head.get("origin", "").lower()
    if stated in ORIGINS:
        return stated, True
    if head.get("kind") in ("file", "dir"):
        return "config", False
    edited = head.get("edited", "").strip()
    if _LAID_OUT.search(edited) or _LAID_OUT.search(head.get("source", "")):
        return "laid-out", False
    if not edited or edited.lower().startswith("none"):
        return "real", False
    return "edited", False


def platform_of(host: Path) -> str:
    try:
        return str(tomllib.loads((host / "host.toml").read_text(encoding="utf-8")).get("platform", "?"))
    except (OSError, tomllib.TOMLDecodeError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "tests" / "fixtures" / "hosts"))
    parser.add_argument("--list", action="store_true", help="print each recording with its origin")
    args = parser.parse_args(argv)
    counts: dict[str, Counter[str]] = {}
    inferred: Counter[str] = Counter()
    for host in sorted(p for p in Path(args.folder).iterdir() if p.is_dir()):
        platform = platform_of(host)
        for rec in sorted(host.glob("*.rec")):
            origin, stated = classify(headers(rec))
            counts.setdefault(platform, Counter())[origin] += 1
            if not stated:
                inferred[platform] += 1
            if args.list:
                print(f"{origin:9} {'stated' if stated else 'inferred':8} {host.name}/{rec.name}")
    print(f"{'platform':10} {'total':>5} {'real':>5} {'edited':>6} {'laid-out':>8} {'config':>6}   (origin inferred from headers)")
    total: Counter[str] = Counter()
    for platform, c in sorted(counts.items()):
        total.update(c)
        print(f"{platform:10} {sum(c.values()):5} {c['real']:5} {c['edited']:6} {c['laid-out']:8} {c['config']:6}   ({inferred[platform]})")
    print(f"{'all':10} {sum(total.values()):5} {total['real']:5} {total['edited']:6} {total['laid-out']:8} {total['config']:6}"
          f"   ({sum(inferred.values())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
