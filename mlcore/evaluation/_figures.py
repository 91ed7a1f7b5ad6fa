"""Evaluation figures as matplotlib Figure objects built without pyplot's global state.

Every figure is a fresh ``matplotlib.figure.Figure`` drawn through scikit-learn's display
classes (or seaborn) with an explicit ``ax``, so building one in a worker thread is safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError
from mlcore.evaluation._common import as_array, label_space, proba_2d

_CLASSIFICATION = [
    "confusion_matrix", "confusion_matrix_normalized", "roc", "precision_recall",
    "calibration", "feature_importance", "loss_curves",
]
FIGURE_KINDS: dict[str, list[str]] = {
    "classification": list(_CLASSIFICATION),
    "binary": list(_CLASSIFICATION),
    "multiclass": list(_CLASSIFICATION),
    "regression": ["residuals", "predicted_vs_actual", "feature_importance", "loss_curves"],
}
FIGURE_TITLES = {
    "confusion_matrix": "Confusion matrix",
    "confusion_matrix_normalized": "Confusion matrix (normalised by actual class)",
    "roc": "ROC curve",
    "precision_recall": "Precision-recall curve",
    "calibration": "Calibration curve",
    "feature_importance": "Feature importance",
    "residuals": "Residuals",
    "predicted_vs_actual": "Predicted vs actual",
    "loss_curves": "Training curves",
}
_NEEDS_PROBA = {"roc", "precision_recall", "calibration"}


def new_figure(width: float = 6.4, height: float = 4.8):
    """A figure not registered with pyplot (safe off the main thread)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _classes_for(y_true: np.ndarray, proba: np.ndarray, classes: Any) -> list[Any]:
    if classes is not None:
        return list(classes)
    found = label_space(y_true, y_true)
    if len(found) != proba.shape[1]:
        raise ConfigError(f"{proba.shape[1]} probability columns but {len(found)} classes in y_true; pass classes")
    return found


def confusion_matrix_figure(y_true: Any, y_pred: Any, labels: Any = None, normalize: bool = False):
    """Confusion matrix of counts, or of row-normalised rates."""
    from sklearn.metrics import ConfusionMatrixDisplay

    yt, yp = as_array(y_true), as_array(y_pred)
    labels = label_space(yt, yp, labels)
    k = len(labels)
    fig = new_figure(max(5.0, 0.6 * k + 3), max(4.0, 0.6 * k + 2))
    ax = fig.add_subplot()
    ConfusionMatrixDisplay.from_predictions(
        yt, yp, labels=labels, display_labels=[str(v) for v in labels],
        normalize="true" if normalize else None, values_format=".2f" if normalize else "d",
        include_values=k <= 25, cmap="Blues", ax=ax, xticks_rotation="vertical" if k > 6 else "horizontal",
    )
    ax.set_title(FIGURE_TITLES["confusion_matrix_normalized" if normalize else "confusion_matrix"])
    return fig


def _one_vs_rest(y_true, proba, classes):
    """(name, truth, score, pos_label) per curve: one for binary, one per class otherwise."""
    yt = as_array(y_true)
    p = proba_2d(proba)
    classes = _classes_for(yt, p, classes)
    if len(classes) == 2:
        return [(f"positive = {classes[1]}", yt, p[:, 1], classes[1])]
    return [(str(c), yt == c, p[:, i], True) for i, c in enumerate(classes) if (yt == c).any()]


def roc_figure(y_true: Any, proba: Any, classes: Any = None):
    """ROC curve (binary) or one-vs-rest ROC curves per class (multiclass)."""
    from sklearn.metrics import RocCurveDisplay

    fig = new_figure()
    ax = fig.add_subplot()
    curves = _one_vs_rest(y_true, proba, classes)
    for i, (name, truth, score, pos) in enumerate(curves):
        RocCurveDisplay.from_predictions(
            truth, score, pos_label=pos, name=name, ax=ax, plot_chance_level=i == len(curves) - 1
        )
    if len(curves) > 1:
        ax.set(xlabel="False positive rate (class vs rest)", ylabel="True positive rate (class vs rest)")
    ax.set_title(FIGURE_TITLES["roc"] + ("" if len(curves) == 1 else " (one vs rest)"))
    return fig


def precision_recall_figure(y_true: Any, proba: Any, classes: Any = None):
    """Precision-recall curve (binary) or one per class (multiclass)."""
    from sklearn.metrics import PrecisionRecallDisplay

    fig = new_figure()
    ax = fig.add_subplot()
    curves = _one_vs_rest(y_true, proba, classes)
    for name, truth, score, pos in curves:
        PrecisionRecallDisplay.from_predictions(truth, score, pos_label=pos, name=name, ax=ax)
    if len(curves) > 1:
        ax.set(xlabel="Recall (class vs rest)", ylabel="Precision (class vs rest)")
    ax.set_title(FIGURE_TITLES["precision_recall"] + ("" if len(curves) == 1 else " (one vs rest)"))
    return fig


