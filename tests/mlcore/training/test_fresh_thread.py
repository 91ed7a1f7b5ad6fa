"""OpenMP work outside a fit runs in a thread that ends with it (libgomp keeps a live thread's team)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from mlcore.models import get_algorithm
from mlcore.training._recorder import run_in_fresh_thread
from mlcore.training.monitor import fit_monitored
from mlcore.training.run import _evaluate_splits


def test_run_in_fresh_thread_returns_the_value_from_a_thread_that_has_ended():
    seen: dict = {}

    def work() -> int:
        seen["thread"] = threading.current_thread()
        return 42

    assert run_in_fresh_thread(work) == 42
    assert seen["thread"] is not threading.current_thread() and not seen["thread"].is_alive()


def test_run_in_fresh_thread_raises_the_error_in_the_caller():
    def fail() -> None:
        raise ValueError("bad rows")

    with pytest.raises(ValueError, match="bad rows"):
        run_in_fresh_thread(fail)


class _ThreadNoting(DecisionTreeClassifier):
    """A tree that notes which threads predicted with it."""

    def predict_proba(self, X, check_input=True):
        self.threads_.add(threading.get_ident())
        return super().predict_proba(X, check_input=check_input)

    def predict(self, X, check_input=True):
        self.threads_.add(threading.get_ident())
        return super().predict(X, check_input=check_input)


def test_splits_are_scored_outside_the_job_thread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0).astype(int)
    model = _ThreadNoting(max_depth=2, random_state=0).fit(X, y)
    model.threads_ = set()
    out = _evaluate_splits(model, "classification", {"validation": (X, y)}, seed=0)
    scored_in = set(model.threads_)
    assert scored_in and threading.get_ident() not in scored_in
    assert out["validation"]["n_rows"] == 200
    assert out["validation"]["metrics"]["accuracy"] == pytest.approx(np.mean(model.predict(X) == y))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts the process's threads through /proc")
def test_a_monitored_xgboost_fit_leaves_no_openmp_team_in_the_calling_thread():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    y = np.where(X[:, 0] > 0, "yes", "no")

    def threads() -> int:
        return len(os.listdir("/proc/self/task"))

    box: dict = {}

    def job() -> None:
        box["before"] = threads()
        box["fit"] = fit_monitored(get_algorithm("xgboost", "classification"), {"n_estimators": 10}, X, y, n_jobs=2)
        deadline = time.monotonic() + 5
        while threads() > box["before"] and time.monotonic() < deadline:
            time.sleep(0.05)  # the worker's own team ends with the worker
        box["after"] = threads()

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    assert box["fit"].estimator.n_features_in_ == 5  # adopted by the label wrapper
    assert box["after"] == box["before"]  # a team left in the job thread would throttle its next fit
