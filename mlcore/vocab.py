"""The shared words of ML Workbench: tasks, metrics, default models, preparation options.

The engine, the CLI's argparse choices and the window's combo boxes all read these names
from here; no other file lists metric names or default models (a test greps for copies).
This module imports nothing heavy, so the window and ``mlcore --help`` can read it at once.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "TASKS", "Metric", "METRICS", "metric", "metric_kind", "higher_is_better", "check_choice",
    "SELECTION_METRICS", "EVALUATION_METRICS", "INTERVAL_METRICS", "REPORT_METRICS", "CURVE_METRICS", "PER_CLASS_METRICS", "THRESHOLD_METRICS",
    "HEADLINE_METRICS", "DEFAULT_MODELS", "DEMO_MODELS",
    "MISSING_STRATEGIES", "OUTLIER_METHODS", "OUTLIER_ACTIONS", "SCALINGS", "NUMERIC_IMPUTATIONS",
    "CATEGORICAL_IMPUTATIONS", "ENCODINGS", "HIGH_CARDINALITY_ENCODINGS", "DATETIME_PARTS",
    "SELECTION_METHODS", "CLASS_WEIGHTS", "CV_KINDS", "TUNING_METHODS", "SPLITS", "MODEL_STATUSES",
    "JOB_KINDS", "UTILITY_JOB_KINDS", "JOB_STATUSES", "EXPORT_FORMATS",
]

TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Metric:
    """A metric's name and how to read it: ``kind`` loss (lower is better) or score (higher is better)."""

    name: str
    kind: str  # "loss" | "score"
    label: str

    @property
    def higher_is_better(self) -> bool:
        return self.kind == "score"

    @property
    def direction(self) -> str:
        return "maximize" if self.kind == "score" else "minimize"


def _m(name: str, kind: str, label: str) -> Metric:
    return Metric(name, kind, label)


METRICS: dict[str, Metric] = {m.name: m for m in (
    _m("accuracy", "score", "Accuracy"),
    _m("balanced_accuracy", "score", "Balanced accuracy"),
    _m("precision", "score", "Precision"),
    _m("recall", "score", "Recall"),
    _m("f1", "score", "F1"),
    _m("precision_macro", "score", "Precision (macro)"),
    _m("recall_macro", "score", "Recall (macro)"),
    _m("f1_macro", "score", "F1 (macro)"),
    _m("precision_weighted", "score", "Precision (weighted)"),
    _m("recall_weighted", "score", "Recall (weighted)"),
    _m("f1_weighted", "score", "F1 (weighted)"),
    _m("roc_auc", "score", "ROC-AUC"),
    _m("mcc", "score", "MCC"),
    _m("log_loss", "loss", "Log loss"),
    _m("r2", "score", "R²"),
    _m("rmse", "loss", "RMSE"),
    _m("mse", "loss", "MSE"),
    _m("mae", "loss", "MAE"),
    _m("mape", "loss", "MAPE"),
    _m("explained_variance", "score", "Explained variance"),
    _m("median_absolute_error", "loss", "Median absolute error"),
)}

# engine-specific spellings of losses that reach MetricEvent (xgboost/lightgbm curve names)
_LOSS_ALIASES = frozenset({"logloss", "mlogloss", "binary_logloss", "multi_logloss", "l1", "l2", "deviance",
                           "huber", "loss"})


def metric(name: str) -> Metric | None:
    """The metric named ``name`` (case-insensitive), or None for a name the vocabulary does not know."""
    return METRICS.get(str(name).strip().lower())


def metric_kind(name: str) -> str:
    """'loss' or 'score' for any metric name the engine reports (unknown names ending in 'loss' are losses)."""
    known = metric(name)
    if known is not None:
        return known.kind
    lowered = str(name).strip().lower()
    return "loss" if lowered in _LOSS_ALIASES or lowered.endswith("loss") or lowered.endswith("error") else "score"


def higher_is_better(name: str) -> bool:
    return metric_kind(name) == "score"


def check_choice(value: object, allowed: tuple, what: str) -> None:
    """ConfigError unless ``value`` is None or one of ``allowed`` (a request's filter or option)."""
    if value is not None and value not in allowed:
        from mlcore.errors import ConfigError

        raise ConfigError(f"{what} must be one of {list(allowed)}, not {value!r}.")


