"""Every file gp_guard writes during the test run that holds patient data or a key must be 0600.

An audit hook (``sys.addaudithook``) sees each file opened for writing, each SQLite database
connected and each rename; it keeps those that gp_guard's own code wrote (a frame of the package
is on the stack: a file a test writes itself is not gp_guard's) inside the test folders. At the end
of the session each such file that still exists is checked; see ``check()``.

Which files count: everything under a gp_guard home (the database and its -wal/-shm, the vault
identity and keys, decrypted copies, the log, the lock files), and outside it every document
gp_guard produces for the user (reports, dossiers, exports, recovery kits and key files: .pdf,
.html, .csv, .txt, .json). Not counted: the user's own files that the vault encrypts and decrypts
in place (they keep the user's mode), written by the modules in IN_PLACE.

gp_guard programs the tests start (``python -m gp_guard ...``) are watched too: the session puts
``tests/private_files_site`` first on PYTHONPATH, whose ``sitecustomize`` installs the same hook
in the child and appends what it saw to the file named by GP_GUARD_WRITTEN_LOG at exit.

Cost: the hook returns at once for every other event; ``GP_GUARD_MODE_CHECK=0`` switches it off
(figures in the closing note of issue 11).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import threading
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1]) + os.sep
PACKAGE = ROOT + "gp_guard" + os.sep
PRIVATE_HELPER = PACKAGE + "paths.py"  # writes for the features: its caller is named
SITE = Path(__file__).resolve().parent / "private_files_site"
LOG_VAR, ROOTS_VAR = "GP_GUARD_WRITTEN_LOG", "GP_GUARD_WRITTEN_ROOTS"
DOCUMENTS = {".pdf", ".html", ".csv", ".txt", ".json"}
# The monitoring outputs (gp_guard/monitoring) are written for another program to read — node_exporter
# and the Wazuh agent often run as another account — and hold ids, statuses and counts only (a test
# there checks that no file name, user name or patient data reaches them): not private by design.
MONITORING_OUTPUTS = {"gp_guard.prom", "gp_guard-status.txt", "gp_guard-events.jsonl"}
IN_PLACE = ("gp_guard/vault/folder.py", "gp_guard/vault/fileio.py")  # the user's own files
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
WATCHED = frozenset({"open", "sqlite3.connect", "os.rename"})

# Writers that still write such a file with another mode, as found by this check. Each entry is
# a defect left to the helper who owns that writer; remove it when the writer is fixed (a stale
# entry is reported, never a failure, so that merging the fix does not break the run).
KNOWN: dict[str, str] = {
}

written: dict[str, tuple[str, bool]] = {}  # path -> (writer "gp_guard/x.py:function", in a home)
roots: list[str] = []  # the test folders (pytest's base temp); homes are added as they are seen
_lock = threading.Lock()
enabled = os.environ.get("GP_GUARD_MODE_CHECK", "1") != "0"


def _writer() -> str | None:
    """gp_guard's innermost frame on the stack, as "gp_guard/module.py:function"; the shared
    private-file helper (gp_guard/paths.py) names its caller, the feature that writes."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(PACKAGE) and name != PRIVATE_HELPER:
            return f"{name[len(ROOT):]}:{frame.f_code.co_name}".replace(os.sep, "/")
        frame = frame.f_back
    return None


def _record(path: object, writer: str | None = None) -> None:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str | os.PathLike):
        return  # a file descriptor
    text = os.path.abspath(os.fspath(path))
    home = os.environ.get("GP_GUARD_HOME")
    in_home = bool(home) and text.startswith(os.path.abspath(home) + os.sep)
    if not in_home and not any(text.startswith(r) for r in roots):
        return
    writer = writer or _writer()
    if writer is not None:
        with _lock:
            written.setdefault(text, (writer, in_home))


