"""ML Workbench engine: data import, preparation, training, evaluation, registry.

The public API is :class:`Workspace` (the service layer) and the seed's SDK classes.
Heavy libraries (scikit-learn, xgboost, lightgbm ...) are imported lazily.
"""

from __future__ import annotations

from mlcore._lazy import lazy_exports

__version__ = "0.1.0"

_LAZY = {
    "Workspace": "mlcore.workspace",
    "DataPreparation": "mlcore.sdk",
    "ModelSelector": "mlcore.sdk",
    "TrainingDashboard": "mlcore.sdk",
    "ModelEvaluator": "mlcore.sdk",
    "ModelDeployment": "mlcore.sdk",
}

__all__ = list(_LAZY) + ["__version__"]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
