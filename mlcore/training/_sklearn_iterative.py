"""Monitored fits of scikit-learn's iterative ensembles: gradient boosting and AdaBoost (forests: ``_forest``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlcore.training._recorder import Recorder
from mlcore.training._scoring import FitData, proba_from_raw, score_classifier, score_regressor


def _as32(X: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(X, dtype=np.float32))


def _scores(data: FitData, train_out: np.ndarray, val_out: np.ndarray | None, raw: bool) -> tuple:
    """(train_loss, val_loss, val_metric, train_metric) from probabilities/predictions (or raw scores)."""
    if data.task == "classification":
        tp = proba_from_raw(train_out) if raw else train_out
        t_loss, t_met = score_classifier(data.y_enc, tp)
        if val_out is None:
            return t_loss, None, None, t_met
        vp = proba_from_raw(val_out) if raw else val_out
        v_loss, v_met = score_classifier(data.y_val_enc, vp)
        return t_loss, v_loss, v_met, t_met
    t_loss, t_met = score_regressor(data.y, train_out)
    if val_out is None:
        return t_loss, None, None, t_met
    v_loss, v_met = score_regressor(data.y_val, val_out)
    return t_loss, v_loss, v_met, t_met


# -- gradient boosting: fit(monitor=...) ----------------------------------------------
def fit_gradient_boosting(est: Any, data: FitData, rec: Recorder) -> Any:
    """Fit GradientBoosting* with a monitor that scores each stage incrementally."""
    Xv32 = _as32(data.X_val) if data.has_val else None
    state: dict[str, Any] = {"raw_val": None}

    def monitor(i: int, model: Any, local_vars: dict) -> bool:
        raw_train = local_vars.get("raw_predictions")
        if raw_train is None:  # pragma: no cover - sklearn internals moved
            raw_train = model._raw_predict(_as32(data.X))
        raw_val = None
        if Xv32 is not None:
            if state["raw_val"] is None:
                state["raw_val"] = model._raw_predict_init(Xv32)
            raw_val = state["raw_val"]
            for k, tree in enumerate(model.estimators_[i]):
                raw_val[:, k] += model.learning_rate * tree.predict(Xv32)
        t_loss, v_loss, v_met, t_met = _scores(data, raw_train, raw_val, raw=data.task == "classification")
        return rec.record(i + 1, t_loss, v_loss, v_met, t_met)

    est.fit(data.X, data.y, sample_weight=data.sample_weight, monitor=monitor)
    if rec.early_stopping and rec.best_record is not None:
        _truncate_gb(est, rec.best_record["iteration"])
    return est


def _truncate_gb(est: Any, n: int) -> None:
    if n >= est.estimators_.shape[0]:
        return
    est.estimators_ = est.estimators_[:n]
    est.train_score_ = est.train_score_[:n]
    for attr in ("oob_improvement_", "oob_scores_"):
        if hasattr(est, attr):
            setattr(est, attr, getattr(est, attr)[:n])
    if hasattr(est, "oob_scores_"):
        est.oob_score_ = est.oob_scores_[-1]
    est.n_estimators_ = n


# -- AdaBoost: a hook around each boosting round ------------------------------------------
def fit_adaboost(est: Any, data: FitData, rec: Recorder) -> Any:
    """Fit AdaBoost* with a per-round hook: live scores (classifier), cancel and early stop.

    sklearn has no public per-round callback for AdaBoost, so the instance's ``_boost`` step is
    wrapped for the duration of the fit (returning ``None`` ends sklearn's loop cleanly). The
    classifier's SAMME scores are accumulated round by round; the regressor's weighted-median
    prediction is not incremental, so its curve is read from ``staged_predict`` after the fit.
    """
    original = getattr(type(est), "_boost", None)
    if original is None:  # pragma: no cover - sklearn internals moved: staged curve only
        est.fit(data.X, data.y, sample_weight=data.sample_weight)
        return _adaboost_staged(est, data, rec)
    cls = data.task == "classification"
    Xv = np.asarray(data.X_val) if data.has_val else None
    state: dict[str, Any] = {"train": None, "val": None, "weight": 0.0}

    def boost(iboost: int, X: Any, y: Any, sample_weight: Any, random_state: Any) -> tuple:
        rec.check()
        out = original(est, iboost, X, y, sample_weight, random_state)
        if not cls or out[0] is None:
            return out
        stage, weight = est.estimators_[-1], float(out[1])
        state["train"] = _samme_add(state["train"], stage.predict(X), weight, est.classes_)
        if Xv is not None:
            state["val"] = _samme_add(state["val"], stage.predict(Xv), weight, est.classes_)
        state["weight"] += weight
        k = len(est.classes_)
        train_p = _samme_proba(state["train"], state["weight"], k)
        val_p = None if Xv is None else _samme_proba(state["val"], state["weight"], k)
        t_loss, v_loss, v_met, t_met = _scores(data, train_p, val_p, raw=False)
        if rec.record(iboost + 1, t_loss, v_loss, v_met, t_met):
            return None, None, None  # sklearn's loop ends on a None sample weight
        return out

    est._boost = boost
    try:
        est.fit(data.X, data.y, sample_weight=data.sample_weight)
    finally:
        vars(est).pop("_boost", None)  # the fitted model must not keep the hook
    if not cls:
        _adaboost_staged(est, data, rec)
    if rec.early_stopping and rec.best_record is not None:
        n = rec.best_record["iteration"]
        if n < len(est.estimators_):
            est.estimators_ = est.estimators_[:n]
            est.estimator_weights_ = est.estimator_weights_[:n]
            est.estimator_errors_ = est.estimator_errors_[:n]
    return est


def _samme_add(acc: np.ndarray | None, pred: np.ndarray, weight: float, classes: np.ndarray) -> np.ndarray:
    """Add one SAMME vote (weight for the predicted class, -weight/(K-1) for the others)."""
    k = len(classes)
    vote = np.where(pred[:, None] == classes[None, :], weight, -weight / (k - 1))
    return vote if acc is None else acc + vote


def _samme_proba(acc: np.ndarray, total_weight: float, k: int) -> np.ndarray:
    """AdaBoostClassifier.predict_proba from the accumulated votes (sklearn's formula)."""
    decision = acc / total_weight if total_weight > 0 else np.zeros_like(acc)
    if k == 2:
        d = decision[:, 1] - decision[:, 0]
        z = np.column_stack([-d, d]) / 2
    else:
        z = decision / (k - 1)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _adaboost_staged(est: Any, data: FitData, rec: Recorder) -> Any:
    """Record one point per stage from staged predictions of a fitted AdaBoost."""
    cls = data.task == "classification"
    staged = est.staged_predict_proba if cls else est.staged_predict
    val_iter = staged(data.X_val) if data.has_val else None
    for i, train_out in enumerate(staged(data.X)):
        val_out = next(val_iter) if val_iter is not None else None
        t_loss, v_loss, v_met, t_met = _scores(data, train_out, val_out, raw=False)
        if rec.record(i + 1, t_loss, v_loss, v_met, t_met):
            break
    return est
