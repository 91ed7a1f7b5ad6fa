"""FeatureSelector: score encoded features (correlation, MI, RFE, trees, ANOVA-F/chi2) and keep the top n."""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from mlcore.errors import ConfigError, DataValidationError

from mlcore.vocab import SELECTION_METHODS as METHODS
from mlcore.vocab import TASKS


def _class_indicators(y: np.ndarray) -> np.ndarray:
    """One column per class (two classes: a single 0/1 column)."""
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) <= 2:
        return codes.reshape(-1, 1).astype(np.float64)
    return (codes[:, None] == np.arange(len(classes))[None, :]).astype(np.float64)


def _abs_correlation(X: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Max over target columns of |Pearson r| per feature; constant features score 0."""
    Xc = X - X.mean(axis=0)
    Tc = targets - targets.mean(axis=0)
    x_norm = np.sqrt((Xc**2).sum(axis=0))
    t_norm = np.sqrt((Tc**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (Xc.T @ Tc) / np.outer(x_norm, t_norm)
    r = np.nan_to_num(np.abs(r), nan=0.0, posinf=0.0, neginf=0.0)
    return r.max(axis=1)


def score_features(X: np.ndarray, y: np.ndarray, method: str, task: str, n_features: int,
                   random_state: int = 0, feature_names: list[str] | None = None) -> np.ndarray:
    """One non-negative score per column of X (higher = more useful) by the given method."""
    classification = task == "classification"
    if method == "correlation":
        targets = _class_indicators(y) if classification else y.astype(np.float64).reshape(-1, 1)
        return _abs_correlation(X, targets)
    if method == "mutual_info":
        from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

        fn = mutual_info_classif if classification else mutual_info_regression
        return fn(X, y, random_state=random_state)
    if method == "statistical":
        from sklearn.feature_selection import f_classif, f_regression

        with np.errstate(divide="ignore", invalid="ignore"):
            scores = (f_classif if classification else f_regression)(X, y)[0]
        return np.nan_to_num(scores, nan=0.0, posinf=np.finfo(np.float64).max)
    if method == "chi2":
        if not classification:
            raise ConfigError("feature selection 'chi2' is for classification; use 'statistical' (F-test) for regression")
        negative = np.flatnonzero((X < 0).any(axis=0))
        if negative.size:
            k = negative[0]
            name = feature_names[k] if feature_names is not None else f"encoded feature #{k}"
            raise DataValidationError(
                f"feature selection 'chi2' needs non-negative features but {name!r} has negative values; "
                "use scaling 'minmax' or 'none', or the 'statistical' method"
            )
        from sklearn.feature_selection import chi2

        return np.nan_to_num(chi2(X, y)[0], nan=0.0)
    if method == "tree_importance":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        cls = RandomForestClassifier if classification else RandomForestRegressor
        # a scoring forest, not the model: fewer, shallower-leaved trees keep large data fast
        forest = cls(n_estimators=50, max_features="sqrt", min_samples_leaf=3, max_depth=12,
                     random_state=random_state, n_jobs=1)
        return forest.fit(X, y).feature_importances_
    if method == "rfe":
        from sklearn.feature_selection import RFE
        from sklearn.linear_model import LogisticRegression, Ridge

        estimator = LogisticRegression(max_iter=2000) if classification else Ridge()
        step = 1 if X.shape[1] <= 20 else 0.1  # beyond 20 features drop 10% of the rest per round
        rfe = RFE(estimator, n_features_to_select=min(n_features, X.shape[1]), step=step).fit(X, y)
        # the kept features share rank 1; earlier eliminations score 1/rank
        return 1.0 / rfe.ranking_.astype(np.float64)
    raise ConfigError(f"feature selection method {method!r} is not valid; allowed: {', '.join(METHODS)}")


def top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """Boolean mask of the n highest scores (ties broken by column order)."""
    order = np.argsort(-scores, kind="stable")
    support = np.zeros(len(scores), dtype=bool)
    support[order[: min(n, len(scores))]] = True
    return support


class FeatureSelector(TransformerMixin, BaseEstimator):
    """Keep the ``n_features`` best columns by ``method`` (scores learned on the training rows).

    ``n_features=None`` keeps the better half (rounded up). ``max_rows`` caps the rows used for
    scoring (a seeded random subset of the training rows) so large data stays fast.
    """

    def __init__(self, method: str = "correlation", n_features: int | None = None,
                 task: str = "classification", random_state: int = 0, max_rows: int = 20_000):
        self.method = method
        self.n_features = n_features
        self.task = task
        self.random_state = random_state
        self.max_rows = max_rows

    def fit(self, X, y):
        if self.method not in METHODS:
            raise ConfigError(f"feature selection method {self.method!r} is not valid; allowed: {', '.join(METHODS)}")
        if self.task not in TASKS:
            raise ConfigError(f"task {self.task!r} is not valid; allowed: {', '.join(TASKS)}")
        if self.n_features is not None and (not isinstance(self.n_features, (int, np.integer)) or self.n_features < 1):
            raise ConfigError(f"n_features={self.n_features!r} must be an integer >= 1 or None")
        X, y = validate_data(self, X, y, reset=True, dtype=np.float64,
                             y_numeric=self.task == "regression")
        if X.shape[0] < 2:
            raise ValueError(f"feature selection needs at least 2 rows, got n_samples = {X.shape[0]}")
        n_keep = self.n_features if self.n_features is not None else math.ceil(X.shape[1] / 2)
        self.n_features_ = int(min(n_keep, X.shape[1]))
        if X.shape[0] > self.max_rows:
            rows = np.random.default_rng(self.random_state).choice(X.shape[0], self.max_rows, replace=False)
            X, y = X[np.sort(rows)], y[np.sort(rows)]
        names = list(self.feature_names_in_) if hasattr(self, "feature_names_in_") else None
        with warnings.catch_warnings():  # constant columns are expected (they just score 0)
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            scores = score_features(X, y, self.method, self.task, self.n_features_, self.random_state, names)
        self.scores_ = np.asarray(scores, dtype=np.float64)
        self.support_ = top_n(self.scores_, self.n_features_)
        return self

    def get_support(self, indices: bool = False) -> np.ndarray:
        check_is_fitted(self)
        return np.flatnonzero(self.support_) if indices else self.support_.copy()

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X[:, self.support_]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self)
        names = np.asarray(_check_feature_names_in(self, input_features), dtype=object)
        return names[self.support_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
