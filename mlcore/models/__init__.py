"""The algorithm catalog: typed parameter specs, search spaces, abilities and estimator factories.

Importing this package is light: estimator libraries load only when a spec builds a model.
"""

from __future__ import annotations

from mlcore.models._catalog import TASKS, get_algorithm, list_algorithms
from mlcore.models._ensembles import create_bagging_ensemble, create_stacking_ensemble, create_voting_ensemble
from mlcore.models._spec import Abilities, AlgorithmSpec, ParamSpec, resolve_n_jobs, usable_cores
from mlcore.models._target import detect_task, validate_target

__all__ = [
    "TASKS",
    "Abilities",
    "AlgorithmSpec",
    "ParamSpec",
    "create_bagging_ensemble",
    "create_stacking_ensemble",
    "create_voting_ensemble",
    "detect_task",
    "get_algorithm",
    "list_algorithms",
    "resolve_n_jobs",
    "usable_cores",
    "validate_target",
]
