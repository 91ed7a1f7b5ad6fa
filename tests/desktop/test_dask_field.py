"""The Train form's "Dask cluster" field trains a partitioned dataset on a cluster, with live curves."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")


@pytest.fixture
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as lc:
        yield lc.scheduler_address


def test_train_on_a_dask_cluster_from_the_form(qtbot, make_window, workspace, tmp_path, cluster):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(900, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=np.where(x[:, 0] + x[:, 1] > 0, "up", "down"))
    frame.to_csv(tmp_path / "moves.csv", index=False)
    info = workspace.import_dataset(tmp_path / "moves.csv", target="y", chunk_rows=300)
    window = make_window(workspace)
    train = window.training_tab.train_view
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=10000)
    assert train.dask_address() is None  # empty: in this process
    train.dask_edit.setText(f"  {cluster} ")
    train.picker.choose(info.id)
    qtbot.waitUntil(lambda: not window.jobs.running() and train.algorithm_combo.count() > 0, timeout=10000)
    with qtbot.waitSignal(train.sig_training_ended, timeout=90000) as ended:
        assert train.train_with(info.id, "y", "xgboost", {"n_estimators": 15})
    assert ended.args == ["completed"], window.errors_seen
    job = workspace.list_jobs()[0]
    assert job.config["dask"]["address"] == cluster
    assert train.metric_counts[("log_loss", "validation")] == len(job.results["training_history"]) > 0
    assert train.services.recall("train/dask", "", str) == cluster
