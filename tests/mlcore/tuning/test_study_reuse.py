"""A reused tune study_name must name a study of the same search; the same search continues it."""

import optuna
import pytest

from mlcore.errors import ConflictError
from mlcore.tuning import tune


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'optuna.db'}"


def test_a_new_study_is_labelled_and_the_same_search_continues_it(cancer, url):
    X, y = cancer
    tune(X, y, "classification", "logistic", method="random", n_trials=2, cv=3, storage=url, study_name="s")
    study = optuna.load_study(study_name="s", storage=url)
    attrs = study.user_attrs
    assert {k: attrs[k] for k in ("algorithm", "task", "metric", "direction")} == {
        "algorithm": "logistic", "task": "classification", "metric": "accuracy", "direction": "maximize"}
    assert isinstance(attrs["data_hash"], str) and len(attrs["data_hash"]) == 16
    again = tune(X, y, "classification", "logistic", method="optuna", n_trials=2, cv=3, storage=url, study_name="s")
    assert len(again.trials) == 2
    assert len(optuna.load_study(study_name="s", storage=url).trials) == 4


def test_reusing_an_accuracy_study_for_rmse_is_a_conflict(cancer, diabetes, url):
    X, y = cancer
    tune(X, y, "classification", "logistic", method="random", n_trials=1, cv=3, storage=url, study_name="s")
    Xr, yr = diabetes
    with pytest.raises(ConflictError) as info:
        tune(Xr, yr, "regression", "ridge", method="optuna", n_trials=1, cv=3, metric="rmse", storage=url,
             study_name="s")
    text = str(info.value)
    assert "'s'" in text and "algorithm 'logistic' (this run: 'ridge')" in text
    assert "metric 'accuracy' (this run: 'rmse')" in text and "direction 'maximize' (this run: 'minimize')" in text
    # nothing was added to the old study
    assert len(optuna.load_study(study_name="s", storage=url).trials) == 1


def test_same_algorithm_on_other_rows_or_metric_is_a_conflict(cancer, url):
    X, y = cancer
    tune(X, y, "classification", "knn", method="random", n_trials=1, cv=3, storage=url, study_name="k")
    with pytest.raises(ConflictError, match="data_hash"):
        tune(X.iloc[:200], y.iloc[:200], "classification", "knn", method="random", n_trials=1, cv=3, storage=url,
             study_name="k")
    with pytest.raises(ConflictError, match="metric 'accuracy' \\(this run: 'f1_macro'\\)"):
        tune(X, y, "classification", "knn", method="random", n_trials=1, cv=3, metric="f1", storage=url,
             study_name="k")


def test_a_study_made_elsewhere_is_checked_by_its_direction(diabetes, url):
    X, y = diabetes
    optuna.create_study(storage=url, study_name="plain", direction="maximize")
    with pytest.raises(ConflictError, match="direction 'maximize' \\(this run: 'minimize'\\)"):
        tune(X, y, "regression", "ridge", method="random", n_trials=1, cv=3, metric="rmse", storage=url,
             study_name="plain")
    optuna.create_study(storage=url, study_name="plain-min", direction="minimize")
    result = tune(X, y, "regression", "ridge", method="random", n_trials=1, cv=3, metric="rmse", storage=url,
                  study_name="plain-min")
    assert result.best_score > 0
    assert optuna.load_study(study_name="plain-min", storage=url).user_attrs["metric"] == "rmse"


def test_workspace_tune_continues_its_study_and_refuses_another_search_before_a_job(workspace, cancer, tmp_path):
    X, y = cancer
    path = tmp_path / "cancer.csv"
    X.iloc[:, :5].assign(diagnosis=y).to_csv(path, index=False)
    ds = workspace.import_dataset(path, name="cancer", target="diagnosis")
    first = workspace.tune(ds.id, algorithm="logistic", tuning_method="random", n_trials=2, cv=3, study_name="ws")
    second = workspace.tune(ds.id, algorithm="logistic", tuning_method="optuna", n_trials=2, cv=3, study_name="ws")
    assert first.status == second.status == "completed"
    study = optuna.load_study(study_name="ws", storage=workspace.optuna_storage)
    assert len(study.trials) == 4
    assert study.user_attrs["dataset_id"] == ds.id and study.user_attrs["dataset_hash"] == ds.content_hash
    with pytest.raises(ConflictError, match="algorithm 'logistic' \\(this run: 'knn'\\)"):
        workspace.tune(ds.id, algorithm="knn", tuning_method="random", n_trials=1, cv=3, study_name="ws")
    with pytest.raises(ConflictError, match="data_hash"):  # another split of the rows
        workspace.tune(ds.id, algorithm="logistic", tuning_method="random", n_trials=1, cv=3, study_name="ws",
                       seed=7)
    assert len(workspace.list_jobs(kind="tune")) == 2 and len(workspace.list_experiments()) == 2
