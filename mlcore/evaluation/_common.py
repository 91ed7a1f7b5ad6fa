"""Shared helpers for the evaluation engine: label spaces, task inference, JSON conversion."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mlcore.jsonsafe import json_safe
from mlcore.errors import ConfigError, DataValidationError

TASKS = ("classification", "regression")


def check_task(task: str) -> str:
    """Return ``task`` if it is a known task type, else raise ConfigError."""
    if task not in TASKS:
        raise ConfigError(f"unknown task type {task!r}: use 'classification' or 'regression'")
    return task


def as_array(values: Any, name: str = "values") -> np.ndarray:
    """A 1-D numpy array from a list, Series or array (pandas text becomes object)."""
    if isinstance(values, (pd.Series, pd.Index)):
        arr = values.to_numpy()
    else:
        arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise DataValidationError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def check_lengths(**arrays: Any) -> int:
    """Raise DataValidationError unless all given arrays have the same, non-zero length."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}={n}" for k, n in lengths.items())
        raise DataValidationError(f"lengths differ: {detail}")
    n = next(iter(lengths.values()), 0)
    if n == 0:
        raise DataValidationError("nothing to evaluate: zero rows")
    return n


def _sort_key(label: Any) -> tuple[int, Any]:
    # numbers before text, so mixed label sets still sort deterministically
    if isinstance(label, (int, float, np.integer, np.floating)) and not isinstance(label, bool):
        return (0, float(label))
    return (1, str(label))


def label_space(y_true: np.ndarray, y_pred: np.ndarray, classes: Any = None) -> list[Any]:
    """The labels to report on: ``classes`` first (model order), then any extra seen labels."""
    base = [] if classes is None else list(classes)
    known = set(base)
    extra = {v for v in pd.unique(np.concatenate([y_true, y_pred]).astype(object)) if v not in known}
    extra = [v for v in extra if not (isinstance(v, float) and math.isnan(v))]
    return base + sorted(extra, key=_sort_key)


def label_codes(values: np.ndarray, labels: list[Any]) -> np.ndarray:
    """Index of each value in ``labels`` (-1 when absent)."""
    return pd.Index(pd.array(labels, dtype=object)).get_indexer(pd.array(values, dtype=object))


def proba_2d(proba: Any, n_classes: int | None = None) -> np.ndarray | None:
    """Probabilities as an (n, k) float array; a 1-D positive-class vector becomes two columns."""
    if proba is None:
        return None
    p = np.asarray(proba, dtype=float)
    if p.ndim == 1:
        p = np.column_stack([1.0 - p, p])
    if p.ndim != 2:
        raise DataValidationError(f"probabilities must be 1-D or 2-D, got shape {p.shape}")
    if n_classes is not None and p.shape[1] != n_classes:
        raise DataValidationError(
            f"probabilities have {p.shape[1]} columns but there are {n_classes} classes"
        )
    return p


def infer_task(y: Any) -> str:
    """Guess 'regression' for continuous numeric targets, else 'classification'."""
    arr = as_array(y)
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        if finite.size and (np.any(finite != np.round(finite)) or np.unique(finite).size > 20):
            return "regression"
        return "classification"
    if arr.dtype.kind in "iu" and np.unique(arr).size > 20:
        return "regression"
    return "classification"


to_python = json_safe  # the one JSON-safety helper, under its old name here
