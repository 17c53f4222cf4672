"""Rights and password policy: the daily account is not an administrator (ACC-05), password
length and lockout policy (ACC-08)."""

from __future__ import annotations

import csv
import io
import plistlib
import re

from gp_guard.audit import references as ref
from gp_guard.audit.checks.console_user import console_user
from gp_guard.audit.checks.parsing import ascii_int, json_objects
from gp_guard.audit.model import (
    Area,
    Evidence,
    Outcome,
    Severity,
    errored,
    failed,
    passed,
    skipped,
    warned,
)
from gp_guard.audit.registry import check, per_platform
from gp_guard.host import LINUX, MACOS, WINDOWS, Host
from gp_guard.i18n import N_

ADMINISTRATORS_SID = "S-1-5-32-544"
WHOAMI_GROUPS = ["whoami", "/groups", "/fo", "csv"]
# An elevated audit runs with the administrator's token: whoami would see that account, not the
# doctor's daily one. The daily account is the one logged on at the console (console_user.py), the
# members of the Administrators group are read by its SID (the group's name is translated), and
# the two are compared by SID: a Microsoft account is 'MicrosoftAccount\\<e-mail>' in the group
# but 'PC\\<short name>' at the console.
ADMIN_MEMBERS_SCRIPT = (
    "Get-LocalGroupMember -SID S-1-5-32-544 | Select-Object Name,SID,PrincipalSource | ConvertTo-Json -Depth 1 -Compress"
)
# Get-LocalGroupMember fails for the whole group when one member's SID cannot be resolved (an
# Entra ID or deleted account: PowerShell issues #2996, #21617). ADSI still lists the members, and
# their SIDs; the group is found by its SID too (its name is translated).
ADSI_MEMBERS_SCRIPT = (
    "$g = (New-Object System.Security.Principal.SecurityIdentifier('S-1-5-32-544')).Translate("
    "[System.Security.Principal.NTAccount]).Value.Split('\\')[-1]; "
    "ConvertTo-Json -Compress -InputObject @(([ADSI]\"WinNT://./$g,group\").psbase.Invoke('Members') | ForEach-Object { "
    "$b = [byte[]]$_.GetType().InvokeMember('objectSid', 'GetProperty', $null, $_, $null); "
    "[pscustomobject]@{Name = [string]$_.GetType().InvokeMember('Name', 'GetProperty', $null, $_, $null); "
    "SID = (New-Object System.Security.Principal.SecurityIdentifier($b, 0)).Value} })"
)
# Well-known groups that make every account an administrator when placed in Administrators:
# Everyone, Authenticated Users, Interactive, Users.
EVERYONE_LIKE_SIDS = {"S-1-1-0", "S-1-5-11", "S-1-5-4", "S-1-5-32-545"}
LINUX_ADMIN_GROUPS = ("sudo", "wheel", "admin")
# secedit can only write a file (UTF-16); PowerShell reads it back, prints it and removes it.
SECEDIT_SCRIPT = (
    "$f = Join-Path $env:TEMP 'gp_guard_secpol.inf'; "
    "secedit /export /cfg $f /areas SECURITYPOLICY /quiet | Out-Null; "
    "Get-Content -LiteralPath $f; Remove-Item -LiteralPath $f -Force"
)
PAM_FILES = ("/etc/pam.d/common-auth", "/etc/pam.d/common-password", "/etc/pam.d/system-auth", "/etc/pam.d/password-auth")
FAILLOCK_CONF = "/etc/security/faillock.conf"
PWQUALITY_CONF = "/etc/security/pwquality.conf"
PWQUALITY_DIR = "/etc/security/pwquality.conf.d"


# -- ACC-05 daily account is an administrator -------------------------------------------------

