"""Learning curves for models without iterations: fit on growing training subsets, score each.

Training-side scores are measured on at most MAX_TRAIN_SCORE_ROWS rows of each subset.
The last point is the fit on every training row (in their original order), and that fit is
the model returned, so the curve costs the smaller fits only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from mlcore.training._recorder import Recorder
from mlcore.training._scoring import FitData, full_proba, score_classifier, score_regressor

CURVE_FRACTIONS = (0.1, 0.25, 0.5, 0.75, 1.0)
MIN_ROWS = 10
# training-side scores use at most this many of the subset's rows: predicting every training row
# of a large set costs more than the fit for kNN and kernel SVMs
MAX_TRAIN_SCORE_ROWS = 5000


def curve_sizes(n_rows: int, n_classes: int = 0) -> list[int]:
    """Growing subset sizes ending with all rows; small sets get fewer points."""
    floor = max(MIN_ROWS, 2 * n_classes)
    sizes = sorted({max(floor, int(round(f * n_rows))) for f in CURVE_FRACTIONS if f * n_rows >= floor} | {n_rows})
    return [s for s in sizes if s <= n_rows]


def stratified_order(y_enc: np.ndarray | None, n_rows: int, seed: int) -> np.ndarray:
    """A row order whose every prefix holds the classes in about their overall proportions."""
    rng = np.random.default_rng(seed)
    if y_enc is None:
        return rng.permutation(n_rows)
    position = np.empty(n_rows)
    for k in np.unique(y_enc):
        rows = np.flatnonzero(y_enc == k)
        # spread each class evenly over [0, 1), in a random order within the class
        position[rng.permutation(rows)] = (np.arange(len(rows)) + rng.random()) / len(rows)
    return np.argsort(position, kind="stable")


def _score(model: Any, data: FitData, X: Any, y: np.ndarray, y_enc: np.ndarray | None) -> tuple[float | None, float]:
    """(loss, metric) of a fitted model on some rows; loss is None when there are no probabilities."""
    if data.task == "classification":
        if hasattr(model, "predict_proba"):
            try:
                return score_classifier(y_enc, full_proba(model, X, data.classes))
            except AttributeError:  # e.g. hard voting exposes predict_proba but refuses it
                pass
        acc = float(np.mean(np.asarray(model.predict(X)) == y))
        return 1.0 - acc, acc
    return score_regressor(y, model.predict(X))


def fit_learning_curve(est: Any, data: FitData, rec: Recorder, seed: int, sample_weight_ok: bool) -> Any:
    """Record one point per subset size (sizes from ``rec.total`` points); return the full fit."""
    n = len(data.y)
    n_classes = 0 if data.classes is None else len(data.classes)
    sizes = curve_sizes(n, n_classes)
    order = stratified_order(data.y_enc, n, seed)
    final = None
    for i, size in enumerate(sizes, start=1):
        rec.check()
        rows = np.arange(n) if size == n else np.sort(order[:size])
        X_sub = data.X if size == n else _safe_indexing(data.X, rows)
        y_sub = data.y[rows]
        fit_kw = {}
        if data.sample_weight is not None and sample_weight_ok:
            fit_kw["sample_weight"] = data.sample_weight[rows]
        model = clone(est)
        try:
            model.fit(X_sub, y_sub, **fit_kw)
        except Exception:
            if size == n:
                raise
            continue  # too few rows for this model (e.g. folds of a stacking ensemble): skip the point
        rec.check()
        score_rows = rows
        if len(rows) > MAX_TRAIN_SCORE_ROWS:
            score_rows = np.sort(np.random.default_rng(seed + i).choice(rows, MAX_TRAIN_SCORE_ROWS, replace=False))
        y_sc_enc = None if data.y_enc is None else data.y_enc[score_rows]
        t_loss, t_met = _score(model, data, _safe_indexing(data.X, score_rows), data.y[score_rows], y_sc_enc)
        v_loss = v_met = None
        if data.has_val:
            v_loss, v_met = _score(model, data, data.X_val, data.y_val, data.y_val_enc)
        rec.record(i, t_loss, v_loss, v_met, t_met, train_size=int(size))
        final = model
    return final
