"""Small fitted pipelines shared by the evaluation tests (fitted once per session)."""

import numpy as np
import pandas as pd
import pytest


def _split(X, y, seed=0, frac=0.7):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(X))
    cut = int(frac * len(X))
    tr, te = idx[:cut], idx[cut:]
    return X.iloc[tr], X.iloc[te], y.iloc[tr], y.iloc[te]


@pytest.fixture(scope="session")
def binary_case():
    """LogisticRegression on breast_cancer with string labels; returns (pipe, X_test, y_test)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    y = y.map({0: "malignant", 1: "benign"}).astype("str")
    Xtr, Xte, ytr, yte = _split(X, y)
    pipe = Pipeline([("prep", StandardScaler()), ("model", LogisticRegression(max_iter=500))]).fit(Xtr, ytr)
    return pipe, Xte, yte


@pytest.fixture(scope="session")
def multiclass_case():
    """LogisticRegression on iris with string labels."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True, as_frame=True)
    y = y.map({0: "setosa", 1: "versicolor", 2: "virginica"}).astype("str")
    Xtr, Xte, ytr, yte = _split(X, y)
    pipe = Pipeline([("prep", StandardScaler()), ("model", LogisticRegression(max_iter=500))]).fit(Xtr, ytr)
    return pipe, Xte, yte


@pytest.fixture(scope="session")
def regression_case():
    """Ridge on diabetes."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    Xtr, Xte, ytr, yte = _split(X, y)
    pipe = Pipeline([("prep", StandardScaler()), ("model", Ridge())]).fit(Xtr, ytr)
    return pipe, Xte, yte


@pytest.fixture(scope="session")
def history():
    """A training history plus learning-curve records, as the training engine records them."""
    recs = [
        {"iteration": i, "train_loss": 1 / (i + 1), "val_loss": 1.2 / (i + 1) + 0.01 * i,
         "val_metric": 1 - 1 / (i + 2), "metric_name": "accuracy"}
        for i in range(15)
    ]
    recs += [
        {"mode": "learning_curve", "iteration": n, "train_score": 0.95, "val_score": 0.7 + n / 1000,
         "metric_name": "accuracy"}
        for n in (20, 50, 100)
    ]
    return recs


@pytest.fixture
def mixed_frame():
    """A frame with a text column whose name and values need HTML escaping."""
    return pd.DataFrame({"<b>x</b>": [1.0, 2.0], "note": ["<script>alert(1)</script>", "a & b"]})
