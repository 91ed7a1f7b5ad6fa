"""OpenMP work outside a fit runs in a thread that ends with it (libgomp keeps a live thread's team)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from mlcore.training._recorder import run_in_fresh_thread
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
