"""Model selection: comparison with corrected t-tests, grid/random/Optuna tuning, AutoML, the SDK's ModelSelector.

Names load on first use so ``import mlcore.tuning`` imports neither scikit-learn nor Optuna.
"""

from __future__ import annotations

from mlcore._lazy import lazy_exports

_LAZY = {
    "compare_models": "mlcore.tuning.compare",
    "ComparisonResult": "mlcore.tuning.compare",
    "rank_rows": "mlcore.tuning.compare",
    "tune": "mlcore.tuning.search",
    "grid_search": "mlcore.tuning.search",
    "random_search": "mlcore.tuning.search",
    "optuna_search": "mlcore.tuning.search",
    "TuningResult": "mlcore.tuning.search",
    "METHODS": "mlcore.tuning.search",
    "corrected_resampled_ttest": "mlcore.tuning.stats",
    "resolve_metric": "mlcore.tuning._metrics",
    "task_metrics": "mlcore.tuning._metrics",
    "ModelSelector": "mlcore.tuning.selector",
    "check_cv": "mlcore.tuning._cv",
    "check_seed": "mlcore.tuning._cv",
    "check_budget": "mlcore.tuning._cv",
    "check_study": "mlcore.tuning._study",
    "study_trials": "mlcore.tuning._study",
    "study_job": "mlcore.tuning._study",
    "prepare_storage": "mlcore.tuning._study",
    "WorkerPool": "mlcore.tuning._workers",
    "study_labels": "mlcore.tuning.search",
    "run_automl": "mlcore.tuning.automl",
    "AutoMLResult": "mlcore.tuning.automl",
    "automl_default_metric": "mlcore.tuning.automl",
}

__all__ = sorted([*_LAZY, "resolve_method"])


def resolve_method(method: str) -> str:
    """A tuning method's canonical name (grid | random | optuna); ConfigError for anything else."""
    from mlcore.tuning.search import _method

    return _method(method)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