@check(
    "ACC-05",
    area=Area.ACCOUNTS,
    severity=Severity.HIGH,
    title=N_("The account used every day is not an administrator"),
    problem=N_("The account used every day is an administrator: a harmful program opened by mistake can take over the whole computer"),
    why=N_("Whatever you open with an administrator account (an e-mail attachment, a website, a USB stick) can change the whole computer: install a ransomware, turn off the antivirus, read every patient file. With a standard account for daily work, and an administrator account used only to install software, most attacks stop at your own session."),
    fix={
        WINDOWS: (
            N_("Create a second account for administration: Settings > Accounts > Other users > Add account, then Change account type > Administrator."),
            N_("Log in to that new account once, then in Settings > Accounts > Other users, select your daily account > Change account type > Standard User."),
            N_("From now on, work in the standard account; Windows will ask for the administrator password when an installation needs it."),
        ),
        MACOS: (
            N_("Open System Settings > Users & Groups > Add User…, create an administrator account reserved for installations."),
            N_("Log in to it once, then click the info button next to your daily account and turn off 'Allow this user to administer this computer'."),
        ),
        LINUX: (
            N_("Create an administration account: sudo adduser admin-NAME && sudo usermod -aG sudo admin-NAME"),
            N_("Remove your daily account from the administrators: sudo deluser NAME sudo (on Fedora: sudo gpasswd -d NAME wheel)."),
        ),
    },
    references=(ref.ANSSI_ADMIN, ref.CNIL_ACCESS, ref.CIS_WINDOWS, ref.CIS_MACOS),
    settings={WINDOWS: "ms-settings:otherusers", MACOS: "x-apple.systempreferences:com.apple.Users-Groups-Settings.extension"},
)
def daily_account_admin(host: Host) -> Outcome:
    if host.platform == WINDOWS:
        return _windows_admin(host)
    return _unix_admin(host)


def csv_rows(text: str) -> list[list[str]]:
    """Rows of a CSV output such as ``whoami /groups /fo csv`` (blank lines skipped)."""
    try:
        return [row for row in csv.reader(io.StringIO(text.strip().lstrip("\ufeff"))) if row]
    except csv.Error:
        return []


def parse_group_members(text: str) -> list[tuple[str, str]] | None:
    """``Get-LocalGroupMember ... | Select Name,SID,... | ConvertTo-Json``: [(name, SID)]; the SID
    is a string (-Depth 1) or an object with 'Value'. None when the output is not that JSON."""
    data = json_objects(text)
    if data is None:
        return None
    members: list[tuple[str, str]] = []
    for item in data:
        sid = item.get("SID")
        if isinstance(sid, dict):
            sid = sid.get("Value")
        members.append((str(item.get("Name") or ""), str(sid or "")))
    return members


def _same_account(console: str, member: str) -> bool:
    """'PC\\Name' against 'PC\\name' (names are case-insensitive); '.\\name' or a bare name
    matches on the account part."""
    a, b = console.strip().lower(), member.strip().lower()
    if a == b:
        return True
    a_dom, _, a_name = a.rpartition("\\")
    b_dom, _, b_name = b.rpartition("\\")
    return a_name == b_name and (not a_dom or not b_dom or "." in (a_dom, b_dom))


def _windows_admin(host: Host) -> Outcome:
    if host.is_admin():
        return _windows_console_admin(host)
    return _windows_whoami_admin(host)


