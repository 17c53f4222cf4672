"""The capture kit: ``gp-guard capture --out DIR`` records what every check reads on this
computer, scrubbed, in the format the replay reads (``gp-guard audit --replay DIR``).

Rooms: ``proxy.py`` (the recording host wrapped around the live one), ``scrub.py`` (what is
replaced or redacted before anything is written), ``writer.py`` (the recordings, host.toml, the
manifest and the zip), ``readme.py`` (the text for the IT provider, in French and English).

The capture runs every check once through the proxy, exactly as an audit does, then writes: one
``.rec`` file per request (command, file, folder, registry value, search...), the
``absent`` / ``present`` / ``denied`` lists, ``host.toml`` (platform, rights, user, environment,
operating system, locale and code pages), ``verdicts.json`` (what the live checks found, to compare
with the replay), ``README.txt``, ``SHA256SUMS`` and, next to the folder, ``DIR.zip``.
"""

from __future__ import annotations

import getpass
import json
import locale
import os
import platform as _platform
import socket
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gp_guard.audit.model import Finding
from gp_guard.audit.registry import all_checks
from gp_guard.audit.runner import Progress, run_checks
from gp_guard.capture.proxy import Entry, RecordingHost
from gp_guard.capture.readme import readme_text
from gp_guard.capture.scrub import Scrubber, load_key
from gp_guard.capture.writer import (
    MANIFEST,
    README,
    CaptureWriter,
    toml_text,
    write_folder,
    write_zip,
)
from gp_guard.errors import UserError
from gp_guard.host import LINUX, MACOS, WINDOWS, HostError, LocalHost, NotRecorded
from gp_guard.host.recorded import RecordedHost
from gp_guard.i18n import N_
from gp_guard.version import __version__


class CaptureError(UserError):
    """The capture cannot be written where asked (the message is a translatable N_ string)."""


@dataclass(frozen=True)
class CaptureResult:
    folder: Path
    archive: Path
    recordings: int
    findings: list[Finding]


def zip_path(out: Path) -> Path:
    return out.with_name(out.name + ".zip")


def check_target(out: Path) -> None:
    """Refuse before running anything: a capture never overwrites a file or a folder's content."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CaptureError(N_("{path} already exists and is not an empty folder: choose a new folder for the "
                              "capture (nothing was written)."), path=str(out))
    if zip_path(out).exists():
        raise CaptureError(N_("{path} already exists: choose another name for the capture, its archive would "
                              "replace this file (nothing was written)."), path=str(zip_path(out)))
    if not out.parent.is_dir():
        raise CaptureError(N_("The folder {path} does not exist: choose a folder on this computer."),
                           path=str(out.parent))


def capture(out: Path, *, no_network: bool = False, host: LocalHost | RecordedHost | None = None,
            progress: Callable[[Progress], None] | None = None, timeout_scale: float = 3.0) -> CaptureResult:
    """Run every check through the recording proxy and write the scrubbed capture to ``out``.

    Each check gets ``timeout_scale`` times its usual time: nobody waits on a capture, and a check
    stopped half-way on a slow PC would leave its recordings incomplete."""
    from gp_guard.paths import data_dir

    out = Path(out).absolute()
    check_target(out)
    inner = host or LocalHost()
    proxy = RecordingHost(inner)
    checks = [c for c in all_checks() if inner.platform in c.meta.platforms]  # as run_audit chooses them
    findings = run_checks(checks, proxy, no_network=no_network, progress=progress, timeout_scale=timeout_scale)
    for fact in (proxy.is_admin, proxy.user_name, proxy.home, proxy.addresses):
        fact()  # host.toml needs them even when no check asked
    system = system_facts(inner)
    scrub = Scrubber(load_key(data_dir()), hostnames=_hostnames(inner), users=_users(inner))
    order = {c.id: n for n, c in enumerate(checks)}
    entries = sorted(proxy.snapshot(), key=lambda e: (order.get(_owner(e, order), 10**6), e.kind, repr(e.key)))
    for entry in entries:
        entry.check = _owner(entry, order)
        for text in _texts(entry):
            scrub.names_from_paths(text)
        _learn_accounts(scrub, entry, inner.platform)
    facts_text = json.dumps(system, ensure_ascii=False)
    scrub.names_from_paths(facts_text)
    description = scrub.text(str(system.get("os", inner.platform)))
    when = proxy.started.isoformat()
    source = f"captured by gp_guard {__version__} (gp-guard capture) on {when}, {description}"
    writer = CaptureWriter(proxy, scrub, source)
    for entry in entries:
        writer.add(entry)
    writer.finish()
    files = dict(writer.files)
    files["host.toml"] = _host_toml(proxy, scrub, writer, system, description).encode("utf-8")
    files["verdicts.json"] = _verdicts(findings, no_network, inner.platform).encode("utf-8")
    files[README] = readme_text(len(writer.files), description).encode("utf-8")
    write_folder(out, files)
    archive = zip_path(out)
    write_zip(out, archive)
    return CaptureResult(out, archive, len(writer.files), findings)


def _owner(entry: Entry, order: dict[str, int]) -> str:
    """The first check, in the catalogue's order, that made this request (threads race)."""
    return min(entry.askers or {entry.check}, key=lambda c: (order.get(c, 10**6), c))


