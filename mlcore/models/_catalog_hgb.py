"""Histogram gradient boosting (scikit-learn's LightGBM-like booster): one catalog entry per task."""

from __future__ import annotations

from typing import Any

from mlcore.models._spec import Abilities, AlgorithmSpec, ParamSpec, make_spec

CLS = "classification"


def _hist_gradient_boosting(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingClassifier if task == CLS else HistGradientBoostingRegressor
    # early_stopping="auto" would hold out 10% of the rows on large sets: the job's early stopping
    # (on its own validation rows) decides instead. Threads: OpenMP, limited per fit by the monitor.
    return cls(**v, random_state=seed, early_stopping=False)


def _hgb_spec(task: str) -> AlgorithmSpec:
    params = [
        ParamSpec("max_iter", "int", 100, 10, 5000, log=True, help="Number of boosting rounds."),
        ParamSpec("learning_rate", "float", 0.1, 0.001, 1.0, log=True, help="Shrinkage applied to each new tree."),
        ParamSpec("max_leaf_nodes", "int", 31, 2, 1024, log=True, nullable=True,
                  help="Maximum leaves per tree; empty = unlimited."),
        ParamSpec("max_depth", "int", None, 1, 100, nullable=True, help="Maximum tree depth; empty = unlimited."),
        ParamSpec("min_samples_leaf", "int", 20, 1, 1000, log=True, help="Minimum rows in a leaf."),
        ParamSpec("l2_regularization", "float", 0.0, 0.0, 100.0, help="L2 regularisation on leaf values."),
    ]
    if task == CLS:
        params.append(ParamSpec("class_weight", "choice", None, choices=(None, "balanced"),
                                help="Weight classes inversely to their frequency."))
    return make_spec(
        "hist_gradient_boosting", task, "Histogram Gradient Boosting", params, _hist_gradient_boosting,
        Abilities(probabilities=task == CLS, iterative=True, handles_missing=True, class_weight=task == CLS,
                  native_categorical=True),
        search={"max_iter": ParamSpec("max_iter", "int", 100, 50, 1000, log=True),
                "learning_rate": ParamSpec("learning_rate", "float", 0.1, 0.01, 0.5, log=True),
                "max_leaf_nodes": ParamSpec("max_leaf_nodes", "int", 31, 8, 256, log=True),
                "min_samples_leaf": ParamSpec("min_samples_leaf", "int", 20, 5, 200, log=True),
                "l2_regularization": ParamSpec("l2_regularization", "float", 0.0, 0.0, 10.0)},
        grid={"max_iter": [100, 300], "learning_rate": [0.05, 0.1], "max_leaf_nodes": [15, 31]},
    )


def hgb_specs() -> list[AlgorithmSpec]:
    return [_hgb_spec("classification"), _hgb_spec("regression")]
