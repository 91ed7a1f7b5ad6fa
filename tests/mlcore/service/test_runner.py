"""JobRunner: every job kind gets a row with status, times and a typed result; cancel gives a partial outcome."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from mlcore import vocab
from mlcore.errors import ConfigError, JobCancelled
from mlcore.jobs import RecordingContext
from mlcore.service import CleanResult, CompareResult, JobResult

pytestmark = pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL


@dataclass
class Counted(JobResult):
    steps: int
    score: float


def test_a_body_s_typed_result_is_returned_and_stored_json_safe(workspace):
    def body(run):
        for i in range(3):
            run.check_cancelled()
            run.metric(i, "log_loss", 1.0 / (i + 1), "train")
            run.progress((i + 1) / 3, f"step {i}")
        return Counted(steps=3, score=math.nan)

    ctx = RecordingContext()
    result = workspace.runner.run("custom", {"n": 3}, body, ctx=ctx)
    assert isinstance(result, Counted) and result.steps == 3
    job = workspace.get_job(workspace.list_jobs(kind="custom")[0].id)
    assert (job.status, job.config, job.results) == ("completed", {"n": 3}, {"steps": 3, "score": None})
    assert job.started_at is not None and job.completed_at is not None
    assert [f for f, _ in ctx.progress_events] == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert [m.kind for m in ctx.metrics] == ["loss"] * 3


def test_cancel_returns_the_partial_outcome_built_from_what_the_job_reported(workspace):
    def body(run):
        for i in range(100):
            run.check_cancelled()
            run.event("trial", number=i, value=0.5 + i / 100)
            run.metric(i, "accuracy", 0.5 + i / 100, "validation")
        raise AssertionError("not cancelled")

    ctx = RecordingContext(cancel_when=lambda c: sum(kind == "trial" for kind, _ in c.events) >= 4)
    outcome = workspace.runner.outcome("custom", {}, body, ctx=ctx,
                                       partial=lambda run: {"trials": run.events_of("trial")})
    assert outcome.status == "cancelled" and outcome.result is None
    assert [t["number"] for t in outcome.partial["trials"]] == [0, 1, 2, 3]
    assert outcome.partial["training_history"][-1] == {"iteration": 3, "val_metric": pytest.approx(0.53)}
    job = workspace.get_job(outcome.job_id)
    assert job.status == "cancelled" and job.results["trials"] == outcome.partial["trials"]
    with pytest.raises(JobCancelled) as info:
        outcome.unwrap()
    assert not hasattr(info.value, "partial_result")  # results travel in the outcome, not on the exception


def test_a_failed_body_leaves_a_failed_row_and_raises_its_error(workspace):
    def body(run):
        raise ConfigError("no such option")

    with pytest.raises(ConfigError, match="no such option"):
        workspace.runner.run("custom", {}, body)
    job = workspace.list_jobs(kind="custom")[0]
    assert job.status == "failed" and job.error == "no such option"


@pytest.fixture
def trained(workspace):
    ds = workspace.import_sample("iris")
    job = workspace.train({"dataset_id": ds.id, "algorithm": "logistic"})
    model = workspace.deploy(job.id, "iris-model")
    return ds, job, model


def test_every_job_kind_gets_a_row(workspace, trained, tmp_path):
    ds, job, model = trained
    cleaned = workspace.clean(ds.id, missing_strategy="median", save=False)
    compared = workspace.compare(ds.id, models=["logistic", "knn"], cv=2)
    workspace.evaluate(model.id, n_boot=10, importance=False)
    frame = workspace.load_frame(ds.id).drop(columns=["species"]).head(7)
    frame.to_csv(tmp_path / "rows.csv", index=False)
    predicted = workspace.predict_file(tmp_path / "rows.csv", model_id=model.id)
    exported = workspace.export_model(model.id, "card", tmp_path)
    workspace.tune(ds.id, algorithm="logistic", tuning_method="random", n_trials=2, cv=2)
    workspace.automl(ds.id, time_budget=5)
    kinds = {j.kind: j for j in workspace.list_jobs()}
    assert set(vocab.JOB_KINDS) <= set(kinds)
    assert all(j.status == "completed" for j in kinds.values())
    # typed results: attributes, to_dict() on the row, and the dict reads older clients use
    assert isinstance(cleaned, CleanResult) and cleaned.original_rows == cleaned["original_rows"] == 150
    assert isinstance(compared, CompareResult) and compared.best_model == compared["best_model"]
    assert kinds["compare"].results["comparison"] == compared.to_dict()["comparison"]
    assert predicted.rows == 7 and len(predicted.frame) == 7 and "frame" not in kinds["predict-file"].results
    assert kinds["export"].results["path"] == exported.path and exported["format"] == "card"
    assert kinds["evaluate"].results["source"]["id"] == model.id


def test_a_job_announces_its_id_before_its_body_runs(workspace):
    seen = []
    ctx = RecordingContext()
    result = workspace.runner.outcome("custom", {}, lambda run: seen.append(list(ctx.events)) or {}, ctx=ctx)
    assert seen == [[("job_started", {"job_id": result.job_id, "job_kind": "custom"})]]
