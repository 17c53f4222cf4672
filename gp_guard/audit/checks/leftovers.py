"""Leftover data (DATA-*): copies of patient data forgotten outside the practice software.

Only names, sizes and dates of files are read, never their content.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import PurePosixPath, PureWindowsPath

from gp_guard.audit import references as ref
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, warned
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, MACOS, WINDOWS, FileInfo, Host, NeedsAdmin
from gp_guard.i18n import N_, Np_, current_language, format_date

# Copies of a database or of medical images: a leftover of any age is a finding.
DUMP_PATTERNS = ("*.sql", "*.sql.gz", "*.dump", "*.backup", "*.bak", "*.fdb", "*.gdb", "*.dcm", "DICOMDIR")
# Archives and spreadsheets: ordinary work files while fresh, forgotten exports once old.
EXPORT_PATTERNS = ("*.zip", "*.7z", "*.csv")
EXPORT_MIN_AGE_DAYS = 30
USER_FOLDERS = ("Desktop", "Documents", "Downloads")
UNIX_TEMP_DIRS = ("/tmp", "/var/tmp")  # plus $TMPDIR
SHOWN = 5  # oldest files listed in the evidence
LIMIT = 2000
_XDG = re.compile(r'^\s*XDG_(DESKTOP|DOCUMENTS|DOWNLOAD)_DIR\s*=\s*"?([^"\n]*)"?\s*$', re.M)


def _join(host: Host, base: str, *parts: str) -> str:
    if host.platform == WINDOWS:
        return str(PureWindowsPath(base, *parts))
    return str(PurePosixPath(base, *parts))


def search_roots(host: Host) -> list[str]:
    """The user's Desktop, Documents and Downloads folders and the system temp folders."""
    home = host.home()
    roots = [_join(host, home, name) for name in USER_FOLDERS] if home else []
    if host.platform == WINDOWS:
        if home:
            roots += [_join(host, home, "OneDrive", name) for name in ("Desktop", "Documents")]
        temp = host.env("TEMP") or (_join(host, home, "AppData", "Local", "Temp") if home else None)
        system_root = host.env("SystemRoot") or _join(host, (host.env("SystemDrive") or "C:") + "\\", "Windows")
        roots += [r for r in (temp, _join(host, system_root, "Temp")) if r]
    else:
        if host.platform == LINUX and home:
            roots += _xdg_folders(host, home)
        tmpdir = host.env("TMPDIR")
        roots += [*UNIX_TEMP_DIRS, *([tmpdir.rstrip("/")] if tmpdir else [])]
    unique: list[str] = []
    for root in roots:
        key = root.lower() if host.platform == WINDOWS else root
        if key not in {u.lower() if host.platform == WINDOWS else u for u in unique}:
            unique.append(root)
    return unique


def _xdg_folders(host: Host, home: str) -> list[str]:
    """Localized Desktop/Documents/Downloads names (Bureau, Téléchargements) from user-dirs.dirs."""
    try:
        text = host.read_text(_join(host, home, ".config", "user-dirs.dirs")) or ""
    except NeedsAdmin:
        return []
    folders = []
    for _kind, value in _XDG.findall(text):
        path = value.replace("$HOME", home).strip()
        if path.startswith("/") and path.rstrip("/") != home.rstrip("/"):
            folders.append(path.rstrip("/"))
    return folders


class LocalDate(str):
    """An ISO date (YYYY-MM-DD) that reads as DD/MM/YYYY when shown in French, and as
    "2 September 2025" in English: never ISO in front of the reader."""

    def __format__(self, spec: str) -> str:
        text = str(self)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            if current_language() == "fr":
                year, month, day = text.split("-")
                text = f"{day}/{month}/{year}"
            else:
                text = format_date(text) or text
        return format(text, spec)


class Size(str):
    """A size such as '46.0 MB' that reads '46,0 Mo' when shown in French."""

    def __format__(self, spec: str) -> str:
        text = str(self)
        if current_language() == "fr":
            number, _, unit = text.partition(" ")
            text = f"{number.replace('.', ',')} {dict(B='o', KB='Ko', MB='Mo', GB='Go').get(unit, unit)}"
        return format(text, spec)


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()


def _matches(name: str, patterns: Sequence[str]) -> bool:
    import fnmatch

    return any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)


