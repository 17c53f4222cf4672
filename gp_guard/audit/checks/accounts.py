"""Account checks: guest account (ACC-03), accounts without a password (ACC-04), shared or
generic accounts (ACC-06).

Windows accounts are identified by SID (the guest account is the one whose SID ends in -501,
whatever its localized name, e.g. "Invité"), never by name. ACC-05 and ACC-08 live in
account_policy.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass

from gp_guard.audit import references as ref
from gp_guard.audit.checks.parsing import ascii_int
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, errored, failed, passed, warned
from gp_guard.audit.registry import check
from gp_guard.host import LINUX, MACOS, WINDOWS, Host
from gp_guard.i18n import N_

GET_LOCAL_USER = "Get-LocalUser | ConvertTo-Json"
LSA_KEY = r"HKLM\SYSTEM\CurrentControlSet\Control\Lsa"
LOGINWINDOW = "/Library/Preferences/com.apple.loginwindow"
# Where LightDM reads its configuration, in load order (a later file wins).
LIGHTDM_DIRS = (
    "/usr/share/lightdm/lightdm.conf.d",
    "/usr/local/share/lightdm/lightdm.conf.d",
    "/etc/xdg/lightdm/lightdm.conf.d",
    "/etc/lightdm/lightdm.conf.d",
)
LIGHTDM_MAIN = "/etc/lightdm/lightdm.conf"
GUEST_SCRIPTS = ("/usr/sbin/guest-account", "/usr/bin/guest-account", "/usr/share/lightdm/guest-session/setup.sh")
# Windows built-in accounts that are not people: DefaultAccount (-503), WDAGUtilityAccount (-504).
_SYSTEM_RIDS = ("-503", "-504")
_NO_LOGIN_SHELLS = ("nologin", "false", "sync", "shutdown", "halt")


class UnreadableOutput(Exception):
    """A tool answered something this module cannot interpret."""


@dataclass(frozen=True)
class Account:
    name: str
    enabled: bool = True
    sid: str = ""
    uid: int | None = None
    password_required: bool | None = None
    last_logon: str = ""

    def describe(self) -> str:
        parts = [self.name]
        if self.sid:
            parts.append(self.sid)
        if self.uid is not None:
            parts.append(f"uid={self.uid}")
        parts.append("enabled" if self.enabled else "disabled")
        if self.password_required is not None:
            parts.append(f"PasswordRequired={self.password_required}")
        if self.last_logon:
            parts.append(f"LastLogon={self.last_logon}")
        return " ".join(parts)


# -- Windows: Get-LocalUser ------------------------------------------------------------------

def windows_accounts(host: Host) -> list[Account]:
    """Local accounts from ``Get-LocalUser | ConvertTo-Json`` (works without admin rights)."""
    result = host.powershell(GET_LOCAL_USER)
    if not result.ok:
        raise UnreadableOutput((result.stderr or result.stdout).strip()[:200] or f"exit code {result.returncode}")
    return parse_local_users(result.stdout)


def parse_local_users(text: str) -> list[Account]:
    text = text.strip().lstrip("\ufeff")
    if not text:
        raise UnreadableOutput("empty output")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UnreadableOutput(f"not JSON: {exc}") from None
    if isinstance(data, dict):  # one account only: ConvertTo-Json gives an object, not a list
        data = [data]
    if not isinstance(data, list):
        raise UnreadableOutput("unexpected JSON")
    accounts = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
            raise UnreadableOutput("an account without a name")
        sid = item.get("SID")
        if isinstance(sid, dict):  # Windows PowerShell 5.1 serialises the SecurityIdentifier object
            sid = sid.get("Value")
        required = item.get("PasswordRequired")
        accounts.append(
            Account(
                name=item["Name"],
                enabled=item.get("Enabled") is True,
                sid=sid if isinstance(sid, str) else "",
                password_required=required if isinstance(required, bool) else None,
                last_logon=_json_date(item.get("LastLogon")),
            )
        )
    return accounts


def _json_date(value: object) -> str:
    """'\\/Date(1605771872777)\\/' (PowerShell 5.1) or an ISO string (PowerShell 7) -> ISO date."""
    if not isinstance(value, str) or not value:
        return ""
    match = re.search(r"Date\((-?[0-9]+)", value)
    if match:
        try:
            return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, dt.UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    return value[:10]


# -- macOS and Linux account lists -----------------------------------------------------------

def macos_accounts(host: Host) -> list[Account]:
    """People's accounts: ``dscl . list /Users UniqueID``, UID >= 500, no leading underscore."""
    result = host.run(["dscl", ".", "list", "/Users", "UniqueID"])
    if not result.ok:
        raise UnreadableOutput((result.stderr or result.stdout).strip()[:200] or f"exit code {result.returncode}")
    accounts = []
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) != 2 or not re.fullmatch(r"-?[0-9]+", parts[1]):
            continue
        name, uid = parts[0], int(parts[1])
        if uid >= 500 and not name.startswith("_"):
            accounts.append(Account(name=name, uid=uid))
    return accounts


