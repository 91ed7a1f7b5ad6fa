"""A job's split.npz is checked like its model: a damaged or object-array file is a clear error."""

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ArtifactIntegrityError


@pytest.fixture
def job(workspace, tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    frame["y"] = np.where(frame["a"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    ds = workspace.import_dataset(tmp_path / "d.csv", target="y")
    return workspace.train({"dataset_id": ds.id, "algorithm": "logistic"})


def test_split_checksum_is_recorded_and_a_clean_split_loads(workspace, job):
    assert workspace.get_job(job.id).split_sha256
    assert set(workspace.job_split(job.id)) == {"train", "validation", "test"}
    assert workspace.evaluate(job.id, n_boot=10, importance=False).source["rows"] == 40


def test_truncated_split_is_refused_by_name(workspace, job):
    path = workspace.home / "jobs" / job.id / "split.npz"
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(ArtifactIntegrityError, match="split.npz"):
        workspace.evaluate(job.id, n_boot=10, importance=False)


def test_object_array_split_is_refused_without_unpickling(workspace, job):
    path = workspace.home / "jobs" / job.id / "split.npz"
    np.savez(path, train=np.arange(5), validation=np.arange(5), test=np.array([1, "x"], dtype=object))
    with pytest.raises(ArtifactIntegrityError, match="split.npz"):
        workspace.job_split(job.id)
    workspace.registry.jobs.update(job.id, split_sha256=None)  # a job recorded before splits were hashed
    with pytest.raises(ArtifactIntegrityError, match="cannot be read"):
        workspace.evaluate(job.id, n_boot=10, importance=False)


def test_a_replaced_split_of_five_rows_is_not_scored_silently(workspace, job):
    path = workspace.home / "jobs" / job.id / "split.npz"
    np.savez(path, train=np.arange(100), validation=np.arange(100, 150), test=np.arange(5))
    with pytest.raises(ArtifactIntegrityError, match="changed after it was saved"):
        workspace.evaluate(job.id, n_boot=10, importance=False)
