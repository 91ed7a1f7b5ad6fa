"""AutoML's search space: model families, a cheap-first warm-start portfolio, and local moves.

A configuration is a plain dict of one family's hyperparameters. The portfolio (in the spirit of
auto-sklearn's warm start) lists configurations that do well on many tables, cheapest first; the
search then moves around each family's best configuration (FLAML's cost-frugal local search),
shrinking its step when moves stop paying off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

CLS, REG = "classification", "regression"

# families that learn their number of rounds by early stopping (the rest have a fixed size)
BOOSTERS = frozenset({"lightgbm", "xgboost", "hist_gradient_boosting"})
# the library each family's estimator comes from (imported before the first timed fit)
FAMILY_MODULES = {"lightgbm": "lightgbm", "xgboost": "xgboost", "hist_gradient_boosting": "sklearn.ensemble",
                  "extra_trees": "sklearn.ensemble", "random_forest": "sklearn.ensemble",
                  "linear": "sklearn.linear_model"}
MAX_ROUNDS = 3000


@dataclass(frozen=True)
class Dim:
    """One tunable dimension: ``low``..``high`` (log scale when ``log``), integer when ``integer``."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    def clip(self, value: float) -> float | int:
        value = min(self.high, max(self.low, value))
        return int(round(value)) if self.integer else float(value)

    def move(self, value: float, step: float, rng: np.random.Generator) -> float | int:
        """A gaussian step of ``step`` (a fraction of the range, in log space for log dims)."""
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            x = math.log(max(value, self.low)) + rng.normal() * step * (hi - lo)
            return self.clip(math.exp(x))
        return self.clip(value + rng.normal() * step * (self.high - self.low))


SPACES: dict[str, dict[str, Dim]] = {
    "lightgbm": {"learning_rate": Dim(0.01, 0.3, log=True), "num_leaves": Dim(4, 256, log=True, integer=True),
                 "min_child_samples": Dim(2, 100, log=True, integer=True), "colsample_bytree": Dim(0.3, 1.0),
                 "subsample": Dim(0.5, 1.0), "reg_lambda": Dim(1e-3, 30.0, log=True),
                 "reg_alpha": Dim(1e-3, 10.0, log=True)},
    "xgboost": {"learning_rate": Dim(0.01, 0.3, log=True), "max_depth": Dim(2, 10, integer=True),
                "min_child_weight": Dim(0.5, 30.0, log=True), "colsample_bytree": Dim(0.3, 1.0),
                "subsample": Dim(0.5, 1.0), "reg_lambda": Dim(1e-2, 30.0, log=True)},
    "hist_gradient_boosting": {"learning_rate": Dim(0.01, 0.3, log=True),
                               "max_leaf_nodes": Dim(4, 128, log=True, integer=True),
                               "min_samples_leaf": Dim(2, 100, log=True, integer=True),
                               "l2_regularization": Dim(1e-3, 10.0, log=True), "max_features": Dim(0.3, 1.0)},
    "extra_trees": {"max_features": Dim(0.1, 1.0), "min_samples_leaf": Dim(1, 20, log=True, integer=True)},
    "random_forest": {"max_features": Dim(0.1, 1.0), "min_samples_leaf": Dim(1, 20, log=True, integer=True)},
    "linear": {"C": Dim(1e-3, 100.0, log=True)},
}

FAMILY_LABELS = {"lightgbm": "LightGBM", "xgboost": "XGBoost", "hist_gradient_boosting": "HistGradientBoosting",
                 "extra_trees": "Extra Trees", "random_forest": "Random Forest", "linear": "Linear"}


