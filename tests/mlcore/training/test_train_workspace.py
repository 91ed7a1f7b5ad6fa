"""Workspace.train end to end: every algorithm on a mixed frame, jobs, cancel, reproducibility."""

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, DataValidationError, JobCancelled
from mlcore.jobs import RecordingContext
from mlcore.models import list_algorithms

FAST = {"n_estimators": 20}


def mixed_frame(n=240, seed=0):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    plan = rng.choice(["basic", "plus", "pro"], size=n)
    signup = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, size=n), unit="D")
    usage = rng.gamma(2.0, 2.0, size=n)
    score = x1 + (plan == "pro") * 1.5 + 0.1 * usage
    frame = pd.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],  # unique per row: flagged and excluded
        "x1": x1, "usage": usage, "plan": pd.array(plan, dtype="str"), "signup": signup,
        "churn": np.where(score + rng.normal(scale=0.7, size=n) > 1.0, "yes", "no"),
        "spend": 10 + 3 * score + rng.normal(scale=0.5, size=n),
    })
    frame.loc[frame.index[::9], "x1"] = np.nan
    frame.loc[frame.index[::11], "plan"] = None
    return frame


@pytest.fixture(scope="module")
def ws_data(tmp_path_factory):
    from mlcore.workspace import Workspace

    tmp = tmp_path_factory.mktemp("train")
    frame = mixed_frame()
    frame.to_parquet(tmp / "mixed.parquet")
    ws = Workspace(tmp / "ws")
    ds = ws.import_dataset(tmp / "mixed.parquet")
    yield ws, ds
    ws.close()


def _params(spec):
    """Small settings so the whole catalog trains in seconds; ensembles get light members."""
    names = {p.name for p in spec.params}
    params = {k: v for k, v in FAST.items() if k in names}
    if spec.name in ("voting", "stacking"):
        linear = "logistic" if spec.task == "classification" else "ridge"
        params["estimators"] = [linear, "decision_tree"]
    if spec.name == "stacking":
        params["cv"] = 3
    return params


@pytest.mark.parametrize("task,target", [("classification", "churn"), ("regression", "spend")])
def test_every_algorithm_trains_on_a_mixed_frame(ws_data, task, target):
    ws, ds = ws_data
    other = "spend" if target == "churn" else "churn"
    for spec in list_algorithms(task):
        ctx = RecordingContext()
        job = ws.train({"dataset_id": ds.id, "target_column": target, "task_type": task, "algorithm": spec.name,
                        "hyperparameters": _params(spec), "preparation": {"drop_columns": [other]}}, ctx=ctx)
        results = job.results
        assert job.status == "completed", spec.name
        metrics = results["evaluation"]["test"]["metrics"]
        if task == "classification":
            assert metrics["accuracy"] > 0.55, (spec.name, metrics["accuracy"])
        else:
            assert metrics["r2"] > 0.3, (spec.name, metrics["r2"])
        summary = results["training_summary"]
        assert summary["rows"] == {"train": 168, "validation": 24, "test": 48}
        assert "customer_id" not in summary["feature_names_out"]
        assert any(n.startswith("signup.") for n in summary["feature_names_out"]), summary["feature_names_out"]
        # one history record per iteration, and the curve got the same points
        steps = {m.step for m in ctx.metrics}
        assert len(results["training_history"]) == len(steps) > 0, spec.name


def test_early_stopping_is_recorded(ws_data):
    ws, ds = ws_data
    job = ws.train({"dataset_id": ds.id, "target_column": "churn", "algorithm": "lightgbm",
                    "hyperparameters": {"n_estimators": 500, "learning_rate": 0.3}, "early_stopping": True,
                    "early_stopping_patience": 5, "preparation": {"drop_columns": ["spend"]}})
    summary = job.results["training_summary"]
    assert summary["stopped_early"] is True
    assert summary["best_iteration"] < summary["n_iterations"] < 500
    assert len(job.results["training_history"]) == summary["n_iterations"]


def test_same_config_twice_gives_identical_metrics(ws_data):
    ws, ds = ws_data
    config = {"dataset_id": ds.id, "target_column": "churn", "algorithm": "random_forest", "seed": 7,
              "hyperparameters": {"n_estimators": 30}, "preparation": {"drop_columns": ["spend"]}}
    first, second = ws.train(config), ws.train(config)
    assert first.results["evaluation"] == second.results["evaluation"]
    assert first.dataset_hash == second.dataset_hash == ds.content_hash
    assert first.config["resolved_preparation"] == second.config["resolved_preparation"]


def test_cancel_keeps_partial_history_and_marks_the_job(ws_data):
    ws, ds = ws_data
    ctx = RecordingContext(cancel_when=lambda c: len(c.metrics) >= 12)
    with pytest.raises(JobCancelled):
        ws.train({"dataset_id": ds.id, "target_column": "churn", "algorithm": "xgboost",
                  "hyperparameters": {"n_estimators": 2000}, "preparation": {"drop_columns": ["spend"]}}, ctx=ctx)
    job = ws.list_jobs(status="cancelled")[0]
    assert 1 <= len(job.results["training_history"]) < 2000
    assert job.completed_at is not None and job.error == "cancelled by the user"


def test_recipe_is_reused_and_class_weight_reported(ws_data):
    ws, ds = ws_data
    ws.save_recipe("robust", {"scaling": "robust", "numeric_imputation": "mean", "drop_columns": ["spend"],
                              "class_weight": "balanced"})
    job = ws.train({"dataset_id": ds.id, "target_column": "churn", "algorithm": "gradient_boosting",
                    "recipe": "robust", "hyperparameters": {"n_estimators": 20}})
    assert job.config["resolved_preparation"]["scaling"] == "robust"
    assert job.results["training_summary"]["class_weight"] == "balanced sample weights"
    job = ws.train({"dataset_id": ds.id, "target_column": "churn", "algorithm": "logistic", "recipe": "robust"})
    assert "class_weight" in job.results["training_summary"]["class_weight"]


def test_clear_errors_for_impossible_requests(ws_data, tmp_path):
    ws, ds = ws_data
    with pytest.raises(ConfigError, match="leaves no training rows"):
        ws.train({"dataset_id": ds.id, "target_column": "churn", "test_size": 0.6, "validation_size": 0.5})
    with pytest.raises(ConfigError, match="Unknown training option"):
        ws.train({"dataset_id": ds.id, "target_column": "churn", "learning_rate": 0.1})
    with pytest.raises(ConfigError, match="n_estimators"):
        ws.train({"dataset_id": ds.id, "target_column": "churn", "algorithm": "random_forest",
                  "hyperparameters": {"n_estimators": -3}})
    single = pd.DataFrame({"x": range(30), "y": ["a"] * 30})
    single.to_csv(tmp_path / "one_class.csv", index=False)
    one = ws.import_dataset(tmp_path / "one_class.csv", target="y")
    with pytest.raises(DataValidationError, match="only one class|single class|one class"):
        ws.train({"dataset_id": one.id, "task_type": "classification"})
    failed = [j for j in ws.list_jobs(status="failed") if j.dataset_id == one.id]
    assert failed and failed[0].error
