"""Start the folder watcher at login: per user, no administrator, opt-in (`gp-guard autostart`).

- Windows: the value ``gp_guard`` of ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``,
  written through the OS door (``Host.reg_set_user_string``); Windows' "Startup apps" page shows it
  and can turn it off.
- macOS: a LaunchAgent ``~/Library/LaunchAgents/fr.gp-guard.watcher.plist`` (``RunAtLoad``; started
  again if it crashed, not if it stopped normally).
- Linux: an XDG autostart file ``$XDG_CONFIG_HOME/autostart/gp_guard-watcher.desktop``.

Each entry is produced by a pure function (``windows_entry``, ``macos_plist``, ``linux_desktop``),
so what would be written on another system is tested here. The uninstaller removes the same entry.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from gp_guard.errors import UserError
from gp_guard.host import MACOS, WINDOWS, Host, HostError, LocalHost
from gp_guard.i18n import N_

RUN_KEY = r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "gp_guard"
AGENT_LABEL = "fr.gp-guard.watcher"
DESKTOP_NAME = "gp_guard-watcher.desktop"


class AutostartError(UserError):
    """The login entry could not be written, removed or read."""


def command(executable: str | None = None, frozen: bool | None = None) -> list[str]:
    """The command line that starts the watcher."""
    executable = executable or sys.executable
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    if frozen:
        return [executable, "vault", "watch"]
    if os.name == "nt":  # pragma: no cover - Windows only: no console window at login
        quiet = Path(executable).with_name("pythonw.exe")
        executable = str(quiet) if quiet.exists() else executable
    return [executable, "-m", "gp_guard", "vault", "watch"]


# -- the entries, as pure functions ---------------------------------------------------------
def windows_entry(argv: Sequence[str]) -> tuple[str, str, str]:
    """(key, value name, value) of the Run entry."""
    return RUN_KEY, RUN_VALUE, subprocess.list2cmdline(list(argv))


def macos_plist(argv: Sequence[str]) -> bytes:
    return plistlib.dumps({
        "Label": AGENT_LABEL,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},  # started again after a crash, not after a normal stop
        "ProcessType": "Background",
        "LowPriorityIO": True,
        "Nice": 10,
    })


_RESERVED = set(' \t\n"\'\\><~|&;$*?#()`')


def _desktop_quote(arg: str) -> str:
    """One argument of an ``Exec`` line (Desktop Entry Specification, "The Exec key")."""
    arg = arg.replace("%", "%%")
    if not arg or any(c in _RESERVED for c in arg):
        return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return arg


def linux_desktop(argv: Sequence[str]) -> str:
    """The XDG autostart file. ``TryExec`` names the program: once gp_guard is uninstalled (the
    package removed, the folder deleted), the session ignores the entry instead of failing at
    each login (the package manager cannot reach the users' own folders). GLib (GNOME) also
    refuses an entry whose ``Exec`` program is gone; TryExec says it for the other desktops."""
    exec_line = " ".join(_desktop_quote(a) for a in argv)
    try_exec = argv[0].replace("\\", "\\\\") if argv and os.path.isabs(argv[0]) else ""
    return ("[Desktop Entry]\n"
            "Type=Application\n"
            "Name=gp_guard\n"
            "Comment=Encrypts the new files of the protected folders\n"
            "Comment[fr]=Chiffre les nouveaux fichiers des dossiers protégés\n"
            + (f"TryExec={try_exec}\n" if try_exec else "")
            + f"Exec={exec_line}\n"
            "Terminal=false\n"
            "NoDisplay=true\n"
            "X-GNOME-Autostart-enabled=true\n"
            "X-GNOME-Autostart-Delay=20\n")


def linux_path(env: dict[str, str] | None = None, home: str | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_CONFIG_HOME") or os.path.join(home or os.path.expanduser("~"), ".config")
    return Path(base) / "autostart" / DESKTOP_NAME


def macos_path(home: str | None = None) -> Path:
    return Path(home or os.path.expanduser("~")) / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"


# -- on, off, status -------------------------------------------------------------------------
E_WRITE = N_("The login entry could not be written ({detail}). Nothing else was changed.")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def enable(host: Host | None = None, argv: Sequence[str] | None = None, home: str | None = None) -> None:
    host = host or LocalHost()
    argv = list(argv or command())
    try:
        if host.platform == WINDOWS:
            host.reg_set_user_string(*windows_entry(argv))
        elif host.platform == MACOS:
            _write(macos_path(home), macos_plist(argv))
        else:
            _write(linux_path(home=home), linux_desktop(argv).encode("utf-8"))
    except (OSError, HostError) as exc:
        raise AutostartError(E_WRITE, detail=getattr(exc, "strerror", None) or type(exc).__name__) from exc


def disable(host: Host | None = None, home: str | None = None) -> None:
    host = host or LocalHost()
    try:
        if host.platform == WINDOWS:
            host.reg_delete_user_value(RUN_KEY, RUN_VALUE)
        else:
            path = macos_path(home) if host.platform == MACOS else linux_path(home=home)
            try:
                path.unlink()
            except FileNotFoundError:
                pass
    except (OSError, HostError) as exc:
        raise AutostartError(E_WRITE, detail=getattr(exc, "strerror", None) or type(exc).__name__) from exc


def status(host: Host | None = None, home: str | None = None) -> str | None:
    """Where the entry is (a registry value or a file), or None when autostart is off."""
    host = host or LocalHost()
    if host.platform == WINDOWS:
        try:
            found = host.reg_value(RUN_KEY, RUN_VALUE)
        except HostError:
            found = None
        return f"{RUN_KEY}\\{RUN_VALUE}" if found is not None else None
    path = macos_path(home) if host.platform == MACOS else linux_path(home=home)
    return str(path) if path.is_file() else None

