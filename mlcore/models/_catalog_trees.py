"""Tree-based catalog entries: random forest, xgboost, lightgbm, decision tree, gradient boosting, AdaBoost.

Estimator libraries are imported inside the factories so that importing the catalog stays light.
"""

from __future__ import annotations

from typing import Any

from mlcore.models._spec import Abilities, AlgorithmSpec, ParamSpec, make_spec

CLS, REG = "classification", "regression"


def _n_estimators(default: int, high: int = 5000) -> ParamSpec:
    return ParamSpec("n_estimators", "int", default, 10, high, log=True, help="Number of trees (boosting rounds).")


def _learning_rate(default: float = 0.1, high: float = 1.0) -> ParamSpec:
    return ParamSpec("learning_rate", "float", default, 0.001, high, log=True, help="Shrinkage applied to each new tree.")


def _max_depth_nullable(default: int | None = None) -> ParamSpec:
    return ParamSpec("max_depth", "int", default, 1, 100, nullable=True, help="Maximum tree depth; empty = unlimited.")


_MIN_SPLIT = ParamSpec("min_samples_split", "int", 2, 2, 100, help="Minimum rows needed to split a node.")
_MIN_LEAF = ParamSpec("min_samples_leaf", "int", 1, 1, 100, help="Minimum rows in a leaf.")
_SUBSAMPLE = ParamSpec("subsample", "float", 1.0, 0.1, 1.0, help="Fraction of rows sampled for each tree.")
_COLSAMPLE = ParamSpec("colsample_bytree", "float", 1.0, 0.1, 1.0, help="Fraction of features sampled for each tree.")
_ALPHA = ParamSpec("reg_alpha", "float", 0.0, 0.0, 100.0, help="L1 regularisation on leaf weights.")
_ALPHA_SEARCH = ParamSpec("reg_alpha", "float", 1e-8, 1e-8, 10.0, log=True)


def _class_weight(choices: tuple = (None, "balanced")) -> ParamSpec:
    return ParamSpec("class_weight", "choice", None, choices=choices, help="Weight classes inversely to their frequency.")


