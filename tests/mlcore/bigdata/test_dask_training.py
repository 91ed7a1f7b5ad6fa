"""Training and prediction on a Dask LocalCluster (in-process workers, tiny data, seconds)."""

import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from mlcore.errors import ConfigError  # noqa: E402
from mlcore.jobs import RecordingContext  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    """One scheduler with two in-process workers, shared by this module's tests and closed after."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as lc:
        yield lc.scheduler_address


def _churn(n: int = 2400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    plan = rng.choice(np.array(["basic", "pro", "team"], dtype=object), n)
    score = 1.5 * x1 - x2 + (plan == "pro") * 1.0 + rng.normal(scale=0.5, size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "plan": plan, "spend": 3 * x1 + x2 + rng.normal(scale=0.3, size=n),
                         "churn": np.where(score > 0, "yes", "no")})


@pytest.fixture
def parted(workspace, tmp_path):
    frame = _churn()
    frame.to_csv(tmp_path / "churn.csv", index=False)
    return frame, workspace.import_dataset(tmp_path / "churn.csv", name="churn", target="churn", chunk_rows=600)


@pytest.mark.parametrize("algorithm", ["lightgbm", "xgboost"])
def test_dask_training_makes_a_job_and_a_deployable_pipeline(workspace, parted, cluster, tmp_path, algorithm):
    frame, info = parted
    ctx = RecordingContext()
    job = workspace.train({"dataset_id": info.id, "algorithm": algorithm, "hyperparameters": {"n_estimators": 40}},
                          ctx=ctx, dask=cluster)
    assert job.status == "completed" and job.config["dask"]["address"] == cluster
    history = job.results["training_history"]
    assert 1 <= len(history) <= 40 and history[0]["iteration"] == 1
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    val_points = [m for m in ctx.metrics if m.split == "validation" and m.name == "log_loss"]
    assert [m.step for m in val_points] == [h["iteration"] for h in history]  # live, one point per round
    rows = job.results["training_summary"]["rows"]
    assert sum(rows.values()) == len(frame) and 300 < rows["test"] < 660
    assert job.results["evaluation"]["test"]["metrics"]["accuracy"] > 0.8

    version = workspace.deploy(job.id, f"churn-{algorithm}")
    local = workspace.predict(frame.drop(columns=["churn"]).head(50), model_id=version.id)["prediction"]
    out = tmp_path / "predicted"
    result = workspace.predict_dataset(info.id, out, model_id=version.id, dask=cluster)
    assert result.rows == len(frame)
    predicted = pd.read_parquet(out)
    assert list(predicted["prediction"].head(50)) == local
    assert predicted["x1"].head(50).tolist() == frame["x1"].head(50).tolist()


def test_dask_regression_with_early_stopping_on_its_own_local_cluster(workspace, parted):
    _, info = parted
    job = workspace.train({"dataset_id": info.id, "target_column": "spend", "algorithm": "xgboost",
                           "early_stopping_patience": 5, "hyperparameters": {"n_estimators": 400}},
                          dask="local", dask_options={"n_workers": 1, "processes": False})
    summary = job.results["training_summary"]
    assert summary["task_type"] == "regression" and summary["stopped_early"]
    assert summary["best_iteration"] < summary["n_iterations"] < 400
    assert job.results["evaluation"]["test"]["metrics"]["r2"] > 0.9


@pytest.mark.parametrize("algorithm", ["xgboost", "lightgbm"])
def test_cancel_stops_the_workers_within_a_bounded_time(workspace, parted, cluster, algorithm):
    _, info = parted
    ctx = RecordingContext(cancel_when=lambda c: len(c.metrics) >= 12)
    with pytest.raises(Exception) as err:
        workspace.train({"dataset_id": info.id, "algorithm": algorithm, "early_stopping": False,
                         "hyperparameters": {"n_estimators": 5000, "max_depth": 2}}, ctx=ctx, dask=cluster)
    assert type(err.value).__name__ == "JobCancelled"
    assert ctx.cancelled_at is not None and time.perf_counter() - ctx.cancelled_at < 5.0
    job = workspace.list_jobs()[0]
    assert job.status == "cancelled" and 3 <= len(job.results["training_history"]) < 5000


def test_unsupported_requests_are_refused_before_any_work(workspace, parted, cluster):
    _, info = parted
    with pytest.raises(ConfigError, match="random_forest.*does not train on Dask"):
        workspace.train({"dataset_id": info.id, "algorithm": "random_forest"}, dask=cluster)
    assert workspace.list_jobs() == []  # refused before a job row was made
    with pytest.raises(ConfigError, match="No Dask scheduler answers"):
        workspace.train({"dataset_id": info.id}, dask="tcp://127.0.0.1:9")


def test_the_split_follows_the_rows_not_the_partitioning():
    from mlcore.training import dask_split_codes

    frame = _churn(1000)
    whole = dask_split_codes(frame, 7, 0.2, 0.1)
    pieces = np.concatenate([dask_split_codes(frame.iloc[i:i + 137], 7, 0.2, 0.1) for i in range(0, 1000, 137)])
    assert (whole == pieces).all()
    assert abs((whole == 2).mean() - 0.2) < 0.05 and abs((whole == 1).mean() - 0.1) < 0.04
    assert not (dask_split_codes(frame, 8, 0.2, 0.1) == whole).all()


def test_cli_partitioned_import_train_deploy_predict_on_dask(capsys, tmp_path, cluster):
    import json

    from mlcore.cli import main

    home = str(tmp_path / "home")
    _churn(1500).to_csv(tmp_path / "churn.csv", index=False)

    def run(*argv):
        code = main(["--home", home, "--json", "-q", *argv])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert out.strip(), (argv, err[-2000:])
        return json.loads(out)

    ds = run("datasets", "import", str(tmp_path / "churn.csv"), "--target", "churn", "--chunk-rows", "500")
    assert ds["import_info"]["partitions"] == 3
    job = run("train", "--dataset", "churn.csv", "--algorithm", "lightgbm", "--params", '{"n_estimators": 20}',
              "--dask", cluster)
    assert job["status"] == "completed" and job["config"]["dask"]["address"] == cluster
    run("models", "deploy", job["job_id"], "--name", "churn", "--promote")
    out = run("predict", "--name", "churn", "--input", "churn.csv", "--output", str(tmp_path / "preds"),
              "--dask", cluster)
    assert out["rows"] == 1500 and len(pd.read_parquet(tmp_path / "preds")) == 1500
