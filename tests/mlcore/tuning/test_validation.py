"""cv, n_trials, timeout and seed are checked where compare and tune are entered (functions and Workspace)."""

import numpy as np
import pytest
from sklearn.model_selection import KFold

from mlcore.errors import ConfigError
from mlcore.tuning import ModelSelector, compare_models, tune

BAD_CV = ["5", 1, 0, 2.5, True, None]
BAD_SEEDS = [-1, 2**40, 2**32, 1.5, "3", True]


@pytest.fixture
def dataset(workspace, cancer, tmp_path):
    X, y = cancer
    path = tmp_path / "cancer.csv"
    X.iloc[:, :4].assign(diagnosis=y).to_csv(path, index=False)
    return workspace.import_dataset(path, name="cancer", target="diagnosis")


@pytest.mark.parametrize("cv", BAD_CV)
def test_bad_cv_is_a_config_error_in_the_functions(cancer, cv):
    X, y = cancer
    with pytest.raises(ConfigError, match=r"cv must be a whole number of folds, 2 or more, got"):
        tune(X, y, "classification", "knn", n_trials=1, cv=cv)
    with pytest.raises(ConfigError, match=r"cv must be a whole number of folds"):
        compare_models(X, y, "classification", ["knn"], cv=cv)


@pytest.mark.parametrize("seed", BAD_SEEDS)
def test_bad_seed_is_a_config_error_in_the_functions(cancer, seed):
    X, y = cancer
    with pytest.raises(ConfigError, match="seed must be an integer from 0 to 4294967295"):
        tune(X, y, "classification", "knn", n_trials=1, cv=3, seed=seed)
    with pytest.raises(ConfigError, match="seed must be an integer from 0 to 4294967295"):
        compare_models(X, y, "classification", ["knn"], cv=3, seed=seed)
    with pytest.raises(ConfigError, match="seed must be an integer from 0 to 4294967295"):
        ModelSelector("classification", seed=seed)


@pytest.mark.parametrize("n_trials,timeout,word", [(0, None, "n_trials"), (2.5, None, "n_trials"),
                                                   ("3", None, "n_trials"), (True, None, "n_trials"),
                                                   (None, 0, "timeout"), (None, -1.0, "timeout"),
                                                   (None, "10", "timeout"), (None, float("nan"), "timeout")])
def test_bad_budget_is_a_config_error(cancer, n_trials, timeout, word):
    X, y = cancer
    with pytest.raises(ConfigError, match=word):
        tune(X, y, "classification", "knn", n_trials=n_trials, timeout=timeout, cv=3)


def test_good_edge_values_pass(cancer):
    X, y = cancer
    result = tune(X, y, "classification", "naive_bayes", method="random", n_trials=np.int64(1), timeout=30,
                  cv=np.int64(2), seed=2**32 - 1)
    assert len(result.trials) == 1 and result.n_splits == 2
    # a splitter object is still a valid cv for the functions
    out = compare_models(X, y, "classification", ["naive_bayes"], cv=KFold(3, shuffle=True, random_state=0), seed=0)
    assert out.n_splits == 3 and out.rows[0]["status"] == "ok"


@pytest.mark.parametrize("kwargs,match", [({"cv": "5"}, "cv must be"), ({"cv": 1}, "cv must be"),
                                          ({"seed": -1}, "seed must be"), ({"seed": 2**40}, "seed must be"),
                                          ({"n_trials": 0}, "n_trials"), ({"n_trials": "4"}, "n_trials"),
                                          ({"timeout": 0}, "timeout"), ({"timeout": "5"}, "timeout")])
def test_workspace_tune_checks_before_creating_a_job(workspace, dataset, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        workspace.tune(dataset.id, algorithm="knn", **kwargs)
    assert workspace.list_jobs(kind="tune") == []


@pytest.mark.parametrize("kwargs,match", [({"cv": "5"}, "cv must be"), ({"cv": 1.0}, "cv must be"),
                                          ({"seed": -1}, "seed must be"), ({"seed": 2**40}, "seed must be")])
def test_workspace_compare_checks_before_creating_a_job(workspace, dataset, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        workspace.compare(dataset.id, models=["knn"], **kwargs)
    assert workspace.list_jobs(kind="compare") == []