def parse_passwd(text: str) -> list[tuple[str, str, int, str]]:
    """(name, password field, uid, shell) of each well-formed /etc/passwd line."""
    rows = []
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) < 7 or not fields[0] or fields[0].startswith(("#", "+", "-")):
            continue
        uid = ascii_int(fields[2])
        if uid is None or fields[2] != fields[2].strip():
            continue
        rows.append((fields[0], fields[1], uid, fields[6].strip()))
    return rows


def linux_accounts(host: Host) -> list[Account]:
    """People's accounts in /etc/passwd: UID >= 1000 (not nobody) with a login shell."""
    text = host.read_text("/etc/passwd")
    if text is None:
        raise UnreadableOutput("/etc/passwd not found")
    return [
        Account(name=name, uid=uid)
        for name, _pw, uid, shell in parse_passwd(text)
        if 1000 <= uid < 65534 and shell.rsplit("/", 1)[-1] not in _NO_LOGIN_SHELLS
    ]


# -- ACC-03 guest account ---------------------------------------------------------------------

@check(
    "ACC-03",
    area=Area.ACCOUNTS,
    severity=Severity.MEDIUM,
    title=N_("The guest account is turned off"),
    problem=N_("The guest account is on: anyone can use this computer without a password"),
    why=N_("A guest account lets anyone sitting at this computer open a session without a password. From there they can browse shared folders, plug in a USB stick or reach the practice network, and nothing records who they were."),
    fix={
        WINDOWS: (
            N_("Right-click the Start button and open Computer Management > System Tools > Local Users and Groups > Users."),
            N_("Double-click the guest account (its name may be 'Guest' or 'Invité'), tick 'Account is disabled' and click OK."),
            N_("On Windows Home, which has no such console, open Terminal (Admin) and run: net user Guest /active:no (on a French Windows: net user Invité /active:no)."),
        ),
        MACOS: (
            N_("Open System Settings > Users & Groups."),
            N_("Click the info button next to 'Guest User' and turn off 'Allow guests to log in to this computer'."),
        ),
        LINUX: (
            N_("Open a terminal and create the file /etc/lightdm/lightdm.conf.d/50-no-guest.conf with these two lines: [Seat:*] and allow-guest=false"),
            N_("Restart the computer and check that the login screen no longer offers a guest session."),
        ),
    },
    references=(ref.ANSSI_ACCOUNTS, ref.CNIL_AUTH, ref.CIS_WINDOWS, ref.CIS_MACOS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:otherusers", MACOS: "x-apple.systempreferences:com.apple.Users-Groups-Settings.extension"},
)
def guest_account(host: Host) -> Outcome:
    try:
        if host.platform == WINDOWS:
            return _windows_guest(host)
        if host.platform == MACOS:
            return _macos_guest(host)
        return _linux_guest(host)
    except UnreadableOutput as exc:
        return errored(N_("The list of accounts could not be read: {detail}"), detail=str(exc))


def _windows_guest(host: Host) -> Outcome:
    accounts = windows_accounts(host)
    guests = [a for a in accounts if a.sid.endswith("-501")]
    if not guests:
        return passed(N_("This computer has no guest account."), [Evidence(GET_LOCAL_USER, "no SID ending in -501")])
    evidence = [Evidence(GET_LOCAL_USER, g.describe()) for g in guests]
    enabled = [g.name for g in guests if g.enabled]
    if enabled:
        return failed(N_("The guest account ({name}) is enabled: anyone can open a session on this computer."), evidence, name=", ".join(enabled))
    return passed(N_("The guest account is disabled."), evidence)


def _macos_guest(host: Host) -> Outcome:
    argv = ["defaults", "read", LOGINWINDOW, "GuestEnabled"]
    result = host.run(argv)
    value = result.stdout.strip()
    source = " ".join(argv)
    if not result.ok:
        if "does not exist" in result.stderr:  # never set: macOS leaves the guest user off
            return passed(N_("The guest user is turned off."), [Evidence(source, "not set (off by default)")])
        raise UnreadableOutput(result.stderr.strip()[:200] or f"exit code {result.returncode}")
    if value in ("1", "true", "YES"):
        return failed(N_("The guest user is turned on: anyone can log in to this Mac without a password."), [Evidence(source, value)])
    if value in ("0", "false", "NO"):
        return passed(N_("The guest user is turned off."), [Evidence(source, value)])
    raise UnreadableOutput(value[:200])


def lightdm_settings(host: Host) -> list[tuple[str, str]]:
    """(file, allow-guest value) for every allow-guest line of the seat sections, in load order."""
    files: list[str] = []
    for folder in LIGHTDM_DIRS:
        names = host.list_dir(folder) or []
        files.extend(f"{folder}/{n}" for n in sorted(names) if n.endswith(".conf"))
    files.append(LIGHTDM_MAIN)
    found = []
    for path in files:
        text = host.read_text(path)
        if text is None:
            continue
        section = ""
        for raw in text.splitlines():
            line = raw.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1].strip()
            elif (section.startswith("Seat") or section == "SeatDefaults") and "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                if key.strip() == "allow-guest":
                    found.append((path, value.strip().lower()))
    return found


