"""Cancel stops a monitored fit quickly for iterative and non-iterative models, keeping the history."""

from __future__ import annotations

import threading
import time

import pytest
from sklearn.datasets import make_classification

from mlcore.errors import JobCancelled
from mlcore.jobs import JobContext, RecordingContext
from mlcore.models import get_algorithm
from mlcore.training.monitor import fit_monitored

LATENCY_LIMIT = 1.0


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(3000, 20, n_informative=8, n_classes=3, flip_y=0.1, random_state=0)
    return X[:2400], y[:2400], X[2400:], y[2400:]


@pytest.mark.parametrize("name,params", [
    ("xgboost", {"n_estimators": 5000, "max_depth": 8}),
    ("lightgbm", {"n_estimators": 5000}),
    ("gradient_boosting", {"n_estimators": 2000}),
    ("hist_gradient_boosting", {"max_iter": 5000}),
    ("random_forest", {"n_estimators": 2000}),
    ("adaboost", {"n_estimators": 2000, "max_depth": 3, "learning_rate": 0.1}),
])
def test_cancel_during_iterations_raises_fast_with_partial_history(name, params, data):
    X, y, Xv, yv = data
    ctx = RecordingContext(cancel_when=lambda c: len(c.metrics) >= 12)
    spec = get_algorithm(name, "classification")
    with pytest.raises(JobCancelled) as info:
        fit_monitored(spec, params, X, y, Xv, yv, ctx, seed=0)
    latency = time.perf_counter() - ctx.cancelled_at
    assert latency < LATENCY_LIMIT, f"{name} took {latency:.2f}s to stop"
    history = info.value.partial_history
    assert 3 <= len(history) < 200
    assert info.value.partial_summary["cancelled"] is True
    assert info.value.partial_summary["n_iterations"] == len(history)
    assert all(r["val_loss"] is not None for r in history)


def _cancel_after(ctx: JobContext, seconds: float) -> dict:
    stamp: dict = {}

    def fire() -> None:
        stamp["at"] = time.perf_counter()
        ctx.cancel()

    threading.Timer(seconds, fire).start()
    return stamp


def test_cancel_during_a_single_long_svm_fit_does_not_wait_for_it():
    # an SVM fit is one libsvm call with no hook: the monitor must stop waiting for it
    # (the whole curve takes ~3 s of CPU here; the abandoned fit ends on its own within ~1.5 s)
    X, y = make_classification(3000, 30, n_informative=10, flip_y=0.3, random_state=1)
    ctx = RecordingContext()
    stamp = _cancel_after(ctx, 0.3)
    t0 = time.perf_counter()
    with pytest.raises(JobCancelled) as info:
        fit_monitored(get_algorithm("svm", "classification"), {"C": 100.0}, X[:2500], y[:2500], X[2500:], y[2500:],
                      ctx, seed=0)
    latency = time.perf_counter() - stamp["at"]
    assert latency < LATENCY_LIMIT
    assert len(info.value.partial_history) < 5
    assert time.perf_counter() - t0 < 0.3 + LATENCY_LIMIT


def test_cancel_between_learning_curve_points_keeps_the_points():
    X, y = make_classification(4000, 20, random_state=2)
    ctx = RecordingContext(cancel_when=lambda c: len(c.metrics) >= 8)  # after two points
    with pytest.raises(JobCancelled) as info:
        fit_monitored(get_algorithm("knn", "classification"), {}, X[:3000], y[:3000], X[3000:], y[3000:], ctx)
    assert time.perf_counter() - ctx.cancelled_at < LATENCY_LIMIT
    sizes = [r["train_size"] for r in info.value.partial_history]
    # the fit thread may finish another point while the cancel is relayed; the points so far are kept
    assert 2 <= len(sizes) <= 5 and sizes == sorted(sizes)


def test_cancelled_before_start_raises_immediately(data):
    X, y, Xv, yv = data
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        fit_monitored(get_algorithm("xgboost", "classification"), {}, X, y, Xv, yv, ctx)


def test_worker_stops_after_a_cooperative_cancel(data):
    X, y, Xv, yv = data
    before = set(threading.enumerate())
    ctx = RecordingContext(cancel_when=lambda c: len(c.metrics) >= 8)
    with pytest.raises(JobCancelled):
        fit_monitored(get_algorithm("xgboost", "classification"), {"n_estimators": 5000}, X, y, Xv, yv, ctx)
    workers = [t for t in threading.enumerate() if t not in before and t.name.startswith("mlcore-monitored-fit")]
    for t in workers:
        t.join(timeout=2.0)
    assert not any(t.is_alive() for t in workers)


def test_cancelled_forest_grows_no_more_trees(data):
    X, y, Xv, yv = data
    before = set(threading.enumerate())
    ctx = RecordingContext(cancel_when=lambda c: len(c.metrics) >= 8)
    with pytest.raises(JobCancelled) as info:
        fit_monitored(get_algorithm("random_forest", "classification"), {"n_estimators": 2000}, X, y, Xv, yv, ctx)
    workers = [t for t in threading.enumerate() if t not in before and t.name.startswith("mlcore-monitored-fit")]
    for t in workers:  # the one fit of the whole forest ends at the next tree, not after 2000
        t.join(timeout=2.0)
    assert not any(t.is_alive() for t in workers)
    assert info.value.partial_history[-1]["n_trees"] < 2000