def _texts(entry: Entry) -> Iterable[str]:
    key = entry.key
    if isinstance(key, str):
        yield key
    elif isinstance(key, tuple):
        yield from (k for k in key if isinstance(k, str))
        yield from (x for k in key if isinstance(k, tuple) for x in k if isinstance(x, str))
    answer = entry.answer
    if isinstance(answer, str):
        yield answer
    elif hasattr(answer, "stdout"):
        yield answer.stdout.decode(answer.encoding, "replace")
    elif isinstance(answer, list):
        for item in answer:
            if isinstance(item, str):
                yield item
            elif hasattr(item, "path"):
                yield item.path
            elif hasattr(item, "cmdline"):
                yield from item.cmdline


def _learn_accounts(scrub: Scrubber, entry: Entry, platform: str) -> None:
    """Owners of processes that are people's accounts (a user id of 1000 or more on Linux and
    macOS'501 and up; on Windows, the name after the domain)."""
    if entry.kind != "processes" or not isinstance(entry.answer, list):
        return
    for proc in entry.answer:
        name = proc.username or ""
        if platform == WINDOWS:
            scrub.add_user(name.rsplit("\\", 1)[-1])
        elif _human_uid(name, 501 if platform == MACOS else 1000):
            scrub.add_user(name)


def _human_uid(name: str, first: int) -> bool:
    try:
        import pwd

        return pwd.getpwnam(name).pw_uid >= first and pwd.getpwnam(name).pw_uid != 65534
    except (ImportError, KeyError):
        return False


def _hostnames(inner: LocalHost | RecordedHost) -> list[str]:
    names = {socket.gethostname(), _platform.node(), os.environ.get("COMPUTERNAME", ""),
             os.environ.get("HOSTNAME", ""), inner.facts().hostname}
    names |= {n.split(".", 1)[0] for n in names}
    return sorted(n for n in names if n)


def _users(inner: LocalHost | RecordedHost) -> list[str]:
    names = {inner.user_name(), getpass.getuser(), Path(inner.home()).name}
    names |= {os.environ.get(v, "") for v in ("USER", "LOGNAME", "USERNAME", "SUDO_USER")}
    if inner.platform != WINDOWS:
        try:
            import pwd

            first = 501 if inner.platform == MACOS else 1000
            names |= {e.pw_name for e in pwd.getpwall() if first <= e.pw_uid < 65534}
        except ImportError:  # pragma: no cover
            pass
    return sorted(n for n in names if n)


def system_facts(inner: LocalHost | RecordedHost) -> dict[str, Any]:
    """What the IT provider and the replay need to know about this system (not asked by checks)."""
    facts: dict[str, Any] = {
        "gp_guard": __version__,
        "os": f"{_platform.system()} {_platform.release()} ({_platform.version()})",
        "machine": _platform.machine(),
        "python": sys.version.split()[0],
        "locale": ".".join(x for x in locale.getlocale() if x) or "C",
        "preferred_encoding": locale.getpreferredencoding(False),
        "oem_code_page": inner.oem_code_page,
    }
    if isinstance(inner, RecordedHost):  # a replay captured again (the tests): its own description
        facts["os"] = f"{inner.facts().description} (replayed from {inner.folder.name})"
    elif inner.platform == LINUX:
        release = inner.read_text("/etc/os-release") or ""
        for line in release.splitlines():
            if line.startswith("PRETTY_NAME="):
                facts["os"] = line.split("=", 1)[1].strip('"') + f" (Linux {_platform.release()})"
    facts.update(_platform_facts(inner))
    return facts


