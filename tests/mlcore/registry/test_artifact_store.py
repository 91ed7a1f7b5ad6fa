"""The artifact store through fsspec: a non-local protocol (memory://) behind a local cache."""

import uuid

import pytest

from mlcore.artifacts import ArtifactStore, hide_url_password
from mlcore.errors import ArtifactIntegrityError, ConfigError, NotFoundError
from mlcore.workspace import Workspace


@pytest.fixture
def memory_url():
    import fsspec

    root = f"memory://mlwb-{uuid.uuid4().hex[:8]}"
    yield root
    fsspec.filesystem("memory").rm(root.removeprefix("memory://"), recursive=True)


def test_put_then_fetch_goes_through_the_cache_and_checks_the_bytes(memory_url, tmp_path):
    writer, reader = ArtifactStore(memory_url, tmp_path / "a"), ArtifactStore(memory_url, tmp_path / "b")
    assert not writer.in_place and not reader.in_place
    local = writer.local_path("jobs/j1/file.bin")
    local.parent.mkdir(parents=True)
    local.write_bytes(b"abc")
    writer.put(local, "jobs/j1/file.bin")
    assert writer.exists("jobs/j1/file.bin") and reader.list_folders("jobs") == ["j1"]
    digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # sha256("abc")
    got = reader.fetch("jobs/j1/file.bin", digest, "job j1")
    assert got == tmp_path / "b" / "jobs" / "j1" / "file.bin" and got.read_bytes() == b"abc"
    with pytest.raises(ArtifactIntegrityError, match="jobs/j2/x.bin of job j2 is not what was saved"):
        reader.fs.pipe_file(f"{reader.root}/jobs/j2/x.bin", b"abd")
        reader.fetch("jobs/j2/x.bin", digest, "job j2")
    assert not (tmp_path / "b" / "jobs" / "j2" / "x.bin").exists()
    with pytest.raises(NotFoundError, match="jobs/none.bin of dataset 'd' .*missing from the artifact store"):
        reader.fetch("jobs/none.bin", None, "dataset 'd'")
    reader.delete("jobs/j1", recursive=True)
    assert not writer.exists("jobs/j1/file.bin") and not got.exists()


def test_two_homes_on_one_sqlite_file_and_a_memory_store_share_datasets_and_models(memory_url, tmp_path):
    db = f"sqlite:///{tmp_path / 'team.db'}"
    with Workspace(tmp_path / "a", db_url=db, store_url=memory_url) as a, \
            Workspace(tmp_path / "b", db_url=db, store_url=memory_url) as b:
        ds = a.import_sample("iris")
        version = a.deploy(a.train({"dataset_id": ds.id, "algorithm": "logistic"}).id, "iris", promote_to_production=True)
        rows = b.load_frame(ds.id).drop(columns=["species"]).iloc[[0, 100]]
        assert b.predict(rows, name="iris")["prediction"] == ["setosa", "virginica"]
        assert b.evaluate(version.id).result.metrics["accuracy"] > 0.8  # its split came from the store too
        again = b.deploy(b.train({"dataset_id": ds.id, "algorithm": "logistic"}).id, "iris")
        assert again.version != version.version and len(a.list_models("iris")) == 2
        b.delete_model(again.id)
        assert not b.store.exists(again.artifact_path)


def test_a_password_in_a_store_url_is_never_shown():
    assert hide_url_password("s3://key:secret@bucket/ml") == "s3://key:***@bucket/ml"
    assert hide_url_password("file:///mnt/team/ml") == "file:///mnt/team/ml"


def test_an_unknown_protocol_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot use the artifact store 'nosuch://x'"):
        ArtifactStore("nosuch://x", tmp_path)
