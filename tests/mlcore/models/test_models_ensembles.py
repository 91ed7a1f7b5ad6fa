"""Voting, stacking and bagging ensembles of catalog models (the seed's SDK functions and catalog entries)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris

from mlcore.errors import ConfigError
from mlcore.models import (create_bagging_ensemble, create_stacking_ensemble, create_voting_ensemble,
                           get_algorithm)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["a", "b", "c"], dtype=object)[y]
    order = np.random.default_rng(2).permutation(len(y))
    return X[order], labels[order]


def test_soft_voting_averages_member_probabilities(iris):
    X, y = iris
    ens = create_voting_ensemble(["random_forest", "xgboost", "logistic"], voting="soft", seed=1)
    ens.set_params(random_forest__n_estimators=20, xgboost__estimator__n_estimators=20)
    ens.fit(X[:120], y[:120])
    members = [est.predict_proba(X[120:]) for est in ens.estimators_]
    assert np.allclose(ens.predict_proba(X[120:]), np.mean(members, axis=0))
    assert set(ens.predict(X[120:])) <= {"a", "b", "c"}
    assert np.mean(ens.predict(X[120:]) == y[120:]) > 0.85


def test_hard_voting_counts_votes_and_has_no_probabilities(iris):
    X, y = iris
    ens = create_voting_ensemble(["decision_tree", "knn", "naive_bayes"], voting="hard").fit(X, y)
    assert not hasattr(ens, "predict_proba")
    assert np.mean(ens.predict(X) == y) > 0.9
    with pytest.raises(ConfigError, match="voting must be 'soft' or 'hard'"):
        create_voting_ensemble(["knn", "logistic"], voting="mean")


def test_regression_voting_is_the_mean_of_members():
    X, y = load_diabetes(return_X_y=True)
    ens = create_voting_ensemble(["ridge", "knn"], task="regression").fit(X, y)
    members = np.mean([est.predict(X[:10]) for est in ens.estimators_], axis=0)
    assert np.allclose(ens.predict(X[:10]), members)


def test_stacking_uses_a_meta_model_on_out_of_fold_predictions(iris):
    X, y = iris
    ens = create_stacking_ensemble(["decision_tree", "knn"], meta_model="logistic", cv=3, seed=0)
    assert type(ens.final_estimator).__name__ == "LogisticRegression"
    assert ens.cv.n_splits == 3 and ens.cv.shuffle and ens.cv.random_state == 0
    ens.fit(X[:120], y[:120])
    assert list(ens.classes_) == ["a", "b", "c"]
    assert np.mean(ens.predict(X[120:]) == y[120:]) > 0.85
    reg = create_stacking_ensemble(["ridge", "decision_tree"], task="regression", cv=3)
    assert type(reg.final_estimator).__name__ == "Ridge"


def test_bagging_of_any_catalog_model(iris):
    X, y = iris
    ens = create_bagging_ensemble("knn", n_estimators=5, max_samples=0.8, seed=3).fit(X, y)
    assert len(ens.estimators_) == 5 and type(ens.estimators_[0]).__name__ == "KNeighborsClassifier"
    spec = get_algorithm("bagging", "classification")
    built = spec.build({"base": "logistic", "n_estimators": 4}, seed=9)
    assert built.random_state == 9 and type(built.estimator).__name__ == "LogisticRegression"


def test_ensemble_catalog_entries_validate_members():
    spec = get_algorithm("voting", "classification")
    with pytest.raises(ConfigError, match=r"estimators.*'ridge'.*pick one or more of"):
        spec.build({"estimators": ["ridge", "knn"]})
    with pytest.raises(ConfigError, match="at least 2"):
        spec.build({"estimators": ["knn"]})
    built = spec.build({"estimators": "knn, logistic", "voting": "hard"})
    assert [n for n, _ in built.estimators] == ["knn", "logistic"] and built.voting == "hard"
    with pytest.raises(ConfigError, match="must be a single model"):
        create_voting_ensemble(["voting", "knn"])
    with pytest.raises(ConfigError, match="unknown classification algorithm 'forest'"):
        create_stacking_ensemble(["forest", "knn"])


def test_members_may_be_estimators_and_repeat():
    from sklearn.tree import DecisionTreeClassifier

    ens = create_voting_ensemble([DecisionTreeClassifier(max_depth=2), DecisionTreeClassifier(max_depth=4)])
    assert [n for n, _ in ens.estimators] == ["decisiontreeclassifier", "decisiontreeclassifier_2"]
