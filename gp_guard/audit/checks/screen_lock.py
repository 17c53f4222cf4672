"""Session access checks: no automatic logon (ACC-01), screen locks quickly (ACC-02).

Windows: registry only (Winlogon, the machine inactivity limit, the screen saver values of the
current user and their group-policy overrides). macOS: ``defaults``, ``sysadminctl`` and ``pmset``.
Linux: display-manager configuration files (GDM, LightDM, SDDM) and GNOME's ``gsettings`` or
KDE's ``kscreenlockerrc``.

Per-user settings are read for the user who runs gp_guard; when it runs through ``sudo`` the
commands are run as the original user (``SUDO_USER``), whose session is the one that matters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gp_guard.audit import references as ref
from gp_guard.audit.checks.console_user import user_key
from gp_guard.audit.checks.parsing import as_number
from gp_guard.audit.model import (
    Area,
    Evidence,
    Outcome,
    Reference,
    Severity,
    failed,
    passed,
    skipped,
    warned,
)
from gp_guard.audit.registry import check, per_platform
from gp_guard.host import LINUX, MACOS, WINDOWS, CommandResult, Host, HostError
from gp_guard.i18n import N_

CIS_AUTOLOGON = Reference(N_("CIS Microsoft Windows benchmark: MSS (AutoAdminLogon) disabled"), ref.CIS)
CIS_LOCK = Reference(N_("CIS benchmarks: machine inactivity limit and password-protected screen saver"), ref.CIS)
ANSSI_LOCK = Reference(N_("ANSSI hygiene guide: lock the session when leaving the workstation"), ref.ANSSI_HYGIENE)

MAX_LOCK_SECONDS = 600  # the screen must lock after at most 10 minutes of inactivity

# -- Windows ------------------------------------------------------------------------------------
WINLOGON = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon"
POLICIES_SYSTEM = r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System"
DESKTOP = r"HKCU\Control Panel\Desktop"
DESKTOP_POLICY = r"HKCU\Software\Policies\Microsoft\Windows\Control Panel\Desktop"
# Sleep, then the sign-in Windows asks on wake, is the lock most Windows 10/11 PCs rely on (no
# screen saver is set by default). powercfg prints its labels in the display language and the
# console's code page, its values as 0x… last: mains (AC), then battery (DC).
POWERCFG_SLEEP = ["powercfg", "/q", "SCHEME_CURRENT", "SUB_SLEEP", "STANDBYIDLE"]
POWERCFG_WAKE_LOCK = ["powercfg", "/q", "SCHEME_CURRENT", "SUB_NONE", "CONSOLELOCK"]
_HEX_VALUE = re.compile(r"0x([0-9a-f]{8})\s*$", re.ASCII | re.I | re.M)

# -- macOS --------------------------------------------------------------------------------------
LOGINWINDOW = "/Library/Preferences/com.apple.loginwindow"

# -- Linux (module constants so that tests can point them at real files elsewhere) -------------
GDM_CONFIGS: tuple[str, ...] = ("/etc/gdm3/custom.conf", "/etc/gdm3/daemon.conf", "/etc/gdm/custom.conf")
LIGHTDM_CONFIG_DIRS: tuple[str, ...] = (
    "/usr/share/lightdm/lightdm.conf.d",
    "/etc/lightdm/lightdm.conf.d",
)
LIGHTDM_CONFIGS: tuple[str, ...] = ("/etc/lightdm/lightdm.conf",)
SDDM_CONFIG_DIRS: tuple[str, ...] = ("/usr/lib/sddm/sddm.conf.d", "/etc/sddm.conf.d")
SDDM_CONFIGS: tuple[str, ...] = ("/etc/sddm.conf",)


@check(
    "ACC-01",
    area=Area.ACCOUNTS,
    severity=Severity.CRITICAL,
    title=N_("The computer does not open a session by itself"),
    problem=N_("This computer opens a session by itself: anyone who switches it on reaches the patient files"),
    why=N_("With automatic logon, anyone who switches the computer on (a patient left alone in the consulting room, a cleaner, a thief) lands directly in your session, with access to the patient files and the practice software. On Windows the password is often also stored in clear text, readable by any program on the computer. Access without authentication was one of the failings for which the CNIL fined Dedalus Biologie 1.5 million euros in 2022."),
    fix={
        WINDOWS: (
            N_("Press Windows + R, type netplwiz and press Enter."),
            N_("Tick 'Users must enter a user name and password to use this computer', then click OK."),
            N_("If the box is missing, open Settings > Accounts > Sign-in options and turn off 'For improved security, only allow Windows Hello sign-in', then try again."),
            N_("If your IT provider set up automatic logon with a tool (Autologon), ask them to turn it off: the stored password must be removed too."),
        ),
        MACOS: (
            N_("Open System Settings > Users & Groups."),
            N_("Next to 'Automatically log in as', choose 'Off' and confirm with your password."),
        ),
        LINUX: (
            N_("GNOME: open Settings > Users, unlock, and turn 'Automatic Login' off (or set AutomaticLoginEnable=false in /etc/gdm3/custom.conf)."),
            N_("LightDM: remove the autologin-user line from /etc/lightdm/lightdm.conf and the files in /etc/lightdm/lightdm.conf.d/."),
            N_("KDE: open System Settings > Startup and Shutdown > Login Screen (SDDM) > Behavior and untick 'Automatically log in'."),
        ),
    },
    references=(ref.CNIL_AUTH, ref.CNIL_WORKSTATION, CIS_AUTOLOGON, ref.CIS_MACOS),
    settings={
        WINDOWS: "ms-settings:signinoptions",
        MACOS: "x-apple.systempreferences:com.apple.Users-Groups-Settings.extension",
    },
    cnil_case="2022-dedalus",
)
def no_autologon(host: Host) -> Outcome:
    return per_platform(host, _windows_autologon, _macos_autologon, _linux_autologon)


@check(
    "ACC-02",
    area=Area.SCREEN_LOCK,
    severity=Severity.HIGH,
    title=N_("The screen locks after 10 minutes at most and asks for the password"),
    problem=N_("The screen does not lock soon enough: a passer-by can read or use your open session"),
    why=N_("Between two consultations, or when you step out, the screen stays open on the patient file. A screen that locks by itself after a few minutes and asks for the password on return keeps a patient, a visitor or a colleague from reading or changing a medical record in your name."),
    fix={
        WINDOWS: (
            N_("Open Settings > Personalisation > Lock screen > Screen saver."),
            N_("Choose a screen saver, set 'Wait' to 10 minutes or less and tick 'On resume, display logon screen', then click OK."),
            N_("Lock the screen yourself each time you leave the desk: Windows + L."),
        ),
        MACOS: (
            N_("Open System Settings > Lock Screen."),
            N_("Set 'Start Screen Saver when inactive' or 'Turn display off when inactive' to 10 minutes or less."),
            N_("Set 'Require password after screen saver begins or display is turned off' to 'Immediately'."),
            N_("Lock the screen yourself each time you leave the desk: Control + Command + Q."),
        ),
        LINUX: (
            N_("GNOME: open Settings > Privacy > Screen Lock (Settings > Power for the blank screen delay)."),
            N_("Set 'Blank Screen Delay' to 10 minutes or less and turn 'Automatic Screen Lock' on, with a lock delay of 0."),
            N_("KDE: open System Settings > Screen Locking, tick 'Lock screen automatically' after 10 minutes or less."),
        ),
    },
    references=(ref.CNIL_WORKSTATION, ANSSI_LOCK, CIS_LOCK, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={
        WINDOWS: "ms-settings:lockscreen",
        MACOS: "x-apple.systempreferences:com.apple.Lock-Screen-Settings.extension",
    },
)
def screen_locks(host: Host) -> Outcome:
    return per_platform(host, _windows_lock, _macos_lock, _linux_lock)


# == helpers ====================================================================================


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds % 60 else f"{seconds // 60} min"


def _as_user(host: Host, argv: Sequence[str]) -> list[str]:
    """Run per-user commands as the user behind sudo, whose session is the one audited."""
    sudo_user = host.env("SUDO_USER")
    if sudo_user and sudo_user != "root" and host.is_admin():
        return ["sudo", "-u", sudo_user, *argv]
    return list(argv)


def _run_text(result: CommandResult) -> str:
    return (result.stdout + "\n" + result.stderr).strip()


# == ACC-01 Windows =============================================================================
def _windows_autologon(host: Host) -> Outcome:
    auto = host.reg_value(WINLOGON, "AutoAdminLogon")
    password = host.reg_value(WINLOGON, "DefaultPassword")
    user = host.reg_value(WINLOGON, "DefaultUserName")
    auto_on = auto is not None and as_number(auto.value) == 1
    has_password = password is not None and str(password.value) != ""
    evidence = [
        Evidence(rf"{WINLOGON}\AutoAdminLogon", str(auto.value) if auto is not None else "absent"),
        # Never show the password itself: only whether one is stored.
        Evidence(rf"{WINLOGON}\DefaultPassword", "present (stored in clear text, not shown)" if has_password else "absent"),
    ]
    if auto_on:
        name = str(user.value) if user is not None and str(user.value) else "?"
        evidence.append(Evidence(rf"{WINLOGON}\DefaultUserName", name))
        if has_password:
            return failed(N_("Windows opens a session by itself (account {user}), and its password is stored in clear text in the registry."), evidence, user=name)
        return failed(N_("Windows opens a session by itself (account {user})."), evidence, user=name)
    if has_password:
        return failed(N_("Automatic logon is off, but a password is still stored in clear text in the registry (DefaultPassword)."), evidence)
    return passed(N_("Automatic logon is off: a password is needed to open a session."), evidence)


# == ACC-01 macOS ===============================================================================
def _macos_autologon(host: Host) -> Outcome:
    result = host.run(["defaults", "read", LOGINWINDOW, "autoLoginUser"])
    user = result.stdout.strip()
    source = f"defaults read {LOGINWINDOW} autoLoginUser"
    kcpassword = host.exists("/etc/kcpassword")
    if result.ok and user:
        evidence = [Evidence(source, user), Evidence("/etc/kcpassword", "present" if kcpassword else "absent")]
        return failed(N_("The Mac opens a session by itself (account {user})."), evidence, user=user)
    detail = _run_text(result).splitlines()
    evidence = [Evidence(source, detail[-1] if detail else f"not set (rc {result.returncode})")]
    return passed(N_("Automatic logon is off: a password is needed to open a session."), evidence)


# == ACC-01 Linux ===============================================================================
def parse_ini(text: str | None) -> dict[str, dict[str, str]]:
    """A forgiving INI reader: [section] and key=value lines; comments and garbage ignored."""
    sections: dict[str, dict[str, str]] = {}
    current = sections.setdefault("", {})
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and "]" in line:
            current = sections.setdefault(line[1 : line.index("]")].strip(), {})
            continue
        key, sep, value = line.partition("=")
        if sep and key.strip():
            current[key.strip()] = value.strip()
    return sections


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "on")


def _config_files(host: Host, dirs: Sequence[str], files: Sequence[str]) -> list[str]:
    """Drop-in folders first (sorted), then the main files: later ones override earlier ones."""
    paths: list[str] = []
    for folder in dirs:
        names = host.list_dir(folder) or []
        paths.extend(f"{folder}/{n}" for n in sorted(names) if n.endswith(".conf"))
    paths.extend(files)
    return paths


def linux_autologon_findings(host: Host) -> tuple[list[str], list[Evidence]]:
    """(display managers that log in by themselves, evidence of every file read)."""
    found: list[str] = []
    evidence: list[Evidence] = []
    for path in GDM_CONFIGS:
        text = host.read_text(path)
        if text is None:
            continue
        daemon = parse_ini(text).get("daemon", {})
        auto = _truthy(daemon.get("AutomaticLoginEnable")) and bool(daemon.get("AutomaticLogin"))
        timed = _truthy(daemon.get("TimedLoginEnable")) and bool(daemon.get("TimedLogin"))
        evidence.append(Evidence(path, f"AutomaticLoginEnable={daemon.get('AutomaticLoginEnable', '-')}; AutomaticLogin={daemon.get('AutomaticLogin', '-')}; TimedLoginEnable={daemon.get('TimedLoginEnable', '-')}"))
        if auto:
            found.append(f"GDM ({daemon['AutomaticLogin']})")
        elif timed:
            found.append(f"GDM ({daemon['TimedLogin']})")
    lightdm_user = ""
    lightdm_source = ""
    for path in _config_files(host, LIGHTDM_CONFIG_DIRS, LIGHTDM_CONFIGS):
        text = host.read_text(path)
        if text is None:
            continue
        for name, values in parse_ini(text).items():
            if (name.startswith("Seat") or name == "SeatDefaults") and "autologin-user" in values:
                lightdm_user, lightdm_source = values["autologin-user"], path
        evidence.append(Evidence(path, f"autologin-user={lightdm_user or '-'}"))
    if lightdm_user:
        found.append(f"LightDM ({lightdm_user}, {lightdm_source})")
    sddm_user = ""
    for path in _config_files(host, SDDM_CONFIG_DIRS, SDDM_CONFIGS):
        text = host.read_text(path)
        if text is None:
            continue
        autologin = parse_ini(text).get("Autologin", {})
        if "User" in autologin:
            sddm_user = autologin["User"]
        evidence.append(Evidence(path, f"[Autologin] User={autologin.get('User', '-')}"))
    if sddm_user:
        found.append(f"SDDM ({sddm_user})")
    return found, evidence


def _linux_autologon(host: Host) -> Outcome:
    found, evidence = linux_autologon_findings(host)
    if found:
        return failed(N_("The session opens by itself: {managers}."), evidence, managers="; ".join(found))
    if not evidence:
        return skipped(N_("No graphical login manager (GDM, LightDM, SDDM) is configured on this computer."))
    return passed(N_("Automatic logon is off: a password is needed to open a session."), evidence)


# == ACC-02 Windows =============================================================================
def _windows_lock(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    limits: list[int] = []
    policy = host.reg_value(POLICIES_SYSTEM, "InactivityTimeoutSecs")
    if policy is not None:
        evidence.append(Evidence(rf"{POLICIES_SYSTEM}\InactivityTimeoutSecs", str(policy.value)))
        seconds = as_number(policy.value)
        if seconds:
            limits.append(seconds)
    values: dict[str, tuple[str, str]] = {}
    # The daily user's hive: HKCU is the administrator's when the audit runs elevated (console_user.py).
    desktop, desktop_policy = user_key(host, DESKTOP), user_key(host, DESKTOP_POLICY)
    for key in (desktop, desktop_policy):  # the policy key, read last, wins
        for name in ("ScreenSaveActive", "ScreenSaverIsSecure", "ScreenSaveTimeOut"):
            value = host.reg_value(key, name)
            if value is not None:
                values[name] = (rf"{key}\{name}", str(value.value))
    for name in ("ScreenSaveActive", "ScreenSaverIsSecure", "ScreenSaveTimeOut"):
        source, shown = values.get(name, (rf"{desktop}\{name}", "absent"))
        evidence.append(Evidence(source, shown))
    active = as_number(values.get("ScreenSaveActive", ("", ""))[1]) == 1
    secure = as_number(values.get("ScreenSaverIsSecure", ("", ""))[1]) == 1
    timeout = as_number(values.get("ScreenSaveTimeOut", ("", ""))[1]) or 0
    if active and secure and timeout > 0:
        limits.append(timeout)
    sleep = None
    if not limits or min(limits) > MAX_LOCK_SECONDS:  # not locked soon enough yet: does it sleep first?
        sleep = _windows_sleep_lock(host, evidence)
        if sleep:
            limits.append(sleep)
    if not limits:
        if active and timeout > 0 and not secure:
            return failed(N_("The screen saver starts, but does not ask for the password on return."), evidence)
        return failed(N_("The screen never locks by itself."), evidence)
    shortest = min(limits)
    if shortest > MAX_LOCK_SECONDS:
        return failed(N_("The screen locks only after {delay} of inactivity."), evidence, delay=_minutes(shortest))
    if shortest == sleep:
        return passed(N_("The computer goes to sleep after {delay} of inactivity and asks for the password when it wakes."), evidence, delay=_minutes(shortest))
    return passed(N_("The screen locks after {delay} of inactivity and asks for the password."), evidence, delay=_minutes(shortest))


def parse_powercfg(text: str) -> tuple[int, int] | None:
    """(mains, battery) values of a ``powercfg /q … SETTING`` output: the last two 0x… values,
    whatever the language of the labels; None when there are not two."""
    found = _HEX_VALUE.findall(text)
    return (int(found[-2], 16), int(found[-1], 16)) if len(found) >= 2 else None


def _windows_sleep_lock(host: Host, evidence: list[Evidence]) -> int | None:
    """Seconds of inactivity after which the PC sleeps on mains power and asks for the password on
    wake; None when it never sleeps, or wakes without asking, or powercfg cannot tell."""
    result = host.run(POWERCFG_SLEEP)
    values = parse_powercfg(result.stdout) if result.ok else None
    evidence.append(Evidence(" ".join(POWERCFG_SLEEP), f"mains {values[0]} s, battery {values[1]} s (0 = never)" if values
                             else (result.stderr or result.stdout).strip()[:200] or f"exit {result.returncode}"))
    if not values or values[0] == 0:
        return None
    wake = host.run(POWERCFG_WAKE_LOCK)
    lock = parse_powercfg(wake.stdout) if wake.ok else None
    evidence.append(Evidence(" ".join(POWERCFG_WAKE_LOCK), f"mains {lock[0]}, battery {lock[1]} (1 = password on wake)" if lock
                             else "not set (Windows default: password on wake)"))
    if lock is not None and lock[0] == 0:
        return None
    return values[0]


# == ACC-02 macOS ===============================================================================
def parse_screenlock(text: str) -> int | None:
    """Seconds from ``sysadminctl -screenLock status`` (0 = immediate), -1 when off, None unknown."""
    if re.search(r"screenLock is off", text, re.I):
        return -1
    if re.search(r"screenLock (delay )?is immediate", text, re.I):
        return 0
    match = re.search(r"screenLock delay is ([0-9]+) seconds?", text, re.I)
    return int(match.group(1)) if match else None


def parse_pmset_displaysleep(text: str) -> int | None:
    """Minutes of ``displaysleep`` in ``pmset -g`` (0 = never), None when absent."""
    match = re.search(r"^\s*displaysleep\s+([0-9]+)", text, re.M)
    return int(match.group(1)) if match else None


def _macos_lock(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    status = host.run(_as_user(host, ["sysadminctl", "-screenLock", "status"]))
    text = _run_text(status)
    delay = parse_screenlock(text)
    evidence.append(Evidence("sysadminctl -screenLock status", text.splitlines()[-1] if text else f"rc {status.returncode}"))
    idle = host.run(_as_user(host, ["defaults", "-currentHost", "read", "com.apple.screensaver", "idleTime"]))
    saver = as_number(idle.stdout.strip()) if idle.ok else None
    evidence.append(Evidence("defaults -currentHost read com.apple.screensaver idleTime", idle.stdout.strip() if idle.ok else "not set"))
    pmset = host.run(["pmset", "-g"])
    display = parse_pmset_displaysleep(pmset.stdout) if pmset.ok else None
    evidence.append(Evidence("pmset -g displaysleep", f"{display} min" if display is not None else "not found"))
    if delay is None:
        return warned(N_("The screen lock setting could not be read on this Mac."), evidence)
    if delay < 0:
        return failed(N_("The Mac does not ask for the password when the screen saver starts or the display turns off."), evidence)
    idle_limits = [s for s in (saver, display * 60 if display is not None else None) if s]
    if not idle_limits:
        if saver is None and display is None:
            return warned(N_("The screen lock setting could not be read on this Mac."), evidence)
        return failed(N_("The screen never locks by itself."), evidence)
    total = min(idle_limits) + delay
    if total > MAX_LOCK_SECONDS:
        return failed(N_("The screen locks only after {delay} of inactivity."), evidence, delay=_minutes(total))
    return passed(N_("The screen locks after {delay} of inactivity and asks for the password."), evidence, delay=_minutes(total))


# == ACC-02 Linux ===============================================================================
def parse_gsettings(text: str) -> str:
    """``uint32 300`` -> ``300``; ``true`` -> ``true``; quotes removed."""
    value = text.strip()
    for prefix in ("uint32 ", "int32 ", "uint64 ", "int64 "):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value.strip("'\"")


def _gsettings(host: Host, schema: str, key: str) -> str | None:
    result = host.run(_as_user(host, ["gsettings", "get", schema, key]))
    return parse_gsettings(result.stdout) if result.ok and result.stdout.strip() else None


def _linux_lock(host: Host) -> Outcome:
    if host.has_tool("gsettings"):
        idle = _gsettings(host, "org.gnome.desktop.session", "idle-delay")
        enabled = _gsettings(host, "org.gnome.desktop.screensaver", "lock-enabled")
        if idle is not None and enabled is not None:
            lock_delay = _gsettings(host, "org.gnome.desktop.screensaver", "lock-delay") or "0"
            evidence = [
                Evidence("gsettings get org.gnome.desktop.session idle-delay", idle),
                Evidence("gsettings get org.gnome.desktop.screensaver lock-enabled", enabled),
                Evidence("gsettings get org.gnome.desktop.screensaver lock-delay", lock_delay),
            ]
            idle_s, delay_s = as_number(idle), as_number(lock_delay) or 0
            if idle_s is None:
                return warned(N_("The screen lock setting could not be read on this computer."), evidence)
            if enabled.lower() != "true":
                return failed(N_("The screen goes blank but does not lock: automatic screen lock is off."), evidence)
            if idle_s == 0:
                return failed(N_("The screen never locks by itself."), evidence)
            total = idle_s + delay_s
            if total > MAX_LOCK_SECONDS:
                return failed(N_("The screen locks only after {delay} of inactivity."), evidence, delay=_minutes(total))
            return passed(N_("The screen locks after {delay} of inactivity and asks for the password."), evidence, delay=_minutes(total))
    return _kde_lock(host)


def _kde_lock(host: Host) -> Outcome:
    home = host.home()
    sudo_user = host.env("SUDO_USER")
    if sudo_user and host.is_admin():
        home = f"/home/{sudo_user}"
    path = f"{home}/.config/kscreenlockerrc"
    try:
        text = host.read_text(path)
    except HostError:
        text = None
    if text is None:
        return skipped(N_("No supported desktop (GNOME, KDE) was found for this user: the screen lock could not be checked."))
    daemon = parse_ini(text).get("Daemon", {})
    autolock = daemon.get("Autolock", "true")  # KDE defaults: lock on, after 5 minutes
    timeout = as_number(daemon.get("Timeout", "5"))
    grace = as_number(daemon.get("LockGrace", "5")) or 0
    evidence = [Evidence(path, f"Autolock={autolock}; Timeout={daemon.get('Timeout', '5 (default)')}; LockGrace={daemon.get('LockGrace', '5 (default)')}")]
    if timeout is None:
        return warned(N_("The screen lock setting could not be read on this computer."), evidence)
    if not _truthy(autolock) or not timeout:
        return failed(N_("The screen never locks by itself."), evidence)
    total = timeout * 60 + grace
    if total > MAX_LOCK_SECONDS:
        return failed(N_("The screen locks only after {delay} of inactivity."), evidence, delay=_minutes(total))
    return passed(N_("The screen locks after {delay} of inactivity and asks for the password."), evidence, delay=_minutes(total))
