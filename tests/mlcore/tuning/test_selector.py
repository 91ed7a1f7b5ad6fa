"""The seed SDK's ModelSelector on prepared numeric data (numpy arrays or DataFrames)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline

from mlcore import ModelSelector
from mlcore.errors import ConfigError


@pytest.fixture(scope="module")
def scaled(linear_cls):
    X, y = linear_cls
    X = (X - X.mean()) / X.std()
    return X.iloc[:300].to_numpy(), y.iloc[:300].to_numpy(), X.iloc[300:].to_numpy(), y.iloc[300:].to_numpy()


def test_compare_models_returns_a_frame_and_sets_a_fitted_best_model(scaled):
    X_train, y_train, X_test, y_test = scaled
    selector = ModelSelector(task_type="classification")
    comparison = selector.compare_models(X_train, y_train, models=["decision_tree", "logistic"], cv=3)
    assert isinstance(comparison, pd.DataFrame)
    assert list(comparison["model"]) == ["logistic", "decision_tree"]
    assert {"mean_score", "std_score", "p_value", "fit_time"} <= set(comparison.columns)
    assert "logistic" in str(comparison)
    assert selector.best_model_name == "logistic"
    # clean numeric data: the bare catalog estimator, fitted on the rows given
    assert not isinstance(selector.best_model, Pipeline) and is_classifier(selector.best_model)
    assert (selector.best_model.predict(X_test) == y_test).mean() > 0.85


def test_missing_values_get_an_imputer_only(scaled):
    X_train, y_train, _, _ = scaled
    X = X_train.copy()
    X[::7, 2] = np.nan
    selector = ModelSelector("classification")
    selector.compare_models(X, y_train, models=["logistic"], cv=3)
    steps = selector.best_model.named_steps
    assert type(steps["prep"]).__name__ == "SimpleImputer"


def test_optuna_search_returns_the_seed_keys_and_a_configured_best_model(scaled):
    X_train, y_train, X_test, y_test = scaled
    selector = ModelSelector(task_type="classification")
    results = selector.optuna_search(X_train, y_train, model_name="random_forest", n_trials=3, cv=3)
    assert {"best_params", "best_score", "trials"} <= set(results)
    assert len(results["trials"]) == 3 and results["best_score"] > 0.7
    assert selector.best_model.get_params()["n_estimators"] == results["best_params"]["n_estimators"]
    assert selector.best_model.predict(X_test).shape == y_test.shape
    grid = selector.grid_search(X_train, y_train, "logistic", param_grid={"C": [0.1, 1.0]}, cv=3)
    assert [t["params"]["C"] for t in grid["trials"]] == [0.1, 1.0]
    assert selector.best_model.C == grid["best_params"]["C"]
    rnd = selector.random_search(X_train, y_train, "knn", n_trials=2, cv=3)
    assert len(rnd["trials"]) == 2 and selector.best_model_name == "knn"


def test_best_model_trains_with_monitoring(scaled):
    from mlcore import TrainingDashboard

    X_train, y_train, X_val, y_val = scaled
    selector = ModelSelector(task_type="classification")
    selector.compare_models(X_train, y_train, models=["logistic", "naive_bayes"], cv=3)
    model = TrainingDashboard(task_type="classification", patience=10).train_with_monitoring(
        selector.best_model, X_train, y_train, X_val, y_val)
    assert (model.predict(X_val) == y_val).mean() > 0.85


def test_ensembles_of_the_seed(scaled):
    X_train, y_train, X_test, y_test = scaled
    selector = ModelSelector(task_type="classification")
    voting = selector.create_voting_ensemble(models=["random_forest", "naive_bayes", "logistic"], voting="soft")
    voting.fit(X_train, y_train)
    assert voting.predict_proba(X_test).shape == (len(X_test), 2)
    stacking = selector.create_stacking_ensemble(base_models=["naive_bayes", "knn"], meta_model="logistic", cv=3)
    stacking.fit(X_train, y_train)
    assert (stacking.predict(X_test) == y_test).mean() > 0.8
    bagging = selector.create_bagging_ensemble("decision_tree", n_estimators=5).fit(X_train, y_train)
    assert len(bagging.estimators_) == 5


def test_regression_selector(diabetes):
    X, y = diabetes
    selector = ModelSelector(task_type="regression")
    comparison = selector.compare_models(X.iloc[:300], y.iloc[:300], models=["ridge", "decision_tree"], cv=3)
    assert comparison["model"].iloc[0] == "ridge" and is_regressor(selector.best_model)
    averaging = selector.create_voting_ensemble(["ridge", "knn"]).fit(X.iloc[:300], y.iloc[:300])
    assert averaging.predict(X.iloc[300:]).shape == (len(X) - 300,)
    with pytest.raises(ConfigError):
        ModelSelector(task_type="clustering")