def calibration_figure(y_true: Any, proba: Any, classes: Any = None, n_bins: int = 10):
    """Reliability curve: observed frequency against predicted probability."""
    from sklearn.calibration import CalibrationDisplay

    fig = new_figure()
    ax = fig.add_subplot()
    curves = _one_vs_rest(y_true, proba, classes)
    bins = max(2, min(n_bins, len(as_array(y_true)) // 10))
    for i, (name, truth, score, pos) in enumerate(curves):
        CalibrationDisplay.from_predictions(
            truth, score, n_bins=bins, pos_label=pos, name=name, ax=ax, ref_line=i == 0
        )
    if len(curves) > 1:
        ax.set(xlabel="Mean predicted probability of the class", ylabel="Fraction of rows in the class")
    ax.set_title(FIGURE_TITLES["calibration"])
    return fig


def feature_importance_figure(importance: pd.DataFrame, top_n: int = 20):
    """Horizontal bars of the ``top_n`` most important features (with std when known)."""
    import seaborn as sns

    if importance is None or len(importance) == 0:
        raise ConfigError("no feature importance to plot")
    top = importance.sort_values("importance", ascending=False).head(top_n)
    fig = new_figure(7.0, max(3.0, 0.3 * len(top) + 1.5))
    ax = fig.add_subplot()
    sns.barplot(x=top["importance"].to_numpy(), y=top["feature"].astype(str).to_numpy(), ax=ax, color="#4c72b0")
    if "std" in top and top["std"].notna().any():
        ax.errorbar(top["importance"], np.arange(len(top)), xerr=top["std"].fillna(0), fmt="none", ecolor="black")
    source = ", ".join(sorted(set(map(str, top.get("source", pd.Series(["?"]))))))
    ax.set_xlabel(f"importance ({source})")
    ax.set_title(FIGURE_TITLES["feature_importance"])
    return fig


def residuals_figure(y_true: Any, y_pred: Any):
    """Residuals against predictions, beside the distribution of residuals."""
    import seaborn as sns
    from sklearn.metrics import PredictionErrorDisplay

    yt, yp = as_array(y_true).astype(float), as_array(y_pred).astype(float)
    fig = new_figure(10.0, 4.5)
    ax1, ax2 = fig.subplots(1, 2)
    PredictionErrorDisplay.from_predictions(yt, yp, kind="residual_vs_predicted", ax=ax1, random_state=0)
    ax1.set_title("Residuals vs predicted")
    sns.histplot(x=yt - yp, kde=len(yt) > 2, ax=ax2)
    ax2.set_xlabel("residual (actual - predicted)")
    ax2.set_title("Residual distribution")
    return fig


def predicted_vs_actual_figure(y_true: Any, y_pred: Any):
    """Actual values against predictions with the ideal diagonal."""
    from sklearn.metrics import PredictionErrorDisplay

    fig = new_figure(5.5, 5.0)
    ax = fig.add_subplot()
    PredictionErrorDisplay.from_predictions(
        as_array(y_true).astype(float), as_array(y_pred).astype(float), kind="actual_vs_predicted", ax=ax, random_state=0
    )
    ax.set_title(FIGURE_TITLES["predicted_vs_actual"])
    return fig


_LOSS_COLS = ("train_loss", "val_loss")
_SCORE_COLS = ("train_metric", "val_metric", "train_score", "val_score")


def loss_curves_figure(history: list[dict]):
    """Train/validation loss per iteration with the metric on a twin axis; learning curves too.

    A record is a learning-curve point when its ``mode`` is "learning_curve" or it carries a
    ``train_size`` (as mlcore.training records them); its x value is then the training size.
    """
    if not history:
        raise ConfigError("no training history to plot")
    df = pd.DataFrame(history)
    if "iteration" not in df and "train_size" not in df:
        raise ConfigError("training history records need an 'iteration' or 'train_size' field")
    mode = df["mode"] if "mode" in df else pd.Series(np.nan, index=df.index, dtype=object)
    sized = df["train_size"].notna() if "train_size" in df else pd.Series(False, index=df.index)
    df["mode"] = mode.where(mode.notna(), np.where(sized, "learning_curve", "iterations"))
    x = df["iteration"] if "iteration" in df else pd.Series(np.nan, index=df.index)
    if "train_size" in df:
        x = x.where(~((df["mode"] == "learning_curve") & sized), df["train_size"])
    df["_x"] = pd.to_numeric(x, errors="coerce")
    modes = list(dict.fromkeys(df["mode"]))
    fig = new_figure(7.0, 4.0 * len(modes))
    for ax, m in zip(np.atleast_1d(fig.subplots(len(modes), 1)), modes):
        _draw_history(ax, df[df["mode"] == m].sort_values("_x"), m)
    return fig


def _draw_history(ax, df: pd.DataFrame, mode: str) -> None:
    x = df["_x"]
    metric = next((str(v) for v in df.get("metric_name", pd.Series(dtype=object)).dropna()), "metric")
    losses = [c for c in _LOSS_COLS if c in df and df[c].notna().any()]
    scores = [c for c in _SCORE_COLS if c in df and df[c].notna().any()]
    if not losses and not scores:
        raise ConfigError(f"training history ({mode}) has no loss or metric values to plot")
    lines = []
    for c in losses:
        lines += ax.plot(x, pd.to_numeric(df[c], errors="coerce"), marker="." if len(df) < 30 else None,
                         label=c.replace("_", " "))
    ax.set_ylabel("loss" if losses else metric)
    score_ax = ax.twinx() if losses and scores else ax
    for c, style in zip(scores, ("--", ":", "--", ":")):
        label = f"{c.split('_')[0]} {metric}"
        lines += score_ax.plot(x, pd.to_numeric(df[c], errors="coerce"), linestyle=style, color=None,
                               marker="." if len(df) < 30 else None, label=label)
    if score_ax is not ax:
        score_ax.set_ylabel(metric)
    ax.set_xlabel("training examples" if mode == "learning_curve" else "iteration")
    ax.set_title("Learning curve" if mode == "learning_curve" else FIGURE_TITLES["loss_curves"])
    ax.legend(lines, [ln.get_label() for ln in lines], loc="best")
    ax.grid(alpha=0.3)


def _curve_problem(result: Any) -> str | None:
    """Why probability curves cannot be drawn for ``result``, or None when they can."""
    if result.proba is None or result.classes is None:
        return "needs predicted probabilities; this model has none"
    if len(set(map(str, result.y_true))) < 2:
        return "needs both classes among the true labels; only one occurs"
    return None


def available_figure_kinds(result: Any, *, history: list[dict] | None = None,
                           importance: pd.DataFrame | None = None) -> list[str]:
    """The figure kinds that can be drawn for ``result`` with the data at hand."""
    kinds = []
    for kind in FIGURE_KINDS[result.kind]:
        if kind in _NEEDS_PROBA and _curve_problem(result):
            continue
        if kind == "feature_importance" and (importance is None or len(importance) == 0):
            continue
        if kind == "loss_curves" and not history:
            continue
        kinds.append(kind)
    return kinds


def make_figure(kind: str, result: Any, *, history: list[dict] | None = None,
                importance: pd.DataFrame | None = None):
    """Build one figure of ``kind`` for an EvaluationResult."""
    if kind not in FIGURE_KINDS[result.kind]:
        raise ConfigError(f"figure {kind!r} is not available for {result.kind}; choose from {FIGURE_KINDS[result.kind]}")
    if kind in _NEEDS_PROBA and _curve_problem(result):
        raise ConfigError(f"figure {kind!r} {_curve_problem(result)}")
    if kind == "confusion_matrix":
        return confusion_matrix_figure(result.y_true, result.y_pred, result.classes)
    if kind == "confusion_matrix_normalized":
        return confusion_matrix_figure(result.y_true, result.y_pred, result.classes, normalize=True)
    if kind == "roc":
        return roc_figure(result.y_true, result.proba, result.classes)
    if kind == "precision_recall":
        return precision_recall_figure(result.y_true, result.proba, result.classes)
    if kind == "calibration":
        return calibration_figure(result.y_true, result.proba, result.classes)
    if kind == "feature_importance":
        if importance is None:
            raise ConfigError("figure 'feature_importance' needs the importance table (feature_importance(...))")
        return feature_importance_figure(importance)
    if kind == "residuals":
        return residuals_figure(result.y_true, result.y_pred)
    if kind == "predicted_vs_actual":
        return predicted_vs_actual_figure(result.y_true, result.y_pred)
    if history is None:
        raise ConfigError("figure 'loss_curves' needs the job's training history")
    return loss_curves_figure(history)


def save_figure(fig: Any, path: str | Path, dpi: int = 110) -> Path:
    """Write a figure to ``path`` (format from the suffix, PNG when none); returns the path."""
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def figure_png(fig: Any, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for embedding)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