# what model selection (compare, tune) can score on; the first is the default
SELECTION_METRICS = {
    "classification": ("accuracy", "roc_auc", "f1_macro", "balanced_accuracy", "log_loss"),
    "regression": ("r2", "rmse", "mae"),
}
# what an evaluation computes, by problem kind (binary | multiclass | regression)
EVALUATION_METRICS = {
    "binary": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mcc"),
    "multiclass": ("accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "roc_auc", "log_loss", "mcc"),
    "regression": ("r2", "rmse", "mae", "mape", "explained_variance", "median_absolute_error"),
}
# which of them get bootstrap confidence intervals by default
INTERVAL_METRICS = {
    "binary": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc", "mcc",
               "log_loss"),
    "multiclass": ("accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "roc_auc", "mcc", "log_loss"),
    "regression": EVALUATION_METRICS["regression"],
}
# the rows of the report's metric table
REPORT_METRICS = {
    "binary": ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "precision_macro", "recall_macro",
               "f1_macro", "precision_weighted", "recall_weighted", "f1_weighted", "roc_auc", "log_loss", "mcc"),
    "multiclass": ("accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro",
                   "precision_weighted", "recall_weighted", "f1_weighted", "roc_auc", "log_loss", "mcc"),
    "regression": EVALUATION_METRICS["regression"],
}
# what a classifier reports per class, and what a decision threshold is judged by
PER_CLASS_METRICS = ("precision", "recall", "f1")
THRESHOLD_METRICS = ("precision", "recall", "f1", "accuracy")
# the (loss, metric) pair a monitored fit reports per iteration
CURVE_METRICS = {"classification": ("log_loss", "accuracy"), "regression": ("rmse", "r2")}
# the one metric shown first in job lists, registry tables and tuning summaries (first present wins)
HEADLINE_METRICS = ("accuracy", "f1", "f1_macro", "roc_auc", "r2", "rmse", "mae")

# what compare cross-validates (and the window pre-selects) when no models are named: ONE list
DEFAULT_MODELS = {
    "classification": ("random_forest", "xgboost", "logistic"),
    "regression": ("random_forest", "xgboost", "ridge"),
}
# iterative algorithms whose live curves make a good screenshot
DEMO_MODELS = ("xgboost", "lightgbm", "gradient_boosting", "hist_gradient_boosting", "sgd", "mlp")

# -- preparation options ------------------------------------------------------------
MISSING_STRATEGIES = ("mean", "median", "mode", "drop", "forward_fill", "backward_fill")
OUTLIER_METHODS = ("iqr", "zscore", "none")
OUTLIER_ACTIONS = ("remove", "clip")
SCALINGS = ("standard", "minmax", "robust", "none")
NUMERIC_IMPUTATIONS = ("mean", "median", "most_frequent", "constant", "none")  # none: trees see the gaps
CATEGORICAL_IMPUTATIONS = ("most_frequent", "constant")
ENCODINGS = ("onehot", "ordinal", "frequency")
HIGH_CARDINALITY_ENCODINGS = ("frequency", "ordinal")
DATETIME_PARTS = ("year", "month", "day", "weekday", "hour", "minute", "dayofyear", "quarter", "days")
SELECTION_METHODS = ("correlation", "mutual_info", "rfe", "tree_importance", "statistical", "chi2")
CLASS_WEIGHTS = (None, "balanced")
CV_KINDS = ("auto", "kfold", "stratified", "timeseries", "group")
TUNING_METHODS = ("grid", "random", "optuna")
SPLITS = ("test", "validation", "train", "all")

# -- registry and jobs ----------------------------------------------------------------
MODEL_STATUSES = ("training", "staged", "production", "archived")
JOB_KINDS = ("train", "compare", "tune", "automl", "evaluate", "predict-file", "export", "clean")
# jobs that fit no model (kept off the Training tab's job list)
UTILITY_JOB_KINDS = ("evaluate", "predict-file", "export", "clean")
JOB_STATUSES = ("pending", "running", "completed", "failed", "cancelled", "interrupted")
EXPORT_FORMATS = ("joblib", "skops", "onnx", "card")
