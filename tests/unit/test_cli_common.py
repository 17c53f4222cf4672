"""The command line's shared behaviour: --lang anywhere, its own words in French, UTF-8 output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from gp_guard import cli
from tests.helpers import HOSTS

# Every sub-command, as a user types it ({tmp} is a private folder of the test), and its exit code.
SUB_COMMANDS = {
    "checklist list": (["checklist", "list"], 0),
    "vault status": (["vault", "status"], 0),
    "breach list": (["breach", "list"], 0),
    "checks": (["checks"], 0),
    "audit": (["audit", "--only", "Q-BOX-01", "--no-save"], 0),
    "answer": (["answer", "Q-BOX-01", "yes"], 0),
    "export check": (["export", "check", "{tmp}/export.csv"], 1),
    "report": (["report", "--html", "{tmp}/report.html"], 0),
    "practice": (["practice"], 0),
    "settings": (["settings"], 0),
    "database": (["database"], 0),
    "export-policy (monitoring)": (["export-policy", "wazuh"], 2),
    "autostart (guardian)": (["autostart", "status"], 0),
    "capture": (["capture", "--out", "{tmp}/export.csv"], 2),
}


@pytest.mark.parametrize(("argv", "code"), SUB_COMMANDS.values(), ids=SUB_COMMANDS.keys())
def test_lang_is_accepted_before_and_after_every_sub_command(argv, code, capsys, tmp_path, monkeypatch):
    """``--lang`` works in both places, and in both it is the language of what is printed."""
    monkeypatch.delenv("GP_GUARD_LANG", raising=False)
    (tmp_path / "export.csv").write_text("age;sexe\n34;F\n35;M\n", encoding="utf-8")
    argv = [arg.format(tmp=tmp_path) for arg in argv]

    def printed(args: list[str]) -> tuple[int, str]:
        code = cli.main(args)
        out = capsys.readouterr()
        return code, (out.out + out.err).replace(str(tmp_path), "TMP")

    for lang in ("en", "fr"):
        after = printed([*argv, "--lang", lang])
        before = printed(["--lang", lang, *argv])
        assert after == before, lang
        assert "unrecognized arguments" not in after[1] and "arguments non reconnus" not in after[1]
        assert after[0] == code, after[1]
        if lang == "en":
            english = after
    assert after != english  # the option took effect: French is not English


def test_argparse_speaks_french(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--lang", "fr", "vault", "statuss"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation : gp-guard vault")
    assert "erreur : argument action : choix invalide : 'statuss'" in err
    with pytest.raises(SystemExit):
        cli.main(["--lang", "fr", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("utilisation : gp-guard") and "affiche cette aide et quitte" in out


def test_output_is_utf8_whatever_the_console(tmp_path):
    """A Windows console in cp1252 redirected to a file: the JSON is UTF-8 all the same."""
    env = dict(os.environ, PYTHONIOENCODING="cp1252", GP_GUARD_HOME=str(tmp_path), GP_GUARD_NO_NETWORK="1")
    done = subprocess.run(
        [sys.executable, "-m", "gp_guard", "audit", "--json", "--no-save", "--lang", "fr",
         "--replay", str(HOSTS / "win10_fr_weak")],
        capture_output=True, env=env, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")[-2000:]
    data = json.loads(done.stdout.decode("utf-8"))
    assert "é".encode() in done.stdout and data["findings"]


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`gp-guard audit --json | head -c 100`: the JSON (120 KB) is larger than a pipe holds, so
    gp_guard is still writing when the reader closes; it stops quietly, exit 0, no traceback."""
    env = dict(os.environ, GP_GUARD_HOME=str(tmp_path), GP_GUARD_NO_NETWORK="1")
    proc = subprocess.Popen([sys.executable, "-m", "gp_guard", "audit", "--json", "--no-save", "--replay",
                             str(HOSTS / "win10_fr_weak")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stdout.read(100).startswith(b"{")
    proc.stdout.close()  # like `head` once it has what it wanted
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and b"Error" not in err and b"Erreur" not in err


def test_every_command_is_in_the_language_test():
    assert {argv[0] for argv, _code in SUB_COMMANDS.values()} == set(cli._GROUP_OF)


def test_version_and_the_parser_load_no_cryptography():
    """`gp-guard --version` must start even where the crypto library cannot load (under Wine,
    cryptography's _rust.pyd misses bcryptprimitives.dll): building the parser imports no vault."""
    import subprocess
    import sys

    code = ("import sys\nfrom gp_guard import cli\ncli.build_parser()\n"
            "print(sorted(m for m in sys.modules if m.startswith(('cryptography', 'gp_guard.vault.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout
