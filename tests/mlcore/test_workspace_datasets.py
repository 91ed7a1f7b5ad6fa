"""Workspace dataset operations: import, dedupe, info, target, delete, failure leaves nothing."""

import pandas as pd
import pytest

from mlcore.errors import ConflictError, DataImportError, DataValidationError, NotFoundError
from mlcore.workspace import Workspace


def _csv(tmp_path, name="d.csv", text="a;b;label\n1,5;x;yes\n2,5;y;no\n3,0;x;yes\n"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_stores_parquet_and_reports_the_seed_fields(workspace, tmp_path):
    info = workspace.import_dataset(_csv(tmp_path), target="label")
    summary = info.summary()
    assert summary["rows"] == 3 and summary["columns"] == 3
    assert summary["column_names"] == ["a", "b", "label"]
    assert summary["missing_values"] == {"a": 0, "b": 0, "label": 0}
    frame = workspace.load_frame(info.id)
    assert frame["a"].tolist() == [1.5, 2.5, 3.0]  # European decimal comma came out numeric
    assert (workspace.home / info.file_path).exists()
    details = workspace.get_dataset(info.id).details()
    assert details["numeric_stats"]["a"]["mean"] == pytest.approx(7 / 3)
    assert details["categorical_stats"]["b"]["cardinality"] == 2
    assert details["target_column"] == "label"


def test_identical_content_is_recognised(workspace, tmp_path):
    first = workspace.import_dataset(_csv(tmp_path, "one.csv"))
    again = workspace.import_dataset(_csv(tmp_path, "two.csv"))
    assert again.id == first.id
    assert again.import_info["duplicate_of"] == first.id
    assert len(workspace.list_datasets()) == 1


def test_failed_import_leaves_no_row_and_no_file(workspace, tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    with pytest.raises(DataImportError, match="empty.csv"):
        workspace.import_dataset(bad)
    with pytest.raises(DataValidationError, match="nope"):
        workspace.import_dataset(_csv(tmp_path), target="nope")
    assert workspace.list_datasets() == []
    assert list((workspace.home / "datasets").iterdir()) == []


def test_set_target_and_delete(workspace, tmp_path):
    info = workspace.import_dataset(_csv(tmp_path))
    assert workspace.set_target(info.id, "label").target_column == "label"
    with pytest.raises(DataValidationError, match="no column 'zzz'"):
        workspace.set_target(info.id, "zzz")
    workspace.delete_dataset(info.id)
    assert workspace.list_datasets() == []
    assert not (workspace.home / info.file_path).exists()
    with pytest.raises(NotFoundError):
        workspace.get_dataset(info.id)


def test_delete_refuses_while_a_model_uses_the_dataset(workspace):
    from sklearn.dummy import DummyClassifier

    info = workspace.import_sample("iris")
    model = workspace.register_model(DummyClassifier().fit([[0]], [0]), name="m", version="1.0.0",
                                     task_type="classification", algorithm="dummy")
    with workspace.db.session() as s:  # link the version to the dataset as a deploy would
        from mlcore.registry import orm

        s.get(orm.MLModelVersion, model.id).dataset_id = info.id
    with pytest.raises(ConflictError, match="used by 1 model version"):
        workspace.delete_dataset(info.id)
    workspace.delete_dataset(info.id, force=True)
    assert workspace.get_model(model.id).dataset_id is None


def test_samples_import_in_one_step(workspace):
    names = {s.name for s in workspace.list_samples()}
    assert {"iris", "wine", "breast_cancer", "diabetes", "penguins"} <= names
    info = workspace.import_sample("penguins")
    assert info.rows > 300 and info.target_column
    assert sum(info.missing_values.values()) > 0


def test_home_comes_from_argument_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MLWB_HOME", str(tmp_path / "from_env"))
    with Workspace() as ws:
        assert ws.home == (tmp_path / "from_env").resolve()
    with Workspace(tmp_path / "explicit") as ws:
        assert ws.home == (tmp_path / "explicit").resolve()
        assert (ws.home / "workbench.db").exists()


def test_database_url_can_be_overridden(tmp_path, monkeypatch):
    monkeypatch.setenv("MLWB_DB_URL", f"sqlite:///{tmp_path / 'shared.db'}")
    with Workspace(tmp_path / "ws") as ws:
        ws.save_recipe("r", {"scaling": "minmax"})
    assert (tmp_path / "shared.db").exists()
    assert not (tmp_path / "ws" / "workbench.db").exists()


def test_interrupted_jobs_are_marked_when_the_workspace_opens(home):
    from mlcore.registry import orm

    ws = Workspace(home)
    with ws.db.session() as s:
        s.add(orm.MLTrainingJob(id="dead", kind="train", status="running", config={}, pid=999_999_999))
    ws.close()
    with Workspace(home) as ws:
        job = ws.get_job("dead")
    assert job.status == "interrupted" and "ended" in job.error


def test_a_job_whose_pid_was_reused_by_a_later_process_is_interrupted(home):
    import os
    import subprocess
    import sys

    import psutil

    from mlcore.registry import orm

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        born = {pid: psutil.Process(pid).create_time() for pid in (os.getpid(), other.pid)}
        ws = Workspace(home)
        with ws.db.session() as s:
            for job_id, pid, started in (("reused-other", other.pid, born[other.pid] - 100),
                                         ("reused-ours", os.getpid(), born[os.getpid()] - 100),
                                         ("alive", other.pid, born[other.pid])):
                s.add(orm.MLTrainingJob(id=job_id, kind="train", status="running", config={}, pid=pid,
                                        library_versions={"pid_started": started}))
        ws.close()
        with Workspace(home) as ws:
            status = {j: ws.get_job(j).status for j in ("reused-other", "reused-ours", "alive")}
            assert status == {"reused-other": "interrupted", "reused-ours": "interrupted", "alive": "running"}
            job_id = ws.runner.create("train", {})
            assert ws.get_job(job_id).library_versions["pid_started"] == born[os.getpid()]
    finally:
        other.kill()
        other.wait()
