"""AutoML's folds and one candidate's fit on them: early stopping on inner rows, a hard deadline, cancel.

Each fold's preparation (one per preparation kind: trees, linear) is fitted once on the fold's
training rows and reused by every candidate, so a candidate costs only its own fit. The fold's
held-out rows are never seen by its preparation nor by its model (early stopping uses a slice of
the fold's *training* rows), so out-of-fold predictions are honest scores and honest inputs to
ensemble selection. The fitted fold models are kept: a candidate's final model is the average
of its fold models (bagging), so no refit is needed after the search.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mlcore.errors import JobCancelled
from mlcore.jobs import JobContext
from mlcore.tuning._automl_space import BOOSTERS, build_estimator

PREP_OF = {"linear": "linear"}  # every other family uses the tree preparation
ES_FRACTION = 0.1
FOREST_CHUNK = 25
HGB_CHUNK = 50


class OutOfTime(Exception):
    """The search deadline passed inside a fit; the candidate is abandoned."""


@dataclass
class Fold:
    """One fold: training and held-out row indices, fitted preparations and prepared matrices."""

    train: np.ndarray
    valid: np.ndarray
    preps: dict[str, Any] = field(default_factory=dict)
    X_train: dict[str, np.ndarray] = field(default_factory=dict)
    X_valid: dict[str, np.ndarray] = field(default_factory=dict)
    y_train: np.ndarray | None = None
    y_valid: np.ndarray | None = None
    es_rows: np.ndarray | None = None  # positions (within train) of the early-stopping rows
    categorical: np.ndarray | None = None  # tree columns holding ordinal codes of many-level text


@dataclass
class CandidateFit:
    models: list[Any]
    oof: np.ndarray            # predictions on every fold's held-out rows, in fold order
    fit_seconds: float
    predict_seconds: float
    rounds: list[int]


def patience_for(learning_rate: float) -> int:
    return int(min(200, max(20, 3.0 / max(learning_rate, 1e-3))))


def early_stopping_rows(y: np.ndarray, task: str, seed: int) -> np.ndarray | None:
    """Positions of ~10 % of the fold's training rows used to stop boosting (None: too few rows)."""
    n = len(y)
    if n < 60:
        return None
    rng = np.random.default_rng(seed)
    if task == "classification":
        classes, counts = np.unique(y, return_counts=True)
        if counts.min() < 10:
            return None
        picks = [rng.choice(np.flatnonzero(y == c), max(1, int(round(cnt * ES_FRACTION))), replace=False)
                 for c, cnt in zip(classes, counts)]
        return np.sort(np.concatenate(picks))
    return np.sort(rng.choice(n, max(10, int(n * ES_FRACTION)), replace=False))


def _check(ctx: JobContext, deadline: float) -> None:
    ctx.check_cancelled()
    if time.perf_counter() > deadline:
        raise OutOfTime()


def _predict(model: Any, X: np.ndarray, task: str) -> np.ndarray:
    if task == "classification":
        return np.asarray(model.predict_proba(X), dtype=float)
    return np.asarray(model.predict(X), dtype=float)


