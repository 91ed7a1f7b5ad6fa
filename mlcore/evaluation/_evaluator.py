"""The seed SDK's ModelEvaluator: metrics, text report and plots from predictions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mlcore.errors import ConfigError
from mlcore.evaluation import _figures as figs
from mlcore.evaluation._common import as_array, check_task, label_space, to_python
from mlcore.evaluation._importance import feature_importance
from mlcore.evaluation._report import text_report
from mlcore.evaluation._result import EvaluationResult, evaluate_predictions


def _saved(fig: Any, save_path: str | Path | None) -> Any:
    if save_path is not None:
        figs.save_figure(fig, save_path)
    return fig


class ModelEvaluator:
    """Evaluate predictions of a fitted model, as in the seed's SDK examples."""

    def __init__(self, task_type: str = "classification", n_boot: int = 1000, seed: int = 0) -> None:
        self.task_type = check_task(task_type)
        self.n_boot = n_boot
        self.seed = seed
        self.result: EvaluationResult | None = None
        self.results: dict[str, Any] | None = None

    def evaluate(self, y_true: Any, y_pred: Any, y_pred_proba: Any = None, classes: Any = None) -> dict:
        """Compute every metric (with 95% intervals under 'confidence_intervals'); keeps the result."""
        if self.task_type == "classification" and y_pred_proba is not None and classes is None:
            classes = self._classes(y_true, y_pred, y_pred_proba)
        self.result = evaluate_predictions(
            self.task_type, y_true, y_pred, y_pred_proba if self.task_type == "classification" else None,
            classes, n_boot=self.n_boot, seed=self.seed,
        )
        out = dict(self.result.metrics)
        out["confidence_intervals"] = to_python({k: list(v) for k, v in self.result.intervals.items()})
        self.results = out
        return out

    @staticmethod
    def _classes(y_true: Any, y_pred: Any, proba: Any) -> list[Any]:
        """Classes in probability-column order: sorted labels, as scikit-learn orders classes_."""
        labels = label_space(as_array(y_true), as_array(y_pred))
        width = 2 if np.ndim(proba) == 1 else np.shape(proba)[1]
        if len(labels) != width:
            raise ConfigError(
                f"{width} probability columns but the labels are {labels}; pass classes=model.classes_"
            )
        return labels

    def generate_evaluation_report(self) -> str:
        """The text report of the last evaluate() call."""
        if self.result is None:
            raise ConfigError("call evaluate(y_true, y_pred, ...) before generate_evaluation_report()")
        return text_report(self.result)

    def plot_confusion_matrix(self, y_true: Any, y_pred: Any, save_path: str | Path | None = None,
                              normalize: bool = False) -> Any:
        """Confusion matrix figure (counts, or rates per actual class)."""
        classes = self.result.classes if self.result is not None else None
        return _saved(figs.confusion_matrix_figure(y_true, y_pred, classes, normalize=normalize), save_path)

    def _proba_classes(self, y_true: Any, y_pred_proba: Any) -> Any:
        if self.result is not None and self.result.classes is not None:
            width = 2 if np.ndim(y_pred_proba) == 1 else np.shape(y_pred_proba)[1]
            if len(self.result.classes) == width:
                return self.result.classes
        return None

    def plot_roc_curve(self, y_true: Any, y_pred_proba: Any, save_path: str | Path | None = None) -> Any:
        """ROC curve; accepts the positive-class column (binary) or the full probability matrix."""
        fig = figs.roc_figure(y_true, y_pred_proba, self._proba_classes(y_true, y_pred_proba))
        return _saved(fig, save_path)

    def plot_precision_recall_curve(self, y_true: Any, y_pred_proba: Any,
                                    save_path: str | Path | None = None) -> Any:
        """Precision-recall curve; same inputs as plot_roc_curve."""
        fig = figs.precision_recall_figure(y_true, y_pred_proba, self._proba_classes(y_true, y_pred_proba))
        return _saved(fig, save_path)

    def plot_calibration_curve(self, y_true: Any, y_pred_proba: Any, save_path: str | Path | None = None) -> Any:
        """Calibration (reliability) curve."""
        fig = figs.calibration_figure(y_true, y_pred_proba, self._proba_classes(y_true, y_pred_proba))
        return _saved(fig, save_path)

    def plot_feature_importance(self, model: Any, feature_names: list[str] | None = None,
                                save_path: str | Path | None = None, X: Any = None, y: Any = None,
                                top_n: int = 20) -> Any:
        """Bar chart of the model's importance (native, coefficients, or permutation with X, y)."""
        table = feature_importance(model, X, y, task=self.task_type, seed=self.seed)
        if feature_names is not None and len(feature_names) == len(table) and table["feature"].str.startswith("feature_").all():
            index = table["feature"].str.removeprefix("feature_").astype(int)
            table["feature"] = [str(feature_names[i]) for i in index]
            table["input_column"] = table["feature"]
        self.importance = table
        return _saved(figs.feature_importance_figure(table, top_n=top_n), save_path)

    def plot_residuals(self, y_true: Any, y_pred: Any, save_path: str | Path | None = None) -> Any:
        """Residuals against predictions and their distribution (regression)."""
        return _saved(figs.residuals_figure(y_true, y_pred), save_path)

    def plot_predicted_vs_actual(self, y_true: Any, y_pred: Any, save_path: str | Path | None = None) -> Any:
        """Actual against predicted values (regression)."""
        return _saved(figs.predicted_vs_actual_figure(y_true, y_pred), save_path)
