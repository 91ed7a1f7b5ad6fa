"""EvaluationResult and the functions that produce one from predictions or a pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError
from mlcore.evaluation._bootstrap import bootstrap_resamples
from mlcore.evaluation._common import (
    as_array,
    check_lengths,
    check_task,
    label_space,
    proba_2d,
    to_python,
)
from mlcore.evaluation._metrics import classification_metrics, regression_metrics
from mlcore.evaluation._threshold import apply_threshold
from mlcore.jobs import JobContext

from mlcore.vocab import EVALUATION_METRICS as HEADLINE


@dataclass
class EvaluationResult:
    """Metrics, intervals and the predictions behind them for one model on one set of rows."""

    task: str
    metrics: dict[str, Any]
    intervals: dict[str, tuple[float | None, float | None]]
    n_rows: int
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray | None = None
    classes: list[Any] | None = None
    threshold: float | None = None
    feature_names: list[str] | None = None
    level: float = 0.95
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_binary(self) -> bool:
        return self.task == "classification" and self.classes is not None and len(self.classes) == 2

    @property
    def kind(self) -> str:
        """'binary', 'multiclass' or 'regression'."""
        if self.task == "regression":
            return "regression"
        return "binary" if len(self.metrics.get("labels", self.classes or [])) <= 2 else "multiclass"

    @property
    def headline(self) -> tuple[str, ...]:
        """The metric names worth showing first, in order (only those that have a value)."""
        return tuple(m for m in HEADLINE[self.kind] if self.metrics.get(m) is not None)

    @property
    def positive_proba(self) -> np.ndarray | None:
        return None if self.proba is None or not self.is_binary else self.proba[:, 1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary: metrics, intervals, setup; predictions summarised, not listed."""
        out: dict[str, Any] = {
            "task": self.task,
            "n_rows": self.n_rows,
            "metrics": self.metrics,
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "confidence_level": self.level,
            "classes": self.classes,
            "threshold": self.threshold,
            "feature_names": self.feature_names,
            "meta": self.meta,
        }
        if self.task == "classification":
            values, counts = np.unique(self.y_pred.astype(str), return_counts=True)
            out["prediction_counts"] = dict(zip(values.tolist(), counts.tolist()))
        else:
            out["prediction_summary"] = {
                "mean": float(np.mean(self.y_pred)),
                "std": float(np.std(self.y_pred)),
                "min": float(np.min(self.y_pred)),
                "max": float(np.max(self.y_pred)),
            }
        return to_python(out)


def evaluate_predictions(
    task: str,
    y_true: Any,
    y_pred: Any,
    proba: Any = None,
    classes: Any = None,
    *,
    threshold: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    feature_names: list[str] | None = None,
    ctx: JobContext | None = None,
    deadline: float | None = None,
) -> EvaluationResult:
    """Metrics and bootstrap intervals from predictions already made.

    ``deadline`` (``time.perf_counter()``): the bootstrap stops drawing resamples there, keeping the
    ones it has (at least a few dozen); ``meta["bootstrap_resamples"]`` says how many.
    """
    check_task(task)
    yt, yp = as_array(y_true, "y_true"), as_array(y_pred, "y_pred")
    missing = int(pd.isna(yt).sum())
    if missing:
        raise DataValidationError(f"{missing} of {len(yt)} rows have no target value; drop them before evaluating")
    if task == "regression":
        check_lengths(y_true=yt, y_pred=yp)
        yt, yp = _numeric(yt, "y_true"), _numeric(yp, "y_pred")
        metrics = regression_metrics(yt, yp)
        intervals, drawn = (bootstrap_resamples(task, yt, yp, n_boot=n_boot, seed=seed, level=level, ctx=ctx,
                                                deadline=deadline) if n_boot else ({}, 0))
        return EvaluationResult(task, metrics, intervals, len(yt), yt, yp, feature_names=feature_names, level=level,
                                meta={"bootstrap_resamples": drawn})
    p = proba_2d(proba)
    if classes is None and p is not None:
        classes = label_space(yt, yp)
        if len(classes) != p.shape[1]:
            raise DataValidationError(
                f"cannot tell which class each of the {p.shape[1]} probability columns belongs to; pass classes"
            )
    classes = None if classes is None else to_python(list(classes))
    if threshold is not None:
        if p is None or classes is None or len(classes) != 2:
            raise ConfigError("a decision threshold needs a binary classifier with predicted probabilities")
        yp = apply_threshold(p, classes, threshold)
    check_lengths(y_true=yt, y_pred=yp, proba=p)
    metrics = classification_metrics(yt, yp, p, classes)
    intervals, drawn = (
        bootstrap_resamples(task, yt, yp, p, classes, n_boot=n_boot, seed=seed, level=level, ctx=ctx,
                            deadline=deadline) if n_boot else ({}, 0)
    )
    if threshold is None and classes is not None and len(classes) == 2 and p is not None:
        threshold = 0.5  # what predict() does for a probabilistic binary classifier
    return EvaluationResult(
        task, metrics, intervals, len(yt), yt, yp, p, classes, threshold, feature_names, level,
        meta={"bootstrap_resamples": drawn},
    )


def _numeric(arr: np.ndarray, name: str) -> np.ndarray:
    try:
        return arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(f"regression needs numeric {name}; {exc}") from None


def evaluate_pipeline(
    pipeline: Any,
    X: pd.DataFrame,
    y: Any,
    task: str,
    threshold: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    ctx: JobContext | None = None,
    level: float = 0.95,
    deadline: float | None = None,
) -> EvaluationResult:
    """Predict ``X`` with a fitted pipeline and evaluate against ``y`` (threshold for binary).

    ``deadline``: see :func:`evaluate_predictions` (the bootstrap stops there)."""
    check_task(task)
    ctx = ctx or JobContext()
    if len(X) == 0:
        raise DataValidationError("nothing to evaluate: the evaluation data has zero rows")
    if len(X) != len(y):
        raise DataValidationError(f"X has {len(X)} rows but the target has {len(y)}")
    y = as_array(y, "target")
    probabilistic = task == "classification" and hasattr(pipeline, "predict_proba")
    if threshold is not None and not probabilistic:
        raise ConfigError("a decision threshold needs a classifier with predict_proba")
    ctx.progress(0.0, "predicting")
    try:
        if probabilistic:
            proba, classes = pipeline.predict_proba(X), list(pipeline.classes_)
            y_pred = apply_threshold(proba, classes, threshold) if threshold is not None else pipeline.predict(X)
        else:
            y_pred, proba, classes = pipeline.predict(X), None, getattr(pipeline, "classes_", None)
    except (KeyError, ValueError) as exc:  # missing columns, unconvertible values in the user's rows
        raise DataValidationError(f"the model could not predict these rows: {exc}") from exc
    ctx.check_cancelled()
    names = [str(c) for c in X.columns] if hasattr(X, "columns") else None
    result = evaluate_predictions(
        task, y, y_pred, proba, classes, threshold=threshold, n_boot=n_boot, seed=seed,
        level=level, feature_names=names, ctx=ctx.sub(0.1, 1.0), deadline=deadline,
    )
    ctx.progress(1.0, "evaluated")
    return result
