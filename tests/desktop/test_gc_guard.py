"""Cyclic garbage collection runs on the UI thread while a window is open, and only then."""

import gc
import threading

from desktop.gc_guard import UiThreadGarbageCollector


def test_windows_switch_automatic_collection_off_and_back_on(qtbot, make_window, workspace):
    assert gc.isenabled()
    first, second = make_window(workspace), make_window(workspace)
    assert not gc.isenabled()
    first.close()
    assert not gc.isenabled()  # the other window still needs it
    second.close()
    assert gc.isenabled()


def test_cycles_made_in_a_worker_are_collected_on_the_ui_thread(qtbot):
    guard = UiThreadGarbageCollector()
    collected_on = []

    class Cycle:
        def __init__(self):
            self.me = self

        def __del__(self):
            collected_on.append(threading.current_thread() is threading.main_thread())

    guard.acquire()
    try:
        assert not gc.isenabled() and guard._timer.isActive()
        threshold = gc.get_threshold()[0]
        worker = threading.Thread(target=lambda: [Cycle() for _ in range(threshold * 3)])
        worker.start()
        worker.join()
        assert collected_on == []  # the worker crossed the threshold, but collected nothing
        guard.collect_if_due()  # what the UI-thread timer does every half second
        assert collected_on and all(collected_on)
    finally:
        guard.release()
    assert gc.isenabled()
