"""LocalHost.read_text refuses what is not an ordinary file of reasonable size (red-team D3d).

A process can name any path as its "configuration" (``orthanc /dev/zero``, a FIFO), and the audit,
often run as administrator, reads it: the read must never block, never fill the memory, and say
clearly what the path is. The software readers turn it into their own configuration error.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

import pytest

from gp_guard.audit.software import mysql, orthanc, vsftpd
from gp_guard.audit.software.postgres import ConfigError
from gp_guard.host import MAX_FILE_BYTES, HostError, LocalHost, UnreadableFile

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, /dev and /proc are POSIX")


def read_in_thread(path: str) -> tuple[bool, object]:
    """(finished within 10 s, result or exception): a read that blocks must fail the test, not hang it."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(LocalHost().read_text(path))
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    return not thread.is_alive(), (box[0] if box else None)


@posix_only
def test_a_fifo_is_refused_at_once_without_waiting_for_a_writer(tmp_path: Path):
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    finished, result = read_in_thread(str(fifo))
    assert finished, "read_text blocked on a FIFO"
    assert isinstance(result, UnreadableFile) and isinstance(result, HostError)
    assert result.reason == "a named pipe (FIFO), not an ordinary file: not read"
    assert str(result) == f"{fifo}: {result.reason}"


@posix_only
def test_a_device_is_refused_without_reading_it():
    finished, result = read_in_thread("/dev/zero")
    assert finished
    assert isinstance(result, UnreadableFile) and result.reason == "a character device, not an ordinary file: not read"


@posix_only
def test_a_symlink_to_a_device_is_refused(tmp_path: Path):
    (tmp_path / "infinity").symlink_to("/dev/zero")
    finished, result = read_in_thread(str(tmp_path / "infinity"))
    assert finished and isinstance(result, UnreadableFile) and "character device" in result.reason


@posix_only
def test_a_unix_socket_is_refused(tmp_path: Path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        finished, result = read_in_thread(str(path))
    assert finished and isinstance(result, UnreadableFile)


def test_a_file_larger_than_the_cap_is_refused(tmp_path: Path):
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(UnreadableFile, match="larger than 4096 KiB: not read"):
        LocalHost().read_text(str(big))
    exact = tmp_path / "exact.conf"
    exact.write_bytes(b"a" * MAX_FILE_BYTES)
    assert len(LocalHost().read_text(str(exact)) or "") == MAX_FILE_BYTES


def test_ordinary_files_read_as_before(tmp_path: Path):
    path = tmp_path / "c.conf"
    path.write_bytes(b"\xef\xbb\xbfa=1\r\nb=\xff\rc=3\n")
    # as Path.read_text: UTF-8 with replacement, universal newlines
    assert LocalHost().read_text(str(path)) == path.read_text(encoding="utf-8", errors="replace")
    assert LocalHost().read_text(str(tmp_path / "missing")) is None
    assert LocalHost().read_text(str(tmp_path)) is None  # a folder
    assert LocalHost().read_text(str(path / "below-a-file")) is None


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc on this system")
def test_proc_files_of_size_zero_are_read():
    text = LocalHost().read_text("/proc/self/status")
    assert text and "VmRSS" in text


# -- the readers name the path and the reason -----------------------------------------------

@posix_only
def test_orthanc_configuration_that_is_a_fifo_is_a_configuration_error(tmp_path: Path):
    fifo = tmp_path / "orthanc.json"
    os.mkfifo(fifo)
    with pytest.raises(orthanc.OrthancConfigError) as info:
        orthanc.load_config(LocalHost(), str(fifo))
    assert info.value.path == str(fifo) and info.value.detail == "a named pipe (FIFO), not an ordinary file: not read"


@posix_only
def test_vsftpd_and_mysql_configurations_that_are_devices_are_configuration_errors():
    with pytest.raises(vsftpd.VsftpdConfigError, match="character device"):
        vsftpd.load(LocalHost(), "/dev/zero")
    with pytest.raises(ConfigError, match="character device"):
        mysql.read_config(LocalHost(), "/dev/zero")


def test_orthanc_configuration_over_one_mib_is_refused_before_parsing():
    text = '{"A": "' + "x" * orthanc.MAX_CONFIG_CHARS + '"}'
    with pytest.raises(orthanc.OrthancConfigError, match="larger than 1024 KiB"):
        orthanc.parse_config_text(text, "big.json")


def test_a_folder_with_too_many_entries_is_refused(tmp_path: Path, monkeypatch):
    from gp_guard.host import local as host_module

    for i in range(6):
        (tmp_path / f"{i}.json").write_text("{}")
    assert LocalHost().list_dir(str(tmp_path)) == [f"{i}.json" for i in range(6)]
    monkeypatch.setattr(host_module, "MAX_DIR_ENTRIES", 5)
    with pytest.raises(UnreadableFile, match="more than 5 entries"):
        LocalHost().list_dir(str(tmp_path))
    with pytest.raises(orthanc.OrthancConfigError) as info:
        orthanc.load_config(LocalHost(), str(tmp_path))
    assert info.value.path == str(tmp_path) and info.value.detail == "more than 5 entries: not read"


def test_an_orthanc_folder_with_too_many_json_files_is_refused(tmp_path: Path):
    for i in range(orthanc.MAX_CONFIG_FILES + 1):
        (tmp_path / f"{i:03}.json").write_text("{}")
    with pytest.raises(orthanc.OrthancConfigError, match="not an Orthanc configuration folder"):
        orthanc.load_config(LocalHost(), str(tmp_path))
