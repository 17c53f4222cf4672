"""Supervision check (LOG-01): failed sign-ins are recorded and kept.

Windows: the audit policy of the "Logon" subcategory, asked by its GUID with
``auditpol /get /subcategory:{GUID} /r`` (CSV report; needs administrator rights). The row is
found by its GUID, which no locale changes; the setting's wording is localized, so English and
French are read, and any other wording gives "to review" with the raw text rather than a guess.
Linux: a persistent systemd journal or a classic authentication log. macOS is left out: its
unified log always records failed sign-ins and keeps them a few days, and no setting of the
running system tells whether anyone looks at them.
"""

from __future__ import annotations

import csv
import io
import re

from gp_guard.audit import references as ref
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
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, WINDOWS, Host
from gp_guard.i18n import N_

LOGON_GUID = "{0CCE9215-69AE-11D9-BED3-505054503030}"
AUDITPOL_ARGV = ("auditpol.exe", "/get", f"/subcategory:{LOGON_GUID}", "/r")
SECURITY_LOG_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Security"

JOURNAL_DIR = "/var/log/journal"
JOURNALD_CONF = "/etc/systemd/journald.conf"
JOURNALD_CONF_DIRS = ("/etc/systemd/journald.conf.d", "/usr/lib/systemd/journald.conf.d")
AUTH_LOGS = ("/var/log/auth.log", "/var/log/secure")
LOGROTATE_DIR = "/etc/logrotate.d"

_FAILURE_WORDS = ("failure", "échec", "echec")
_NONE_WORDS = ("no auditing", "pas d'audit", "aucun audit")
_SUCCESS_WORDS = ("success", "succès", "succes")

MS_AUDIT_LOGON = Reference(
    N_("Microsoft: Audit Logon (events 4624 and 4625)"),
    "https://learn.microsoft.com/windows/security/threat-protection/auditing/audit-logon",
)


@check(
    "LOG-01",
    area=Area.LOGGING,
    severity=Severity.MEDIUM,
    title=N_("Failed sign-ins are recorded"),
    problem=N_("Failed sign-ins are not recorded: an intrusion attempt would leave no trace"),
    why=N_("Someone trying passwords on this computer, locally or through remote access, leaves a trace only if failed sign-ins are recorded and kept. Without that trace you cannot see an attack coming, nor tell the CNIL afterwards what happened. Dedalus Biologie was fined 1.5 million euros in 2022, among other reasons because nothing watched or alerted on its servers."),
    fix={
        WINDOWS: (
            N_("Open the Start menu, type 'secpol.msc' and open 'Local Security Policy' (Pro editions; on Home, ask your IT provider)."),
            N_("Go to Advanced Audit Policy Configuration > System Audit Policies > Logon/Logoff > Audit Logon."),
            N_("Tick 'Configure the following audit events', then both 'Success' and 'Failure', and click OK."),
            N_("Or, in a terminal opened as administrator: auditpol /set /subcategory:{0CCE9215-69AE-11D9-BED3-505054503030} /success:enable /failure:enable"),
            N_("Look at failed sign-ins from time to time: Event Viewer > Windows Logs > Security, filter on event 4625."),
        ),
        LINUX: (
            N_("Keep the system journal across restarts: sudo mkdir -p /var/log/journal && sudo systemctl restart systemd-journald"),
            N_("Or install a classic log service, which writes /var/log/auth.log: sudo apt install rsyslog"),
            N_("Look at failed sign-ins from time to time: sudo journalctl -p warning _COMM=sshd, or sudo lastb"),
        ),
    },
    platforms=(WINDOWS, LINUX),
    references=(ref.CNIL_LOGGING, MS_AUDIT_LOGON, ref.CIS_WINDOWS, ref.CIS_LINUX, ref.CASE_2022),
    cnil_case="2022-dedalus",
)
def failed_logons_recorded(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        return _windows_logon_audit(host)
    return _linux_logs(host)


def parse_auditpol_csv(text: str, guid: str = LOGON_GUID) -> str | None:
    """The inclusion setting of the row whose subcategory GUID is ``guid``, or None."""
    wanted = guid.strip("{}").lower()
    for row in csv.reader(io.StringIO(text or "")):
        for index, cell in enumerate(row):
            if cell.strip().strip("{}").lower() == wanted and index + 1 < len(row):
                return row[index + 1].strip()
    return None


def audits_failures(setting: str) -> bool | None:
    """True when the (English or French) setting includes failures, False when it does not,
    None for a wording we do not know."""
    lowered = setting.lower()
    if any(word in lowered for word in _FAILURE_WORDS):
        return True
    if any(word in lowered for word in _NONE_WORDS) or any(word in lowered for word in _SUCCESS_WORDS):
        return False
    return None


def _windows_logon_audit(host: Host) -> Outcome:
    if not host.is_admin():  # auditpol refuses to read the policy without elevation
        return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."))
    result = host.run(list(AUDITPOL_ARGV))
    source = " ".join(AUDITPOL_ARGV)
    if not result.ok:
        detail = (result.stdout.strip() or result.stderr.strip())
        if "0x00000522" in detail or "0x522" in detail:
            return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."), [Evidence(source, detail)])
        return warned(N_("The audit policy could not be read."), [Evidence(source, detail or f"rc={result.returncode}")])
    setting = parse_auditpol_csv(result.stdout)
    if setting is None:
        return warned(N_("The audit policy could not be read."), [Evidence(source, result.stdout.strip()[:300])])
    evidence = [Evidence(f"{source} (Inclusion Setting)", setting)]
    size = host.reg_value(SECURITY_LOG_KEY, "MaxSize")
    if size is not None and isinstance(size.value, int):
        evidence.append(Evidence(rf"{SECURITY_LOG_KEY}\MaxSize", f"{size.value // (1024 * 1024)} MB"))
    verdict = audits_failures(setting)
    if verdict is True:
        return passed(N_("Windows records failed sign-ins in the Security log (event 4625)."), evidence)
    if verdict is False:
        return failed(N_("Windows does not record failed sign-ins: password-guessing would leave no trace."), evidence)
    return warned(N_("The audit policy uses a wording gp_guard does not know: {setting}"), evidence, setting=setting)


_STORAGE = re.compile(r"^\s*Storage\s*=\s*(\S+)", re.M | re.I)


def journald_storage(host: Host) -> tuple[str, str]:
    """The effective ``Storage=`` of journald and where it was read (drop-ins win, last one last)."""
    storage, where = "auto", "(default)"
    texts: list[tuple[str, str]] = []
    main = host.read_text(JOURNALD_CONF)
    if main is not None:
        texts.append((JOURNALD_CONF, main))
    for folder in JOURNALD_CONF_DIRS:
        for name in sorted(host.list_dir(folder) or []):
            if name.endswith(".conf"):
                texts.append((f"{folder}/{name}", host.read_text(f"{folder}/{name}") or ""))
    for path, text in texts:
        found = _STORAGE.findall(_strip_comments(text))
        if found:
            storage, where = found[-1].lower(), path
    return storage, where


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("#", ";")))


