"""The algorithm catalog: names, parameter specs, search spaces, building and fitting every entry."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.pipeline import Pipeline

from mlcore.errors import ConfigError
from mlcore.models import get_algorithm, list_algorithms

CLS_NAMES = ["lightgbm", "random_forest", "xgboost", "hist_gradient_boosting", "logistic", "svm", "decision_tree", "knn", "naive_bayes",
             "gradient_boosting", "adaboost"]
REG_NAMES = ["lightgbm", "random_forest", "xgboost", "hist_gradient_boosting", "ridge", "lasso", "elasticnet", "svr", "decision_tree", "knn",
             "gradient_boosting", "adaboost"]
ENSEMBLES = ["voting", "stacking", "bagging"]
ALL = [(s.name, s.task) for s in list_algorithms()]
# ensembles fitted in tests use small members so the suite stays fast
FAST_PARAMS = {
    "random_forest": {"n_estimators": 20},
    "xgboost": {"n_estimators": 20},
    "lightgbm": {"n_estimators": 20},
    "gradient_boosting": {"n_estimators": 20},
    "hist_gradient_boosting": {"max_iter": 20},
    "adaboost": {"n_estimators": 10},
    "voting": {"estimators": ["decision_tree", "naive_bayes", "xgboost"]},
    "stacking": {"estimators": ["decision_tree", "knn"], "cv": 3},
}


def _fast(name: str, task: str) -> dict:
    params = dict(FAST_PARAMS.get(name, {}))
    if name == "voting" and task == "regression":
        params["estimators"] = ["decision_tree", "ridge", "xgboost"]
    if name == "stacking" and task == "classification":
        params["final_estimator"] = "logistic"
    return params


@pytest.fixture(scope="module")
def iris_strings():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    order = np.random.default_rng(0).permutation(len(y))
    return X[order], labels[order]


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def test_catalog_lists_the_seed_algorithms_then_ensembles():
    assert [s.name for s in list_algorithms("classification")] == CLS_NAMES + ENSEMBLES
    assert [s.name for s in list_algorithms("regression")] == REG_NAMES + ENSEMBLES
    assert len(list_algorithms()) == len(CLS_NAMES) + len(REG_NAMES) + 2 * len(ENSEMBLES)


@pytest.mark.parametrize("name,task", ALL)
def test_param_specs_are_consistent(name, task):
    spec = get_algorithm(name, task)
    assert spec.label and spec.params
    for p in spec.params:
        assert p.help and "\n" not in p.help, f"{name}.{p.name} needs a one-line help"
        # every default passes its own validation unchanged
        assert p.validate(p.default, name) == (list(p.default) if p.kind == "multichoice" else p.default)
        if p.kind in ("int", "float") and p.default is not None:
            assert p.low <= p.default <= p.high
        if p.kind in ("choice", "multichoice"):
            assert p.choices
    est = spec.build()
    pipe = Pipeline([("model", est)])
    names = set(pipe.get_params(deep=True))
    for key, pspec in spec.search_space.items():
        assert key in names, f"{key} is not a set_params name of {name}"
        assert pspec.kind in ("int", "float", "choice", "bool")
        value = pspec.default if pspec.kind not in ("int", "float") else pspec.low
        pipe.set_params(**{key: value})
        # a search value maps back onto a build parameter that accepts it
        assert spec.build(spec.params_from_search({key: value})) is not None
    for key, values in spec.grid.items():
        assert key in names
        for v in values:
            spec.build(spec.params_from_search({key: v}))


def test_build_validates_values_and_names():
    spec = get_algorithm("random_forest", "classification")
    with pytest.raises(ConfigError, match=r"n_estimators.*5000.*\[10, 2000\]"):
        spec.build({"n_estimators": 5000})
    with pytest.raises(ConfigError, match="whole number"):
        spec.build({"n_estimators": 10.5})
    with pytest.raises(ConfigError, match=r"unknown parameter 'n_trees'.*valid: n_estimators, max_depth"):
        spec.build({"n_trees": 10})
    with pytest.raises(ConfigError, match=r"max_features.*'all'.*allowed: 'sqrt', 'log2'"):
        spec.build({"max_features": "all"})
    est = spec.build({"n_estimators": 20.0, "max_depth": None, "model__min_samples_leaf": 3})
    assert (est.n_estimators, est.max_depth, est.min_samples_leaf) == (20, None, 3)
    with pytest.raises(ConfigError, match="must be true or false"):
        spec.build({"bootstrap": "yes"})


def test_unknown_algorithm_lists_valid_names():
    with pytest.raises(ConfigError, match=r"unknown regression algorithm 'logistic'.*ridge.*lasso"):
        get_algorithm("logistic", "regression")
    with pytest.raises(ConfigError, match="unknown task type"):
        get_algorithm("xgboost", "clustering")


def test_wrapped_params_use_their_path():
    xgb = get_algorithm("xgboost", "classification")
    assert xgb.model_key("max_depth") == "model__estimator__max_depth"
    assert xgb.build({"model__estimator__max_depth": 3}).estimator.max_depth == 3
    ada = get_algorithm("adaboost", "regression")
    assert ada.model_key("max_depth") == "model__estimator__max_depth"
    assert ada.build({"max_depth": 4}).estimator.max_depth == 4
    svm = get_algorithm("svm", "classification")
    assert svm.build({"C": 3.0}).estimator.C == 3.0


@pytest.mark.parametrize("name,task", ALL)
def test_seed_drives_every_random_state(name, task):
    est = get_algorithm(name, task).build(_fast(name, task), seed=123)
    states = {k: v for k, v in est.get_params(deep=True).items() if k.endswith("random_state")}
    if name in ("knn", "naive_bayes", "svr"):  # no randomness at all
        assert states == {}
        return
    assert states, f"{name} exposes no random_state"
    fixed = [v for v in states.values() if v is not None]
    assert fixed and all(v == 123 for v in fixed), states


@pytest.mark.parametrize("name", CLS_NAMES + ENSEMBLES)
def test_every_classifier_fits_string_labels(name, iris_strings):
    X, y = iris_strings
    spec = get_algorithm(name, "classification")
    est = spec.build(_fast(name, "classification"), seed=0).fit(X[:120], y[:120])
    assert list(est.classes_) == ["setosa", "versicolor", "virginica"]
    pred = est.predict(X[120:])
    assert set(pred) <= {"setosa", "versicolor", "virginica"}
    assert np.mean(pred == y[120:]) >= 0.8
    if spec.abilities.probabilities:
        proba = est.predict_proba(X[120:])
        assert proba.shape == (30, 3) and np.allclose(proba.sum(axis=1), 1.0)
        # columns follow classes_: the most probable column is the predicted label (up to ties)
        agree = np.mean(est.classes_[proba.argmax(axis=1)] == pred)
        assert agree >= 0.9
    pickle.loads(pickle.dumps(est)).predict(X[:5])


@pytest.mark.parametrize("name", REG_NAMES + ENSEMBLES)
def test_every_regressor_fits_diabetes(name, diabetes):
    X, y = diabetes
    est = get_algorithm(name, "regression").build(_fast(name, "regression"), seed=0).fit(X[:350], y[:350])
    pred = est.predict(X[350:])
    assert pred.shape == (92,) and np.all(np.isfinite(pred))
    r2 = 1 - np.mean((pred - y[350:]) ** 2) / np.var(y[350:])
    assert r2 > -0.5  # lasso's default alpha on diabetes is weak, but nothing is broken


@pytest.mark.parametrize("name", ["xgboost", "random_forest", "lightgbm", "svm", "bagging"])
def test_same_seed_same_predictions(name, iris_strings):
    X, y = iris_strings
    spec = get_algorithm(name, "classification")
    a = spec.build(_fast(name, "classification"), seed=5).fit(X, y).predict_proba(X)
    b = spec.build(_fast(name, "classification"), seed=5).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)


def test_label_encoded_classifier_clones_and_keeps_labels(iris_strings):
    X, y = iris_strings
    est = get_algorithm("xgboost", "classification").build({"n_estimators": 10})
    fitted = clone(est).fit(X, y, eval_set=[(X[:20], y[:20])], verbose=False)
    assert fitted.estimator_.classes_.tolist() == [0, 1, 2]
    assert fitted.predict(X[:3]).dtype == object
    assert "estimator_" not in vars(est)
    binary = y != "setosa"
    two = clone(est).fit(X[binary], y[binary])
    assert two.predict_proba(X[binary][:4]).shape == (4, 2)
    assert set(two.predict(X[binary])) == {"versicolor", "virginica"}
