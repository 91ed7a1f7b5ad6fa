"""Hyperparameter search: grid/random/Optuna, trial records, pruning, cancel, storage, timeout."""

import math
from dataclasses import replace

import optuna
import pytest

import mlcore.models

from mlcore.errors import ConfigError, JobCancelled
from mlcore.jobs import RecordingContext
from mlcore.tuning import compare_models, grid_search, optuna_search, random_search, tune


@pytest.fixture(scope="module")
def default_knn_score(cancer):
    X, y = cancer
    return compare_models(X, y, "classification", ["knn"], cv=3, seed=0).rows[0]["mean_score"]


@pytest.mark.parametrize("method", ["grid", "random", "optuna"])
def test_each_method_records_every_trial_and_is_never_worse_than_the_defaults(cancer, default_knn_score, method):
    X, y = cancer
    ctx = RecordingContext()
    result = tune(X, y, "classification", "knn", method=method, n_trials=6, cv=3, seed=0, ctx=ctx)
    assert len(result.trials) == 6
    assert [t["number"] for t in result.trials] == list(range(6))
    assert all(t["state"] == "complete" and 0 < t["value"] <= 1 and t["duration"] > 0 for t in result.trials)
    assert all(set(t["params"]) == {"n_neighbors", "weights"} | ({"p"} if method != "grid" else set())
               for t in result.trials)
    assert result.best_score >= default_knn_score - 1e-12
    assert result.best_score == max(t["value"] for t in result.trials)
    best = result.trials[result.best_trial]
    assert result.best_params == best["params"]
    # the refitted model is a whole pipeline with the best parameters
    model = result.pipeline
    assert model.named_steps["model"].get_params()["n_neighbors"] == result.best_params["n_neighbors"]
    assert model.predict(X.iloc[:5]).shape == (5,)
    events = [d for k, d in ctx.events if k == "trial"]
    assert [e["number"] for e in events] == list(range(6))
    assert events[-1]["best"] == pytest.approx(result.best_score)
    assert {"value", "params", "state"} <= set(events[0])
    assert [h["iteration"] for h in result.history()] == list(range(6))


def test_trial_zero_is_the_catalog_defaults(cancer):
    X, y = cancer
    result = random_search(X, y, "classification", "knn", n_trials=3, cv=3)
    assert result.trials[0]["params"] == {"n_neighbors": 5, "weights": "uniform", "p": 2}


def test_grid_is_capped_and_accepts_an_explicit_grid(cancer):
    X, y = cancer
    result = grid_search(X, y, "classification", "knn", n_trials=3, cv=3)
    assert len(result.trials) == 3 and result.notes and "first 3" in result.notes[0]
    result = grid_search(X, y, "classification", "knn", grid={"model__n_neighbors": [1, 15]}, cv=3)
    # the defaults (k=5) are not in that grid, so they are scored first as a baseline
    assert [t["params"]["n_neighbors"] for t in result.trials] == [5, 1, 15]


def test_median_pruning_prunes_weak_trials_of_an_iterative_model(diabetes):
    X, y = diabetes
    result = optuna_search(X, y, "regression", "lightgbm", n_trials=14, cv=4, seed=1)
    states = [t["state"] for t in result.trials]
    assert states.count("pruned") >= 1, states
    pruned = [t for t in result.trials if t["state"] == "pruned"]
    assert all(len(t["fold_scores"]) < 4 for t in pruned)
    assert result.best_score > 0.3
    unpruned = optuna_search(X, y, "regression", "lightgbm", n_trials=4, cv=4, seed=1, pruning=False)
    assert all(t["state"] == "complete" for t in unpruned.trials)


def test_cancel_after_n_trials_keeps_n(cancer):
    X, y = cancer
    ctx = RecordingContext(cancel_when=lambda c: sum(k == "trial" for k, _ in c.events) >= 3)
    with pytest.raises(JobCancelled) as info:
        tune(X, y, "classification", "knn", method="random", n_trials=20, cv=3, ctx=ctx)
    partial = info.value.partial_result
    assert len(partial.trials) == 3 and partial.cancelled
    assert partial.best_score == max(t["value"] for t in partial.trials)
    assert len(info.value.partial_history) == 3


def test_cancel_during_a_trial_abandons_it_between_folds(cancer):
    X, y = cancer
    ctx = RecordingContext(cancel_when=lambda c: any("trial 1: fold 2" in m for _, m in c.progress_events))
    with pytest.raises(JobCancelled) as info:
        tune(X, y, "classification", "knn", method="random", n_trials=20, cv=3, ctx=ctx)
    assert [t["number"] for t in info.value.partial_result.trials] == [0]


def test_study_lives_in_the_given_storage(cancer, tmp_path):
    X, y = cancer
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    result = tune(X, y, "classification", "logistic", method="optuna", n_trials=3, cv=3, storage=url,
                  study_name="logit-study")
    study = optuna.load_study(study_name="logit-study", storage=url)
    assert len(study.trials) == 3
    assert study.best_value == pytest.approx(result.best_score)
    assert result.study_name == "logit-study" and result.storage == url


def test_timeout_stops_the_search(cancer):
    X, y = cancer
    ctx = RecordingContext()
    result = tune(X, y, "classification", "knn", method="random_search", n_trials=None, timeout=1.0, cv=3, ctx=ctx)
    assert 1 <= len(result.trials) < 200 and result.seconds < 20 and result.method == "random"
    assert max(f for f, _ in ctx.progress_events) >= 0.9  # progress follows the time budget


def test_failing_configurations_are_failed_trials_and_all_failing_is_an_error(cancer, monkeypatch):
    X, y = cancer
    # n_neighbors above the fold's training rows cannot fit
    result = grid_search(X, y, "classification", "knn", grid={"model__n_neighbors": [5, 1000]}, cv=3)
    states = {t["params"]["n_neighbors"]: t["state"] for t in result.trials}
    assert states == {5: "complete", 1000: "fail"}
    assert "n_neighbors" in result.trials[1]["error"] or "Expected" in result.trials[1]["error"]
    real = mlcore.models.get_algorithm

    def broken(v, *, seed, n_jobs, task):
        raise ValueError("cannot build")

    monkeypatch.setattr(mlcore.models, "get_algorithm", lambda n, t: replace(real(n, t), factory=broken))
    with pytest.raises(ConfigError, match="every trial of knn failed.*cannot build"):
        random_search(X, y, "classification", "knn", n_trials=2, cv=3)
    with pytest.raises(ConfigError, match="tuning method"):
        tune(X, y, "classification", "knn", method="annealing")
    with pytest.raises(ConfigError, match="n_trials"):
        tune(X, y, "classification", "knn", n_trials=0)


def test_lower_is_better_metric_minimises(diabetes):
    X, y = diabetes
    result = tune(X, y, "regression", "ridge", method="random", n_trials=4, cv=3, metric="rmse")
    assert result.best_score == min(t["value"] for t in result.trials)
    assert not math.isnan(result.best_score)
