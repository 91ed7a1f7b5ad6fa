"""Evaluation engine: metrics with bootstrap intervals, thresholds, error analysis, figures, reports.

Names are loaded on first use so ``import mlcore.evaluation`` stays light (no sklearn,
matplotlib or seaborn until a function needs them).
"""

from __future__ import annotations

from mlcore._lazy import lazy_exports

_LAZY = {
    "classification_metrics": "_metrics",
    "regression_metrics": "_metrics",
    "bootstrap_intervals": "_bootstrap",
    "default_metrics": "_bootstrap",
    "EvaluationResult": "_result",
    "evaluate_predictions": "_result",
    "evaluate_pipeline": "_result",
    "choose_threshold": "_threshold",
    "threshold_metrics": "_threshold",
    "apply_threshold": "_threshold",
    "worst_predictions": "_errors",
    "prediction_examples": "_errors",
    "feature_importance": "_importance",
    "FIGURE_KINDS": "_figures",
    "FIGURE_TITLES": "_figures",
    "available_figure_kinds": "_figures",
    "make_figure": "_figures",
    "save_figure": "_figures",
    "figure_png": "_figures",
    "text_report": "_report",
    "write_html_report": "_report",
    "ModelEvaluator": "_evaluator",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