def portfolio(task: str, n_rows: int) -> list[tuple[str, dict[str, Any]]]:
    """Warm-start configurations, cheapest and most often good first."""
    small = n_rows < 2000
    leaves = 15 if small else 31
    return [
        ("linear", {"C": 1.0}),
        ("lightgbm", {"learning_rate": 0.1, "num_leaves": leaves, "min_child_samples": 10 if small else 20,
                      "colsample_bytree": 1.0, "subsample": 1.0, "reg_lambda": 1e-3, "reg_alpha": 1e-3}),
        ("hist_gradient_boosting", {"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20,
                                    "l2_regularization": 1e-3, "max_features": 1.0}),
        ("extra_trees", {"max_features": 0.5, "min_samples_leaf": 1}),
        ("xgboost", {"learning_rate": 0.1, "max_depth": 6, "min_child_weight": 1.0, "colsample_bytree": 1.0,
                     "subsample": 1.0, "reg_lambda": 1.0}),
        ("lightgbm", {"learning_rate": 0.05, "num_leaves": 8 if small else 63, "min_child_samples": 5 if small else 30,
                      "colsample_bytree": 0.6, "subsample": 0.8, "reg_lambda": 1.0, "reg_alpha": 1e-3}),
        ("random_forest", {"max_features": "sqrt" if task == CLS else 0.5, "min_samples_leaf": 1}),
        ("xgboost", {"learning_rate": 0.05, "max_depth": 4, "min_child_weight": 2.0, "colsample_bytree": 0.7,
                     "subsample": 0.8, "reg_lambda": 3.0}),
        ("lightgbm", {"learning_rate": 0.03, "num_leaves": 31, "min_child_samples": 15, "colsample_bytree": 0.5,
                      "subsample": 0.7, "reg_lambda": 10.0, "reg_alpha": 0.1}),
        ("hist_gradient_boosting", {"learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 10,
                                    "l2_regularization": 1.0, "max_features": 0.7}),
    ]


def neighbour(family: str, config: dict[str, Any], step: float, rng: np.random.Generator) -> dict[str, Any]:
    """A random move from ``config``: every dimension takes a gaussian step of ``step``."""
    out = dict(config)
    for name, dim in SPACES[family].items():
        value = out.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = dim.move(float(value), step, rng)
        else:  # a named setting ("sqrt"): start moving from the middle of the range
            out[name] = dim.clip((dim.low + dim.high) / 2)
    return out


def build_estimator(family: str, config: dict[str, Any], task: str, seed: int, n_jobs: int,
                    n_classes: int = 0, n_rounds: int | None = None) -> Any:
    """An unfitted estimator of ``family``; boosters get ``n_rounds`` (default: the early-stopping ceiling)."""
    rounds = int(n_rounds or MAX_ROUNDS)
    cls = task == CLS
    c = dict(config)
    if family == "lightgbm":
        import lightgbm as lgb

        if c.get("subsample", 1.0) < 1.0:
            c["subsample_freq"] = 1
        est = lgb.LGBMClassifier if cls else lgb.LGBMRegressor
        return est(n_estimators=rounds, random_state=seed, n_jobs=n_jobs, verbose=-1, **c)
    if family == "xgboost":
        import xgboost as xgb

        est = xgb.XGBClassifier if cls else xgb.XGBRegressor
        return est(n_estimators=rounds, tree_method="hist", random_state=seed, n_jobs=n_jobs, verbosity=0, **c)
    if family == "hist_gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        est = HistGradientBoostingClassifier if cls else HistGradientBoostingRegressor
        return est(max_iter=rounds, early_stopping=False, random_state=seed, **c)
    if family in ("extra_trees", "random_forest"):
        from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier,
                                      RandomForestRegressor)

        pick = {("extra_trees", True): ExtraTreesClassifier, ("extra_trees", False): ExtraTreesRegressor,
                ("random_forest", True): RandomForestClassifier, ("random_forest", False): RandomForestRegressor}
        return pick[(family, cls)](n_estimators=int(n_rounds or 150), random_state=seed, n_jobs=n_jobs, **c)
    if family == "linear":
        if cls:
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression(C=float(c["C"]), max_iter=2000)
        from sklearn.linear_model import Ridge

        return Ridge(alpha=1.0 / float(c["C"]), random_state=seed)
    raise ValueError(f"unknown AutoML family {family!r}")


def describe(family: str, config: dict[str, Any]) -> str:
    """A short leaderboard name: the family and its most telling settings."""
    keys = {"lightgbm": ("learning_rate", "num_leaves"), "xgboost": ("learning_rate", "max_depth"),
            "hist_gradient_boosting": ("learning_rate", "max_leaf_nodes"),
            "extra_trees": ("max_features", "min_samples_leaf"), "random_forest": ("max_features", "min_samples_leaf"),
            "linear": ("C",)}[family]
    parts = []
    for k in keys:
        v = config.get(k)
        parts.append(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}")
    return f"{FAMILY_LABELS[family]} ({', '.join(parts)})"
