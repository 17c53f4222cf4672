"""Test set-up shared by every test: private data folders, pinned language, offscreen Qt."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["GP_GUARD_NO_NETWORK"] = "1"  # no probe may leave this machine during tests

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_sessionstart(session):  # type: ignore[no-untyped-def]
    """Record the files gp_guard writes during the run (tests/private_files.py)."""
    from tests import private_files

    private_files.install(session.config._tmp_path_factory.getbasetemp())


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    """Every file gp_guard wrote that holds patient data or a key is 0600, or the run fails."""
    from tests import private_files

    if not private_files.enabled:
        return
    wrong, stale = private_files.check()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write_line if reporter is not None else print
    write(f"private files: {private_files.checked['files']} files gp_guard wrote were checked "
          f"({private_files.checked['in_children']} written by the gp_guard programs the tests started)")
    for writer in stale:
        write(f"private files: {writer} now writes 0600; remove it from KNOWN in tests/private_files.py")
    if wrong:
        write("private files: these files hold patient data or a key and are not 0600:", red=True)
        for line in wrong:
            write("  " + line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    """Each test gets its own data, log and config folders, and English unless it asks."""
    home = tmp_path / "gp_guard_home"
    monkeypatch.setenv("GP_GUARD_HOME", str(home))
    from gp_guard import i18n, store

    i18n.set_language("en")
    yield home
    if store._default is not None:
        store._default.close()
        store._default = None
    i18n.set_language("en")


def require_tool(name: str, why: str) -> str:
    """Path of a tool the test needs; skipped with the reason, but a failure under CI=true."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed ({why}); .ci/run installs it"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


# A real Secret Service (gnome-keyring in a private D-Bus session) for the tests that need one.
from tests.keyrings import memory_keyring, no_keyring, secret_service  # noqa: E402, F401 - fixtures, shared by every test folder