def _fit_booster(family: str, est: Any, X: np.ndarray, y: np.ndarray, es: np.ndarray | None,
                 ctx: JobContext, deadline: float) -> tuple[Any, int]:
    lr = float(est.get_params().get("learning_rate") or 0.1)
    patience = patience_for(lr)
    if es is None:  # too few rows to hold some back: a fixed, modest number of rounds
        rounds = int(min(1000, max(50, 10.0 / lr)))
        if family == "hist_gradient_boosting":
            est.set_params(max_iter=rounds)
        else:
            est.set_params(n_estimators=rounds)
        fit_X, fit_y, es_X, es_y = X, y, None, None
    else:
        keep = np.ones(len(y), dtype=bool)
        keep[es] = False
        fit_X, fit_y, es_X, es_y = X[keep], y[keep], X[es], y[es]

    if family == "lightgbm":
        import lightgbm as lgb

        def guard(env: Any) -> None:
            _check(ctx, deadline)

        callbacks = [guard]
        kw: dict[str, Any] = {}
        if es_X is not None:
            callbacks.append(lgb.early_stopping(patience, first_metric_only=True, verbose=False))
            kw = {"eval_X": (es_X,), "eval_y": (es_y,)}
        est.fit(fit_X, fit_y, callbacks=callbacks, **kw)
        best = est.best_iteration_ or est.n_estimators
        return est, int(best)

    if family == "xgboost":
        import xgboost as xgb

        stop: dict[str, BaseException | None] = {"why": None}

        class Guard(xgb.callback.TrainingCallback):
            def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
                try:
                    _check(ctx, deadline)
                except (JobCancelled, OutOfTime) as exc:
                    stop["why"] = exc
                    return True
                return False

        callbacks: list[Any] = [Guard()]
        kw = {"verbose": False}
        if es_X is not None:
            callbacks.append(xgb.callback.EarlyStopping(rounds=patience, save_best=True))
            kw["eval_set"] = [(es_X, es_y)]
        est.set_params(callbacks=callbacks)
        try:
            est.fit(fit_X, fit_y, **kw)
        finally:
            est.set_params(callbacks=None)  # the fitted model must not hold this job's callbacks
        if stop["why"] is not None:
            raise stop["why"]
        return est, int(est.get_booster().num_boosted_rounds())

    # sklearn's HistGradientBoosting: early stopping on the given rows, grown in warm-started chunks of
    # rounds so that the clock and the cancel flag are checked between chunks
    total = min(int(est.max_iter), 1000)
    kw = {} if es_X is None else {"X_val": es_X, "y_val": es_y}
    est.set_params(warm_start=True, early_stopping=es_X is not None, n_iter_no_change=min(patience, 50))
    done = 0
    while done < total:
        done = min(total, done + HGB_CHUNK)
        est.set_params(max_iter=done)
        est.fit(fit_X, fit_y, **kw)
        _check(ctx, deadline)
        if est.n_iter_ < done:  # stopped early
            break
    est.set_params(warm_start=False)
    return est, int(est.n_iter_)


def _fit_forest(est: Any, X: np.ndarray, y: np.ndarray, ctx: JobContext, deadline: float) -> tuple[Any, int]:
    """Grow the forest in chunks of trees, checking the clock and the cancel flag between chunks."""
    total = int(est.n_estimators)
    est.set_params(warm_start=True)
    grown = 0
    while grown < total:
        grown = min(total, grown + FOREST_CHUNK)
        est.set_params(n_estimators=grown)
        est.fit(X, y)
        _check(ctx, deadline)
    est.set_params(warm_start=False)
    return est, grown


def fit_candidate(family: str, config: dict[str, Any], folds: list[Fold], task: str, n_classes: int,
                  seed: int, n_jobs: int, ctx: JobContext, deadline: float,
                  rows: np.ndarray | None = None) -> CandidateFit:
    """Fit ``family(config)`` on every fold; predictions on the held-out rows in fold order.

    ``rows``: for large data, the subsample of each fold's training positions to fit on.
    Raises OutOfTime past ``deadline`` and JobCancelled when cancelled.
    """
    prep_kind = PREP_OF.get(family, "tree")
    models, preds, rounds = [], [], []
    fit_s = pred_s = 0.0
    n_pred = 0
    for i, fold in enumerate(folds):
        _check(ctx, deadline)
        X, y = fold.X_train[prep_kind], fold.y_train
        es = fold.es_rows
        if rows is not None and rows.size < len(y):
            sub = np.sort(rows[rows < len(y)])
            if es is not None:
                # the early-stopping rows stay as they are; the subsample thins the rest
                sub = np.union1d(sub, es)
                es = np.searchsorted(sub, es)
            X, y = X[sub], y[sub]
        est = build_estimator(family, config, task, seed + i, n_jobs, n_classes)
        if fold.categorical is not None:  # many-level text split as categories, as FLAML and AutoGluon do
            if family == "hist_gradient_boosting":
                est.set_params(categorical_features=fold.categorical)
            elif family == "lightgbm":
                est.set_params(categorical_column=[int(k) for k in np.flatnonzero(fold.categorical)])
        t0 = time.perf_counter()
        if family in BOOSTERS:
            est, n = _fit_booster(family, est, X, y, es, ctx, deadline)
        elif family in ("extra_trees", "random_forest"):
            est, n = _fit_forest(est, X, y, ctx, deadline)
        else:
            est.fit(X, y)
            n = 1
            _check(ctx, deadline)
        t1 = time.perf_counter()
        preds.append(_predict(est, fold.X_valid[prep_kind], task))
        pred_s += time.perf_counter() - t1
        n_pred += len(fold.valid)
        fit_s += t1 - t0
        models.append(est)
        rounds.append(n)
    return CandidateFit(models, np.concatenate(preds), fit_s, pred_s / max(1, n_pred), rounds)