def _windows_console_admin(host: Host) -> Outcome:
    console = console_user(host)
    user = console.name
    evidence = [Evidence("Win32_ComputerSystem UserName", user or console.detail),
                Evidence("console user's SID", console.sid or "unknown")]
    if user is None:
        return skipped(N_("Nobody is logged on at this computer's screen, so the account used every day cannot be told apart from the administrator account that runs this audit. Run the audit from the daily session."), evidence)
    result = host.powershell(ADMIN_MEMBERS_SCRIPT)
    members = parse_group_members(result.stdout) if result.ok else None
    source = "Get-LocalGroupMember -SID S-1-5-32-544"
    if members is None:
        evidence.append(Evidence(source, (result.stderr or result.stdout).strip()[:200] or f"exit {result.returncode}"))
        result = host.powershell(ADSI_MEMBERS_SCRIPT)
        members = parse_group_members(result.stdout) if result.ok else None
        source = "ADSI WinNT://./<S-1-5-32-544> members"
    if members is None:
        evidence.append(Evidence(source, (result.stderr or result.stdout).strip()[:200] or f"exit {result.returncode}"))
        return warned(N_("The members of the Administrators group could not be read; check by hand that {user} is a standard account."), evidence, user=user)
    evidence += [Evidence(source, f"{name} ({sid})") for name, sid in members]
    everyone = [name or sid for name, sid in members if sid in EVERYONE_LIKE_SIDS]
    if everyone:
        return failed(N_("The group {group} is a member of the Administrators group: every account, {user} included, is an administrator."), evidence, group=everyone[0], user=user)
    if any((console.sid and sid.upper() == console.sid.upper()) or _same_account(user, name) for name, sid in members):
        return failed(N_("The account {user}, logged on at this computer, is a member of the Administrators group ({sid})."), evidence, user=user, sid=ADMINISTRATORS_SID)
    return passed(N_("The account {user}, logged on at this computer, is a standard account."), evidence, user=user)


def _windows_whoami_admin(host: Host) -> Outcome:
    # Not elevated: the audit runs in the daily session itself, and whoami sees its own groups
    # (an administrator's filtered token still lists S-1-5-32-544, as "deny only").
    result = host.run(WHOAMI_GROUPS)
    rows = csv_rows(result.stdout)
    # Column titles are localized ("Nom du groupe", "SID"...): look for the SID in any field.
    sids = [field.strip() for row in rows for field in row if field.strip().startswith("S-1-")]
    if not result.ok or not sids:
        return errored(N_("The groups of the current account could not be read: {detail}"), detail=(result.stderr or result.stdout).strip()[:200])
    source = " ".join(WHOAMI_GROUPS)
    admin_rows = [row for row in rows if ADMINISTRATORS_SID in (f.strip() for f in row)]
    if admin_rows:
        return failed(N_("The account {user} is a member of the Administrators group ({sid})."), [Evidence(source, ",".join(admin_rows[0]))], user=host.user_name(), sid=ADMINISTRATORS_SID)
    return passed(N_("The account {user} is a standard account."), [Evidence(source, f"{len(sids)} groups, none is {ADMINISTRATORS_SID}")], user=host.user_name())


def _unix_admin(host: Host) -> Outcome:
    # Under sudo the process runs as root: the daily account is the one that called sudo.
    user = host.env("SUDO_USER") or host.user_name()
    if user == "root":
        return failed(N_("The session itself runs as root, the all-powerful account."), [Evidence("user", "root")], user=user)
    flag = "-Gn" if host.platform == MACOS else "-nG"
    result = host.run(["id", flag, user])
    if not result.ok:
        return errored(N_("The groups of the current account could not be read: {detail}"), detail=(result.stderr or result.stdout).strip()[:200])
    groups = result.stdout.split()
    source = f"id {flag} {user}"
    evidence = [Evidence(source, result.stdout.strip())]
    admin_groups = ("admin",) if host.platform == MACOS else LINUX_ADMIN_GROUPS
    if host.platform == LINUX:
        uid = host.run(["id", "-u", user])
        evidence.append(Evidence(f"id -u {user}", uid.stdout.strip()))
        if uid.ok and uid.stdout.strip() == "0":
            return failed(N_("The account {user} has user id 0: it is as powerful as root."), evidence, user=user)
    hits = [g for g in groups if g in admin_groups]
    if hits:
        return failed(N_("The account {user} is an administrator (group {groups})."), evidence, user=user, groups=", ".join(hits))
    return passed(N_("The account {user} is a standard account."), evidence, user=user)


# -- ACC-08 password and lockout policy -------------------------------------------------------

