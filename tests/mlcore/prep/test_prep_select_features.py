"""select_features on raw input columns (the seed's /data/select-features)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, DataValidationError
from mlcore.prep import select_features


def data(n: int = 120):
    rng = np.random.default_rng(1)
    X = pd.DataFrame({
        "id": np.arange(n),
        "strong": rng.normal(size=n),
        "noise": rng.normal(size=n),
        "shape": pd.Series(rng.choice(["round", "square", "flat"], n), dtype="str"),
        "when": pd.date_range("2020-01-01", periods=n, freq="D"),
    })
    y_class = np.where(X["strong"] + 2 * (X["shape"] == "round") > 0.7, "yes", "no")
    y_reg = 3 * X["strong"] + 4 * (X["shape"] == "square") + rng.normal(scale=0.1, size=n)
    return X, y_class, y_reg


@pytest.mark.parametrize("method", ["correlation", "mutual_info", "rfe", "tree_importance", "statistical", "chi2"])
def test_classification_methods_rank_input_columns(method):
    X, y, _ = data()
    selected, importance = select_features(X, y, method, 2, "classification", seed=0)
    assert set(selected) == {"strong", "shape"}
    names = [r["feature"] for r in importance]
    assert sorted(names) == ["noise", "shape", "strong", "when"]  # id-like column is no candidate
    scores = [r["score"] for r in importance]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("method", ["correlation", "mutual_info", "rfe", "tree_importance", "statistical"])
def test_regression_methods(method):
    X, _, y = data()
    selected, importance = select_features(X, y, method, 2, "regression")
    assert set(selected) == {"strong", "shape"}


def test_tree_importance_sums_one_hot_parts_and_scores_are_reproducible():
    X, y, _ = data()
    a = select_features(X, y, "tree_importance", 3, "classification", seed=4)
    b = select_features(X, y, "tree_importance", 3, "classification", seed=4)
    assert a == b
    assert sum(r["score"] for r in a[1]) == pytest.approx(1.0)  # forest importances sum to 1


def test_select_features_errors():
    X, y, _ = data()
    with pytest.raises(ConfigError, match="'pca'.*correlation"):
        select_features(X, y, "pca", 2, "classification")
    with pytest.raises(ConfigError, match="n_features=0"):
        select_features(X, y, "correlation", 0, "classification")
    with pytest.raises(DataValidationError, match="single class"):
        select_features(X, ["a"] * len(X), "correlation", 2, "classification")
    with pytest.raises(ConfigError, match="chi2.*classification"):
        select_features(X, np.arange(len(X)) * 1.0, "chi2", 2, "regression")