def _linux_guest(host: Host) -> Outcome:
    installed = host.exists("/usr/sbin/lightdm") or host.exists("/etc/lightdm")
    if not installed:
        return passed(N_("No login screen offering a guest session (LightDM) is installed."), [Evidence("/usr/sbin/lightdm, /etc/lightdm", "absent")])
    settings = lightdm_settings(host)
    evidence = [Evidence(path, f"allow-guest={value}") for path, value in settings]
    allowed = settings[-1][1] == "true" if settings else True  # LightDM's built-in default is true
    if not settings:
        evidence.append(Evidence("lightdm", "allow-guest not set (LightDM default: true)"))
    scripts = [p for p in GUEST_SCRIPTS if host.exists(p)]
    evidence.append(Evidence("guest-account script", ", ".join(scripts) or "absent"))
    if allowed and scripts:
        return failed(N_("The login screen offers a guest session: anyone can use this computer without a password."), evidence)
    if allowed:
        return passed(N_("LightDM allows guests, but no guest session is installed, so none can start."), evidence)
    return passed(N_("The login screen offers no guest session."), evidence)


# -- ACC-04 accounts without a password -------------------------------------------------------

@check(
    "ACC-04",
    area=Area.ACCOUNTS,
    severity=Severity.CRITICAL,
    title=N_("Every account has a password"),
    problem=N_("An account has no password: anyone can open it and read the patient files"),
    why=N_("An account without a password opens the computer, and every patient file on it, to anyone who knows or guesses the account name, at the keyboard and sometimes over the network. It is also what a burglar or a visitor tries first."),
    fix={
        WINDOWS: (
            N_("Open Settings > Accounts > Sign-in options and give each account a password (a long passphrase is easiest to remember)."),
            N_("For other accounts: right-click the Start button > Computer Management > Local Users and Groups > Users, right-click the account > Set Password."),
            N_("Make sure 'Accounts: Limit local account use of blank passwords to console logon only' is Enabled: run secpol.msc > Local Policies > Security Options (on Windows Home, ask your IT provider)."),
        ),
        LINUX: (
            N_("Open a terminal and give each listed account a password: sudo passwd NAME"),
            N_("Or lock the account if nobody uses it: sudo passwd -l NAME"),
        ),
    },
    platforms=(WINDOWS, LINUX),
    references=(ref.CNIL_AUTH, ref.ANSSI_ACCOUNTS, ref.CIS_WINDOWS, ref.CIS_LINUX),
    settings={WINDOWS: "ms-settings:signinoptions"},
)
def accounts_without_password(host: Host) -> Outcome:
    try:
        if host.platform == WINDOWS:
            return _windows_no_password(host)
        return _linux_no_password(host)
    except UnreadableOutput as exc:
        return errored(N_("The list of accounts could not be read: {detail}"), detail=str(exc))


def _windows_no_password(host: Host) -> Outcome:
    accounts = windows_accounts(host)
    limit = host.reg_value(LSA_KEY, "LimitBlankPasswordUse")
    limit_value = limit.value if limit is not None else 1  # absent: Windows default is enabled
    evidence = [Evidence(rf"{LSA_KEY}\LimitBlankPasswordUse", str(limit.value) if limit is not None else "absent (default 1)")]
    optional = [a for a in accounts if a.enabled and a.password_required is False and not a.sid.endswith(_SYSTEM_RIDS)]
    evidence += [Evidence(GET_LOCAL_USER, a.describe()) for a in optional]
    names = ", ".join(a.name for a in optional)
    if limit_value == 0:
        return failed(N_("Windows lets accounts with an empty password be used over the network (LimitBlankPasswordUse is 0)."), evidence)
    if optional:
        return warned(N_("These enabled accounts are allowed to have an empty password: {names}. Windows does not say whether they actually have one without trying to log in; check that each has a password."), evidence, names=names)
    return passed(N_("Every enabled account must have a password."), evidence)


def parse_shadow_empty(text: str) -> list[str]:
    """Names of the /etc/shadow entries whose password field is empty (login without password)."""
    names = []
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 2 and fields[0] and not fields[0].startswith("#") and fields[1] == "":
            names.append(fields[0])
    return names


