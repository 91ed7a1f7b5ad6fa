"""JobWorker / QtJobContext: batching, throttling, outcomes, cancellation."""

from __future__ import annotations

import time

import pytest

from desktop.workers import JobManager, JobWorker
from mlcore.errors import DataImportError


def _run(qtbot, fn, timeout=5000):
    worker = JobWorker("test", fn)
    batches, progress = [], []
    worker.sig_metrics.connect(batches.append)
    worker.sig_progress.connect(lambda f, m: progress.append((f, m)))
    with qtbot.waitSignal(worker.sig_done, timeout=timeout):
        worker.start()
    worker.wait(1000)
    return worker, batches, progress


def test_metric_events_arrive_batched_in_order_and_complete(qtbot):
    n = 20000

    def job(ctx):
        for i in range(n):
            ctx.metric(i, "loss", 1.0 / (i + 1), "train")
        return "done"

    worker, batches, _ = _run(qtbot, job)
    steps = [e.step for batch in batches for e in batch]
    assert worker.status == "completed" and worker.result == "done"
    assert steps == list(range(n))  # nothing lost, nothing reordered
    assert len(batches) < n / 20  # far fewer cross-thread signals than events


def test_progress_is_throttled_to_real_changes(qtbot):
    def job(ctx):
        for i in range(100000):
            ctx.progress(i / 100000, "working")
        ctx.progress(1.0, "done")

    worker, _, progress = _run(qtbot, job)
    assert progress[-1] == (1.0, "done")
    assert len(progress) <= 1001
    assert [f for f, _ in progress] == sorted(f for f, _ in progress)


def test_failure_carries_the_exception_and_traceback(qtbot):
    failures = []

    def job(ctx):
        raise DataImportError("file x.csv is empty")

    worker = JobWorker("failing", job)
    worker.sig_failed.connect(lambda exc, tb: failures.append((exc, tb)))
    with qtbot.waitSignal(worker.sig_done, timeout=3000):
        worker.start()
    worker.wait(1000)
    assert worker.status == "failed"
    assert isinstance(failures[0][0], DataImportError)
    assert "file x.csv is empty" in failures[0][1]


def test_cancel_stops_a_long_job_within_a_second(qtbot):
    def job(ctx):
        for i in range(10_000_000):
            ctx.check_cancelled()
            time.sleep(0.001)
            ctx.metric(i, "loss", 1.0, "train")

    worker = JobWorker("long", job)
    cancelled = []
    worker.sig_cancelled.connect(lambda: cancelled.append(True))
    worker.start()
    qtbot.wait(200)
    t0 = time.perf_counter()
    with qtbot.waitSignal(worker.sig_done, timeout=2000):
        worker.cancel()
    assert time.perf_counter() - t0 < 1.0
    assert worker.wait(1000)
    assert cancelled == [True] and worker.status == "cancelled"


def test_manager_routes_failures_to_the_one_handler_and_shuts_down(qtbot):
    seen = []
    manager = JobManager(lambda exc, tb: seen.append(str(exc)))

    def slow(ctx):
        while True:
            ctx.check_cancelled()
            time.sleep(0.005)

    def broken(ctx):
        raise ValueError("boom")

    manager.start("slow", slow)
    bad = manager.start("broken", broken)
    qtbot.waitUntil(lambda: bad.status == "failed", timeout=3000)
    assert seen == ["boom"]
    assert [w.title for w in manager.running()] == ["slow"]
    assert manager.shutdown(timeout_ms=2000)
    assert not [w for w in manager.all() if w.isRunning()]


@pytest.mark.parametrize("fraction, expected", [(0.5, True), (0.0, False)])
def test_eta_needs_progress(qtbot, fraction, expected):
    worker = JobWorker("eta", lambda ctx: None)
    worker.started_at = time.monotonic() - 2.0
    worker.fraction = fraction
    assert (worker.eta() is not None) is expected
    if expected:
        assert worker.eta() == pytest.approx(2.0, abs=0.2)
