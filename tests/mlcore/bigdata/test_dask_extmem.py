"""XGBoost's external-memory path on Dask (ExtMemQuantileDMatrix per worker) on a few hundred KB of parts."""

import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from mlcore.errors import ConfigError  # noqa: E402
from mlcore.jobs import JobContext, RecordingContext  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                      memory_limit="2GiB") as lc:
        yield lc.scheduler_address


def _rows(n: int = 6000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2, x3 = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    plan = rng.choice(np.array(["basic", "pro", "team"], dtype=object), n)
    score = 1.5 * x1 - x2 + 0.8 * x2 * x3 + (plan == "pro") * 1.0 + rng.normal(scale=0.6, size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "plan": plan, "spend": 3 * x1 + x2 + rng.normal(scale=0.3, size=n),
                         "churn": np.where(score > 0, "yes", "no")})


@pytest.fixture
def parted(workspace, tmp_path):
    frame = _rows()
    frame.to_csv(tmp_path / "churn.csv", index=False)
    return frame, workspace.import_dataset(tmp_path / "churn.csv", name="churn", target="churn", chunk_rows=700)


def test_external_memory_trains_a_model_as_good_as_in_memory_and_says_which_path_ran(workspace, parted, cluster):
    frame, info = parted
    jobs, logs = {}, {}
    for external in (True, False):
        ctx = RecordingContext()
        jobs[external] = workspace.train({"dataset_id": info.id, "algorithm": "xgboost", "early_stopping": False,
                                          "hyperparameters": {"n_estimators": 40, "max_depth": 4}},
                                         ctx=ctx, dask=cluster, dask_options={"external_memory": external})
        logs[external] = ctx.logs
        if external:
            points = [m.step for m in ctx.metrics if m.split == "validation" and m.name == "log_loss"]
            assert points == list(range(1, 41))  # every round reported live
    ext, mem = jobs[True].results, jobs[False].results
    assert ext["training_summary"]["dask"]["external_memory"] is True
    assert mem["training_summary"]["dask"]["external_memory"] is False
    assert any(line.startswith("external-memory training") and "requested" in line for line in logs[True])
    assert any(line.startswith("in-memory training (xgboost.dask)") for line in logs[False])
    # each worker fed its share of the split's rows, no more, no less
    workers = ext["training_summary"]["dask"]["external_memory_workers"]
    assert len(workers) == 2 and all(w["rows"]["train"] > 1000 and w["cache_bytes"] > 0 for w in workers)
    rows = ext["training_summary"]["rows"]
    assert sum(w["rows"]["train"] for w in workers) == rows["train"]
    assert sum(w["rows"]["validation"] for w in workers) == rows["validation"]
    # the same quality: the same test rows, AUC and the last validation loss within a small tolerance
    auc_ext = ext["evaluation"]["test"]["metrics"]["roc_auc"]
    auc_mem = mem["evaluation"]["test"]["metrics"]["roc_auc"]
    assert auc_ext > 0.9 and abs(auc_ext - auc_mem) < 0.01
    assert ext["evaluation"]["test"]["n_rows"] == mem["evaluation"]["test"]["n_rows"]
    last_ext, last_mem = ext["training_history"][-1]["val_loss"], mem["training_history"][-1]["val_loss"]
    assert abs(last_ext - last_mem) < 0.05 * last_mem
    # it deploys and predicts like any model
    version = workspace.deploy(jobs[True].id, "churn-extmem")
    assert workspace.predict(frame.drop(columns=["churn"]).head(5), model_id=version.id)["prediction"][0] in ("yes", "no")


def test_external_memory_early_stopping_regression(workspace, parted, cluster):
    _, info = parted
    job = workspace.train({"dataset_id": info.id, "target_column": "spend", "algorithm": "xgboost",
                           "early_stopping_patience": 3, "hyperparameters": {"n_estimators": 300, "learning_rate": 0.5}},
                          dask=cluster, dask_options={"external_memory": True})
    summary = job.results["training_summary"]
    assert summary["task_type"] == "regression" and summary["dask"]["external_memory"]
    assert summary["stopped_early"] and summary["best_iteration"] < summary["n_iterations"] < 300
    assert job.results["evaluation"]["test"]["metrics"]["r2"] > 0.9


