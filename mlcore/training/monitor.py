"""Monitored fitting: per-iteration loss curves, early stopping and fast cancel for every algorithm.

``fit_monitored`` fits one catalog algorithm on already-prepared numeric matrices and streams,
through the JobContext, the train and validation loss (log loss for classification, RMSE for
regression) and a validation metric (accuracy / R²) for every iteration of the iterative models
(xgboost, lightgbm, gradient boosting, AdaBoost, random forest tree chunks) or for every point of
a learning curve over growing training sizes for the others (the last point is the final model).

Cancel: the fit runs in a worker thread while the calling thread polls ``ctx.check_cancelled()``
every 50 ms, so ``JobCancelled`` is raised within a fraction of a second for every algorithm. The
exception carries ``partial_history`` (the records so far) and ``partial_summary``. Iterative fits
stop cooperatively at their next iteration; a single long library call (an SVM fit) cannot be
interrupted and is abandoned to finish in a daemon thread (see ``_recorder``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mlcore.errors import ConfigError
from mlcore.jobs import JobContext
from mlcore.models._spec import AlgorithmSpec, resolve_n_jobs

__all__ = ["MonitoredFit", "fit_monitored", "monitor_kind"]


@dataclass
class MonitoredFit:
    """A fitted estimator with its training curve and a summary.

    ``history`` records: ``iteration`` (boosting round; trees so far for a forest; point number
    for a learning curve), ``train_loss``, ``val_loss``, ``train_metric``, ``val_metric``,
    ``metric_name``, ``elapsed`` (seconds since the fit began), plus ``train_size`` (learning
    curve) or ``n_trees`` (forest). Missing values (no validation rows) are ``None``.
    ``summary``: best_iteration, n_iterations, stopped_early, fit_seconds, loss_name,
    metric_name, cancelled, mode, best_val_loss, best_val_metric, train_rows, validation_rows.
    """

    estimator: Any
    history: list[dict] = field(default_factory=list)
    mode: str = "iterations"  # or "learning_curve"
    summary: dict = field(default_factory=dict)


def _family(est: Any) -> str:
    """Which monitor drives this (unwrapped) estimator."""
    module = type(est).__module__
    if module.startswith("xgboost"):
        return "xgboost"
    if module.startswith("lightgbm"):
        return "lightgbm"
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.ensemble._forest import BaseForest
    from sklearn.ensemble._gb import BaseGradientBoosting
    from sklearn.ensemble._weight_boosting import BaseWeightBoosting

    if isinstance(est, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)):
        return "hist_gradient_boosting"
    if isinstance(est, BaseGradientBoosting):
        return "gradient_boosting"
    if isinstance(est, BaseWeightBoosting):
        return "adaboost"
    if isinstance(est, BaseForest):
        return "forest"
    return "learning_curve"


def monitor_kind(estimator: Any) -> str:
    """"iterations" or "learning_curve": how ``fit_monitored`` will report this estimator."""
    from mlcore.models._wrappers import LabelEncodedClassifier

    inner = estimator.estimator if isinstance(estimator, LabelEncodedClassifier) else estimator
    return "learning_curve" if _family(inner) == "learning_curve" else "iterations"


def _resolve(spec: Any, params: dict | None, seed: int, n_jobs: int | None) -> tuple[Any, str, bool]:
    """(unfitted estimator, task, accepts sample_weight) from a catalog spec or an estimator."""
    if isinstance(spec, AlgorithmSpec):
        return spec.build(params, seed=seed, n_jobs=n_jobs), spec.task, spec.abilities.sample_weight
    from sklearn.base import clone, is_classifier

    est = clone(spec)
    if params:
        est.set_params(**params)
    import inspect

    try:
        accepts = "sample_weight" in inspect.signature(est.fit).parameters
    except (TypeError, ValueError):  # pragma: no cover
        accepts = False
    return est, ("classification" if is_classifier(est) else "regression"), accepts


def use_native_categorical(est: Any, family: str, mask: Any) -> int:
    """Tell a LightGBM or HistGradientBoosting estimator which columns are category codes; how many."""
    if mask is None or family not in ("lightgbm", "hist_gradient_boosting"):
        return 0
    import numpy as np

    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return 0
    if family == "lightgbm":
        # the alias (not "categorical_feature") keeps LightGBM from warning that the parameter is ignored
        est.set_params(categorical_column=[int(i) for i in np.flatnonzero(mask)])
    else:
        est.set_params(categorical_features=mask)
    return int(mask.sum())


def _threads(est: Any, n_jobs: int | None) -> int | None:
    """The thread count of the fit (an OpenMP-only estimator such as HGB: what the monitor allowed)."""
    if _family(est) == "hist_gradient_boosting":
        return resolve_n_jobs(n_jobs)
    value = est.get_params().get("n_jobs", "absent") if hasattr(est, "get_params") else "absent"
    return None if value == "absent" else resolve_n_jobs(value)


def _n_iterations(est: Any, family: str) -> tuple[int, str]:
    """(planned iterations, progress unit); a forest's iterations are counted in trees."""
    if family == "hist_gradient_boosting":
        return int(est.max_iter), "iteration"
    return int(est.n_estimators), ("trees" if family == "forest" else "iteration")


