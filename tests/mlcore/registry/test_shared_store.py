"""Two homes on one PostgreSQL database and one file:// artifact store use each other's work."""

import pytest

from mlcore.errors import ArtifactIntegrityError, NotFoundError
from mlcore.workspace import Workspace


@pytest.fixture
def team(pg_server, tmp_path):
    """Two workspaces (two homes, two caches) on one database and one store folder."""
    url, store = pg_server.create_database(), (tmp_path / "team-store").as_uri()
    a = Workspace(tmp_path / "alice", db_url=url, store_url=store)
    b = Workspace(tmp_path / "bob", db_url=url, store_url=store)
    yield a, b, tmp_path / "team-store"
    a.close()
    b.close()


def _row(ws, ds):
    return ws.load_frame(ds.id).drop(columns=[ds.target_column]).iloc[[0, 60, 120]]


def test_two_homes_deploy_promote_and_predict_each_others_models(team, tmp_path):
    alice, bob, store = team
    ds = alice.import_sample("iris")
    job_a = alice.train({"dataset_id": ds.id, "algorithm": "logistic", "seed": 1})
    v1 = alice.deploy(job_a.id, "iris-team")
    assert (store / v1.artifact_path).exists() and (store / ds.file_path).exists()
    assert not [p for p in (tmp_path / "alice" / "models").rglob("*") if p.is_file()]  # the home only stages

    # bob sees alice's dataset and model, trains on her data, deploys and promotes his own version
    assert [d.id for d in bob.list_datasets()] == [ds.id]
    first = bob.predict(_row(bob, ds), name="iris-team", model_id=v1.id)
    assert first["prediction"] == ["setosa", "versicolor", "virginica"]
    assert (tmp_path / "bob" / "cache" / v1.artifact_path).exists()  # downloaded once into bob's cache
    job_b = bob.train({"dataset_id": ds.id, "algorithm": "random_forest", "seed": 1})
    v2 = bob.deploy(job_b.id, "iris-team", promote_to_production=True)
    assert v2.version != v1.version

    # alice predicts with bob's production version, promotes hers back, and bob follows
    assert alice.production_model("iris-team").id == v2.id
    assert alice.predict(_row(alice, ds), name="iris-team")["model_id"] == v2.id
    alice.promote(v1.id)
    assert bob.predict(_row(bob, ds), name="iris-team")["model_id"] == v1.id
    assert [m.status for m in bob.list_models("iris-team")].count("production") == 1
    pipeline, info = alice.load_model(v2.id)
    assert info.job_id == job_b.id and list(pipeline.predict(_row(alice, ds))) == ["setosa", "versicolor", "virginica"]


def test_a_download_that_is_not_the_saved_bytes_is_refused(team, tmp_path):
    alice, bob, store = team
    ds = alice.import_sample("iris")
    version = alice.deploy(alice.train({"dataset_id": ds.id, "algorithm": "logistic"}).id, "iris-team")
    (store / version.artifact_path).write_bytes(b"not a model")
    with pytest.raises(ArtifactIntegrityError, match=f"{version.artifact_path}.*is not what was saved"):
        bob.load_model(version.id)
    assert not (tmp_path / "bob" / "cache" / version.artifact_path).exists()  # nothing half-checked is kept


def test_a_missing_dataset_file_is_a_clear_error_and_leaves_no_job_row(team, tmp_path):
    alice, bob, store = team
    ds = alice.import_sample("iris")
    (store / ds.file_path).unlink()
    with pytest.raises(NotFoundError, match=rf"{ds.file_path}.*dataset 'iris' \(needed by training\).*missing"):
        bob.train({"dataset_id": ds.id, "algorithm": "logistic"})
    assert bob.list_jobs() == [] and alice.list_jobs() == []


def test_a_missing_model_file_fails_prediction_before_its_job_row(team, tmp_path):
    alice, bob, store = team
    ds = alice.import_sample("iris")
    version = alice.deploy(alice.train({"dataset_id": ds.id, "algorithm": "logistic"}).id, "iris-team")
    (store / version.artifact_path).unlink()
    _row(alice, ds).to_csv(tmp_path / "rows.csv", index=False)
    jobs_before = len(bob.list_jobs())
    with pytest.raises(NotFoundError, match=rf"{version.artifact_path} of model iris-team {version.version}"):
        bob.predict_file(tmp_path / "rows.csv", model_id=version.id)
    assert len(bob.list_jobs()) == jobs_before