def policy_outcome(min_length: int | None, lockout: int | None, evidence: list[Evidence]) -> Outcome:
    """The CNIL rule for passwords alone: 12 characters or more, or 8 and more with a lockout
    after a few failed attempts (here: at most 10)."""
    length = min_length or 0
    locks = lockout is not None and 0 < lockout <= 10
    if length >= 12 or (length >= 8 and locks):
        return passed(N_("Passwords need at least {length} characters; lockout after failed attempts: {lockout}."), evidence, length=length, lockout=lockout if locks else "-")
    if locks:
        return failed(N_("Passwords may be as short as {length} characters. Ask for at least 12, or at least 8 with the lockout already in place."), evidence, length=length)
    return failed(N_("Passwords may be as short as {length} characters and nothing blocks repeated guesses. Ask for at least 12 characters, or 8 with a lockout after 10 failed attempts at most."), evidence, length=length)


@check(
    "ACC-08",
    area=Area.ACCOUNTS,
    severity=Severity.LOW,
    title=N_("Passwords must be long enough, and guessing is blocked"),
    problem=N_("Short passwords are accepted and repeated guessing is not blocked"),
    why=N_("A short password is found in minutes by a program that tries them all, especially if nothing blocks the account after repeated failures. The CNIL asks for at least 12 characters, or 8 characters if the account is locked after a few failed attempts."),
    fix={
        WINDOWS: (
            N_("Run secpol.msc (on Windows Pro) and open Account Policies > Password Policy: set 'Minimum password length' to 12."),
            N_("In Account Policies > Account Lockout Policy, set 'Account lockout threshold' to 10 invalid logon attempts."),
            N_("On Windows Home, open Terminal (Admin) and run: net accounts /minpwlen:12 /lockoutthreshold:10"),
        ),
        MACOS: (
            N_("Ask your IT provider to install a configuration profile (Passcode payload) with a minimum length of 12 and a maximum of 10 failed attempts."),
            N_("Without a management tool, run in Terminal: sudo pwpolicy -setglobalpolicy \"minChars=12 maxFailedLoginAttempts=10\""),
        ),
        LINUX: (
            N_("Install the quality module: sudo apt install libpam-pwquality, then set minlen = 12 in /etc/security/pwquality.conf"),
            N_("Turn on the lockout: add pam_faillock to /etc/pam.d/common-auth (see man pam_faillock) and set deny = 10 in /etc/security/faillock.conf"),
        ),
    },
    references=(ref.CNIL_AUTH, ref.ANSSI_ACCOUNTS, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:signinoptions", MACOS: "x-apple.systempreferences:com.apple.Users-Groups-Settings.extension"},
)
def password_policy(host: Host) -> Outcome:
    return per_platform(host, _windows_policy, _macos_policy, _linux_policy)


def parse_inf(text: str) -> dict[str, dict[str, str]]:
    """secedit export: {section: {key: value}} (keys as written)."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.replace("\x00", "").splitlines():
        line = raw.strip().lstrip("\ufeff")
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif current is not None and "=" in line and not line.startswith(";"):
            key, _, value = line.partition("=")
            current[key.strip()] = value.strip()
    return sections


def _int(value: str | None) -> int | None:
    return ascii_int(value)


def _windows_policy(host: Host) -> Outcome:
    if not host.is_admin():
        return skipped(N_("Needs administrator rights: run gp_guard as an administrator to check this."))
    result = host.powershell(SECEDIT_SCRIPT)
    access = parse_inf(result.stdout).get("System Access", {})
    length, lockout = _int(access.get("MinimumPasswordLength")), _int(access.get("LockoutBadCount"))
    if length is None:
        return errored(N_("The password policy could not be read: {detail}"), detail=(result.stderr or result.stdout).strip()[:200] or "secedit")
    evidence = [
        Evidence("secedit /export [System Access] MinimumPasswordLength", str(length)),
        Evidence("secedit /export [System Access] LockoutBadCount", str(lockout)),
    ]
    return policy_outcome(length, lockout, evidence)


def parse_pwpolicy(text: str) -> tuple[int | None, int | None]:
    """(minimum length, maximum failed attempts) from ``pwpolicy -getaccountpolicies``."""
    start = text.find("<?xml")
    if start < 0:
        return None, None
    try:
        data = plistlib.loads(text[start:].encode("utf-8"))
    except Exception:  # noqa: BLE001 - plistlib raises several kinds on garbage
        return None, None
    if not isinstance(data, dict):
        return None, None
    lengths = []
    for policy in data.get("policyCategoryPasswordContent", []) or []:
        content = policy.get("policyContent", "") if isinstance(policy, dict) else ""
        match = re.search(r"matches\s+'\.\{([0-9]+),", str(content))
        if match:
            lengths.append(int(match.group(1)))
        params = policy.get("policyParameters", {}) if isinstance(policy, dict) else {}
        if isinstance(params, dict) and isinstance(params.get("minimumLength"), int):
            lengths.append(params["minimumLength"])
    attempts = []
    for policy in data.get("policyCategoryAuthentication", []) or []:
        params = policy.get("policyParameters", {}) if isinstance(policy, dict) else {}
        value = params.get("policyAttributeMaximumFailedAuthentications") if isinstance(params, dict) else None
        if isinstance(value, int):
            attempts.append(value)
    return (max(lengths) if lengths else None), (min(attempts) if attempts else None)


def _macos_policy(host: Host) -> Outcome:
    result = host.run(["pwpolicy", "-getaccountpolicies"])
    length, lockout = parse_pwpolicy(result.stdout)
    if "<?xml" not in result.stdout and not result.ok:
        return errored(N_("The password policy could not be read: {detail}"), detail=(result.stderr or result.stdout).strip()[:200])
    evidence = [
        Evidence("pwpolicy -getaccountpolicies: minimum length", str(length) if length is not None else "none"),
        Evidence("pwpolicy -getaccountpolicies: maximum failed attempts", str(lockout) if lockout is not None else "none"),
    ]
    return policy_outcome(length, lockout, evidence)


def _pam_lines(text: str, kind: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if re.match(rf"^\s*-?{kind}\s", line)]


def _arg(line: str, name: str) -> int | None:
    match = re.search(rf"\b{name}\s*=\s*([0-9]+)", line)
    return int(match.group(1)) if match else None


def _conf_value(text: str, name: str) -> int | None:
    value = None
    for line in text.splitlines():
        match = re.match(rf"^\s*{name}\s*=\s*([0-9]+)", line)
        if match:
            value = int(match.group(1))
    return value


def _linux_policy(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    auth: list[str] = []
    password: list[str] = []
    for path in PAM_FILES:
        text = host.read_text(path)
        if text is not None:
            auth += _pam_lines(text, "auth")
            password += _pam_lines(text, "password")
    if not auth and not password:
        return errored(N_("The password policy could not be read: {detail}"), detail="no PAM configuration in /etc/pam.d")
    lockout = None
    for line in auth:
        if "pam_faillock.so" in line or "pam_tally2.so" in line:
            conf = _conf_value(host.read_text(FAILLOCK_CONF) or "", "deny") if "pam_faillock.so" in line else None
            deny = _arg(line, "deny") or conf or 3  # pam_faillock and pam_tally2 default
            lockout = deny if lockout is None else min(lockout, deny)
            evidence.append(Evidence("pam auth", f"{line} (deny={deny})"))
    if lockout is None:
        evidence.append(Evidence("pam auth", "no pam_faillock or pam_tally2: no lockout"))
    length = None
    for line in password:
        if "pam_pwquality.so" in line or "pam_cracklib.so" in line:
            conf_text = host.read_text(PWQUALITY_CONF) or ""
            for name in host.list_dir(PWQUALITY_DIR) or []:
                conf_text += "\n" + (host.read_text(f"{PWQUALITY_DIR}/{name}") or "")
            value = _arg(line, "minlen") or _conf_value(conf_text, "minlen") or (8 if "pwquality" in line else 9)
        elif "pam_unix.so" in line:
            value = _arg(line, "minlen") or 6  # pam_unix's default minimum
        else:
            continue
        evidence.append(Evidence("pam password", f"{line} (minimum length {value})"))
        length = max(length or 0, value)
    return policy_outcome(length, lockout, evidence)
