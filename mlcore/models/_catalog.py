"""The algorithm registry: look up catalog entries by name and task."""

from __future__ import annotations

from functools import lru_cache

from mlcore.errors import ConfigError
from mlcore.models._spec import AlgorithmSpec

TASKS = ("classification", "regression")

# the order the GUI lists them in (the default first, then the seed's order, then ensembles)
_ORDER = {
    "classification": ["lightgbm", "random_forest", "xgboost", "hist_gradient_boosting", "logistic", "svm",
                       "decision_tree", "knn", "naive_bayes", "gradient_boosting", "adaboost"],
    "regression": ["lightgbm", "random_forest", "xgboost", "hist_gradient_boosting", "ridge", "lasso", "elasticnet",
                   "svr", "decision_tree", "knn", "gradient_boosting", "adaboost"],
}


@lru_cache(maxsize=1)
def _registry() -> dict[tuple[str, str], AlgorithmSpec]:
    from mlcore.models._catalog_hgb import hgb_specs
    from mlcore.models._catalog_linear import linear_specs
    from mlcore.models._catalog_trees import tree_specs
    from mlcore.models._ensembles import ensemble_specs

    singles = {(s.name, s.task): s for s in tree_specs() + hgb_specs() + linear_specs()}
    ordered = {(n, t): singles[(n, t)] for t in TASKS for n in _ORDER[t]}
    for spec in ensemble_specs(_ORDER):
        ordered[(spec.name, spec.task)] = spec
    return ordered


def _check_task(task: str) -> None:
    if task not in TASKS:
        raise ConfigError(f"unknown task type {task!r}; valid: {', '.join(TASKS)}")


def get_algorithm(name: str, task: str) -> AlgorithmSpec:
    """The catalog entry ``name`` for ``task``; ConfigError listing valid names if unknown."""
    _check_task(task)
    spec = _registry().get((name, task))
    if spec is None:
        valid = [s.name for s in list_algorithms(task)]
        raise ConfigError(f"unknown {task} algorithm {name!r}; valid: {', '.join(valid)}")
    return spec


def list_algorithms(task: str | None = None) -> list[AlgorithmSpec]:
    """Every catalog entry, or those of one task, in display order."""
    if task is not None:
        _check_task(task)
    return [s for (n, t), s in _registry().items() if task is None or t == task]