def fit_monitored(
    spec: AlgorithmSpec | Any,
    params: dict | None,
    X_train: Any,
    y_train: Any,
    X_val: Any = None,
    y_val: Any = None,
    ctx: JobContext | None = None,
    *,
    early_stopping: bool = False,
    patience: int = 10,
    seed: int = 0,
    sample_weight: Any = None,
    n_jobs: int | None = None,
    categorical: Any = None,
) -> MonitoredFit:
    """Fit ``spec`` (a catalog entry, or an unfitted estimator) on training rows with live curves.

    ``n_jobs`` (catalog entries only): threads of the fit; None uses every usable core.
    ``categorical``: a boolean mask of the columns holding category codes (see
    ``mlcore.prep.native_categorical_mask``); LightGBM and HistGradientBoosting split them as categories.

    Raises JobCancelled (with ``partial_history``/``partial_summary``) when ``ctx`` is cancelled.
    """
    from mlcore.models._wrappers import LabelEncodedClassifier
    from mlcore.training._recorder import Recorder, run_in_worker
    from mlcore.training._scoring import FitData, names_for

    ctx = ctx or JobContext()
    ctx.check_cancelled()
    if X_val is not None and y_val is not None and len(y_val) == 0:
        X_val = y_val = None  # a split without validation rows
    if (X_val is None) != (y_val is None):
        raise ConfigError("give both X_val and y_val, or neither")
    if early_stopping and X_val is None:
        raise ConfigError("early stopping needs validation rows (set validation_size above 0)")
    if int(patience) < 1:
        raise ConfigError(f"early stopping patience must be at least 1, got {patience}")
    est, task, sw_ok = _resolve(spec, params, seed, n_jobs)
    wrapper = est if isinstance(est, LabelEncodedClassifier) else None
    if wrapper is not None:
        from sklearn.base import clone

        est = clone(wrapper.estimator)
    data = FitData.make(X_train, y_train, X_val, y_val, sample_weight if sw_ok else None, task)
    if sample_weight is not None and not sw_ok:
        ctx.log("this algorithm does not accept sample weights; they are ignored")
    family = _family(est)
    categorical_columns = use_native_categorical(est, family, categorical)
    loss_name, metric_name = names_for(task)

    def adopted(model: Any) -> Any:
        # in the worker: XGBoost's n_features_in_ (read by adopt) runs an OpenMP region, and the team
        # it left in the job's thread would throttle that thread's later fits (a refit, a next trial)
        return model if wrapper is None else wrapper.adopt(model, data.classes)

    t0 = time.perf_counter()

    if family == "learning_curve":
        from mlcore.training._curve import curve_sizes, fit_learning_curve

        if task == "classification" and not hasattr(est, "predict_proba"):
            loss_name = "error_rate"
        n_points = len(curve_sizes(len(data.y), 0 if data.classes is None else len(data.classes)))
        rec = Recorder(loss_name, metric_name, n_points, unit="learning_curve", ctx=ctx)
        fitted = run_in_worker(lambda: adopted(fit_learning_curve(est, data, rec, seed, sw_ok)), rec, ctx)
        mode = "learning_curve"
        if early_stopping:
            ctx.log("early stopping applies to iterative models only; this one is fitted on a learning curve")
    else:
        from mlcore.training import _boosters, _forest, _hgb, _sklearn_iterative

        fit_fn = {
            "xgboost": _boosters.fit_xgboost,
            "lightgbm": _boosters.fit_lightgbm,
            "gradient_boosting": _sklearn_iterative.fit_gradient_boosting,
            "adaboost": _sklearn_iterative.fit_adaboost,
            "forest": _forest.fit_forest,
            "hist_gradient_boosting": lambda e, d, r: _hgb.fit_hist_gradient_boosting(
                e, d, r, resolve_n_jobs(n_jobs) if isinstance(spec, AlgorithmSpec) else None),
        }[family]
        total, unit = _n_iterations(est, family)
        rec = Recorder(loss_name, metric_name, total, early_stopping=early_stopping, patience=patience,
                       unit=unit, ctx=ctx)
        fitted = run_in_worker(lambda: adopted(fit_fn(est, data, rec)), rec, ctx)
        mode = "iterations"
    fit_seconds = time.perf_counter() - t0

    best = rec.best_record
    if mode == "learning_curve":
        best_iteration = rec.history[-1]["iteration"] if rec.history else None
    else:
        best_iteration = best["iteration"] if (best is not None and early_stopping) else (
            rec.history[-1]["iteration"] if rec.history else None)
    summary = {
        "best_iteration": best_iteration,
        "n_iterations": rec.history[-1]["iteration"] if rec.history else 0,
        "stopped_early": bool(rec.stopped_early),
        "fit_seconds": fit_seconds,
        "loss_name": loss_name,
        "metric_name": metric_name,
        "cancelled": False,
        "mode": mode,
        "best_val_loss": None if best is None else best["val_loss"],
        "best_val_metric": None if best is None else best["val_metric"],
        "train_rows": int(len(data.y)),
        "validation_rows": int(len(data.y_val)) if data.has_val else 0,
        "n_jobs": _threads(est, n_jobs),
        "categorical_columns": categorical_columns,
    }
    ctx.progress(1.0, f"{mode.replace('_', ' ')} done in {fit_seconds:.1f} s")
    return MonitoredFit(estimator=fitted, history=list(rec.history), mode=mode, summary=summary)
