"""The "automl" job: recorded, deployable, evaluable and exportable like a training job; the CLI command."""

import json

import pytest

from mlcore.cli import main
from mlcore.jobs import RecordingContext


# a fresh test process pays its first imports of lightgbm/xgboost/sklearn inside the budget; on the shared,
# loaded 2-core test machine that has cost up to ~4 s (the promise holds warm: see test_automl.py)
COLD_START = 5.0


def test_automl_job_deploys_evaluates_and_keeps_its_budget(workspace, dataset):
    ctx = RecordingContext()
    job = workspace.automl(dataset.id, time_budget=10, seed=1, ctx=ctx)
    assert job.kind == "automl" and job.status == "completed"
    r = job.results
    summary = r["training_summary"]
    assert summary["seconds"] <= 10 * 1.05 + 2.0 + COLD_START
    assert r["automl"]["metric"] == "roc_auc" and r["automl"]["leaderboard"]
    assert any(k == "automl_trial" for k, _ in ctx.events)
    assert 0.8 < r["evaluation"]["test"]["metrics"]["roc_auc"] <= 1.0
    assert r["classes"] == ["benign", "malignant"]
    version = workspace.deploy(job.id, "cancer-auto")
    assert version.algorithm == "automl" and version.metrics == r["evaluation"]["test"]["metrics"]
    frame = workspace.load_frame(dataset.id).drop(columns=["diagnosis"]).head(5)
    pipeline, _ = workspace.load_model(version.id)
    assert list(pipeline.predict(frame)) == list(workspace.load_job_pipeline(job.id).predict(frame))


def test_cli_automl_prints_the_leaderboard_as_json(workspace, dataset, capsys):
    home = str(workspace.home)
    workspace.close()
    assert main(["automl", "--home", home, "--dataset", dataset.id, "--time-budget", "5", "--metric",
                      "accuracy", "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "automl" and out["status"] == "completed"
    assert out["results"]["automl"]["metric"] == "accuracy"


def test_cancelled_automl_job_keeps_the_best_so_far_and_deploys_it(workspace, dataset):
    ctx = RecordingContext(cancel_when=lambda c: sum(k == "automl_trial" for k, _ in c.events) >= 2)
    job = workspace.automl(dataset.id, time_budget=60, seed=1, ctx=ctx)
    assert job.status == "completed" and job.results["training_summary"]["stopped_by_user"]
    assert len(job.results["automl"]["leaderboard"]) == 2 and job.results["automl"]["cancelled"]
    assert workspace.deploy(job.id, "kept").algorithm == "automl"
