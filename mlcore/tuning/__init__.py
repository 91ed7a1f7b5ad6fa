"""Model selection: comparison with corrected t-tests, grid/random/Optuna tuning, the SDK's ModelSelector.

Names load on first use so ``import mlcore.tuning`` imports neither scikit-learn nor Optuna.
"""

from __future__ import annotations

import importlib
from typing import Any

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
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mlcore.tuning' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
