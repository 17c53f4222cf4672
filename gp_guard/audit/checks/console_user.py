"""Who sits at the Windows console, by SID, and where that person's own registry hive is.

An audit elevated with a separate administrator account ("Exécuter en tant qu'administrateur",
then the IT provider's password) runs with that administrator's token: whoami, HKCU and the
profile folder are the administrator's, not the doctor's. The checks about the daily session
(ACC-02 screen lock, HW-02 AutoPlay, BKP-01 File History, UPD-04 the browsers a user installed,
ACC-05 rights of the daily account) read the console user's own hive under ``HKU\\<SID>``.

The console user is named by ``Win32_ComputerSystem.UserName`` (``PC\\name``, ``AzureAD\\name``)
and turned into a SID by Windows itself (``NTAccount.Translate``), which no display language
changes; when the name cannot be translated (an Entra account not cached), the owner of the
console's explorer.exe gives the SID. Not elevated, the audit runs in the daily session itself
and HKCU is the right hive.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from dataclasses import dataclass

from gp_guard.host import Host

CONSOLE_USER_SCRIPT = (
    "$u = (Get-CimInstance Win32_ComputerSystem).UserName; $s = $null; "
    "if ($u) { try { $s = ([System.Security.Principal.NTAccount]$u).Translate("
    "[System.Security.Principal.SecurityIdentifier]).Value } catch { } }; "
    "if ($u -and -not $s) { $p = Get-CimInstance Win32_Process -Filter \"Name='explorer.exe'\" | "
    "Select-Object -First 1; if ($p) { $s = (Invoke-CimMethod -InputObject $p -MethodName GetOwnerSid).Sid } }; "
    "[pscustomobject]@{UserName = $u; SID = $s} | ConvertTo-Json -Compress"
)
# A user's SID: S-1-5-21-<machine or domain>-<RID> (local, Microsoft accounts), S-1-12-1-... (Entra).
_SID = re.compile(r"S-1-(?:5-21|12-1)(?:-[0-9]{1,10}){1,14}", re.ASCII)
_HKCU_PREFIXES = ("hkcu\\", "hkey_current_user\\")


@dataclass(frozen=True)
class ConsoleUser:
    name: str | None  # 'PC\\name', None when nobody is logged on at the console
    sid: str | None  # None when unknown
    detail: str = ""  # why it is unknown (the tool's error), for the evidence


def parse_console_user(text: str) -> ConsoleUser:
    """``{"UserName":"PC\\\\name","SID":"S-1-5-21-..."}`` (either may be null)."""
    try:
        data = json.loads(text.strip().lstrip("\ufeff") or "null")
    except ValueError:
        return ConsoleUser(None, None, text.strip()[:200] or "no output")
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict):
        return ConsoleUser(None, None, "nobody at the console")
    name, sid = data.get("UserName"), data.get("SID")
    name = name.strip() if isinstance(name, str) and name.strip() else None
    sid = sid.strip() if isinstance(sid, str) and _SID.fullmatch(sid.strip()) else None
    return ConsoleUser(name, sid, "" if name else "nobody at the console")


_cache: weakref.WeakKeyDictionary[Host, ConsoleUser] = weakref.WeakKeyDictionary()
_lock = threading.Lock()  # checks run in parallel threads: one PowerShell call per host


def console_user(host: Host) -> ConsoleUser:
    """The account logged on at the console (asked once per host; a host error is not kept)."""
    with _lock:
        known = _cache.get(host)
        if known is not None:
            return known
        result = host.powershell(CONSOLE_USER_SCRIPT)  # a HostError goes to the runner: an error finding
        found = (parse_console_user(result.stdout) if result.ok
                 else ConsoleUser(None, None, (result.stderr or result.stdout).strip()[:200] or f"exit {result.returncode}"))
        _cache[host] = found
        return found


def user_hive(host: Host) -> str:
    """``HKU\\<SID>`` of the console user when the audit runs elevated (HKCU is then the
    administrator's hive), ``HKCU`` otherwise or when nobody is at the console."""
    if not host.is_admin():
        return "HKCU"
    user = console_user(host)
    return rf"HKU\{user.sid}" if user.sid else "HKCU"


def user_key(host: Host, key: str) -> str:
    """``key`` (written ``HKCU\\...``) in the daily user's own hive (see ``user_hive``)."""
    if not key.lower().startswith(_HKCU_PREFIXES):
        return key
    rest = key.split("\\", 1)[1]
    return rf"{user_hive(host)}\{rest}"


PROFILE_LIST = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList"


def user_profile(host: Host) -> str:
    """The daily user's profile folder (``C:\\Users\\name``): ProfileImagePath of the console
    user's SID when elevated, the audit's own home otherwise ("" when unknown)."""
    hive = user_hive(host)
    if hive != "HKCU":
        value = host.reg_value(rf"{PROFILE_LIST}\{hive[4:]}", "ProfileImagePath")
        if value is not None and isinstance(value.value, str) and value.value.strip():
            path = value.value.strip()
            drive = host.env("SystemDrive") or "C:"
            return re.sub(r"(?i)^%SystemDrive%", lambda _m: drive, path)
        return ""
    return host.home()


def user_local_appdata(host: Host) -> str:
    """The daily user's %LOCALAPPDATA% ("" when unknown)."""
    if user_hive(host) == "HKCU" and host.env("LOCALAPPDATA"):
        return host.env("LOCALAPPDATA") or ""
    profile = user_profile(host)
    return rf"{profile}\AppData\Local" if profile else ""
