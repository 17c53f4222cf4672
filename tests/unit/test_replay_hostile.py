"""Hostile replay folders (red-team D17 and the replay rows of D8): clear errors, never a hang,
never a traceback, bounded memory."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from gp_guard.cli import main
from gp_guard.host import recorded as host_recorded
from gp_guard.host.recorded import RecordedHost, RecordingError

HOST_TOML = 'platform = "windows"\nrecorded_at = "2024-01-01T00:00:00"\n'
COMMAND = 'kind: command\nargv: ["whoami", "/groups"]\nrc: 0\nsource: test\n---\nhello\n'


def folder(tmp_path: Path, toml: str = HOST_TOML, **recordings: str) -> Path:
    (tmp_path / "host.toml").write_text(toml, encoding="utf-8")
    for name, text in recordings.items():
        (tmp_path / f"{name}.rec").write_text(text, encoding="utf-8")
    return tmp_path


def load_in_thread(path: Path) -> object:
    """The RecordedHost or the exception; a load that blocks fails the test instead of hanging it."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(RecordedHost(path))
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "loading the replay folder blocked"
    return box[0]


def refused(path: Path, *fragments: str) -> RecordingError:
    result = load_in_thread(path)
    assert isinstance(result, RecordingError), result
    for fragment in fragments:
        assert fragment in str(result), str(result)
    return result


def test_a_valid_folder_still_loads(tmp_path):
    host = load_in_thread(folder(tmp_path, a=COMMAND))
    assert isinstance(host, RecordedHost) and host.run(["whoami", "/groups"]).stdout == "hello\n"


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_named_rec_is_refused_at_once(tmp_path):
    folder(tmp_path)
    os.mkfifo(tmp_path / "x.rec")
    refused(tmp_path, "x.rec", "not an ordinary file")


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_named_host_toml_is_refused_at_once(tmp_path):
    os.mkfifo(tmp_path / "host.toml")
    refused(tmp_path, "host.toml", "not an ordinary file")


def test_a_recording_over_the_size_cap_is_refused_without_being_read(tmp_path):
    folder(tmp_path)
    with (tmp_path / "listeners.rec").open("wb") as handle:
        handle.truncate(host_recorded.MAX_RECORDING_BYTES + 1)  # sparse: 4 MiB of nothing
    refused(tmp_path, "listeners.rec", "larger than 4 MiB")


def test_too_many_recordings_or_too_many_bytes_in_all_are_refused(tmp_path, monkeypatch):
    folder(tmp_path, a=COMMAND, b=COMMAND.replace("/groups", "/all"), c=COMMAND.replace("/groups", "/user"))
    monkeypatch.setattr(host_recorded, "MAX_RECORDINGS", 2)
    refused(tmp_path, "more than 2 recordings")
    monkeypatch.setattr(host_recorded, "MAX_RECORDINGS", 5000)
    monkeypatch.setattr(host_recorded, "MAX_FOLDER_BYTES", 10)
    refused(tmp_path, "add up to more than")


def test_a_folder_named_rec_and_invalid_utf8_are_refused(tmp_path):
    folder(tmp_path)
    (tmp_path / "d.rec").mkdir()
    refused(tmp_path, "d.rec", "is a folder")
    (tmp_path / "d.rec").rmdir()
    (tmp_path / "e.rec").write_bytes(b"kind: file\nsource: t\npath: /x\n---\nradio_\xe9t\xe9\n")
    refused(tmp_path, "e.rec", "not UTF-8")


@pytest.mark.parametrize(("header", "fragment"), [
    ('argv: []', '"argv" must be a non-empty JSON list'),
    ('argv: {}', '"argv" must be a non-empty JSON list'),
    ('argv: [1, null]', '"argv" must be a non-empty JSON list'),
    ('argv: not json', '"argv" must be a non-empty JSON list'),
])
def test_bad_argv_is_a_clear_error(tmp_path, header, fragment):
    refused(folder(tmp_path, a=COMMAND.replace('argv: ["whoami", "/groups"]', header)), "a.rec", fragment)


@pytest.mark.parametrize("body", ["[1,2]", '"abc"', "abc", '{"pid": "1", "name": "x"}', '{"pid": 1}',
                                  '{"pid": 1, "name": "x", "cmdline": "x"}'])
def test_bad_process_lines_are_a_clear_error(tmp_path, body):
    rec = f"kind: processes\nsource: t\n---\n{{\"pid\": 4, \"name\": \"System\"}}\n{body}\n"
    refused(folder(tmp_path, p=rec), "p.rec, line 2", '"pid"')


@pytest.mark.parametrize(("toml", "fragment"), [
    (HOST_TOML + "env = 5\n", '"env" must be a table'),
    (HOST_TOML + 'tools = "reg"\n', '"tools" must be a list'),
    (HOST_TOML + "addresses = 5\n", '"addresses" must be a list'),
    ('platform = "amiga"\nrecorded_at = "2024-01-01T00:00:00"\n', '"platform" must be one of windows, macos, linux'),
    ('recorded_at = "2024-01-01T00:00:00"\n', '"platform" must be one of'),
    ('platform = "linux"\nrecorded_at = 5\n', '"recorded_at" must be a date and time'),
    ('platform = "linux"\nrecorded_at = "yesterday"\n', '"recorded_at" must be a date and time'),
    ('platform = "linux"\n', '"recorded_at" must be a date and time'),
    ('platform = [', "is not valid TOML"),
])
def test_bad_host_toml_is_a_clear_error(tmp_path, toml, fragment):
    refused(folder(tmp_path, toml=toml), fragment)


@pytest.mark.parametrize(("rec", "fragment"), [
    (COMMAND.replace("rc: 0", "rc: abc"), '"rc" must be a whole number'),
    ("kind: file\nsource: t\npath: /x\nsize: big\n---\n", '"size" must be a whole number'),
    ("kind: file\nsource: t\npath: /x\nmtime: 5\n---\n", '"mtime" must be a date and time'),
    ("kind: file\nsource: t\n---\n", "needs a 'path' header"),
    ("kind: listeners\nsource: t\nformat: ss\n---\n", 'unknown listeners format "ss"'),
    ("kind: registry\nsource: t\n---\nHKEY_LOCAL_MACHINE\\X\n    V    REG_DWORD    zz\n", "REG_DWORD"),
    ("kind: amiga\nsource: t\n---\n", 'unknown kind "amiga"'),
    ("kind: command\nsource: t\n", "no '---' line"),
])
def test_bad_recordings_are_a_clear_error(tmp_path, rec, fragment):
    refused(folder(tmp_path, a=rec), "a.rec", fragment)


def test_the_cli_says_what_is_wrong_in_french_with_exit_2(tmp_path, capsys):
    folder(tmp_path, p="kind: processes\nsource: t\n---\n[1,2]\n")
    code = main(["audit", "--replay", str(tmp_path), "--lang", "fr"])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert "p.rec, ligne 1" in err and "chaque ligne doit être un objet JSON" in err, err
