"""Cheap numpy losses and metrics used by the monitors (names match what the history reports)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mlcore.models._wrappers import encode_labels

EPS = 1e-15


@dataclass
class FitData:
    """Training and validation rows plus the encodings every monitor needs."""

    X: Any
    y: np.ndarray
    X_val: Any
    y_val: np.ndarray | None
    sample_weight: np.ndarray | None
    task: str
    classes: np.ndarray | None = None
    y_enc: np.ndarray | None = None
    y_val_enc: np.ndarray | None = None

    @classmethod
    def make(cls, X: Any, y: Any, X_val: Any, y_val: Any, sample_weight: Any, task: str) -> "FitData":
        y_arr = np.asarray(y)
        yv = None if y_val is None else np.asarray(y_val)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        data = cls(X, y_arr, X_val, yv, sw, task)
        if task == "classification":
            data.classes = np.unique(y_arr)
            data.y_enc = encode_labels(data.classes, y_arr, "training target")
            if yv is not None:
                data.y_val_enc = encode_labels(data.classes, yv, "validation target")
        else:
            data.y = y_arr.astype(float)
            data.y_val = None if yv is None else yv.astype(float)
        return data

    @property
    def has_val(self) -> bool:
        return self.X_val is not None and self.y_val is not None


def names_for(task: str) -> tuple[str, str]:
    """(loss name, metric name) reported for a task."""
    from mlcore.vocab import CURVE_METRICS

    return CURVE_METRICS["classification" if task == "classification" else "regression"]


def log_loss(y_enc: np.ndarray, proba: np.ndarray) -> float:
    """Mean negative log-likelihood of the true class."""
    p = np.clip(proba[np.arange(len(y_enc)), y_enc], EPS, 1.0)
    return float(-np.mean(np.log(p)))


def accuracy(y_enc: np.ndarray, proba: np.ndarray) -> float:
    return float(np.mean(np.argmax(proba, axis=1) == y_enc))


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred, dtype=float).ravel() - y) ** 2)))


def r2_from_rmse(y: np.ndarray, rmse_value: float) -> float:
    """R² = 1 - MSE / Var(y), exact for the population variance."""
    var = float(np.var(y))
    return float("nan") if var == 0 else 1.0 - rmse_value**2 / var


def proba_from_raw(raw: np.ndarray) -> np.ndarray:
    """Class probabilities from boosting raw scores: sigmoid for one column, softmax otherwise."""
    if raw.ndim == 1 or raw.shape[1] == 1:
        p1 = 1.0 / (1.0 + np.exp(-raw.reshape(-1)))
        return np.column_stack([1.0 - p1, p1])
    z = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def full_proba(model: Any, X: Any, classes: np.ndarray) -> np.ndarray:
    """predict_proba with one column per class of ``classes`` (zeros for classes the model never saw)."""
    proba = model.predict_proba(X)
    model_classes = np.asarray(model.classes_)
    if len(model_classes) == len(classes) and np.all(model_classes == classes):
        return proba
    out = np.zeros((proba.shape[0], len(classes)))
    out[:, np.searchsorted(classes, model_classes)] = proba
    return out


def score_classifier(y_enc: np.ndarray, proba: np.ndarray) -> tuple[float, float]:
    """(log loss, accuracy)."""
    return log_loss(y_enc, proba), accuracy(y_enc, proba)


def score_regressor(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """(RMSE, R²)."""
    r = rmse(y, pred)
    return r, r2_from_rmse(y, r)
