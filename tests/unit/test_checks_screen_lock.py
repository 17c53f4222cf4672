"""ACC-01 and ACC-02 on this Linux machine, for real, and their parsers on odd input.

ACC-01 reads real display-manager configuration files written to a temporary folder (the module's
path constants point there). ACC-02 runs the real ``gsettings`` with GLib's keyfile backend in a
private config folder, so the settings are really written and read back by GLib; KDE's
``kscreenlockerrc`` is a real file in a private home.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from gp_guard.audit.checks import screen_lock
from gp_guard.audit.model import Status
from gp_guard.host import LocalHost
from tests.helpers import run_check


def _evidence(outcome) -> dict[str, str]:
    return {e.source: e.value for e in outcome.evidence}


# == ACC-01 ======================================================================================
@pytest.fixture
def dm_root(tmp_path, monkeypatch):
    """Point every display-manager path into tmp_path; return a writer for config files."""
    root = tmp_path / "etc"
    monkeypatch.setattr(screen_lock, "GDM_CONFIGS", (str(root / "gdm3/custom.conf"),))
    monkeypatch.setattr(screen_lock, "LIGHTDM_CONFIG_DIRS", (str(root / "usr-share-lightdm.conf.d"), str(root / "lightdm/lightdm.conf.d")))
    monkeypatch.setattr(screen_lock, "LIGHTDM_CONFIGS", (str(root / "lightdm/lightdm.conf"),))
    monkeypatch.setattr(screen_lock, "SDDM_CONFIG_DIRS", (str(root / "sddm.conf.d"),))
    monkeypatch.setattr(screen_lock, "SDDM_CONFIGS", (str(root / "sddm.conf"),))

    def write(relative: str, text: str) -> str:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_acc01_is_skipped_without_any_display_manager(dm_root):
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.SKIPPED, outcome


def test_acc01_fails_with_gdm_automatic_login(dm_root):
    path = dm_root("gdm3/custom.conf", "# GDM configuration storage\n\n[daemon]\nAutomaticLoginEnable = true\nAutomaticLogin = docteur\n\n[security]\n")
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params["managers"] == "GDM (docteur)"
    assert _evidence(outcome)[path].startswith("AutomaticLoginEnable=true; AutomaticLogin=docteur")


def test_acc01_passes_with_debian_default_gdm_file(dm_root):
    # Debian's shipped custom.conf: the automatic-login lines are commented out.
    path = dm_root("gdm3/custom.conf", "[daemon]\n# Uncomment the line below to force the login screen to use Xorg\n#WaylandEnable=false\n\n# Enabling automatic login\n#  AutomaticLoginEnable = true\n#  AutomaticLogin = user1\n\n[security]\n\n[xdmcp]\n")
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert _evidence(outcome)[path] == "AutomaticLoginEnable=-; AutomaticLogin=-; TimedLoginEnable=-"


def test_acc01_fails_with_gdm_timed_login(dm_root):
    dm_root("gdm3/custom.conf", "[daemon]\nTimedLoginEnable=True\nTimedLogin=accueil\nTimedLoginDelay=10\n")
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.FAIL
    assert outcome.params["managers"] == "GDM (accueil)"


def test_acc01_lightdm_drop_in_and_override(dm_root):
    drop_in = dm_root("lightdm/lightdm.conf.d/50-autologin.conf", "[Seat:*]\nautologin-user=secretariat\nautologin-user-timeout=0\n")
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params["managers"] == f"LightDM (secretariat, {drop_in})"
    # The main file is read last and wins: an empty autologin-user switches it off.
    dm_root("lightdm/lightdm.conf", "[LightDM]\n[Seat:*]\nautologin-user=\n")
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.PASS, outcome


def test_acc01_fails_with_sddm_autologin(dm_root):
    dm_root("sddm.conf.d/kde_settings.conf", "[Autologin]\nRelogin=false\nSession=plasma\nUser=cabinet\n\n[General]\nHaltCommand=\n")
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params["managers"] == "SDDM (cabinet)"


def test_acc01_survives_garbage_files(dm_root):
    dm_root("gdm3/custom.conf", "\x00\xff[[[daemon\n=====\nAutomaticLoginEnable\n[daemon\n")
    dm_root("sddm.conf", "not an ini file at all")
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert len(outcome.evidence) == 2


def test_acc01_on_this_machine_as_it_is():
    outcome = run_check("ACC-01", LocalHost())
    assert outcome.status in (Status.PASS, Status.FAIL, Status.SKIPPED), outcome


def test_parse_ini_edge_cases():
    assert screen_lock.parse_ini(None) == {"": {}}
    parsed = screen_lock.parse_ini("key=top\n; comment\n[A]\nx = 1 = 2\n[A]\ny=3\n[ B ]\n=novalue\n")
    assert parsed[""] == {"key": "top"}
    assert parsed["A"] == {"x": "1 = 2", "y": "3"}
    assert parsed["B"] == {}


# == ACC-02 ======================================================================================
@pytest.fixture
def gnome(tmp_path, monkeypatch):
    """Real gsettings with GLib's keyfile backend in a private config folder."""
    if shutil.which("gsettings") is None:
        pytest.skip("gsettings is not installed")
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SUDO_USER", raising=False)
    probe = subprocess.run(["gsettings", "get", "org.gnome.desktop.session", "idle-delay"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("the GNOME schemas (gsettings-desktop-schemas) are not installed")

    def set_(schema: str, key: str, value: str) -> None:
        subprocess.run(["gsettings", "set", schema, key, value], check=True, capture_output=True)

    return set_


def test_acc02_gnome_defaults_lock_after_five_minutes(gnome):
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert outcome.params["delay"] == "5 min"
    assert _evidence(outcome)["gsettings get org.gnome.desktop.session idle-delay"] == "300"
    assert _evidence(outcome)["gsettings get org.gnome.desktop.screensaver lock-enabled"] == "true"


def test_acc02_gnome_too_long(gnome):
    gnome("org.gnome.desktop.session", "idle-delay", "900")
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params["delay"] == "15 min"


def test_acc02_gnome_lock_delay_counts(gnome):
    gnome("org.gnome.desktop.session", "idle-delay", "540")
    gnome("org.gnome.desktop.screensaver", "lock-delay", "90")
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params["delay"] == "10 min 30 s"
    assert _evidence(outcome)["gsettings get org.gnome.desktop.screensaver lock-delay"] == "90"


def test_acc02_gnome_blank_without_lock(gnome):
    gnome("org.gnome.desktop.screensaver", "lock-enabled", "false")
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert _evidence(outcome)["gsettings get org.gnome.desktop.screensaver lock-enabled"] == "false"


def test_acc02_gnome_never_blank(gnome):
    gnome("org.gnome.desktop.session", "idle-delay", "0")
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.FAIL, outcome
    assert outcome.message == "The screen never locks by itself."


@pytest.fixture
def no_gnome(tmp_path, monkeypatch):
    """A desktop without GNOME schemas (GLib finds none) and a private home."""
    monkeypatch.setenv("XDG_DATA_DIRS", str(tmp_path / "no-schemas"))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("GSETTINGS_SCHEMA_DIR", raising=False)
    monkeypatch.delenv("SUDO_USER", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


def _kde(home: Path, text: str) -> str:
    path = home / ".config" / "kscreenlockerrc"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_acc02_skipped_without_a_supported_desktop(no_gnome):
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.SKIPPED, outcome


def test_acc02_kde_defaults_pass(no_gnome):
    path = _kde(no_gnome, "[Greeter]\nTheme=org.kde.breeze.desktop\n")
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.PASS, outcome
    assert outcome.params["delay"] == "5 min 05 s"
    assert path in _evidence(outcome)


def test_acc02_kde_too_long_or_off(no_gnome):
    _kde(no_gnome, "[Daemon]\nTimeout=15\n")
    assert run_check("ACC-02", LocalHost()).status == Status.FAIL
    _kde(no_gnome, "[Daemon]\nAutolock=false\nTimeout=5\n")
    outcome = run_check("ACC-02", LocalHost())
    assert outcome.status == Status.FAIL
    assert outcome.message == "The screen never locks by itself."
    _kde(no_gnome, "[Daemon]\nTimeout=garbage\x00\n")
    assert run_check("ACC-02", LocalHost()).status == Status.WARN


def test_parsers_on_odd_input():
    assert screen_lock.parse_gsettings("uint32 300\n") == "300"
    assert screen_lock.parse_gsettings("'quoted'") == "quoted"
    assert screen_lock.parse_gsettings("") == ""
    assert screen_lock.parse_screenlock("2024-11-15 09:58:12.188 sysadminctl[1:2] screenLock delay is immediate") == 0
    assert screen_lock.parse_screenlock("sysadminctl[1:2] screenLock delay is 300 seconds") == 300
    assert screen_lock.parse_screenlock("sysadminctl[1:2] screenLock is off") == -1
    assert screen_lock.parse_screenlock("\x00 garbage") is None
    assert screen_lock.parse_pmset_displaysleep(" displaysleep         10\n") == 10
    assert screen_lock.parse_pmset_displaysleep("Sleep On Power Button 1\n sleep 1") is None


# == Windows decisions on unusual registry states (parsed by the real reg-query reader) ========
POWERCFG_EN = (  # the layout of a real en-US capture (tests/fixtures/variants/*acc02*: its source)
    "Power Scheme GUID: 381b4222-f694-41f0-9685-ff5bb260df2e  (Balanced)\r\n"
    "  GUID Alias: SCHEME_BALANCED\r\n"
    "  Subgroup GUID: 238c9fa8-0aad-41ed-83f4-97be242c8f20  (Sleep)\r\n"
    "    GUID Alias: SUB_SLEEP\r\n"
    "    Power Setting GUID: 29f6c1db-86da-48c5-9fdb-f2b67b1f44da  (Sleep after)\r\n"
    "      GUID Alias: STANDBYIDLE\r\n"
    "      Minimum Possible Setting: 0x00000000\r\n"
    "      Maximum Possible Setting: 0xffffffff\r\n"
    "    Current AC Power Setting Index: 0x{ac:08x}\r\n"
    "    Current DC Power Setting Index: 0x{dc:08x}\r\n\r\n"
)


def _win(tmp_path: Path, reg_output: str, sleep: int = 0, wake_lock: int | None = None) -> object:
    """A recorded Windows with these registry values; powercfg says the PC sleeps after ``sleep``
    seconds (0 = never) and, when ``wake_lock`` is given, whether it asks for the password on wake."""
    import json

    from tests.helpers import LenientHost

    folder = tmp_path / "odd_win"
    folder.mkdir()
    (folder / "host.toml").write_text('platform = "windows"\nadmin = false\nrecorded_at = "2024-01-01T00:00:00+00:00"\n')
    (folder / "reg.rec").write_text(f"kind: registry\nsource: test input\n---\n{reg_output}", encoding="utf-8")
    for name, argv, value in (("sleep", screen_lock.POWERCFG_SLEEP, sleep), ("wake", screen_lock.POWERCFG_WAKE_LOCK, wake_lock)):
        if value is not None:
            (folder / f"{name}.rec").write_text(f"kind: command\nargv: {json.dumps(argv)}\nrc: 0\nsource: test input\n---\n"
                                                + POWERCFG_EN.format(ac=value, dc=value), encoding="utf-8")
    return LenientHost(folder)  # a hand-made folder: what it does not record is absent


def test_acc01_windows_password_left_behind(tmp_path):
    host = _win(tmp_path, "\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon\n"
                          "    AutoAdminLogon    REG_SZ    0\n    DefaultUserName    REG_SZ    accueil\n"
                          "    DefaultPassword    REG_SZ    Secret123\n")
    outcome = run_check("ACC-01", host)
    assert outcome.status == Status.FAIL
    assert "Secret123" not in repr(outcome)  # the password itself never reaches a report


def test_acc02_windows_policy_screen_saver_wins_and_garbage_is_ignored(tmp_path):
    host = _win(tmp_path,
                "\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\n"
                "    InactivityTimeoutSecs    REG_SZ    garbage\n\n"
                "HKEY_CURRENT_USER\\Control Panel\\Desktop\n"
                "    ScreenSaveActive    REG_SZ    1\n    ScreenSaverIsSecure    REG_SZ    1\n    ScreenSaveTimeOut    REG_SZ    300\n\n"
                "HKEY_CURRENT_USER\\Software\\Policies\\Microsoft\\Windows\\Control Panel\\Desktop\n"
                "    ScreenSaveTimeOut    REG_SZ    1200\n")
    outcome = run_check("ACC-02", host)
    assert outcome.status == Status.FAIL, outcome
    assert outcome.params["delay"] == "20 min"


def test_acc02_windows_screen_saver_without_password(tmp_path):
    host = _win(tmp_path, "\nHKEY_CURRENT_USER\\Control Panel\\Desktop\n"
                          "    ScreenSaveActive    REG_SZ    1\n    ScreenSaverIsSecure    REG_SZ    0\n    ScreenSaveTimeOut    REG_SZ    300\n")
    outcome = run_check("ACC-02", host)
    assert outcome.status == Status.FAIL
    assert outcome.message == "The screen saver starts, but does not ask for the password on return."


@pytest.mark.parametrize(("sleep", "wake_lock", "status", "delay"), [
    (300, 1, Status.PASS, "5 min"),   # sleeps after 5 min and asks for the password on wake
    (300, 0, Status.FAIL, None),      # wakes without a password: no lock
    (1800, 1, Status.FAIL, "30 min"),  # the Balanced plan's mains default: too late
    (0, None, Status.FAIL, None),     # never sleeps
])
def test_acc02_windows_sleep_with_sign_in_on_wake_locks(tmp_path, sleep, wake_lock, status, delay):
    host = _win(tmp_path, "\nHKEY_CURRENT_USER\\Control Panel\\Desktop\n    ScreenSaveActive    REG_SZ    0\n",
                sleep=sleep, wake_lock=wake_lock)
    outcome = run_check("ACC-02", host)
    assert outcome.status == status, outcome
    assert outcome.params.get("delay") == delay


def test_powercfg_values_are_read_whatever_the_language():
    assert screen_lock.parse_powercfg(POWERCFG_EN.format(ac=0x708, dc=0x384)) == (1800, 900)
    french = ("      Unités des paramètres possibles : Secondes\r\n"
              "    Index des paramètres d'alimentation en courant alternatif actuel : 0x0000012c\r\n"
              "    Index des paramètres d'alimentation en courant continu actuel : 0x00000384\r\n")
    assert screen_lock.parse_powercfg(french) == (300, 900)
    assert screen_lock.parse_powercfg("Paramètre possible maximal : 0xffffffff") is None
    assert screen_lock.parse_powercfg("0x\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\n0x00000001") is None
