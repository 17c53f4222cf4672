"""The threading helper: work off the GUI thread, callbacks on it."""

from __future__ import annotations

import threading

import pytest

from gp_guard.gui import tasks


def test_result_and_progress_arrive_on_the_gui_thread(qtbot):
    main = threading.get_ident()
    seen: dict[str, object] = {"progress": [], "threads": set()}

    def work(report):
        seen["worker"] = threading.get_ident()
        for i in range(3):
            report(i)
        return "ok"

    def on_progress(value):
        seen["progress"].append(value)
        seen["threads"].add(threading.get_ident())

    def on_done(value):
        seen["done"] = value
        seen["threads"].add(threading.get_ident())

    task = tasks.run_task(work, on_done=on_done, on_progress=on_progress)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert task.wait(5)
    assert seen["done"] == "ok"
    assert seen["progress"] == [0, 1, 2]
    assert seen["worker"] != main
    assert seen["threads"] == {main}
    assert task not in tasks.running()


def test_an_error_is_handed_to_the_gui_thread(qtbot):
    errors: list[BaseException] = []

    def work(report):
        raise RuntimeError("boom")

    task = tasks.run_task(work, on_error=errors.append)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert task.wait(5)
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)


@pytest.mark.parametrize("count", [5])
def test_many_tasks_are_all_joined(qtbot, count):
    done: list[int] = []
    handles = [tasks.run_task(lambda report, i=i: i, on_done=done.append) for i in range(count)]
    qtbot.waitUntil(lambda: len(done) == count, timeout=5000)
    assert all(t.wait(5) for t in handles)
    assert tasks.wait_all(5)
    assert sorted(done) == list(range(count))
