"""Small data sets for the model-selection tests."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def linear_cls():
    """400 rows whose class is a noisy linear function of 10 features (logistic wins, a tree lags)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 10))
    y = (X.sum(axis=1) + rng.normal(scale=0.5, size=400) > 0).astype(int)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(10)]), pd.Series(y, name="target")


@pytest.fixture(scope="session")
def cancer():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X.iloc[:240].reset_index(drop=True), y.iloc[:240].reset_index(drop=True)


@pytest.fixture(scope="session")
def diabetes():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y


@pytest.fixture
def dataset(workspace, cancer, tmp_path):
    """240 breast-cancer rows (8 features, a text target) imported into the test's workspace as 'cancer'."""
    X, y = cancer
    path = tmp_path / "cancer.csv"
    X.iloc[:, :8].assign(diagnosis=y.map({0: "malignant", 1: "benign"})).to_csv(path, index=False)
    return workspace.import_dataset(path, name="cancer", target="diagnosis")
