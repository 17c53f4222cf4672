"""Web browser check (UPD-04): Chrome, Edge and Firefox are recent enough.

Versions are read where each browser leaves them: on Windows the registry (the ``BLBeacon``
value Chrome and Edge write at each start, the Uninstall keys, Mozilla's own key), on macOS the
``CFBundleShortVersionString`` of each application's Info.plist, on Linux ``<browser> --version``.
A browser that is not installed is not a failure.

They are compared with a table of minimum major versions bundled here. Browsers release a new
major version every four weeks, so the table ages: each row is dated, the check uses the row in
force on the audited machine's date, and once the newest row is more than ``STALE_AFTER_DAYS``
old a browser that meets it only gets "to review" (it may be outdated by then), while one below
it still fails. Update the table with each gp_guard release.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gp_guard.audit import references as ref
from gp_guard.audit.checks.console_user import user_key
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, failed, passed, warned
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError
from gp_guard.i18n import N_

# Minimum supported major version per browser, by date. Sources: Chrome and Edge ship a major
# version every 4 weeks and patch only the current one (Chrome releases blog, Edge release
# notes); Firefox patches the current release and the ESR branches (115 ESR until 2025 for most
# systems, 128 ESR until September 2025, 140 ESR after). The minimum leaves about two releases
# of slack for staged roll-outs.
MINIMUMS: tuple[tuple[dt.date, dict[str, int]], ...] = (
    (dt.date(2024, 6, 1), {"chrome": 123, "edge": 123, "firefox": 115}),
    (dt.date(2024, 11, 1), {"chrome": 128, "edge": 128, "firefox": 115}),
    (dt.date(2025, 5, 1), {"chrome": 134, "edge": 134, "firefox": 128}),
    (dt.date(2025, 11, 1), {"chrome": 140, "edge": 140, "firefox": 140}),
)
STALE_AFTER_DAYS = 180

NAMES = {"chrome": "Google Chrome", "edge": "Microsoft Edge", "firefox": "Mozilla Firefox"}

_UNINSTALL = (
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
)
WINDOWS_VALUES: dict[str, tuple[tuple[str, str], ...]] = {
    "chrome": (
        (r"HKCU\SOFTWARE\Google\Chrome\BLBeacon", "version"),
        (_UNINSTALL[0] + r"\Google Chrome", "DisplayVersion"),
        (_UNINSTALL[1] + r"\Google Chrome", "DisplayVersion"),
        (_UNINSTALL[2] + r"\Google Chrome", "DisplayVersion"),
    ),
    "edge": (
        (r"HKCU\SOFTWARE\Microsoft\Edge\BLBeacon", "version"),
        (_UNINSTALL[0] + r"\Microsoft Edge", "DisplayVersion"),
        (_UNINSTALL[1] + r"\Microsoft Edge", "DisplayVersion"),
    ),
    "firefox": (
        (r"HKLM\SOFTWARE\Mozilla\Mozilla Firefox", "CurrentVersion"),
        (r"HKLM\SOFTWARE\WOW6432Node\Mozilla\Mozilla Firefox", "CurrentVersion"),
    ),
}
MACOS_BUNDLES = {
    "chrome": "/Applications/Google Chrome.app/Contents/Info.plist",
    "edge": "/Applications/Microsoft Edge.app/Contents/Info.plist",
    "firefox": "/Applications/Firefox.app/Contents/Info.plist",
}
LINUX_COMMANDS = {
    "firefox": "firefox",
    "firefox-esr": "firefox",
    "chromium": "chrome",
    "chromium-browser": "chrome",
    "google-chrome": "chrome",
    "google-chrome-stable": "chrome",
    "microsoft-edge": "edge",
    "microsoft-edge-stable": "edge",
}

_VERSION = re.compile(r"(?<![0-9.])([0-9]{1,4})\.([0-9]+)(?:\.[0-9]+)*")
_PLIST_VERSION = re.compile(r"<key>\s*CFBundleShortVersionString\s*</key>\s*<string>\s*([^<]*?)\s*</string>")


@dataclass(frozen=True)
class Seen:
    browser: str  # chrome | edge | firefox
    raw: str  # the value as read ("128.0 (x64 fr)", "Mozilla Firefox 128.5.0esr")
    source: str

    @property
    def version(self) -> str:
        match = _VERSION.search(self.raw)
        return match.group(0) if match else self.raw

    @property
    def major(self) -> int:
        return major_of(self.raw) or 0


def major_of(text: str | None) -> int | None:
    match = _VERSION.search(text or "")
    return int(match.group(1)) if match else None


def minimums_for(day: dt.date) -> tuple[dt.date, dict[str, int]]:
    """The table row in force on ``day`` (the first row before the table starts)."""
    row = MINIMUMS[0]
    for candidate in MINIMUMS:
        if candidate[0] <= day:
            row = candidate
    return row


@check(
    "UPD-04",
    area=Area.UPDATES,
    severity=Severity.MEDIUM,
    title=N_("Web browsers are up to date"),
    problem=N_("A web browser is out of date: a booby-trapped page could infect this computer"),
    why=N_("The web browser is the program most exposed to attacks: a booby-trapped page or advertisement can take control of an outdated browser without a click, then reach the patient records and the accounts open on this computer. Chrome, Edge and Firefox fix serious flaws every few weeks; an old version no longer receives those fixes."),
    fix={
        WINDOWS: (
            N_("Chrome: open the menu ⋮ > Help > About Google Chrome; it updates itself, then click 'Relaunch'."),
            N_("Edge: open the menu … > Help and feedback > About Microsoft Edge, then click 'Restart'."),
            N_("Firefox: open the menu ☰ > Help > About Firefox, then click 'Restart to update Firefox'."),
            N_("If a browser cannot update (too old a Windows, a blocked updater), uninstall it in Settings > Apps and ask your IT provider."),
        ),
        MACOS: (
            N_("Chrome: open Chrome > About Google Chrome; it updates itself, then click 'Relaunch'."),
            N_("Edge: open Microsoft Edge > About Microsoft Edge, then click 'Restart'."),
            N_("Firefox: open Firefox > About Firefox, then click 'Restart to update Firefox'."),
            N_("A browser you no longer use: drag it from Applications to the Bin."),
        ),
        LINUX: (
            N_("Install the updates of your distribution: sudo apt update && sudo apt upgrade"),
            N_("A browser installed outside the distribution (a downloaded archive) does not update with it: remove it, or update it from its own menu Help > About."),
        ),
    },
    references=(ref.ANSSI_UPDATES, ref.CNIL_WORKSTATION, ref.CIS_WINDOWS, ref.CIS_MACOS),
    timeout=40.0,
)
def browsers_up_to_date(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        seen, looked = _windows_browsers(host)
    elif host.platform == MACOS:
        seen, looked = _macos_browsers(host)
    else:
        seen, looked = _linux_browsers(host)
    return judge(seen, looked, host.now().date())


def judge(seen: list[Seen], looked: str, today: dt.date) -> Outcome:
    """Compare the newest version seen of each browser with the table row in force today."""
    row_date, minimum = minimums_for(today)
    best: dict[str, Seen] = {}
    for item in seen:
        if item.browser not in best or item.major > best[item.browser].major:
            best[item.browser] = item
    table = f"minimum versions of {row_date.isoformat()}: " + ", ".join(f"{NAMES[b]} {v}" for b, v in minimum.items())
    evidence = [Evidence(item.source, item.raw) for item in seen]
    evidence.append(Evidence("gp_guard table", table))
    if not best:
        return passed(N_("No Chrome, Edge or Firefox was found on this computer."), [Evidence(looked, "(none found)"), *evidence[-1:]])
    outdated = [item for b, item in sorted(best.items()) if item.major < minimum[b]]
    if outdated:
        listing = ", ".join(f"{NAMES[i.browser]} {i.version} (< {minimum[i.browser]})" for i in outdated)
        return failed(N_("Outdated browser: {browsers}. It no longer receives security fixes."), evidence, browsers=listing)
    listing = ", ".join(f"{NAMES[i.browser]} {i.version}" for _b, i in sorted(best.items()))
    age = (today - MINIMUMS[-1][0]).days
    if age > STALE_AFTER_DAYS:
        return warned(
            N_("{browsers}: recent enough for gp_guard's table, but that table is {days} days old; update gp_guard or check each browser's About page."),
            evidence, browsers=listing, days=age,
        )
    return passed(N_("Browsers up to date: {browsers}."), evidence, browsers=listing)


def _windows_browsers(host: Host) -> tuple[list[Seen], str]:
    seen: list[Seen] = []
    for browser, places in WINDOWS_VALUES.items():
        for key, name in places:
            key = user_key(host, key)  # the daily user's hive, not an elevating administrator's
            value = host.reg_value(key, name)
            if value is not None and major_of(str(value.value)) is not None:
                seen.append(Seen(browser, str(value.value), rf"{key}\{name}"))
    for root in (user_key(host, r) for r in _UNINSTALL):  # Firefox names its Uninstall key after the version: "Mozilla Firefox 128.0 (x64 fr)"
        for sub in host.reg_subkeys(root):
            if sub.lower().startswith("mozilla firefox"):
                value = host.reg_value(rf"{root}\{sub}", "DisplayVersion")
                if value is not None and major_of(str(value.value)) is not None:
                    seen.append(Seen("firefox", str(value.value), rf"{root}\{sub}\DisplayVersion"))
    return seen, "registry (BLBeacon, Uninstall, Mozilla keys)"


def _macos_browsers(host: Host) -> tuple[list[Seen], str]:
    seen: list[Seen] = []
    for browser, path in MACOS_BUNDLES.items():
        text = host.read_text(path)
        if text is None:
            continue
        match = _PLIST_VERSION.search(text)
        version = match.group(1) if match else None
        if version and major_of(version) is not None:
            seen.append(Seen(browser, version, f"{path} CFBundleShortVersionString"))
    return seen, "/Applications (Google Chrome, Microsoft Edge, Firefox)"


def _linux_browsers(host: Host) -> tuple[list[Seen], str]:
    seen: list[Seen] = []
    for command, browser in LINUX_COMMANDS.items():
        if not host.has_tool(command):
            continue
        try:
            result = host.run([command, "--version"], timeout=15.0)
        except HostError:
            continue
        line = next((ln.strip() for ln in result.stdout.splitlines() if major_of(ln) is not None), "")
        if result.ok and line:
            seen.append(Seen(browser, line, f"{command} --version"))
    return seen, "PATH (" + ", ".join(LINUX_COMMANDS) + ")"
