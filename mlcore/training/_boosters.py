"""Monitored xgboost and lightgbm fits: the libraries' own eval results feed the history.

Both evaluate the training rows and the validation rows each round (the training set is
passed as the *same objects* so the libraries reuse their cached training predictions) and
the callbacks only read those numbers; no extra predictions are made.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from mlcore.training._recorder import Recorder
from mlcore.training._scoring import FitData


def fit_xgboost(est: Any, data: FitData, rec: Recorder) -> Any:
    """Fit an XGBClassifier/XGBRegressor with a per-round callback; returns the fitted estimator."""
    import xgboost as xgb

    cls = data.task == "classification"
    if cls:
        binary = len(data.classes) == 2
        loss_key, err_key = ("logloss", "error") if binary else ("mlogloss", "merror")
        metrics = [loss_key, err_key]
        y, yv = data.y_enc, data.y_val_enc
    else:
        loss_key, err_key = "rmse", None
        metrics = ["rmse"]
        y, yv = data.y, data.y_val
    var_train = float(np.var(data.y)) if not cls else 0.0
    var_val = float(np.var(data.y_val)) if (not cls and data.has_val) else 0.0

    class _Monitor(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            tr = evals_log["validation_0"]
            va = evals_log.get("validation_1")
            t_loss = tr[loss_key][-1]
            v_loss = va[loss_key][-1] if va else None
            if cls:
                t_met = 1.0 - tr[err_key][-1]
                v_met = 1.0 - va[err_key][-1] if va else None
            else:
                t_met = 1.0 - t_loss**2 / var_train if var_train else None
                v_met = 1.0 - v_loss**2 / var_val if (va and var_val) else None
            return rec.record(epoch + 1, t_loss, v_loss, v_met, t_met)

        def after_training(self, model: Any) -> Any:
            best = rec.best_record
            if rec.early_stopping and best is not None and best["iteration"] < model.num_boosted_rounds():
                return model[: best["iteration"]]
            return model

    saved = (est.callbacks, est.eval_metric)
    est.callbacks, est.eval_metric = [_Monitor()], metrics
    eval_set = [(data.X, y)] + ([(data.X_val, yv)] if data.has_val else [])
    # the training pair must be the same objects (and weights) for xgboost to reuse its DMatrix
    sw_eval = None if data.sample_weight is None else [data.sample_weight] + [None] * (len(eval_set) - 1)
    try:
        est.fit(data.X, y, sample_weight=data.sample_weight, eval_set=eval_set,
                sample_weight_eval_set=sw_eval, verbose=False)
    finally:
        # a fitted model must not hold the callback (it references this job) nor our metrics
        est.callbacks, est.eval_metric = saved
    return est


def fit_lightgbm(est: Any, data: FitData, rec: Recorder) -> Any:
    """Fit an LGBMClassifier/LGBMRegressor with a per-round callback; returns the fitted estimator."""
    import lightgbm as lgb

    cls = data.task == "classification"
    binary = cls and len(data.classes) == 2
    if cls:
        loss_key, err_key = ("binary_logloss", "binary_error") if binary else ("multi_logloss", "multi_error")
    else:
        loss_key, err_key = "rmse", None
    var_train = float(np.var(data.y)) if not cls else 0.0
    var_val = float(np.var(data.y_val)) if (not cls and data.has_val) else 0.0
    state: dict[str, Any] = {"best_eval": None}

    def monitor(env: Any) -> None:
        values = {(r[0], r[1]): r[2] for r in env.evaluation_result_list}
        t_loss = values[("train", loss_key)]
        v_loss = values.get(("validation", loss_key))
        if cls:
            t_met = 1.0 - values[("train", err_key)]
            v_met = None if v_loss is None else 1.0 - values[("validation", err_key)]
        else:
            t_met = 1.0 - t_loss**2 / var_train if var_train else None
            v_met = 1.0 - v_loss**2 / var_val if (v_loss is not None and var_val) else None
        before = rec.best_index
        stop = rec.record(env.iteration + 1, t_loss, v_loss, v_met, t_met)
        if rec.best_index != before:
            state["best_eval"] = env.evaluation_result_list
        last = env.iteration + 1 >= env.end_iteration
        if rec.early_stopping and rec.best_index is not None and (stop or last):
            best_iter = rec.history[rec.best_index]["iteration"]
            if stop or best_iter < env.iteration + 1:
                # lightgbm records best_iteration and predicts with it by default
                raise lgb.callback.EarlyStopException(best_iter - 1, state["best_eval"])

    monitor.order = 30  # type: ignore[attr-defined]
    names = ["train"] + (["validation"] if data.has_val else [])
    if cls:
        # lightgbm 4.7's LGBMClassifier label-encodes eval_set targets but not eval_y, so string
        # labels need the (deprecated) eval_set path; it also keeps the training set shared.
        eval_set = [(data.X, data.y)] + ([(data.X_val, data.y_val)] if data.has_val else [])
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*eval_set.*deprecated.*")
            est.fit(data.X, data.y, sample_weight=data.sample_weight, eval_set=eval_set, eval_names=names,
                    eval_metric=["error"], callbacks=[monitor])
    else:
        eval_X = (data.X,) + ((data.X_val,) if data.has_val else ())
        eval_y = (data.y,) + ((data.y_val,) if data.has_val else ())
        est.fit(data.X, data.y, sample_weight=data.sample_weight, eval_X=eval_X, eval_y=eval_y, eval_names=names,
                eval_metric=["rmse"], callbacks=[monitor])
    _drop_trees_after_best(est)
    return est


def _drop_trees_after_best(est: Any) -> None:
    """Keep only the best iteration's trees, so export and feature importances see the same model."""
    import lightgbm as lgb

    booster = est.booster_
    best = booster.best_iteration
    if not best or best >= booster.current_iteration():
        return
    trimmed = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
    trimmed.best_iteration = best
    est._Booster = trimmed

