"""Monitored HistGradientBoosting fits: scikit-learn's own per-iteration loss feeds the history.

With ``scoring="loss"`` and early stopping switched on (patience longer than the fit, so it never
stops on its own) the booster evaluates its loss on the training rows and on our validation rows
after every iteration, from raw predictions it keeps up to date anyway. The monitor wraps that
private per-iteration check on the instance for the duration of the fit: it records the losses,
adds accuracy / R² from the same raw predictions, and stops (early stopping, cancel) by returning
True or raising. Nothing is predicted twice, so the fit costs what a raw fit with the same
evaluation costs.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from mlcore.training._recorder import Recorder
from mlcore.training._scoring import FitData

_HOOK = "_check_early_stopping_loss"


def accuracy_of(y_enc: np.ndarray) -> Callable[[np.ndarray], float]:
    """Accuracy of raw scores (n, 1 or classes) against encoded labels, reusing its buffers.

    It runs on the training and validation rows every iteration: temporaries the size of the
    training rows cost more than the rest of the hook (and a page fault per 4 KiB as the
    thread's heap is trimmed and grown again).
    """
    labels = np.asarray(y_enc).astype(np.intp)
    positive = labels == 1
    hit = np.empty(len(labels), dtype=bool)
    best = np.empty(len(labels), dtype=np.intp)

    def accuracy(raw: np.ndarray) -> float:
        if raw.shape[1] == 1:
            np.greater(raw[:, 0], 0, out=hit)
            np.equal(hit, positive, out=hit)
        else:
            np.argmax(raw, axis=1, out=best)
            np.equal(best, labels, out=hit)
        return np.count_nonzero(hit) / max(1, len(labels))

    return accuracy


def fit_hist_gradient_boosting(est: Any, data: FitData, rec: Recorder, n_jobs: int | None = None) -> Any:
    """Fit HistGradientBoosting* with a per-iteration record; returns the fitted estimator."""
    cls = data.task == "classification"
    var_train = 0.0 if cls else float(np.var(data.y))
    var_val = 0.0 if (cls or not data.has_val) else float(np.var(data.y_val))
    original = getattr(est, _HOOK)
    seen: dict[str, Any] = {"calls": 0}

    def hook(raw_predictions, y_train, sample_weight_train, raw_predictions_val, y_val, sample_weight_val,
             *args: Any, **kwargs: Any) -> bool:
        stop = original(raw_predictions, y_train, sample_weight_train, raw_predictions_val, y_val,
                        sample_weight_val, *args, **kwargs)
        seen["calls"] += 1
        if seen["calls"] == 1:  # the model before its first tree: same labels every later call
            if cls:
                seen["train"] = accuracy_of(y_train)
                seen["val"] = None if y_val is None else accuracy_of(y_val)
            return stop
        t_loss = -est.train_score_[-1]
        v_loss = -est.validation_score_[-1] if raw_predictions_val is not None else None
        if cls:
            t_met = seen["train"](raw_predictions)
            v_met = None if v_loss is None else seen["val"](raw_predictions_val)
        else:  # half squared error -> RMSE
            t_loss, v_loss = math.sqrt(2 * t_loss), None if v_loss is None else math.sqrt(2 * v_loss)
            t_met = 1.0 - t_loss**2 / var_train if var_train else None
            v_met = 1.0 - v_loss**2 / var_val if (v_loss is not None and var_val) else None
        return rec.record(seen["calls"] - 1, t_loss, v_loss, v_met, t_met) or stop

    saved = est.get_params()
    est.set_params(early_stopping=True, scoring="loss", n_iter_no_change=int(est.max_iter) + 1,
                   validation_fraction=None)
    setattr(est, _HOOK, hook)
    extra = {"X_val": data.X_val, "y_val": data.y_val} if data.has_val else {}
    try:
        with _threads(n_jobs):
            est.fit(data.X, data.y, sample_weight=data.sample_weight, **extra)
    finally:
        delattr(est, _HOOK)  # a fitted model must not hold the hook (it references this job)
        est.set_params(**{k: saved[k] for k in ("early_stopping", "scoring", "n_iter_no_change",
                                                "validation_fraction")})
    if rec.early_stopping and rec.best_record is not None:
        _truncate(est, rec.best_record["iteration"])
    return est


def _threads(n_jobs: int | None) -> Any:
    """Limit this thread's OpenMP pool to ``n_jobs`` (None: leave every core)."""
    import contextlib

    if n_jobs is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(n_jobs), user_api="openmp")


def _truncate(est: Any, n: int) -> None:
    if n >= est.n_iter_:
        return
    est._predictors = est._predictors[:n]  # n_iter_ is len(_predictors)
    est.train_score_ = est.train_score_[: n + 1]
    est.validation_score_ = est.validation_score_[: n + 1]