def _linux_no_password(host: Host) -> Outcome:
    shadow = host.read_text("/etc/shadow")  # NeedsAdmin without root: the runner reports skipped
    passwd = host.read_text("/etc/passwd") or ""
    if shadow is None:
        raise UnreadableOutput("/etc/shadow not found")
    empty = parse_shadow_empty(shadow)
    empty += [name for name, pw, _uid, _sh in parse_passwd(passwd) if pw == "" and name not in empty]
    evidence = [Evidence("/etc/shadow", f"{name}: empty password field") for name in empty]
    nullok = [p for p in ("/etc/pam.d/common-auth", "/etc/pam.d/system-auth") if re.search(r"^\s*auth\b.*\bnullok\b", host.read_text(p) or "", re.M)]
    if nullok:
        evidence.append(Evidence(", ".join(nullok), "nullok: PAM accepts empty passwords"))
    if empty:
        return failed(N_("These accounts have no password: {names}."), evidence, names=", ".join(empty))
    evidence.append(Evidence("/etc/shadow", "no empty password field"))
    return passed(N_("Every account has a password or is locked."), evidence)


# -- ACC-06 shared or generic accounts --------------------------------------------------------

GENERIC_NAMES = frozenset({
    "cabinet", "cabinetmedical", "secretariat", "secretaire", "accueil", "medecin", "medecins",
    "docteur", "doctor", "remplacant", "remplacante", "remplacement", "stagiaire", "interne",
    "admin", "administrateur", "administrator", "user", "users", "utilisateur", "invite", "guest",
    "test", "poste", "consultation", "commun", "partage", "shared", "public", "standard",
})


def is_generic(name: str) -> bool:
    """True for names that say a role or a place rather than a person ("Secrétariat", "user2")."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)  # CabinetMedical -> Cabinet Medical
    plain = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode().lower()
    tokens = [re.sub(r"[0-9]+$", "", t) for t in re.split(r"[^a-z0-9]+", plain) if t]
    collapsed = re.sub(r"[0-9]+$", "", "".join(tokens))
    return collapsed in GENERIC_NAMES or any(t in GENERIC_NAMES for t in tokens)


@check(
    "ACC-06",
    area=Area.ACCOUNTS,
    severity=Severity.MEDIUM,
    title=N_("Each person has a named account"),
    problem=N_("Several people share one account: nobody can tell who did what"),
    why=N_("When several people share one account ('cabinet', 'secretariat', 'remplacant'...), nobody can tell afterwards who opened which patient file, a departing colleague keeps the password, and one leaked password opens everything. The CNIL fined Dedalus Biologie 1.5 million euros in 2022, partly for shared accounts."),
    fix={
        WINDOWS: (
            N_("Open Settings > Accounts > Other users and add one account per person (doctor, secretary, locum, intern)."),
            N_("Give each person their own password and ask them to use only their account."),
            N_("Then disable the shared account: right-click the Start button > Computer Management > Local Users and Groups > Users, double-click it, tick 'Account is disabled'."),
        ),
        MACOS: (
            N_("Open System Settings > Users & Groups and click 'Add User…' for each person."),
            N_("Once everyone uses their own account, delete the shared one (Users & Groups > info button > Delete User), keeping its files if needed."),
        ),
        LINUX: (
            N_("Create one account per person: sudo adduser FIRSTNAME.LASTNAME"),
            N_("Then lock the shared account: sudo usermod -L NAME (or remove it: sudo deluser NAME)."),
        ),
    },
    references=(ref.ANSSI_ACCOUNTS, ref.CNIL_ACCESS, ref.CNIL_AUTH, ref.CASE_2022),
    settings={WINDOWS: "ms-settings:otherusers", MACOS: "x-apple.systempreferences:com.apple.Users-Groups-Settings.extension"},
    cnil_case="2022-dedalus",
)
def generic_accounts(host: Host) -> Outcome:
    try:
        if host.platform == WINDOWS:
            people = [a for a in windows_accounts(host) if a.enabled and not a.sid.endswith((*_SYSTEM_RIDS, "-501"))]
            source = GET_LOCAL_USER
        elif host.platform == MACOS:
            people, source = macos_accounts(host), "dscl . list /Users UniqueID"
        else:
            people, source = linux_accounts(host), "/etc/passwd"
    except UnreadableOutput as exc:
        return errored(N_("The list of accounts could not be read: {detail}"), detail=str(exc))
    evidence = [Evidence(source, a.describe()) for a in people]
    generic = [a.name for a in people if is_generic(a.name)]
    if generic:
        return failed(N_("These accounts look shared or generic: {names}. Each person should have their own account."), evidence, names=", ".join(generic))
    if not evidence:
        evidence = [Evidence(source, "no personal account found")]
    return passed(N_("Every account on this computer carries a personal name ({count} accounts checked)."), evidence, count=len(people))

