"""Error analysis: the worst predictions with their input rows, and example predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlcore.evaluation._common import as_array, check_lengths, check_task, infer_task, label_codes, proba_2d


def _free_name(df: pd.DataFrame, name: str) -> str:
    """``name``, or ``name_`` ... when the input rows already have such a column."""
    while name in df.columns:
        name += "_"
    return name


def _frame(X: Any, n: int) -> pd.DataFrame:
    if X is None:
        return pd.DataFrame(index=pd.RangeIndex(n))
    df = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    df.columns = [str(c) for c in df.columns]
    return df


def row_losses(
    task: str, y_true: Any, y_pred: Any, proba: Any = None, classes: Any = None
) -> tuple[str, np.ndarray]:
    """Per-row loss: log loss of the true class (or 0/1 miss) for classification, |error| for regression."""
    yt, yp = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    if task == "regression":
        return "abs_error", np.abs(yp.astype(float) - yt.astype(float))
    p = proba_2d(proba)
    if p is None or classes is None:
        return "misclassified", (yt != yp).astype(float)
    codes = label_codes(yt, list(classes))
    eps = np.finfo(float).eps
    p_true = np.where(codes >= 0, p[np.arange(len(yt)), np.maximum(codes, 0)], 0.0)
    return "log_loss", -np.log(np.clip(p_true, eps, 1.0))


def worst_predictions(
    X: Any,
    y_true: Any,
    y_pred: Any,
    proba: Any = None,
    classes: Any = None,
    task: str | None = None,
    n: int = 20,
) -> pd.DataFrame:
    """The ``n`` rows with the largest loss (or absolute error), with their inputs, actual and predicted."""
    yt, yp = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    task = check_task(task or infer_task(yt))
    rows = check_lengths(y_true=yt, y_pred=yp, X=None if X is None else X)
    df = _frame(X, rows)
    loss_name, loss = row_losses(task, yt, yp, proba, classes)
    actual, predicted = _free_name(df, "actual"), _free_name(df, "predicted")
    df[actual], df[predicted] = yt, yp
    if task == "regression":
        df[_free_name(df, "error")] = yp.astype(float) - yt.astype(float)
    elif proba is not None and classes is not None:
        p = proba_2d(proba)
        codes = label_codes(yt, list(classes))
        df[_free_name(df, "p_actual")] = np.where(codes >= 0, p[np.arange(rows), np.maximum(codes, 0)], 0.0)
    df[_free_name(df, loss_name)] = loss
    order = np.argsort(-loss, kind="stable")[: max(0, int(n))]
    return df.iloc[order]


def prediction_examples(
    X: Any, y_true: Any, y_pred: Any, n: int = 5, task: str | None = None, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """A few 'correct' and 'incorrect' rows (regression: smallest and largest absolute error)."""
    yt, yp = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    task = check_task(task or infer_task(yt))
    rows = check_lengths(y_true=yt, y_pred=yp, X=None if X is None else X)
    df = _frame(X, rows)
    actual, predicted = _free_name(df, "actual"), _free_name(df, "predicted")
    df[actual], df[predicted] = yt, yp
    if task == "regression":
        err = np.abs(yp.astype(float) - yt.astype(float))
        df[_free_name(df, "abs_error")] = err
        order = np.argsort(err, kind="stable")
        return {"correct": df.iloc[order[:n]], "incorrect": df.iloc[order[::-1][:n]]}
    rng = np.random.default_rng(seed)
    hit = yt == yp
    out = {}
    for name, mask in (("correct", hit), ("incorrect", ~hit)):
        idx = np.flatnonzero(mask)
        pick = np.sort(rng.choice(idx, size=min(n, idx.size), replace=False)) if idx.size else idx
        out[name] = df.iloc[pick]
    return out