def _linux_logs(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    storage, where = journald_storage(host)
    evidence.append(Evidence(f"journald Storage= ({where})", storage))
    journal_dir = host.exists(JOURNAL_DIR)
    evidence.append(Evidence(JOURNAL_DIR, "present" if journal_dir else "(absent)"))
    journald = any(p.name == "systemd-journald" for p in host.processes())
    evidence.append(Evidence("systemd-journald", "running" if journald else "(not running)"))
    persistent = journald and (storage == "persistent" or (storage == "auto" and journal_dir))
    auth_logs = [path for path in AUTH_LOGS if host.exists(path)]
    evidence.append(Evidence("authentication log", ", ".join(auth_logs) or "(none)"))
    if auth_logs:
        evidence.append(Evidence(f"{LOGROTATE_DIR} (rotation of {auth_logs[0]})", _rotation(host, auth_logs[0])))
    if persistent and auth_logs:
        return passed(N_("Failed sign-ins are kept in the system journal and in {log}."), evidence, log=auth_logs[0])
    if persistent:
        return passed(N_("Failed sign-ins are kept in the system journal, across restarts."), evidence)
    if auth_logs:
        return passed(N_("Failed sign-ins are kept in {log}."), evidence, log=auth_logs[0])
    return failed(N_("Failed sign-ins are not kept: no system journal is saved across restarts and there is no authentication log."), evidence)


def _rotation(host: Host, log: str) -> str:
    """Which logrotate file rotates ``log`` (evidence only: an unrotated log is kept, just big)."""
    for name in sorted(host.list_dir(LOGROTATE_DIR) or []):
        text = host.read_text(f"{LOGROTATE_DIR}/{name}") or ""
        if re.search(rf"^\s*[^#\n]*{re.escape(log)}\b", text, re.M):
            return f"{LOGROTATE_DIR}/{name}"
    return "(not rotated by logrotate)"
