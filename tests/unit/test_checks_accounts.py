"""ACC-03, ACC-04, ACC-05, ACC-06, ACC-08 on Linux, live on this machine, plus parser edge cases.

Live tests read the real files and run the real tools of this machine. Where a condition cannot
be created on the machine itself without harming it (a LightDM guest session, a PAM lockout), the
real configuration files are written under a temporary root and read through ``RootedHost``, a
``LocalHost`` that looks for absolute paths under that root. Throw-away users are created with
useradd and removed in the fixture's teardown.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gp_guard.audit.checks import account_policy, accounts, console_user
from gp_guard.audit.model import Finding, Status
from gp_guard.audit.registry import all_checks
from gp_guard.host import LINUX, LocalHost
from gp_guard.host.recorded import RecordedHost
from gp_guard.i18n import set_language
from tests.helpers import HOSTS, run_check

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="live Linux test")
needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (useradd, /etc/shadow)")


class RootedHost(LocalHost):
    """This machine, but absolute file paths are looked up under ``root`` (real files, real reads)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.platform = LINUX
        self.root = root

    def _map(self, path: str) -> str:
        return str(self.root / path.lstrip("/"))

    def read_text(self, path: str) -> str | None:
        return super().read_text(self._map(path))

    def list_dir(self, path: str) -> list[str] | None:
        return super().list_dir(self._map(path))

    def exists(self, path: str) -> bool:
        return super().exists(self._map(path))


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def values(outcome) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f"{e.source}: {e.value}" for e in outcome.evidence)


@pytest.fixture
def throwaway_user():
    """Create real local users for one test; all of them are deleted afterwards."""
    if shutil.which("useradd") is None:
        pytest.skip("useradd is not installed")
    created: list[str] = []

    def make(name: str, *extra: str) -> str:
        subprocess.run(["useradd", "-M", "-s", "/bin/bash", *extra, name], check=True, capture_output=True)
        created.append(name)
        return name

    yield make
    for name in created:
        subprocess.run(["userdel", name], check=False, capture_output=True)


# -- ACC-03 guest session ---------------------------------------------------------------------

@linux_only
def test_acc03_live_machine_matches_what_is_installed():
    outcome = run_check("ACC-03", LocalHost())
    installed = os.path.exists("/usr/sbin/lightdm") or os.path.exists("/etc/lightdm")
    if not installed:
        assert outcome.status == Status.PASS
        assert "absent" in values(outcome)
    else:
        assert outcome.status in (Status.PASS, Status.FAIL)
        assert "guest-account script" in values(outcome)


@linux_only
def test_acc03_lightdm_guest_session_fails(tmp_path):
    write(tmp_path, "/etc/lightdm/lightdm.conf.d/50-guest.conf", "[Seat:*]\nallow-guest=true\n")
    write(tmp_path, "/usr/sbin/guest-account", "#!/bin/sh\n")
    outcome = run_check("ACC-03", RootedHost(tmp_path))
    assert outcome.status == Status.FAIL
    assert "/etc/lightdm/lightdm.conf.d/50-guest.conf: allow-guest=true" in values(outcome)
    assert "/usr/sbin/guest-account" in values(outcome)


@linux_only
def test_acc03_later_lightdm_file_wins(tmp_path):
    write(tmp_path, "/usr/share/lightdm/lightdm.conf.d/50-ubuntu.conf", "[Seat:*]\nallow-guest=true\n")
    write(tmp_path, "/etc/lightdm/lightdm.conf", "[Seat:*]\n# allow-guest=true\nallow-guest=false\n")
    write(tmp_path, "/usr/sbin/guest-account", "#!/bin/sh\n")
    outcome = run_check("ACC-03", RootedHost(tmp_path))
    assert outcome.status == Status.PASS
    assert outcome.message == "The login screen offers no guest session."
    assert "/etc/lightdm/lightdm.conf: allow-guest=false" in values(outcome)


@linux_only
def test_acc03_lightdm_default_without_guest_script_passes(tmp_path):
    write(tmp_path, "/etc/lightdm/lightdm.conf", "[Seat:*]\ngreeter-session=lightdm-gtk-greeter\n[garbage\n=\n")
    outcome = run_check("ACC-03", RootedHost(tmp_path))
    assert outcome.status == Status.PASS
    assert "LightDM default: true" in values(outcome)
    assert "guest-account script: absent" in values(outcome)


