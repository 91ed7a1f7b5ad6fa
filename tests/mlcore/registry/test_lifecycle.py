"""Model registry: stages, one production version per name, rollback, history, integrity."""

import multiprocessing as mp

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mlcore.errors import ArtifactIntegrityError, ConfigError, ConflictError, NotFoundError
from mlcore.workspace import Workspace

pytestmark = pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL


@pytest.fixture(scope="module")
def pipeline():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return Pipeline([("prep", StandardScaler()), ("model", LogisticRegression(max_iter=500))]).fit(X, y)


def _register(ws, pipeline, version=None, name="iris"):
    return ws.register_model(pipeline, name=name, version=version, task_type="classification",
                             algorithm="logistic", metrics={"accuracy": 0.9})


def _production(ws, name="iris"):
    return [m.version for m in ws.list_models(name=name, status="production")]


def test_versions_are_proposed_and_validated(workspace, pipeline):
    assert _register(workspace, pipeline).version == "1.0.0"
    assert _register(workspace, pipeline).version == "1.1.0"
    assert _register(workspace, pipeline, "2.0.0").version == "2.0.0"
    assert _register(workspace, pipeline).version == "2.1.0"
    with pytest.raises(ConflictError, match="already has version 2.0.0"):
        _register(workspace, pipeline, "2.0.0")
    for bad in ("../evil", "a/b", "", "..", "x\\y"):
        with pytest.raises(ConfigError):
            _register(workspace, pipeline, name=bad)
    with pytest.raises(ConfigError):
        _register(workspace, pipeline, version="1.0/../2")


def test_promote_keeps_one_production_version_and_records_history(workspace, pipeline):
    v1, v2, v3 = (_register(workspace, pipeline, v) for v in ("1.0.0", "1.1.0", "1.2.0"))
    workspace.promote(v1.id)
    assert _production(workspace) == ["1.0.0"]
    workspace.promote(v2.id)
    assert _production(workspace) == ["1.1.0"]
    assert workspace.get_model(v1.id).status == "archived"
    workspace.promote("iris:1.2.0")
    assert _production(workspace) == ["1.2.0"]
    assert workspace.get_model("iris@production").version == "1.2.0"
    workspace.demote(v3.id)
    assert _production(workspace) == []
    assert workspace.get_model(v3.id).status == "staged"
    workspace.archive(v3.id)
    steps = [(t.version, t.from_status, t.to_status) for t in workspace.history("iris")]
    assert steps == [
        ("1.0.0", None, "staged"), ("1.1.0", None, "staged"), ("1.2.0", None, "staged"),
        ("1.0.0", "staged", "production"),
        ("1.0.0", "production", "archived"), ("1.1.0", "staged", "production"),
        ("1.1.0", "production", "archived"), ("1.2.0", "staged", "production"),
        ("1.2.0", "production", "staged"), ("1.2.0", "staged", "archived"),
    ]


def test_rollback_defaults_to_the_previous_production_version(workspace, pipeline):
    for v in ("1.0.0", "2.0.0", "3.0.0"):
        _register(workspace, pipeline, v)
    workspace.promote("iris:1.0.0")
    workspace.promote("iris:2.0.0")
    assert workspace.rollback("iris").version == "1.0.0"
    assert _production(workspace) == ["1.0.0"]
    assert workspace.rollback("iris", to_version="3.0.0").version == "3.0.0"
    assert workspace.rollback("iris").version == "1.0.0"
    with pytest.raises(NotFoundError, match="no version 9.9.9"):
        workspace.rollback("iris", to_version="9.9.9")
    with pytest.raises(ConflictError, match="already the production"):
        workspace.rollback("iris", to_version="1.0.0")
    last = workspace.history("iris")[-1]
    assert (last.version, last.to_status) == ("1.0.0", "production") and "rollback" in last.reason


def test_rollback_without_earlier_production_is_refused(workspace, pipeline):
    _register(workspace, pipeline, "1.0.0")
    workspace.promote("iris:1.0.0")
    with pytest.raises(ConflictError, match="no earlier production"):
        workspace.rollback("iris")


def test_changed_artifact_is_refused(workspace, pipeline):
    info = _register(workspace, pipeline)
    loaded, meta = workspace.load_model(info.id)
    assert list(loaded.predict(load_iris(as_frame=True).data.head(3))) == list(pipeline.predict(
        load_iris(as_frame=True).data.head(3)))
    path = workspace.home / info.artifact_path
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(ArtifactIntegrityError, match="changed after it was saved"):
        workspace.load_model(info.id)


def _promote_many(home, ids, barrier):
    ws = Workspace(home)
    barrier.wait()
    for _ in range(5):
        for model_id in ids:
            ws.promote(model_id)
    ws.close()


def test_two_processes_promoting_never_leave_two_production_versions(home, pipeline):
    ws = Workspace(home)
    ids = [_register(ws, pipeline, f"1.{i}.0").id for i in range(4)]
    ws.close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_promote_many, args=(str(home), order, barrier)) for order in (ids, ids[::-1])]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    ws = Workspace(home)
    assert len(_production(ws)) == 1
    ws.close()
