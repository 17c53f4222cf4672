"""Windows-only primitives of LocalHost (registry, rights, code page, display language). Imported
only on Windows, and only by ``gp_guard.host.local``: it returns plain values and lets
``PermissionError`` through, so it imports nothing of gp_guard (no import loop with the module
that wraps it)."""

from __future__ import annotations

import sys

assert sys.platform == "win32"  # lets type checkers skip this module elsewhere

import ctypes  # noqa: E402
import winreg  # noqa: E402

_TYPES = {
    winreg.REG_SZ: "REG_SZ",
    winreg.REG_EXPAND_SZ: "REG_EXPAND_SZ",
    winreg.REG_BINARY: "REG_BINARY",
    winreg.REG_DWORD: "REG_DWORD",
    winreg.REG_MULTI_SZ: "REG_MULTI_SZ",
    winreg.REG_QWORD: "REG_QWORD",
}
_HIVES = {
    "HKEY_LOCAL_MACHINE": winreg.HKEY_LOCAL_MACHINE,
    "HKLM": winreg.HKEY_LOCAL_MACHINE,
    "HKEY_CURRENT_USER": winreg.HKEY_CURRENT_USER,
    "HKCU": winreg.HKEY_CURRENT_USER,
    "HKEY_USERS": winreg.HKEY_USERS,
    "HKU": winreg.HKEY_USERS,
}
_ACCESS = winreg.KEY_READ | winreg.KEY_WOW64_64KEY


def _split(key: str) -> tuple[int, str]:
    head, _, sub = key.strip("\\").partition("\\")
    return _HIVES[head.upper()], sub


def reg_value(key: str, name: str) -> tuple[str, object] | None:
    """(type name, value), None when absent; PermissionError when access is denied."""
    hive, sub = _split(key)
    try:
        with winreg.OpenKey(hive, sub, 0, _ACCESS) as handle:
            value, kind = winreg.QueryValueEx(handle, name)
    except FileNotFoundError:
        return None
    return _TYPES.get(kind, str(kind)), value


def reg_subkeys(key: str) -> list[str]:
    hive, sub = _split(key)
    names: list[str] = []
    try:
        with winreg.OpenKey(hive, sub, 0, _ACCESS) as handle:
            index = 0
            while True:
                try:
                    names.append(winreg.EnumKey(handle, index))
                except OSError:
                    break
                index += 1
    except FileNotFoundError:
        return []
    return names


def oem_code_page() -> str:
    """The console's OEM code page ("cp850" on a French PC): what console tools write to a pipe."""
    try:
        return f"cp{int(ctypes.windll.kernel32.GetOEMCP())}"
    except (OSError, ValueError):
        return "cp850"


def display_language() -> int | None:
    """The user's display language (GetUserDefaultUILanguage, a LANGID), None when unknown."""
    try:
        return int(ctypes.windll.kernel32.GetUserDefaultUILanguage())
    except (OSError, ValueError):
        return None


def is_admin() -> bool:
    try:
        return bool(ctypes.windll.shell32.IsUserAnAdmin())
    except OSError:
        return False


def reg_set_user_string(key: str, name: str, value: str) -> None:
    """Write one REG_SZ value under HKEY_CURRENT_USER (gp_guard's own autostart entry; no admin)."""
    hive, sub = _split(key)
    if hive != winreg.HKEY_CURRENT_USER:
        raise PermissionError(key)
    with winreg.CreateKeyEx(hive, sub, 0, winreg.KEY_SET_VALUE) as handle:
        winreg.SetValueEx(handle, name, 0, winreg.REG_SZ, value)


def reg_delete_user_value(key: str, name: str) -> None:
    hive, sub = _split(key)
    if hive != winreg.HKEY_CURRENT_USER:
        raise PermissionError(key)
    try:
        with winreg.OpenKey(hive, sub, 0, winreg.KEY_SET_VALUE) as handle:
            winreg.DeleteValue(handle, name)
    except FileNotFoundError:
        pass
