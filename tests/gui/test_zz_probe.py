import sys, threading, time, traceback, os
from collections import Counter
from tests.gui.test_responsiveness import LoopWatch, fast_keys, PASSPHRASE  # noqa
from tests.gui.conftest import run_audit_and_wait
from gp_guard.gui import tasks
from gp_guard.gui.pages import encryption

def sampler(watch, main_id, out, stop):
    while not stop.is_set():
        time.sleep(0.005)
        if watch.ticks and time.perf_counter() - watch.ticks[-1] > 0.025:
            for tid, frame in sys._current_frames().items():
                if tid in (main_id, threading.get_ident()):
                    continue
                st = traceback.extract_stack(frame)
                out[tuple(f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in st[-9:])] += 1

def run(watch, fn):
    out = Counter(); stop = threading.Event()
    t = threading.Thread(target=sampler, args=(watch, threading.main_thread().ident, out, stop)); t.start()
    try:
        fn()
    finally:
        stop.set(); t.join()
    for st, n in out.most_common(6):
        print(n, "\n   ".join(st)); print()

def test_audit(qtbot, make_window):
    sys.setswitchinterval(float(os.environ.get('SWI','0.005')))
    w = make_window("fr")
    with LoopWatch() as watch:
        run(watch, lambda: (run_audit_and_wait(qtbot, w), qtbot.waitUntil(lambda: not tasks.running(), timeout=15000)))
    print("longest", watch.longest)

def test_lock(qtbot, make_window, fast_keys, tmp_path, monkeypatch):
    root = tmp_path / "I"; root.mkdir()
    (root / "s.dcm").write_bytes(os.urandom(1 << 20) * 64)
    w = make_window("fr")
    qtbot.waitUntil(lambda: not tasks.running(), timeout=15000)
    w.navigate("encryption"); page = w.pages["encryption"]
    monkeypatch.setattr(encryption, "choose_folder", lambda parent: str(root))
    with LoopWatch() as watch:
        run(watch, lambda: (page.protect_button.click(), qtbot.waitUntil(lambda: page.task is None and not tasks.running(), timeout=120000)))
    print("longest", watch.longest)
