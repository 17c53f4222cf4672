"""An app killed mid-walkthrough loses at most the answer being given (issue 5, "Done when").

The breach page runs in a child process (offscreen Qt, a private GP_GUARD_HOME, no system keyring:
the register key comes from a passphrase). The child gives the answers one by one through the page's
widgets and sends itself SIGKILL right after answer N: no close, no flush, no atexit. The test then
reopens the register in this process and checks that answers 1..N are all there, and N+1 is not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from gp_guard.breach.register import Register  # noqa: E402
from gp_guard.paths import database_path  # noqa: E402
from gp_guard.store import Store  # noqa: E402

ROOT = Path(__file__).parents[2]
PASSPHRASE = "une phrase de passe assez longue"
READY = "ANSWERED"

# The answers, in the walkthrough's order: (what the child does on the page, what the register must hold).
CHILD = r'''
import os, signal, sys
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from gp_guard.gui.app import apply_language
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages import breach as breach_page
from gp_guard.store import open_default
from tests.helpers import recorded

stop_after = int(sys.argv[1])
breach_page.ask_passphrase = lambda parent, first: sys.argv[2]
app = QApplication([])
apply_language("en")
store = open_default()
page = breach_page.BreachPage(PageContext(store, AuditController(store, recorded("win10_fr_weak")),
                                          lambda key: None, lambda lang: None, lambda check: None))
page._new(False)
assert page.record is not None


def pick(combo, value):
    combo.setCurrentIndex(combo.findData(value))


answers = [
    lambda: pick(page.answers["incident_type"], "ransomware"),
    lambda: pick(page.answers["malicious"], True),
    lambda: pick(page.answers["confidentiality"], "unknown_if_accessed"),
    lambda: page.categories["health"].setChecked(True),
    lambda: QTest.keyClicks(page.count, "850"),
    lambda: page.what.setPlainText("Écran de rançon sur le poste de l'accueil"),
    lambda: pick(page.answers["availability"], "permanent"),
    lambda: pick(page.answers["care_disrupted"], True),
    lambda: pick(page.notify_choice, True),
]
for number, give in enumerate(answers, start=1):
    give()
    if number == stop_after:
        print("''' + READY + r''' %d" % number, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
print("NOT KILLED", flush=True)
'''

CHECKS = [
    lambda r: r.facts.get("incident_type") == "ransomware",
    lambda r: r.facts.get("malicious") is True,
    lambda r: r.facts.get("confidentiality") == "unknown_if_accessed",
    lambda r: r.facts.get("data_categories") == ["health"],
    lambda r: r.facts.get("subjects_count") == 850,
    lambda r: r.nature.what_happened == "Écran de rançon sur le poste de l'accueil",
    lambda r: r.facts.get("availability") == "permanent",
    lambda r: r.facts.get("care_disrupted") is True,
    lambda r: r.notify.decided is True,
]


def run_child(stop_after: int, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GP_GUARD_HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "GP_GUARD_NO_NETWORK": "1", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", CHILD, str(stop_after), PASSPHRASE], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("stop_after", [1, 4, 5, 6, len(CHECKS)])
def test_killed_after_answer_n_keeps_answers_1_to_n(stop_after, _private_home):
    child = run_child(stop_after, _private_home)
    assert child.returncode == -signal.SIGKILL, (child.returncode, child.stdout, child.stderr)
    assert child.stdout.strip().splitlines()[-1] == f"{READY} {stop_after}"
    # reopen the register as a restarted app would: a new connection, the passphrase, no keyring
    store = Store(database_path())
    try:
        assert store.get_setting("breach.key_source") == "passphrase"  # the child had no keyring
        register = Register.open(store, lambda first: PASSPHRASE)
        records = register.list()
        assert len(records) == 1
        record = records[0]
        kept = [number for number, check in enumerate(CHECKS, start=1) if check(record)]
        assert kept == list(range(1, stop_after + 1)), (kept, record.facts)
        assert record.timeline.aware_at  # the clock started when the breach was recorded
    finally:
        store.close()
