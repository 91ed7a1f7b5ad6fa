"""New versions under kills and races: no orphan folder blocks a name, parallel deploys take free versions."""

import json
import multiprocessing as mp
import threading

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from mlcore.workspace import Workspace

pytestmark = pytest.mark.usefixtures("on_each_db")  # SQLite and PostgreSQL


@pytest.fixture(scope="module")
def pipeline():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(X, y)


def _register(ws, pipeline, name="iris", version=None):
    return ws.register_model(pipeline, name=name, version=version, task_type="classification",
                             algorithm="logistic")


def test_metadata_file_does_not_keep_a_stale_stage_after_promote(workspace, pipeline):
    info = _register(workspace, pipeline)
    workspace.promote(info.id)
    meta = json.loads((workspace.home / info.artifact_path).with_name("metadata.json").read_text())
    assert meta["version"] == info.version and meta["id"] == info.id
    assert meta.get("status", "production") == "production"


def test_an_orphan_version_folder_is_set_aside_on_open_and_blocks_nothing(home, pipeline):
    ws = Workspace(home)
    kept = _register(ws, pipeline)  # 1.0.0, with its row
    ws.close()
    orphan = home / "models" / "iris" / "1.1.0"  # what a deploy killed between folder and row left
    orphan.mkdir()
    (orphan / "model.joblib").write_bytes(b"half")
    ws = Workspace(home)
    assert not orphan.exists()
    assert list((home / "models" / ".orphans").iterdir())[0].joinpath("model.joblib").read_bytes() == b"half"
    assert (home / kept.artifact_path).exists()  # a folder with a row is never touched
    assert _register(ws, pipeline).version == "1.1.0"
    ws.load_model("iris:1.1.0")
    ws.close()


def test_a_deploy_killed_after_its_row_is_finished_on_open(home, pipeline):
    ws = Workspace(home)
    info = _register(ws, pipeline)
    ws.close()
    final = (home / info.artifact_path).parent
    staged = final.with_name(f".deploying-999999999-{info.id}")  # a pid that cannot be running
    final.rename(staged)
    ws = Workspace(home)
    assert final.exists() and not staged.exists()
    assert ws.load_model(info.id)[1].version == info.version
    ws.close()


def test_four_threads_deploying_one_name_take_distinct_versions(workspace, pipeline):
    results, errors = [], []
    barrier = threading.Barrier(4)

    def deploy():
        barrier.wait()
        try:
            results.append(_register(workspace, pipeline, name="race").version)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=deploy) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(results) == ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]


def _deploy_in_process(home, barrier, pipeline):
    ws = Workspace(home)
    barrier.wait()
    _register(ws, pipeline, name="race")
    ws.close()


def test_four_processes_deploying_one_name_take_distinct_versions(home, pipeline):
    Workspace(home).close()
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_deploy_in_process, args=(str(home), barrier, pipeline)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    ws = Workspace(home)
    assert sorted(m.version for m in ws.list_models("race")) == ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    assert sorted(p.name for p in (home / "models" / "race").iterdir()) == ["1.0.0", "1.1.0", "1.2.0", "1.3.0"]
    ws.close()
