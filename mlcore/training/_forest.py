"""Monitored random forests: one ``fit`` grows every tree, and each tree is scored once grown.

A forest has no per-tree callback, so for the duration of the fit the instance's
``_make_estimator`` is wrapped: each tree it makes gets a ``_fit`` that checks for cancel and
early stopping before growing and, once grown, predicts the training and validation rows on the
same joblib worker thread (a tree's predict releases the GIL). The outputs are summed in tree
order, whichever tree finishes first, and a record is written each time a whole chunk of trees
is summed (at most MAX_FOREST_RECORDS records), so the curve is the one warm-start chunks gave.
Unlike warm-start chunks, one fit keeps every core busy until the forest's last tree: a chunk
left a core idle at its end while the chunk's last tree finished, and scored its trees after.
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from typing import Any

from mlcore.training._recorder import Recorder
from mlcore.training._scoring import FitData
from mlcore.training._sklearn_iterative import _as32, _scores

MAX_FOREST_RECORDS = 50


class _StopGrowing(Exception):
    """Early stopping ended the forest: no more trees are grown."""


def forest_chunk_threads(est: Any) -> int:
    """The threads a forest's fit uses (its ``n_jobs``; negative counts back from the cores)."""
    n_jobs = est.n_jobs or 1
    if n_jobs < 0:
        n_jobs = max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


def forest_chunk(est: Any) -> int:
    """Trees per record: at least one per thread, at most MAX_FOREST_RECORDS records."""
    return max(forest_chunk_threads(est), math.ceil(est.n_estimators / MAX_FOREST_RECORDS))


class TreeTally:
    """Sums trees' outputs in tree order (from any thread) and records each whole chunk."""

    def __init__(self, data: FitData, rec: Recorder, chunk: int, total: int) -> None:
        self.data, self.rec, self.chunk, self.total = data, rec, chunk, total
        self.n_summed = 0
        self.stopped = False  # early stopping said stop
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[Any, Any]] = {}
        self._sum_train: Any = None
        self._sum_val: Any = None

    def check(self) -> None:
        """Before a tree is grown: raise JobCancelled on cancel, _StopGrowing after early stopping."""
        if self.stopped:
            raise _StopGrowing
        self.rec.check()

    def add(self, index: int, out_train: Any, out_val: Any) -> None:
        """Tree ``index``'s outputs; raises _StopGrowing once when early stopping ends the forest."""
        with self._lock:
            if self.stopped:
                return  # grown while the forest was being stopped: not kept
            self._waiting[index] = (out_train, out_val)
            while self.n_summed in self._waiting:
                out_t, out_v = self._waiting.pop(self.n_summed)
                self._sum_train = out_t if self._sum_train is None else self._sum_train + out_t
                if out_v is not None:
                    self._sum_val = out_v if self._sum_val is None else self._sum_val + out_v
                self.n_summed += 1
                if self.n_summed % self.chunk == 0 or self.n_summed == self.total:
                    if self._record():
                        self.stopped = True
                        raise _StopGrowing

    def _record(self) -> bool:
        n = self.n_summed
        val_avg = None if self._sum_val is None else self._sum_val / n
        t_loss, v_loss, v_met, t_met = _scores(self.data, self._sum_train / n, val_avg, raw=False)
        return self.rec.record(n, t_loss, v_loss, v_met, t_met, n_trees=n)


def fit_forest(est: Any, data: FitData, rec: Recorder) -> Any:
    """Grow a forest in one fit, recording the running average of its trees' outputs."""
    total = int(est.n_estimators)
    tally = TreeTally(data, rec, forest_chunk(est), total)
    X32 = _as32(data.X)
    Xv32 = _as32(data.X_val) if data.has_val else None
    cls = data.task == "classification"

    def outputs(tree: Any) -> tuple[Any, Any]:
        out = tree.predict_proba if cls else tree.predict
        return out(X32, check_input=False), None if Xv32 is None else out(Xv32, check_input=False)

    made: list[Any] = []
    make_tree = est._make_estimator

    def make(append: bool = True, random_state: Any = None) -> Any:
        tree = make_tree(append=append, random_state=random_state)
        index, grow_tree = len(made), tree._fit
        made.append(tree)

        def grow(*args: Any, **kwargs: Any) -> Any:
            tally.check()
            grown = grow_tree(*args, **kwargs)
            tally.add(index, *outputs(tree))
            return grown

        tree._fit = grow
        return tree

    rec.check()
    est._make_estimator = make
    try:
        est.fit(data.X, data.y, sample_weight=data.sample_weight)
        # trees the hook did not see (scikit-learn's internals moved): scored after the fit, in order
        for i in range(tally.n_summed, len(est.estimators_)):
            tally.add(i, *outputs(est.estimators_[i]))
    except _StopGrowing:
        pass
    finally:
        vars(est).pop("_make_estimator", None)  # the fitted model must hold no hook (it references this job)
        for tree in made:
            vars(tree).pop("_fit", None)
    if rec.early_stopping and rec.best_record is not None:
        _keep_first(est, rec.best_record["iteration"], made, data)
    est.set_params(n_estimators=len(est.estimators_))
    return est


def _keep_first(est: Any, n: int, made: list[Any], data: FitData) -> None:
    """Keep the forest's first ``n`` trees (early stopping may have ended the fit before it finished)."""
    if len(est.estimators_) >= n:
        est.estimators_ = est.estimators_[:n]
        return
    # the fit raised before it stored its trees: a warm start with nothing to add stores them
    # and sets the fitted attributes (classes_, n_outputs_, ...) as a finished fit does
    warm_start = est.warm_start
    est.estimators_ = made[:n]
    est.set_params(warm_start=True, n_estimators=n)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Warm-start fitting without increasing n_estimators")
            est.fit(data.X, data.y, sample_weight=data.sample_weight)
    finally:
        est.set_params(warm_start=warm_start)