def _name(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


def _describe(files: list[FileInfo]) -> str:
    oldest = sorted(files, key=lambda f: f.mtime)[:SHOWN]
    return "; ".join(f"{f.path} ({_size(f.size)}, {_day(f.mtime)})" for f in oldest)


@check(
    "DATA-01",
    area=Area.DATA,
    severity=Severity.MEDIUM,
    title=N_("No forgotten copies of patient data (database dumps, images, exports)"),
    problem=N_("Forgotten copies of patient data lie on this computer (database dumps, images, exports)"),
    why=N_("Exports and copies made during a software change, a migration or a support call often stay for years on the Desktop, in Downloads or in temporary folders: database dumps, backup files, DICOM images, spreadsheets of patients. They escape the protections of the practice software, and a stolen or infected computer gives them away in one piece. In 2022 the CNIL fined Dedalus Biologie 1.5 million euros, among other reasons because data were not deleted after a migration."),
    fix={
        WINDOWS: (
            N_("Open each folder listed in the details (File Explorer: Desktop, Documents, Downloads, and %TEMP% typed in the address bar)."),
            N_("For each file, check with your software vendor or IT provider whether it is still needed."),
            N_("Move what must be kept to an encrypted location (the gp_guard vault, or an encrypted backup disk) and delete the rest, then empty the Recycle Bin."),
            N_("Ask your vendor to delete the exports it made during an installation or a migration, and to confirm it in writing."),
        ),
        MACOS: (
            N_("Open each folder listed in the details in the Finder (Go > Go to Folder, then paste the path)."),
            N_("For each file, check with your software vendor or IT provider whether it is still needed."),
            N_("Move what must be kept to an encrypted location (the gp_guard vault, or an encrypted backup disk) and delete the rest, then empty the Bin."),
            N_("Ask your vendor to delete the exports it made during an installation or a migration, and to confirm it in writing."),
        ),
        LINUX: (
            N_("Open each folder listed in the details in the file manager."),
            N_("For each file, check with your software vendor or IT provider whether it is still needed."),
            N_("Move what must be kept to an encrypted location (the gp_guard vault, or an encrypted backup disk) and delete the rest, then empty the trash."),
            N_("Ask your vendor to delete the exports it made during an installation or a migration, and to confirm it in writing."),
        ),
    },
    references=(ref.CASE_2022, ref.CNIL_MAINTENANCE, ref.CNIL_ENCRYPTION),
    cnil_case="2022-dedalus",
    timeout=90.0,
)
def leftover_exports(host: Host) -> Outcome:
    roots = search_roots(host)
    files = host.find_files(roots, DUMP_PATTERNS + EXPORT_PATTERNS, max_depth=4, limit=LIMIT)
    seen: set[str] = set()
    unique = []
    for f in files:
        if f.path not in seen:
            seen.add(f.path)
            unique.append(f)
    cutoff = host.now().timestamp() - EXPORT_MIN_AGE_DAYS * 86400
    dumps = [f for f in unique if _matches(_name(f.path), DUMP_PATTERNS)]
    exports = [f for f in unique if f not in dumps and _matches(_name(f.path), EXPORT_PATTERNS) and f.mtime < cutoff]
    recent = len(unique) - len(dumps) - len(exports)
    evidence = [Evidence("folders searched", "; ".join(roots))]
    if dumps:
        evidence.append(Evidence(
            "database dumps, backups and medical images",
            f"{len(dumps)} file(s), {_size(sum(f.size for f in dumps))}; oldest: {_describe(dumps)}",
        ))
    if exports:
        evidence.append(Evidence(
            f"archives and CSV exports older than {EXPORT_MIN_AGE_DAYS} days",
            f"{len(exports)} file(s), {_size(sum(f.size for f in exports))}; oldest: {_describe(exports)}",
        ))
    evidence.append(Evidence(f"archives and CSV files younger than {EXPORT_MIN_AGE_DAYS} days (not counted)", str(recent)))
    if dumps:
        message = (
            Np_("At least {count} copy of a database, backup or medical image lies in everyday or temporary folders ({size}); the oldest dates from {oldest}.",
               "At least {count} copies of databases, backups or medical images lie in everyday or temporary folders ({size}); the oldest dates from {oldest}.")
            if len(files) >= LIMIT else
            Np_("{count} copy of a database, backup or medical image lies in an everyday or temporary folder ({size}); it dates from {oldest}.",
               "{count} copies of databases, backups or medical images lie in everyday or temporary folders ({size}); the oldest dates from {oldest}.")
        )
        return failed(
            message, evidence, count=len(dumps), size=Size(_size(sum(f.size for f in dumps))),
            oldest=LocalDate(_day(min(f.mtime for f in dumps))),
        )
    if exports:
        return warned(
            Np_("{count} old archive or CSV export lies in an everyday or temporary folder ({size}); check whether it holds patient data.",
               "{count} old archives or CSV exports lie in everyday or temporary folders ({size}); check whether they hold patient data."),
            evidence, count=len(exports), size=Size(_size(sum(f.size for f in exports))),
        )
    return passed(N_("No database dump, medical image or old export was found in the everyday and temporary folders."), evidence)