def _hook(event: str, args: tuple) -> None:
    if event not in WATCHED:
        return
    if event == "open":
        path, mode, flags = args
        if mode is None:  # os.open
            if not flags & WRITE_FLAGS:
                return
            exclusive = bool(flags & os.O_EXCL)
        elif not any(c in mode for c in "wax+"):
            return
        else:
            exclusive = "x" in mode
        if exclusive and isinstance(path, str | bytes | os.PathLike) and os.path.lexists(path):
            return  # the open is about to fail: gp_guard refuses to write over that file
        _record(path)
    elif event == "sqlite3.connect":
        database = args[0]
        if isinstance(database, str | bytes | os.PathLike) and os.fspath(database) != ":memory:":
            writer = _writer()
            for suffix in ("", "-wal", "-shm"):
                _record(os.fspath(database) + suffix if isinstance(database, str | os.PathLike)
                        else os.fsdecode(database) + suffix, writer)
    else:  # os.rename / os.replace: the temporary file's writer wrote the final one
        src, dst = args[0], args[1]
        if isinstance(src, str | bytes | os.PathLike) and isinstance(dst, str | bytes | os.PathLike):
            source = written.get(os.path.abspath(os.fsdecode(src)))
            if source is not None:
                _record(dst, source[0])


def install(base: Path) -> None:
    """Start recording (once per process) for the files under ``base``, here and in the gp_guard
    programs the tests start."""
    roots.append(str(base.resolve()) + os.sep)
    if not enabled or getattr(install, "done", False):
        return
    sys.addaudithook(_hook)
    install.done = True  # type: ignore[attr-defined]
    handle, log = tempfile.mkstemp(prefix="gp_guard-written-", suffix=".tsv")
    os.close(handle)
    os.environ[LOG_VAR] = log
    os.environ[ROOTS_VAR] = os.pathsep.join(roots)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(SITE), *filter(None, [os.environ.get("PYTHONPATH")])])


def install_in_child() -> None:
    """In a program a test started: record, and hand the records to the session at exit."""
    import atexit

    log = os.environ.get(LOG_VAR)
    if not log or not enabled:
        return
    roots.extend(r for r in os.environ.get(ROOTS_VAR, "").split(os.pathsep) if r)
    sys.addaudithook(_hook)

    def hand_over() -> None:
        with _lock:
            lines = [f"{path}\t{writer}\t{int(in_home)}\n" for path, (writer, in_home) in written.items()]
        if lines:
            with open(log, "a", encoding="utf-8", errors="surrogateescape") as out:
                out.write("".join(lines))  # one write: lines of parallel children do not mix

    atexit.register(hand_over)


def collect_children() -> int:
    """Add what the started programs recorded; how many files they wrote."""
    log = os.environ.get(LOG_VAR)
    if not log or not os.path.exists(log):
        return 0
    seen = set()
    with open(log, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                seen.add(parts[0])
                written.setdefault(parts[0], (parts[1], parts[2] == "1"))
    os.unlink(log)
    return len(seen)


def counted(path: str, in_home: bool) -> bool:
    """True when ``path`` is a file that holds patient data or a key (see the module text)."""
    if in_home:
        return True
    name = Path(path).name
    if name in MONITORING_OUTPUTS:
        return False
    return Path(name).suffix.lower() in DOCUMENTS or ".corrupt-" in name or name.endswith((".db", ".db-wal", ".db-shm"))


checked = {"files": 0, "in_children": 0}


def check(children: bool = True) -> tuple[list[str], list[str]]:
    """(files with another mode than 0600, stale KNOWN entries); only files that still exist."""
    if children:
        checked["in_children"] += collect_children()
    wrong: list[str] = []
    failing_writers: set[str] = set()
    passing_writers: set[str] = set()
    with _lock:
        items = sorted(written.items())
    for path, (writer, in_home) in items:
        if writer.split(":")[0] in IN_PLACE or not counted(path, in_home):
            continue
        try:
            info = os.lstat(path)
        except OSError:
            continue  # removed since (a temporary file, an unmounted test disk)
        if not stat.S_ISREG(info.st_mode):
            continue
        checked["files"] += 1
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            failing_writers.add(writer)
            if writer not in KNOWN:
                wrong.append(f"{oct(mode)} {path}  (written by {writer})")
        else:
            passing_writers.add(writer)
    stale = sorted(w for w in KNOWN if w in passing_writers and w not in failing_writers)
    return wrong, stale
