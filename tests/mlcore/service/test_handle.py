"""ModelHandle and RowRef: one resolution of a job or version; the stored split's rows in one place."""

from __future__ import annotations

import pytest

from mlcore.errors import ArtifactIntegrityError, ConfigError


@pytest.fixture
def trained(workspace):
    ds = workspace.import_sample("wine")
    job = workspace.train({"dataset_id": ds.id, "algorithm": "logistic", "test_size": 0.25,
                           "validation_size": 0.15})
    return ds, job


def test_a_job_and_its_version_resolve_to_the_same_model_and_rows(workspace, trained):
    ds, job = trained
    version = workspace.deploy(job.id, "wine")
    by_job, by_version = workspace.handles.of_job(job.id), workspace.handles.of_version(version.id)
    assert (by_job.kind, by_version.kind) == ("job", "model")
    assert by_job.task == by_version.task == "classification" and by_job.target == by_version.target == "cultivar"
    assert by_job.schema == by_version.schema and by_version.schema is not None
    split = workspace.job_split(job.id)
    test_rows = by_version.rows.rows("test")
    assert list(test_rows.index) == list(split["test"]) and len(test_rows) == len(by_job.rows.rows("test"))
    assert len(by_job.rows.rows("all")) == ds.rows
    assert workspace.handles.resolve(job.id).kind == "job" and workspace.handles.resolve("wine:1.0.0").kind == "model"
    with pytest.raises(ConfigError, match="split must be one of"):
        by_job.rows.rows("holdout")


def test_the_pipeline_loads_once_on_first_use(workspace, trained, monkeypatch):
    _, job = trained
    model = workspace.handles.of_job(job.id)
    calls = []
    real = workspace.jobs.load_job_pipeline
    monkeypatch.setattr(workspace.jobs, "load_job_pipeline", lambda key: calls.append(key) or real(key))
    assert model.pipeline is model.pipeline and calls == [job.id]


def test_export_samples_rows_without_loading_the_whole_dataset(workspace, trained, monkeypatch):
    ds, job = trained
    model = workspace.handles.of_version(workspace.deploy(job.id, "wine").id)
    monkeypatch.setattr(workspace.datasets, "load_frame", lambda *a, **k: pytest.fail("read the whole dataset"))
    sample = model.rows.sample(40)
    assert len(sample) == 40 and "cultivar" not in sample.columns
    assert list(sample.columns) == [c for c in ds.column_names if c != "cultivar"]


def test_deploy_copies_the_checked_artifact_without_unpickling_it(workspace, trained, monkeypatch):
    _, job = trained
    monkeypatch.setattr(workspace.jobs, "load_job_pipeline", lambda key: pytest.fail("unpickled the job"))
    version = workspace.deploy(job.id, "wine")
    assert version.artifact_sha256 == workspace.get_job(job.id).artifact_sha256
    artifact = workspace.home / workspace.get_job(job.id).artifact_path
    artifact.write_bytes(artifact.read_bytes() + b"tampered")
    with pytest.raises(ArtifactIntegrityError, match="changed after it was saved"):
        workspace.deploy(job.id, "wine")
    assert [m.version for m in workspace.list_models("wine")] == ["1.0.0"]  # no folder or row left behind
    assert sorted(p.name for p in (workspace.home / "models" / "wine").iterdir()) == ["1.0.0"]