def _output(inner: LocalHost | RecordedHost, argv: list[str]) -> str:
    try:
        result = inner.run(argv, timeout=20)
    except (HostError, NotRecorded):
        return ""
    return result.stdout.strip() if result.ok else ""


def _platform_facts(inner: LocalHost | RecordedHost) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if inner.platform == WINDOWS:  # pragma: no cover - Windows only
        text = _output(inner, ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
                               "$o = Get-CimInstance Win32_OperatingSystem; $v = Get-ItemProperty "
                               "'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'; [pscustomobject]@{"
                               "os = $o.Caption; build = $o.BuildNumber; ubr = $v.UBR; display = $v.DisplayVersion; "
                               "edition = $v.EditionID; culture = (Get-Culture).Name; ui = (Get-UICulture).Name; "
                               "system_locale = (Get-WinSystemLocale).Name; acp = [Text.Encoding]::Default.CodePage; "
                               "ps = $PSVersionTable.PSVersion.ToString(); bits = [IntPtr]::Size * 8 } | ConvertTo-Json"])
        try:
            parsed = json.loads(text) if text else {}
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict):
            facts.update({f"windows_{k}": str(v) for k, v in parsed.items()})
            if parsed.get("os"):
                facts["os"] = f"{parsed['os']} {parsed.get('display', '')} build {parsed.get('build')}.{parsed.get('ubr')}"
        facts["console_user"] = _output(inner, ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
                                                "(Get-CimInstance Win32_ComputerSystem).UserName"])
    elif inner.platform == MACOS:  # pragma: no cover - macOS only
        facts["os"] = "macOS " + _output(inner, ["sw_vers", "-productVersion"]) + " (" + \
            _output(inner, ["sw_vers", "-buildVersion"]) + ")"
        facts["console_user"] = _output(inner, ["stat", "-f", "%Su", "/dev/console"])
        facts["apple_locale"] = _output(inner, ["defaults", "read", "-g", "AppleLocale"])
        facts["full_disk_access"] = _full_disk_access()
    else:
        facts["console_user"] = os.environ.get("SUDO_USER") or getpass.getuser()
    facts["elevated"] = inner.is_admin()
    facts["sudo_user"] = os.environ.get("SUDO_USER", "")
    return facts


def _full_disk_access() -> str:  # pragma: no cover - macOS only
    """macOS: the TCC database opens only with Full Disk Access (the Time Machine settings too)."""
    try:
        with open("/Library/Application Support/com.apple.TCC/TCC.db", "rb"):
            return "granted"
    except PermissionError:
        return "not granted"
    except OSError as exc:
        return f"unknown ({type(exc).__name__})"


def _host_toml(proxy: RecordingHost, scrub: Scrubber, writer: CaptureWriter, system: dict[str, Any],
               description: str) -> str:
    answer = {e.kind: e.answer for e in proxy.snapshot() if e.kind in ("admin", "user", "home", "addresses")}
    top: dict[str, Any] = {
        "platform": proxy.platform,
        "admin": bool(answer.get("admin")),
        "user": scrub.text(str(answer.get("user", ""))),
        "home": scrub.text(str(answer.get("home", ""))),
        "hostname": scrub.text(proxy.inner.facts().hostname or socket.gethostname()),
        "recorded_at": proxy.started.isoformat(),
        "description": description,
        "oem_code_page": proxy.oem_code_page,
        "tools": sorted(writer.tools),
        "addresses": sorted(scrub.text(a) for a in answer.get("addresses") or ()),
    }
    capture = {k: scrub.text(str(v)) for k, v in system.items()}
    return "# Captured by gp-guard capture; replay with: gp-guard audit --replay <this folder>\n" + toml_text(
        top, {"env": writer.env, "capture": capture})


def _verdicts(findings: list[Finding], no_network: bool, platform: str) -> str:
    return json.dumps({
        "gp_guard": __version__,
        "platform": platform,
        "no_network": no_network,
        "checks": {f.id: str(f.status) for f in findings},
        "network_checks": sorted(f.id for f in findings if f.meta.network),
    }, indent=1, ensure_ascii=False) + "\n"


__all__ = ["MANIFEST", "README", "CaptureError", "CaptureResult", "capture", "check_target", "zip_path"]
