"""Scoring metrics of model selection: names, directions, and every metric of one fitted fold."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mlcore.errors import ConfigError

from mlcore import vocab

CLASSIFICATION_METRICS = vocab.SELECTION_METRICS["classification"]
REGRESSION_METRICS = vocab.SELECTION_METRICS["regression"]
NEEDS_PROBABILITIES = frozenset({"roc_auc", "log_loss"})


def task_metrics(task: str) -> tuple[str, ...]:
    """The metrics that can be computed for ``task``."""
    if task == "classification":
        return CLASSIFICATION_METRICS
    if task == "regression":
        return REGRESSION_METRICS
    raise ConfigError(f"unknown task type {task!r}; valid: classification, regression")


def resolve_metric(metric: str | None, task: str) -> str:
    """``metric`` checked against ``task`` (None: accuracy or r2); ConfigError listing valid names."""
    names = task_metrics(task)
    if metric is None:
        return names[0]
    key = str(metric).strip().lower()
    aliases = {"auc": "roc_auc", "f1": "f1_macro", "neg_log_loss": "log_loss", "mse": "rmse",
               "neg_root_mean_squared_error": "rmse", "neg_mean_absolute_error": "mae"}
    key = aliases.get(key, key)
    if key not in names:
        raise ConfigError(f"metric {metric!r} is not available for {task}; valid: {', '.join(names)}")
    return key


def higher_is_better(metric: str) -> bool:
    return vocab.higher_is_better(metric)


def is_better(a: float, b: float, metric: str) -> bool:
    """True when score ``a`` beats ``b`` (nan never beats anything)."""
    if a != a:
        return False
    if b != b:
        return True
    return a > b if higher_is_better(metric) else a < b


def _probabilities(model: Any, X: Any) -> tuple[np.ndarray | None, np.ndarray | None]:
    if not hasattr(model, "predict_proba"):
        return None, None
    try:
        return np.asarray(model.predict_proba(X), dtype=float), np.asarray(model.classes_)
    except (AttributeError, NotImplementedError):  # e.g. hard voting exposes no probabilities
        return None, None


def _safe(fn, *args, **kw) -> float:
    try:
        value = float(fn(*args, **kw))
    except ValueError:  # e.g. a fold whose test rows hold a single class
        return math.nan
    return value if math.isfinite(value) else math.nan


def _confusion_scores(y: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """accuracy, balanced accuracy and macro F1 from one confusion matrix (sklearn's definitions)."""
    labels, codes = np.unique(np.concatenate([y, y_pred]), return_inverse=True)
    k = len(labels)
    t, p = codes[: len(y)], codes[len(y):]
    cm = np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(float)
    tp = np.diag(cm)
    support, predicted = cm.sum(axis=1), cm.sum(axis=0)
    present = support > 0
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros(k), where=denom > 0)
    return {"accuracy": float(tp.sum() / len(y)),
            "balanced_accuracy": float(np.mean(tp[present] / support[present])),
            "f1_macro": float(f1.mean())}


def classification_scores(y: Any, y_pred: Any, proba: np.ndarray | None, classes: np.ndarray | None) -> dict:
    """accuracy, balanced accuracy, macro F1 and (with probabilities) ROC-AUC and log loss."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y)
    out = _confusion_scores(y, np.asarray(y_pred))
    if proba is None or classes is None:
        out["roc_auc"] = out["log_loss"] = math.nan
        return out
    if len(classes) == 2:
        out["roc_auc"] = _safe(roc_auc_score, y == classes[1], proba[:, 1])
    else:
        out["roc_auc"] = _safe(roc_auc_score, y, proba, multi_class="ovr", labels=classes)
    pos = np.searchsorted(classes, y)
    known = (pos < len(classes)) & (classes[np.minimum(pos, len(classes) - 1)] == y)
    if not known.all():  # a held-out class the model never saw: log loss is undefined
        out["log_loss"] = math.nan
    else:
        p = np.clip(proba, 1e-15, 1.0)
        p = p / p.sum(axis=1, keepdims=True)
        out["log_loss"] = float(-np.mean(np.log(p[np.arange(len(y)), pos])))
    return out


def regression_scores(y: Any, y_pred: Any) -> dict:
    """r2, rmse and mae."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y = np.asarray(y, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    return {"r2": _safe(r2_score, y, y_pred), "rmse": _safe(lambda a, b: math.sqrt(mean_squared_error(a, b)), y, y_pred),
            "mae": _safe(mean_absolute_error, y, y_pred)}


def fold_scores(model: Any, X: Any, y: Any, task: str) -> dict[str, float]:
    """Every metric of ``task`` for a fitted model on held-out rows (nan where undefined)."""
    if task == "regression":
        return regression_scores(y, model.predict(X))
    proba, classes = _probabilities(model, X)
    # the predicted class is the most probable one (what predict does), so predict once
    y_pred = model.predict(X) if proba is None else classes[np.argmax(proba, axis=1)]
    return classification_scores(y, y_pred, proba, classes)