# -- ACC-04 accounts without a password -------------------------------------------------------

@linux_only
@needs_root
def test_acc04_live_shadow(throwaway_user):
    outcome = run_check("ACC-04", LocalHost())
    empty = [line.split(":")[0] for line in Path("/etc/shadow").read_text().splitlines() if line.split(":")[1:2] == [""]]
    assert outcome.status == (Status.FAIL if empty else Status.PASS)
    name = throwaway_user(f"gpgnopw{os.getpid()}")
    subprocess.run(["passwd", "-d", name], check=True, capture_output=True)  # really empty password field
    outcome = run_check("ACC-04", LocalHost())
    assert outcome.status == Status.FAIL
    assert name in outcome.params["names"]
    assert f"/etc/shadow: {name}: empty password field" in values(outcome)


@linux_only
@needs_root
def test_acc04_without_root_is_skipped():
    """A real unprivileged read of /etc/shadow (forked child with euid nobody) gives 'skipped'."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = "crash"
        try:
            os.close(read_end)
            os.setegid(65534)
            os.seteuid(65534)
            code = str(run_check("ACC-04", LocalHost()).status)
        finally:
            os.write(write_end, code.encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        status = pipe.read()
    os.waitpid(pid, 0)
    assert status == "skipped"


@linux_only
def test_acc04_shadow_copy_with_nullok(tmp_path):
    write(tmp_path, "/etc/shadow", "root:$y$j9T$abc$def:19000:0:99999:7:::\nsecretariat::19000:0:99999:7:::\nold:!:19000::::::\n")
    write(tmp_path, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nlegacy::1001:1001::/home/legacy:/bin/sh\n")
    write(tmp_path, "/etc/pam.d/common-auth", "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n")
    outcome = run_check("ACC-04", RootedHost(tmp_path))
    assert outcome.status == Status.FAIL
    assert outcome.params["names"] == "secretariat, legacy"
    assert "nullok" in values(outcome)


@linux_only
def test_acc04_garbage_shadow_is_clean(tmp_path):
    write(tmp_path, "/etc/shadow", "\x00\x01garbage\n:::\n#comment::\n")
    outcome = run_check("ACC-04", RootedHost(tmp_path))
    assert outcome.status == Status.PASS
    assert "no empty password field" in values(outcome)
    assert accounts.parse_shadow_empty("a::1\nb:*:1\n\n") == ["a"]


# -- ACC-05 daily account is an administrator -------------------------------------------------

@linux_only
@needs_root
def test_acc05_live_standard_then_sudo_user(throwaway_user, monkeypatch):
    name = throwaway_user(f"gpgdaily{os.getpid()}")
    monkeypatch.setenv("SUDO_USER", name)  # as when gp_guard is started with sudo by that user
    outcome = run_check("ACC-05", LocalHost())
    assert outcome.status == Status.PASS, values(outcome)
    assert f"id -nG {name}" in values(outcome)
    subprocess.run(["usermod", "-aG", "sudo", name], check=True, capture_output=True)
    outcome = run_check("ACC-05", LocalHost())
    assert outcome.status == Status.FAIL
    assert outcome.params == {"user": name, "groups": "sudo"}
    assert "sudo" in values(outcome).split(f"id -nG {name}: ")[1]


@linux_only
@needs_root
def test_acc05_root_session_fails(monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    outcome = run_check("ACC-05", LocalHost())
    assert outcome.status == Status.FAIL
    assert "root" in values(outcome)


@linux_only
def test_acc05_unknown_user_is_an_error_not_a_crash(monkeypatch):
    monkeypatch.setenv("SUDO_USER", "no-such-user-gpg")
    outcome = run_check("ACC-05", LocalHost())
    assert outcome.status == Status.ERROR
    assert "no-such-user-gpg" in outcome.params["detail"]


def acc05_recs(console: str | None, members: str | None, members_rc: int = 0,
               adsi: str = "", adsi_rc: int = 1) -> dict[str, str]:
    """Recordings for ACC-05 elevated; ADSI (the fallback when Get-LocalGroupMember fails) fails
    unless told otherwise."""
    import json

    recs = {}
    for name, script, body, rc in (("console", console_user.CONSOLE_USER_SCRIPT, console, 0),
                                   ("members", account_policy.ADMIN_MEMBERS_SCRIPT, members, members_rc),
                                   ("adsi", account_policy.ADSI_MEMBERS_SCRIPT, adsi, adsi_rc)):
        if body is not None:
            argv = json.dumps(["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script])
            recs[name] = f"kind: command\nargv: {argv}\nrc: {rc}\nsource: test\n---\n{body}"
    return recs


# The real minified output published with a NinjaRMM script (tests/fixtures/hosts/*/ACC-05-admin-members.rec).
REAL_MEMBERS = ('[{"Name":"WP25-P14SG5I\\\\Administrator","SID":"S-1-5-21-98111195-3049186222-2150619400-500","PrincipalSource":1},'
                '{"Name":"WP25-P14SG5I\\\\liam","SID":"S-1-5-21-98111195-3049186222-2150619400-1000","PrincipalSource":1}]')


def test_acc05_member_and_console_parsers():
    assert account_policy.parse_group_members(REAL_MEMBERS) == [
        ("WP25-P14SG5I\\Administrator", "S-1-5-21-98111195-3049186222-2150619400-500"),
        ("WP25-P14SG5I\\liam", "S-1-5-21-98111195-3049186222-2150619400-1000"),
    ]
    # Default depth: the SID is an object; one member alone is printed without the list.
    single = '{"Name": "PC\\\\bob", "SID": {"BinaryLength": 28, "AccountDomainSid": "S-1-5-21-1-2-3", "Value": "S-1-5-21-1-2-3-1001"}, "PrincipalSource": 1}'
    assert account_policy.parse_group_members(single) == [("PC\\bob", "S-1-5-21-1-2-3-1001")]

    def parse(text: str) -> console_user.ConsoleUser:
        return console_user.parse_console_user(text)

    def pair(text: str) -> tuple[str | None, str | None]:
        found = parse(text)
        return found.name, found.sid

    assert pair('{"UserName":"CABINET-PC\\\\DrMartin","SID":"S-1-5-21-1-2-3-1001"}') == ("CABINET-PC\\DrMartin", "S-1-5-21-1-2-3-1001")
    assert parse('{"UserName":"AzureAD\\\\JDupont","SID":"S-1-12-1-1-2-3-4"}').sid == "S-1-12-1-1-2-3-4"
    assert pair('{"UserName":"PC\\\\doc","SID":null}') == ("PC\\doc", None)
    # Not a user's SID, or digits that are not ASCII: no SID (the key path would be wrong)
    for sid in ("S-1-5-18", "S-1-5-21-1-2-\u0663", "S-1-5-21-1-2-3-1001 x", ""):
        assert parse(f'{{"UserName":"PC\\\\doc","SID":"{sid}"}}').sid is None, sid
    assert parse('{"UserName":null,"SID":null}').name is None
    for garbage in ("", "<html>", "[1, 2", "Get-CimInstance : Access denied", "42", "[7]"):
        assert pair(garbage) == (None, None)
        if garbage:
            assert account_policy.parse_group_members(garbage) is None


def test_acc05_recorded_windows_hosts():
    hardened = run_check("ACC-05", RecordedHost(HOSTS / "win11_fr_hardened"))
    assert hardened.status == Status.PASS
    assert hardened.params == {"user": "CABINET-PC\\DrMartin"}
    weak = run_check("ACC-05", RecordedHost(HOSTS / "win10_fr_weak"))
    assert weak.status == Status.FAIL
    assert weak.params["user"] == "SECRETARIAT\\cabinet"
    assert "SECRETARIAT\\cabinet (S-1-5-21-1627568633-850217724-3435047281-1001)" in values(weak)
    # Not elevated: the session itself is the daily one, whoami /groups answers.
    standard = run_check("ACC-05", RecordedHost(HOSTS / "win11_en_standard_user"))
    assert standard.status == Status.PASS
    assert "whoami /groups /fo csv" in values(standard)


def test_acc05_elevated_console_user_in_the_group_fails_case_insensitively(tmp_path):
    host = make_recorded(tmp_path, "windows", acc05_recs('{"UserName":"wp25-p14sg5i\\\\LIAM"}', REAL_MEMBERS))
    outcome = run_check("ACC-05", host)
    assert outcome.status == Status.FAIL
    assert outcome.params == {"user": "wp25-p14sg5i\\LIAM", "sid": "S-1-5-32-544"}


def test_acc05_everyone_in_administrators_fails(tmp_path):
    members = '[{"Name":"Tout le monde","SID":"S-1-1-0","PrincipalSource":1}]'
    outcome = run_check("ACC-05", make_recorded(tmp_path, "windows", acc05_recs('{"UserName":"PC\\\\doc"}', members)))
    assert outcome.status == Status.FAIL
    assert outcome.params == {"group": "Tout le monde", "user": "PC\\doc"}


def test_acc05_nobody_at_the_console_is_skipped_with_the_reason(tmp_path):
    outcome = run_check("ACC-05", make_recorded(tmp_path, "windows", acc05_recs('{"UserName":null}', REAL_MEMBERS)))
    assert outcome.status == Status.SKIPPED
    assert outcome.message.startswith("Nobody is logged on at this computer's screen")


@pytest.mark.parametrize("body", ["", "<html>", "[1, 2", "42"])
def test_acc05_garbage_members_is_a_warning_not_a_crash(tmp_path, body):
    recs = acc05_recs('{"UserName":"PC\\\\doc"}', body, members_rc=0 if body else 1)
    outcome = run_check("ACC-05", make_recorded(tmp_path, "windows", recs))
    # "" with rc 1: Get-LocalGroupMember failed, as with an unresolvable SID (PowerShell issue #2996)
    assert outcome.status == Status.WARN, outcome
    assert outcome.params == {"user": "PC\\doc"}


def test_acc05_garbage_console_user_is_skipped(tmp_path):
    outcome = run_check("ACC-05", make_recorded(tmp_path, "windows", acc05_recs("<html>", REAL_MEMBERS)))
    assert outcome.status == Status.SKIPPED


# -- ACC-06 shared or generic accounts --------------------------------------------------------

@linux_only
@needs_root
def test_acc06_live_passwd(throwaway_user):
    outcome = run_check("ACC-06", LocalHost())
    people = accounts.linux_accounts(LocalHost())
    expected = Status.FAIL if any(accounts.is_generic(a.name) for a in people) else Status.PASS
    assert outcome.status == expected
    name = throwaway_user(f"accueil{os.getpid()}")
    outcome = run_check("ACC-06", LocalHost())
    assert outcome.status == Status.FAIL
    assert name in outcome.params["names"]
    assert any(e.source == "/etc/passwd" and e.value.startswith(name) for e in outcome.evidence)


@linux_only
def test_acc06_passwd_copy(tmp_path):
    write(tmp_path, "/etc/passwd", "\n".join([
        "root:x:0:0:root:/root:/bin/bash",
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
        "claire.martin:x:1000:1000:Claire Martin:/home/claire.martin:/bin/bash",
        "stagiaire:x:1001:1001::/home/stagiaire:/usr/sbin/nologin",  # cannot log in: ignored
        "broken line",
        "x:x:notanumber:0::/:/bin/sh",
    ]) + "\n")
    outcome = run_check("ACC-06", RootedHost(tmp_path))
    assert outcome.status == Status.PASS
    assert outcome.params == {"count": 1}
    assert values(outcome) == "/etc/passwd: claire.martin uid=1000 enabled"


@pytest.mark.parametrize(("name", "generic"), [
    ("Secrétariat", True), ("CabinetMedical", True), ("cabinet-medical", True), ("user2", True),
    ("Remplaçante", True), ("ACCUEIL", True), ("Administrateur", True), ("stagiaire_2024", True),
    ("DrMartin", False), ("adm-martin", False), ("claire.martin", False), ("Sophie Dupont", False),
    ("", False), ("___", False),
])
def test_generic_names(name, generic):
    assert accounts.is_generic(name) is generic


# -- ACC-08 password and lockout policy -------------------------------------------------------

@linux_only
def test_acc08_live_pam_configuration():
    outcome = run_check("ACC-08", LocalHost())
    auth = "".join(Path(p).read_text() for p in account_policy.PAM_FILES if Path(p).exists())
    assert outcome.status in (Status.PASS, Status.FAIL)
    assert outcome.evidence
    if "pam_faillock" not in auth and "pam_tally2" not in auth:
        assert outcome.status == Status.FAIL
        assert "no pam_faillock or pam_tally2: no lockout" in values(outcome)


@linux_only
def test_acc08_faillock_and_pwquality_pass(tmp_path):
    write(tmp_path, "/etc/pam.d/common-auth", "auth required pam_faillock.so preauth\nauth [success=1 default=ignore] pam_unix.so\n")
    write(tmp_path, "/etc/pam.d/common-password", "password requisite pam_pwquality.so retry=3\npassword [success=1 default=ignore] pam_unix.so obscure use_authtok yescrypt\n")
    write(tmp_path, "/etc/security/faillock.conf", "# deny = 3\ndeny = 5\n")
    write(tmp_path, "/etc/security/pwquality.conf", "# minlen = 8\nminlen = 12\n")
    outcome = run_check("ACC-08", RootedHost(tmp_path))
    assert outcome.status == Status.PASS
    assert outcome.params == {"length": 12, "lockout": 5}


@linux_only
def test_acc08_short_length_with_lockout_fails(tmp_path):
    write(tmp_path, "/etc/pam.d/system-auth", "auth required pam_faillock.so preauth deny=10\npassword sufficient pam_unix.so sha512 minlen=6\n")
    outcome = run_check("ACC-08", RootedHost(tmp_path))
    assert outcome.status == Status.FAIL
    assert outcome.params == {"length": 6}
    assert "deny=10" in values(outcome)


@linux_only
def test_acc08_no_pam_is_an_error(tmp_path):
    outcome = run_check("ACC-08", RootedHost(tmp_path))
    assert outcome.status == Status.ERROR


# -- parsers and recorded edge cases ----------------------------------------------------------

def make_recorded(tmp_path: Path, platform: str, recs: dict[str, str], admin: bool = True) -> RecordedHost:
    (tmp_path / "host.toml").write_text(
        f'platform = "{platform}"\nadmin = {"true" if admin else "false"}\nuser = "u"\nrecorded_at = "2026-01-01T00:00:00+00:00"\n',
        encoding="utf-8",
    )
    for name, text in recs.items():
        (tmp_path / f"{name}.rec").write_text(text, encoding="utf-8")
    return RecordedHost(tmp_path)


def users_rec(body: str, rc: int = 0) -> str:
    argv = '["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", "Get-LocalUser | ConvertTo-Json"]'
    return f"kind: command\nargv: {argv}\nrc: {rc}\nsource: test\n---\n{body}"


@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", '{"Enabled": true}', "<html>"])
def test_windows_garbage_user_list_is_an_error_not_a_crash(tmp_path, body):
    host = make_recorded(tmp_path, "windows", {"users": users_rec(body)})
    for check_id in ("ACC-03", "ACC-04", "ACC-06"):
        outcome = run_check(check_id, host)
        assert outcome.status == Status.ERROR, (check_id, outcome)
        assert outcome.message == "The list of accounts could not be read: {detail}"


def test_windows_single_account_object_and_powershell7_dates(tmp_path):
    body = '{"Name": "Guest", "Enabled": true, "PasswordRequired": false, "SID": "S-1-5-21-1-2-3-501", "LastLogon": "2024-05-01T10:00:00"}'
    host = make_recorded(tmp_path, "windows", {"users": users_rec(body)})
    outcome = run_check("ACC-03", host)
    assert outcome.status == Status.FAIL
    assert "LastLogon=2024-05-01" in values(outcome)


def test_macos_guest_key_absent_is_off(tmp_path):
    rec = ('kind: command\nargv: ["defaults", "read", "/Library/Preferences/com.apple.loginwindow", "GuestEnabled"]\nrc: 1\n'
           "stderr: The domain/default pair of (/Library/Preferences/com.apple.loginwindow, GuestEnabled) does not exist\n"
           "source: test\n---\n")
    outcome = run_check("ACC-03", make_recorded(tmp_path, "macos", {"guest": rec}))
    assert outcome.status == Status.PASS
    assert "not set" in values(outcome)


def test_whoami_garbage_is_an_error(tmp_path):
    rec = 'kind: command\nargv: ["whoami", "/groups", "/fo", "csv"]\nrc: 0\nsource: test\n---\n"unterminated,\x00\n'
    outcome = run_check("ACC-05", make_recorded(tmp_path, "windows", {"w": rec}))
    assert outcome.status == Status.ERROR


def test_policy_parsers_on_garbage():
    assert account_policy.parse_pwpolicy("") == (None, None)
    assert account_policy.parse_pwpolicy("Getting global account policies\n<?xml garbage") == (None, None)
    assert account_policy.parse_inf("\ufeff[System Access]\nMinimumPasswordLength = 14\n;x = 1\n") == {"System Access": {"MinimumPasswordLength": "14"}}
    assert account_policy.parse_inf("M\x00i\x00n\x00") == {}
    assert account_policy.csv_rows('"a","b"\n\n"c"') == [["a", "b"], ["c"]]


def test_secedit_garbage_is_an_error(tmp_path):
    argv = '["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", ' + __import__("json").dumps(account_policy.SECEDIT_SCRIPT) + "]"
    rec = f"kind: command\nargv: {argv}\nrc: 1\nsource: test\n---\nAccès refusé.\n"
    outcome = run_check("ACC-08", make_recorded(tmp_path, "windows", {"s": rec}))
    assert outcome.status == Status.ERROR


def test_messages_render_in_french():
    from tests.helpers import recorded

    check = next(c for c in all_checks() if c.id == "ACC-06")
    outcome = run_check("ACC-06", recorded("win10_fr_weak"))
    set_language("fr")
    finding = Finding(check.meta, outcome, "windows")
    assert finding.message() == "Ces comptes semblent partagés ou génériques : cabinet, Secretariat. Chaque personne devrait avoir son propre compte."
    assert finding.to_dict()["fix"][0].startswith("Ouvrez Paramètres > Comptes > Autres utilisateurs")
    assert finding.to_dict()["cnil_case"] == "2022-dedalus"


def test_windows_password_not_required_is_a_warning(tmp_path):
    body = ('[{"Name": "Accueil", "Enabled": true, "PasswordRequired": false, "SID": {"Value": "S-1-5-21-1-2-3-1001"}},'
            ' {"Name": "DefaultAccount", "Enabled": true, "PasswordRequired": false, "SID": {"Value": "S-1-5-21-1-2-3-503"}}]')
    lsa = ("kind: registry\nkey: HKLM\\SYSTEM\\CurrentControlSet\\Control\\Lsa\nsource: test\n---\n"
           "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Lsa\n    LimitBlankPasswordUse    REG_DWORD    0x1\n")
    outcome = run_check("ACC-04", make_recorded(tmp_path, "windows", {"users": users_rec(body), "lsa": lsa}))
    assert outcome.status == Status.WARN
    assert outcome.params == {"names": "Accueil"}  # DefaultAccount (-503) is a system account
    assert "LimitBlankPasswordUse: 1" in values(outcome)


def test_acc05_french_home_pc_not_elevated_reads_whoami_in_cp850():
    """win11_fr_24h2_home: whoami's French output is stored as the cp850 bytes a French PC writes
    to a pipe; decoded so (as the live path does), the administrator row reads right."""
    from gp_guard.host.recorded import read_recording

    raw = read_recording(HOSTS / "win11_fr_24h2_home" / "ACC-05-whoami-groups.rec").raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    outcome = run_check("ACC-05", RecordedHost(HOSTS / "win11_fr_24h2_home"))
    assert outcome.status == Status.FAIL
    assert outcome.params == {"user": "jbernard", "sid": "S-1-5-32-544"}
    assert "BUILTIN\\Administrateurs,Alias,S-1-5-32-544,Groupe utilisé pour refuser uniquement" in values(outcome)


def test_acc05_members_read_through_adsi_when_get_localgroupmember_fails(tmp_path):
    members = '[{"Name":"PC\\\\doc","SID":"S-1-5-21-1-2-3-1001"},{"Name":"S-1-12-1-9-9-9-9","SID":"S-1-12-1-9-9-9-9"}]'
    recs = acc05_recs('{"UserName":"PC\\\\doc","SID":"S-1-5-21-1-2-3-1001"}', "", members_rc=1, adsi=members, adsi_rc=0)
    outcome = run_check("ACC-05", make_recorded(tmp_path, "windows", recs))
    assert outcome.status == Status.FAIL
    assert "ADSI WinNT://./<S-1-5-32-544> members: PC\\doc (S-1-5-21-1-2-3-1001)" in values(outcome)