# -- random forest ------------------------------------------------------------------
def _random_forest(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestClassifier if task == CLS else RandomForestRegressor
    return cls(**v, random_state=seed, n_jobs=n_jobs)


def _rf_spec(task: str) -> AlgorithmSpec:
    params = [
        _n_estimators(200, 2000),
        _max_depth_nullable(),
        _MIN_SPLIT,
        _MIN_LEAF,
        ParamSpec("max_features", "choice", "sqrt" if task == CLS else 1.0, choices=("sqrt", "log2", 0.5, 1.0),
                  help="Features considered at each split (1.0 = all)."),
        ParamSpec("bootstrap", "bool", True, help="Draw a bootstrap sample of rows for each tree."),
    ]
    if task == CLS:
        params.append(_class_weight((None, "balanced", "balanced_subsample")))
    return make_spec(
        "random_forest", task, "Random Forest", params, _random_forest,
        Abilities(probabilities=task == CLS, iterative=True, handles_missing=True, class_weight=task == CLS),
        search={"n_estimators": ParamSpec("n_estimators", "int", 200, 50, 1000, log=True),
                "max_depth": ParamSpec("max_depth", "int", None, 2, 40, nullable=True),
                "min_samples_split": _MIN_SPLIT, "min_samples_leaf": ParamSpec("min_samples_leaf", "int", 1, 1, 20),
                "max_features": params[4]},
        grid={"n_estimators": [100, 300], "max_depth": [None, 10], "min_samples_leaf": [1, 5]},
    )


# -- xgboost ------------------------------------------------------------------------
def _xgboost(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    import xgboost as xgb

    common = dict(tree_method="hist", random_state=seed, n_jobs=n_jobs, verbosity=0)
    if task == CLS:
        from mlcore.models._wrappers import LabelEncodedClassifier

        return LabelEncodedClassifier(xgb.XGBClassifier(**v, **common))
    return xgb.XGBRegressor(**v, **common)


def _xgb_spec(task: str) -> AlgorithmSpec:
    params = [
        _n_estimators(300),
        _learning_rate(),
        ParamSpec("max_depth", "int", 6, 1, 20, help="Maximum tree depth."),
        ParamSpec("min_child_weight", "float", 1.0, 0.0, 100.0, help="Minimum sum of instance weight in a child."),
        _SUBSAMPLE,
        _COLSAMPLE,
        ParamSpec("gamma", "float", 0.0, 0.0, 100.0, help="Minimum loss reduction to make a further split."),
        _ALPHA,
        ParamSpec("reg_lambda", "float", 1.0, 0.0, 100.0, help="L2 regularisation on leaf weights."),
    ]
    return make_spec(
        "xgboost", task, "XGBoost", params, _xgboost,
        Abilities(probabilities=task == CLS, iterative=True, handles_missing=True),
        search={"n_estimators": ParamSpec("n_estimators", "int", 300, 50, 2000, log=True),
                "learning_rate": ParamSpec("learning_rate", "float", 0.1, 0.005, 0.5, log=True),
                "max_depth": ParamSpec("max_depth", "int", 6, 2, 12),
                "min_child_weight": ParamSpec("min_child_weight", "float", 1.0, 0.1, 20.0, log=True),
                "subsample": ParamSpec("subsample", "float", 1.0, 0.5, 1.0),
                "colsample_bytree": ParamSpec("colsample_bytree", "float", 1.0, 0.5, 1.0),
                "reg_alpha": _ALPHA_SEARCH,
                "reg_lambda": ParamSpec("reg_lambda", "float", 1.0, 1e-3, 10.0, log=True)},
        grid={"n_estimators": [100, 300], "learning_rate": [0.05, 0.1], "max_depth": [4, 6]},
        param_prefix="estimator__" if task == CLS else "",
        description="Classification wraps XGBClassifier in LabelEncodedClassifier so any labels work.",
    )


# -- lightgbm -----------------------------------------------------------------------
def _lightgbm(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    import lightgbm as lgb

    v = dict(v)
    if v.get("subsample", 1.0) < 1.0:
        v["subsample_freq"] = 1  # bagging only happens with a frequency > 0
    cls = lgb.LGBMClassifier if task == CLS else lgb.LGBMRegressor
    return cls(**v, random_state=seed, n_jobs=n_jobs, verbose=-1)


def _lgbm_spec(task: str) -> AlgorithmSpec:
    # 1000 rounds at 0.05 is a ceiling: early stopping (on by default) picks the number of rounds
    params = [
        _n_estimators(1000),
        _learning_rate(0.05),
        ParamSpec("num_leaves", "int", 31, 2, 1024, log=True, help="Maximum leaves per tree."),
        ParamSpec("max_depth", "int", -1, -1, 64, help="Maximum tree depth; -1 = unlimited."),
        ParamSpec("min_child_samples", "int", 20, 1, 500, log=True, help="Minimum rows in a leaf."),
        # 0.8 of the rows (re-drawn every round) and of the columns per tree: against 1.0/1.0, +0.6 points
        # on average on bench_automl's 10 tables (4 splits each; >= HGB on 37/40 instead of 32/40) and
        # +0.9 on 8 other tables (3 splits each) -- benchmarks/bench_defaults.py
        ParamSpec("subsample", "float", 0.8, 0.1, 1.0, help="Fraction of rows sampled for each tree (re-drawn every round)."),
        ParamSpec("colsample_bytree", "float", 0.8, 0.1, 1.0, help="Fraction of features sampled for each tree."),
        _ALPHA,
        ParamSpec("reg_lambda", "float", 0.0, 0.0, 100.0, help="L2 regularisation on leaf weights."),
    ]
    if task == CLS:
        params.append(_class_weight())
    return make_spec(
        "lightgbm", task, "LightGBM", params, _lightgbm,
        Abilities(probabilities=task == CLS, iterative=True, handles_missing=True, class_weight=task == CLS,
                  native_categorical=True),
        search={"n_estimators": ParamSpec("n_estimators", "int", 300, 50, 2000, log=True),
                "learning_rate": ParamSpec("learning_rate", "float", 0.1, 0.005, 0.5, log=True),
                "num_leaves": ParamSpec("num_leaves", "int", 31, 8, 256, log=True),
                "min_child_samples": ParamSpec("min_child_samples", "int", 20, 5, 200, log=True),
                "subsample": ParamSpec("subsample", "float", 1.0, 0.5, 1.0),
                "colsample_bytree": ParamSpec("colsample_bytree", "float", 1.0, 0.5, 1.0),
                "reg_alpha": _ALPHA_SEARCH,
                "reg_lambda": ParamSpec("reg_lambda", "float", 1e-8, 1e-8, 10.0, log=True)},
        grid={"n_estimators": [100, 300], "learning_rate": [0.05, 0.1], "num_leaves": [15, 31]},
    )


# -- decision tree ------------------------------------------------------------------
def _decision_tree(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cls = DecisionTreeClassifier if task == CLS else DecisionTreeRegressor
    return cls(**v, random_state=seed)


def _dt_spec(task: str) -> AlgorithmSpec:
    criteria = ("gini", "entropy", "log_loss") if task == CLS else ("squared_error", "friedman_mse", "absolute_error")
    params = [
        ParamSpec("criterion", "choice", criteria[0], choices=criteria, help="Split quality measure."),
        _max_depth_nullable(),
        _MIN_SPLIT,
        _MIN_LEAF,
    ]
    if task == CLS:
        params.append(_class_weight())
    return make_spec(
        "decision_tree", task, "Decision Tree", params, _decision_tree,
        Abilities(probabilities=task == CLS, handles_missing=True, class_weight=task == CLS),
        search={"criterion": params[0], "max_depth": ParamSpec("max_depth", "int", None, 2, 30, nullable=True),
                "min_samples_split": _MIN_SPLIT, "min_samples_leaf": ParamSpec("min_samples_leaf", "int", 1, 1, 50, log=True)},
        grid={"max_depth": [None, 5, 10], "min_samples_leaf": [1, 5]},
    )


# -- gradient boosting --------------------------------------------------------------
def _gradient_boosting(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

    cls = GradientBoostingClassifier if task == CLS else GradientBoostingRegressor
    return cls(**v, random_state=seed)


def _gb_spec(task: str) -> AlgorithmSpec:
    params = [
        _n_estimators(100, 2000),
        _learning_rate(),
        ParamSpec("max_depth", "int", 3, 1, 20, help="Maximum depth of each tree."),
        _SUBSAMPLE,
        _MIN_LEAF,
        ParamSpec("max_features", "choice", None, choices=(None, "sqrt", "log2"), help="Features per split; empty = all."),
    ]
    if task == REG:
        params.append(ParamSpec("loss", "choice", "squared_error", choices=("squared_error", "absolute_error", "huber"),
                                help="Loss function to optimise."))
    return make_spec(
        "gradient_boosting", task, "Gradient Boosting", params, _gradient_boosting,
        Abilities(probabilities=task == CLS, iterative=True),
        search={"n_estimators": ParamSpec("n_estimators", "int", 100, 50, 1000, log=True),
                "learning_rate": ParamSpec("learning_rate", "float", 0.1, 0.005, 0.5, log=True),
                "max_depth": ParamSpec("max_depth", "int", 3, 2, 8),
                "subsample": ParamSpec("subsample", "float", 1.0, 0.5, 1.0),
                "min_samples_leaf": ParamSpec("min_samples_leaf", "int", 1, 1, 50, log=True)},
        grid={"n_estimators": [100, 300], "learning_rate": [0.05, 0.1], "max_depth": [3, 5]},
    )


# -- AdaBoost -----------------------------------------------------------------------
def _adaboost(v: dict, *, seed: int, n_jobs: int, task: str) -> Any:
    from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    v = dict(v)
    depth = v.pop("max_depth")
    if task == CLS:
        return AdaBoostClassifier(DecisionTreeClassifier(max_depth=depth), **v, random_state=seed)
    return AdaBoostRegressor(DecisionTreeRegressor(max_depth=depth), **v, random_state=seed)


def _ada_spec(task: str) -> AlgorithmSpec:
    params = [
        _n_estimators(50, 2000),
        _learning_rate(1.0, 10.0),
        ParamSpec("max_depth", "int", 1 if task == CLS else 3, 1, 20, path="estimator__max_depth",
                  help="Depth of each weak tree."),
    ]
    if task == REG:
        params.append(ParamSpec("loss", "choice", "linear", choices=("linear", "square", "exponential"),
                                help="Loss used to reweight rows after each round."))
    return make_spec(
        "adaboost", task, "AdaBoost", params, _adaboost,
        Abilities(probabilities=task == CLS, iterative=True),
        search={"n_estimators": ParamSpec("n_estimators", "int", 50, 20, 500, log=True),
                "learning_rate": ParamSpec("learning_rate", "float", 1.0, 0.01, 2.0, log=True),
                "max_depth": ParamSpec("max_depth", "int", 1, 1, 6)},
        grid={"n_estimators": [50, 200], "learning_rate": [0.5, 1.0]},
    )


def tree_specs() -> list[AlgorithmSpec]:
    """Every tree-based entry for both tasks."""
    out = []
    for task in (CLS, REG):
        out += [_rf_spec(task), _xgb_spec(task), _lgbm_spec(task), _dt_spec(task), _gb_spec(task),
                _ada_spec(task)]
    return out
