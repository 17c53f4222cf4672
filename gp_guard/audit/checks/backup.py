"""Backups (BKP-*): when did this computer last back up?

What a machine can tell: File History (Windows), Time Machine (macOS), Déjà Dup (Linux), and a
backup folder declared in gp_guard's settings (``backup.target``) on any system. What it cannot
tell (an offline copy, a tested restore, a vendor's backup of the practice database) is asked by
the questions Q-BKP-01 and Q-BKP-02 (gp_guard/audit/questions.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import PureWindowsPath

from gp_guard.audit import references as ref
from gp_guard.audit.checks.console_user import user_key, user_local_appdata
from gp_guard.audit.checks.leftovers import LocalDate
from gp_guard.audit.checks.macos_privacy import GRANT_FULL_DISK_ACCESS
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, skipped, warned
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError
from gp_guard.i18n import N_, Lazy, LazyList

FILE_HISTORY = N_("File History")

log = logging.getLogger(__name__)

MAX_AGE_DAYS = 7
SETTING_TARGET = "backup.target"  # a folder or disk where the practice's backups land
FH_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\FileHistory"
TM_PREFS = "/Library/Preferences/com.apple.TimeMachine"
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
_TM_STAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})-([0-9]{2})([0-9]{2})([0-9]{2})")
_PLIST_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}")


@dataclass
class _Found:
    dates: list[tuple[str, dt.datetime]] = field(default_factory=list)  # (source, last backup)
    configured: list[str] = field(default_factory=list)  # sources set up but without a date
    no_full_disk_access: bool = False  # macOS hid the backups from gp_guard
    evidence: list[Evidence] = field(default_factory=list)


def filetime(value: int) -> dt.datetime | None:
    """A Windows FILETIME (100 ns since 1601) as an aware datetime; None for 0 or nonsense."""
    if not isinstance(value, int) or value <= 0:
        return None
    try:
        return _FILETIME_EPOCH + dt.timedelta(microseconds=value // 10)
    except OverflowError:
        return None


def tm_stamp(text: str) -> dt.datetime | None:
    """The newest 'YYYY-MM-DD-HHMMSS' stamp in a tmutil path (".backup" suffix or not)."""
    found = []
    for match in _TM_STAMP.finditer(text):
        try:
            y, mo, d, h, mi, se = (int(g) for g in match.groups())
            found.append(dt.datetime(y, mo, d, h, mi, se, tzinfo=dt.UTC))
        except ValueError:
            continue
    return max(found) if found else None


def iso_date(text: str) -> dt.datetime | None:
    """An ISO 8601 time as gsettings prints it ('2024-11-14T22:15:30.123456Z', quoted or not)."""
    value = text.strip().strip("'\"").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _windows(host: Host, found: _Found) -> None:
    # The daily user's hive and profile: the administrator's when the audit runs elevated (console_user.py).
    key = user_key(host, FH_KEY)
    value = host.reg_value(key, "ProtectedUpToTime")
    raw = value.value if value is not None else None
    when = filetime(raw) if isinstance(raw, int) else None
    shown = "absent" if raw is None else (f"{raw!s}" if not isinstance(raw, bytes) else raw.hex())
    if when:
        shown += f" = {when.isoformat(timespec='seconds')}"
    found.evidence.append(Evidence(rf"{key}\ProtectedUpToTime", shown))
    if when:
        found.dates.append((FILE_HISTORY, when))
    local = user_local_appdata(host)
    if not local:
        return
    folder = str(PureWindowsPath(local, "Microsoft", "Windows", "FileHistory", "Configuration"))
    config = host.read_text(str(PureWindowsPath(folder, "Config1.xml")))
    if config is None:
        found.evidence.append(Evidence(rf"{folder}\Config1.xml", "absent"))
        return
    target = re.search(r"<TargetUrl>([^<]*)</TargetUrl>", config) or re.search(r"<TargetName>([^<]*)</TargetName>", config)
    status = re.search(r"<DPStatus>([^<]*)</DPStatus>", config)
    state = status.group(1).strip().upper() if status else "?"
    found.evidence.append(Evidence(rf"{folder}\Config1.xml", f"DPStatus: {state}; target: {target.group(1) if target else '?'}"))
    if state == "DISABLED":
        return
    catalogs = host.find_files([folder], ["Catalog1.edb", "Catalog2.edb"], max_depth=1, limit=4)
    if catalogs:
        newest = max(c.mtime for c in catalogs)
        stamp = dt.datetime.fromtimestamp(newest, dt.UTC)
        found.evidence.append(Evidence(rf"{folder}\Catalog*.edb (last written)", stamp.isoformat(timespec="seconds")))
        found.dates.append((FILE_HISTORY, stamp))
    elif not when:
        found.configured.append(FILE_HISTORY)


def _macos(host: Host, found: _Found) -> None:
    try:
        result = host.run(["tmutil", "latestbackup"], timeout=20)
    except HostError as exc:
        found.evidence.append(Evidence("tmutil latestbackup", f"not available: {exc}"))
        result = None
    text = ""
    if result is not None:
        text = (result.stdout.strip() or result.stderr.strip())
        found.evidence.append(Evidence("tmutil latestbackup", text or "(no output)"))
        when = tm_stamp(result.stdout)
        if when:
            found.dates.append(("Time Machine", when))
            return
        # Without Full Disk Access tmutil says so (exit 80), and the Time Machine settings read
        # as missing: nothing found is then no sign that nothing is set up.
        found.no_full_disk_access = "requires Full Disk Access" in text
    if "No destinations configured" in text:
        return
    try:
        prefs = host.run(["defaults", "read", TM_PREFS], timeout=10)
    except HostError as exc:
        found.evidence.append(Evidence(f"defaults read {TM_PREFS}", f"not available: {exc}"))
        return
    dates = []
    for raw in _PLIST_DATE.findall(prefs.stdout):
        try:
            dates.append(dt.datetime.strptime(raw, "%Y-%m-%d %H:%M:%S %z"))
        except ValueError:
            continue
    auto = re.search(r"AutoBackup\s*=\s*([0-9])", prefs.stdout)
    found.evidence.append(Evidence(
        f"defaults read {TM_PREFS}",
        f"AutoBackup = {auto.group(1) if auto else '?'}; newest date: {max(dates).isoformat() if dates else 'none'}",
    ))
    if dates:
        found.dates.append(("Time Machine", max(dates)))
    elif (auto and auto.group(1) == "1") or "Failed to mount" in text:
        found.configured.append("Time Machine")


def _linux(host: Host, found: _Found) -> None:
    if not host.has_tool("gsettings"):
        found.evidence.append(Evidence("gsettings", "not installed"))
        return
    result = host.run(["gsettings", "get", "org.gnome.DejaDup", "last-backup"], timeout=10)
    text = result.stdout.strip() if result.ok else (result.stderr.strip() or result.stdout.strip())
    found.evidence.append(Evidence("gsettings get org.gnome.DejaDup last-backup", text or "(no output)"))
    when = iso_date(result.stdout) if result.ok else None
    if when:
        found.dates.append(("Déjà Dup", when))
        return
    if result.ok:
        periodic = host.run(["gsettings", "get", "org.gnome.DejaDup", "periodic"], timeout=10)
        if periodic.ok and periodic.stdout.strip() == "true":
            found.configured.append("Déjà Dup")


def declared_target() -> str | None:
    """The backup folder the doctor declared in gp_guard, if any."""
    try:
        from gp_guard import store

        value = store.open_default().get_setting(SETTING_TARGET)
    except Exception as exc:  # noqa: BLE001 - an unreadable store must not stop the check
        log.warning("backup target setting unreadable: %s", exc)
        return None
    return value.strip() if value and value.strip() else None


def _target(host: Host, target: str, found: _Found) -> None:
    files = host.find_files([target], ["*"], max_depth=3, limit=5000)
    if not files:
        reachable = host.exists(target)
        found.evidence.append(Evidence(f"declared backup folder {target}", "empty" if reachable else "not reachable (disk unplugged?)"))
        found.configured.append(target)
        return
    newest = max(files, key=lambda f: f.mtime)
    stamp = dt.datetime.fromtimestamp(newest.mtime, dt.UTC)
    found.evidence.append(Evidence(f"declared backup folder {target}", f"newest file {newest.path} written {stamp.isoformat(timespec='seconds')}"))
    found.dates.append((target, stamp))


@check(
    "BKP-01",
    area=Area.BACKUP,
    severity=Severity.HIGH,
    title=N_("This computer was backed up in the last 7 days"),
    problem=N_("This computer has not been backed up for more than 7 days: a breakdown or ransomware could wipe out recent records"),
    why=N_("A disk failure, a theft or ransomware can wipe out patient records, letters and images in minutes. Only a recent backup lets you start again without losing weeks of work, and the CNIL expects health data to be backed up regularly. A backup older than a week means a week of consultations to rebuild by hand."),
    fix={
        WINDOWS: (
            N_("Plug in an external disk reserved for backups."),
            N_("Open Control Panel > System and Security > File History, choose the disk and click 'Turn on' (Windows 11: Settings > System > Storage > Advanced storage settings > Backup options)."),
            N_("Ask your practice-software vendor how the patient database is backed up, and check the date of its last backup."),
            N_("Keep a second copy unplugged, away from the practice, and answer the questions about offline backup and restore tests."),
        ),
        MACOS: (
            N_("Plug in an external disk reserved for backups."),
            N_("Open System Settings > General > Time Machine, click 'Add Backup Disk', choose the disk and tick 'Encrypt backup'."),
            N_("Leave the disk plugged in during the day, or plug it in at least once a week, until the backup finishes."),
            N_("Keep a second copy unplugged, away from the practice, and answer the questions about offline backup and restore tests."),
        ),
        LINUX: (
            N_("Install Déjà Dup (Backups) from the software centre, or with: sudo apt install deja-dup"),
            N_("Open Backups, choose an external disk or a network folder, turn on 'Back Up Automatically' and encrypt the backup with a password."),
            N_("Or tell gp_guard where your own backups land (setting backup.target) so it can check their date."),
            N_("Keep a second copy unplugged, away from the practice, and answer the questions about offline backup and restore tests."),
        ),
    },
    references=(ref.CNIL_BACKUP, ref.ANSSI_BACKUP),
    settings={WINDOWS: "ms-settings:backup", MACOS: "x-apple.systempreferences:com.apple.Time-Machine-Settings.extension"},
    timeout=60.0,
)
def recent_backup(host: Host) -> Outcome:
    found = _Found()
    if host.platform == WINDOWS:
        _windows(host, found)
    elif host.platform == MACOS:
        _macos(host, found)
    elif host.platform == LINUX:
        _linux(host, found)
    target = declared_target()
    if target:
        _target(host, target, found)
    if found.dates:
        source, newest = max(found.dates, key=lambda item: item[1])
        age = host.now() - newest
        days = max(0, age.days)
        found.evidence.append(Evidence("newest backup found", f"{newest.isoformat(timespec='seconds')} ({source})"))
        if age <= dt.timedelta(days=MAX_AGE_DAYS):
            return passed(
                N_("The last backup ({source}) dates from {date}."),
                found.evidence, source=Lazy(source), date=LocalDate(newest.date().isoformat()),
            )
        return failed(
            N_("The last backup found ({source}) dates from {date}, {days} days ago: more than {limit} days."),
            found.evidence, source=Lazy(source), date=LocalDate(newest.date().isoformat()), days=days, limit=MAX_AGE_DAYS,
        )
    if found.no_full_disk_access and not found.configured:
        return skipped(
            N_("Not checked: without Full Disk Access, macOS does not tell gp_guard when Time Machine last backed up this Mac. {how}"),
            found.evidence, how=GRANT_FULL_DISK_ACCESS,
        )
    if found.configured:
        return warned(
            N_("A backup is set up ({sources}) but gp_guard could not find when it last ran. Check its date yourself, and answer the questions about offline backup and restore tests (Q-BKP-01, Q-BKP-02)."),
            found.evidence, sources=LazyList(found.configured),
        )
    return warned(
        N_("gp_guard found no backup on this computer. If the practice backs up another way (software vendor, external disk, online service), answer the questions about offline backup and restore tests (Q-BKP-01, Q-BKP-02)."),
        found.evidence or [Evidence("backup sources", "none found")],
    )