@pytest.mark.parametrize("when", ["rounds", "cache"])
def test_external_memory_cancel_stops_every_worker(workspace, parted, cluster, when):
    _, info = parted
    if when == "rounds":
        ctx = RecordingContext(cancel_when=lambda c: len(c.metrics) >= 12)
    else:  # as soon as the fit starts: the workers are still building their caches
        ctx = RecordingContext(cancel_when=lambda c: any(m == "training xgboost on Dask" for _, m in c.progress_events))
    with pytest.raises(Exception) as err:
        workspace.train({"dataset_id": info.id, "algorithm": "xgboost", "early_stopping": False,
                         "hyperparameters": {"n_estimators": 5000, "max_depth": 2}}, ctx=ctx, dask=cluster,
                        dask_options={"external_memory": True, "batch_bytes": 2048})
    assert type(err.value).__name__ == "JobCancelled"
    assert ctx.cancelled_at is not None and time.perf_counter() - ctx.cancelled_at < 5.0
    job = workspace.list_jobs()[0]
    assert job.status == "cancelled" and len(job.results["training_history"]) < 5000
    # the cluster is usable afterwards: the collective was left cleanly
    from distributed import Client

    with Client(cluster) as client:
        assert client.submit(lambda: 41 + 1, pure=False).result(timeout=10) == 42


def test_xgboost_defaults_to_external_memory_and_lightgbm_is_refused_beyond_memory(cluster, parted):
    from distributed import Client

    from mlcore.training import choose_memory_path

    _, info = parted
    parts = []  # sizes come from data_bytes alone here
    with Client(cluster) as client:
        ctx = RecordingContext()
        # XGBoost: external memory by default, whatever the size; in memory only when asked
        assert choose_memory_path(client, parts, "xgboost", {"mode": "auto", "data_bytes": 3 << 30}, ctx) is True
        assert "the default" in ctx.logs[-1] and "3.00 GiB" in ctx.logs[-1] and "4.00 GiB in all" in ctx.logs[-1]
        assert choose_memory_path(client, parts, "xgboost", {"mode": "auto", "data_bytes": 1 << 20}, ctx) is True
        assert choose_memory_path(client, parts, "xgboost", {"mode": False, "data_bytes": 3 << 30}, ctx) is False
        assert ctx.logs[-2].startswith("warning: in-memory training requested")
        assert choose_memory_path(client, parts, "lightgbm", {"mode": "auto", "data_bytes": 1 << 20}, ctx) is False
        with pytest.raises(ConfigError, match=r"LightGBM .*3\.00 GiB in memory.*4\.00 GiB in all"):
            choose_memory_path(client, parts, "lightgbm", {"mode": "auto", "data_bytes": 3 << 30}, JobContext())


def test_prediction_streams_each_part_in_batches_into_its_own_file(workspace, parted, cluster, tmp_path):
    import pyarrow.parquet as pq

    from mlcore.deployment import predict_parts_dask

    frame, info = parted
    job = workspace.train({"dataset_id": info.id, "algorithm": "xgboost", "hyperparameters": {"n_estimators": 10}},
                          dask=cluster, dask_options={"external_memory": True})
    version = workspace.deploy(job.id, "churn-parts")
    pipeline, _ = workspace.models.load_model(version.id)
    parts = workspace.datasets.partition_paths(info.id)
    out = tmp_path / "scored"
    done = predict_parts_dask(parts, out, pipeline, address=cluster, batch_rows=128)
    files = sorted(out.glob("*.parquet"))
    assert done["rows"] == len(frame) and len(files) == len(parts) == done["parts"]
    # one output part per input part, written in row groups of at most one batch
    for src, dst in zip(parts, files):
        meta = pq.ParquetFile(dst).metadata
        assert meta.num_rows == pq.ParquetFile(src).metadata.num_rows
        assert meta.num_row_groups > 1 and max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) <= 128
    scored = pd.read_parquet(out)
    local = workspace.predict(frame.drop(columns=["churn"]), model_id=version.id)["prediction"]
    assert scored["prediction"].tolist() == list(local)
    assert scored["x1"].tolist() == frame["x1"].tolist()


def test_cli_dask_external_memory_flag(capsys, tmp_path, cluster):
    import json

    from mlcore.cli import main

    home = str(tmp_path / "home")
    _rows(1500).to_csv(tmp_path / "churn.csv", index=False)
    assert main(["--home", home, "-q", "datasets", "import", str(tmp_path / "churn.csv"), "--target", "churn",
                 "--chunk-rows", "500"]) == 0
    capsys.readouterr()
    code = main(["--home", home, "--json", "-q", "train", "--dataset", "churn.csv", "--algorithm", "xgboost",
                 "--params", '{"n_estimators": 10}', "--dask", cluster, "--dask-external-memory", "on"])
    out, err = capsys.readouterr()
    assert code == 0, err
    job = json.loads(out)
    assert job["status"] == "completed" and job["config"]["dask"]["external_memory"] is True
    assert job["results"]["training_summary"]["dask"]["external_memory"] is True
