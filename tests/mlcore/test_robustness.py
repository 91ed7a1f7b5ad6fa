"""Ugly but realistic requests get clear errors and leave consistent state (found in review)."""

import threading

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from mlcore.errors import ConfigError, ConflictError, DataValidationError, NotFoundError
from mlcore.workspace import Workspace


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("robust")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    frame["y"] = np.where(frame["a"] + rng.normal(scale=0.8, size=n) > 0, "yes", "no")
    frame.to_csv(tmp / "d.csv", index=False)
    ws = Workspace(tmp / "ws")
    ds = ws.import_dataset(tmp / "d.csv", target="y")
    jobs = [ws.train({"dataset_id": ds.id, "algorithm": algo, "hyperparameters": params})
            for algo, params in (("logistic", {}), ("random_forest", {"n_estimators": 30}))]
    yield ws, ds, jobs, tmp
    ws.close()


def test_a_version_in_an_ab_test_cannot_be_deleted(trained):
    ws, ds, jobs, _ = trained
    a, b = ws.deploy(jobs[0].id, "del"), ws.deploy(jobs[1].id, "del")
    ws.create_ab_test(a.id, b.id, "keep-logs")
    with pytest.raises(ConflictError, match="keep-logs"):
        ws.delete_model(a.id)
    assert [t.name for t in ws.list_ab_tests() if t.name == "keep-logs"]


def test_failed_registration_leaves_no_folder_and_numpy_metrics_are_stored(trained):
    ws, _, _, _ = trained
    model = LogisticRegression(max_iter=500).fit(*load_iris(return_X_y=True))
    info = ws.register_model(model, name="np", version="1.0.0", task_type="classification", algorithm="logistic",
                             metrics={"accuracy": np.float32(0.9)})
    assert info.metrics["accuracy"] == pytest.approx(0.9)
    with pytest.raises(ConfigError, match="predict"):
        ws.register_model("hello", name="np", version="2.0.0", task_type="classification", algorithm="x")
    with pytest.raises(ConfigError, match="task_type"):
        ws.register_model(model, name="np", version="2.0.0", task_type="clustering", algorithm="x")
    assert not (ws.home / "models" / "np" / "2.0.0").exists()
    assert [p.name for p in (ws.home / "models" / "np").iterdir()] == ["1.0.0"]  # no staging folder left
    (ws.home / "models" / "np" / "3.0.0").mkdir()  # a leftover of a crashed deploy (no row): set aside
    assert ws.register_model(model, name="np", version="3.0.0", task_type="classification",
                             algorithm="x").version == "3.0.0"
    assert any(p.name.startswith("np-3.0.0-") for p in (ws.home / "models" / ".orphans").iterdir())
    with pytest.raises(ConflictError, match="already has version 3.0.0"):
        ws.register_model(model, name="np", version="3.0.0", task_type="classification", algorithm="x")


def test_a_second_workspace_in_the_same_process_does_not_interrupt_running_jobs(trained):
    ws, ds, _, _ = trained
    from mlcore.jobs import JobContext

    class Slow(JobContext):
        def __init__(self):
            super().__init__()
            self.started = threading.Event()
            self.release = threading.Event()

        def _on_metric(self, event):
            self.started.set()
            self.release.wait(10)

    ctx = Slow()
    done = {}
    thread = threading.Thread(target=lambda: done.setdefault("job", ws.train(
        {"dataset_id": ds.id, "algorithm": "lightgbm", "hyperparameters": {"n_estimators": 10}}, ctx=ctx)))
    thread.start()
    assert ctx.started.wait(30)
    with Workspace(ws.home) as other:
        running = [j for j in other.list_jobs(status="running")]
    ctx.release.set()
    thread.join(30)
    assert len(running) == 1
    assert done["job"].status == "completed" and done["job"].error is None


def test_ab_file_with_a_bad_output_name_logs_nothing(trained):
    ws, ds, jobs, tmp = trained
    a, b = ws.deploy(jobs[0].id, "ablog"), ws.deploy(jobs[1].id, "ablog")
    ws.create_ab_test(a.id, b.id, "no-dup")
    rows = ws.load_frame(ds.id).drop(columns=["y"]).head(20)
    rows.assign(uid=[1.0, None] + [float(i) for i in range(2, 20)]).to_csv(tmp / "users.csv", index=False)
    with pytest.raises(ConfigError, match=r"\.csv, \.xlsx or \.parquet"):
        ws.predict_file(tmp / "users.csv", tmp / "out.json", ab_test_name="no-dup", user_column="uid")
    assert sum(ws.get_ab_test("no-dup").counts.values()) == 0
    ws.predict_file(tmp / "users.csv", tmp / "out.csv", ab_test_name="no-dup", user_column="uid")
    assert sum(ws.get_ab_test("no-dup").counts.values()) == 20
    # ids read as floats (a blank made the column float) match outcomes given as integers
    outcomes = pd.DataFrame({"user_id": [1, 5, 7], "outcome": ["Yes", "true", "NO"]})
    assert ws.record_outcomes("no-dup", outcomes)["matched_predictions"] == 3
    with pytest.raises(DataValidationError, match="not a whole number"):
        ws.record_outcomes("no-dup", pd.DataFrame({"prediction_id": ["abc"], "outcome": [1]}))
    with pytest.raises(ConfigError, match="overwrite the input"):
        ws.predict_file(tmp / "users.csv", tmp / "users.csv", model_id=a.id)
    with pytest.raises(ConfigError, match="arms 'A' and 'B'"):
        ws.promote_ab_winner("no-dup", force_arm="C")


def test_prefix_lookups_are_literal_and_empty_keys_are_refused(trained):
    ws, _, _, _ = trained
    for key in ("%", "_", ""):
        with pytest.raises(NotFoundError):
            ws.find_dataset(key)
        with pytest.raises(NotFoundError):
            ws.get_job(key)
        with pytest.raises(NotFoundError):
            ws.get_model(key)


def test_reimporting_the_same_content_with_another_target_sets_it(trained):
    ws, ds, _, tmp = trained
    again = ws.import_dataset(tmp / "d.csv", target="a")
    assert again.id == ds.id and again.target_column == "a"
    ws.set_target(ds.id, "y")


def test_compare_versions_uses_held_out_rows_on_the_training_data(trained):
    ws, ds, jobs, _ = trained
    m = ws.deploy(jobs[1].id, "cmp-held-out")
    row = ws.compare_versions([m.id], ds.id)[0]
    assert row["rows"] == len(ws.job_split(jobs[1].id)["test"]) and row["rows_used"] == "held-out test rows"
    assert row["metrics"]["accuracy"] == pytest.approx(jobs[1].results["evaluation"]["test"]["metrics"]["accuracy"])


def test_evaluating_on_data_with_unknown_labels_is_a_clear_error(trained):
    ws, ds, jobs, tmp = trained
    other = ws.load_frame(ds.id).head(40).astype({"y": "object"})
    other.loc[other.index[0], "y"] = "unknown"
    other.to_csv(tmp / "other.csv", index=False)
    od = ws.import_dataset(tmp / "other.csv", target="y")
    with pytest.raises(DataValidationError, match="unknown"):
        ws.evaluate(jobs[0].id, dataset_id=od.id)


def test_bad_options_are_config_errors(trained):
    ws, ds, _, _ = trained
    with pytest.raises(ConfigError, match="seed"):
        ws.train({"dataset_id": ds.id, "seed": -1})
    with pytest.raises(ConfigError, match="preparation"):
        ws.train({"dataset_id": ds.id, "preparation": [1]})
    with pytest.raises(ConfigError, match="mapping"):
        ws.save_recipe("r", [1])
    with pytest.raises(ConfigError, match="status"):
        ws.list_jobs(status="bogus")
    compare = [j for j in ws.list_jobs() if j.kind == "compare"]
    if compare:
        with pytest.raises(ConfigError, match="compare job"):
            ws.deploy(compare[0].id, "nope")


def test_onnx_export_applies_the_stored_threshold(trained):
    import onnxruntime as rt

    ws, ds, jobs, tmp = trained
    m = ws.deploy(jobs[0].id, "onnx-thr")
    ws.set_threshold(m.id, 0.2)
    result = ws.export_model(m.id, "onnx", tmp / "onnx")
    assert result["ok"] and result["decision_threshold"] == 0.2 and result["label_agreement"] == 1.0
    rows = ws.load_frame(ds.id).drop(columns=["y"]).head(100)
    app = ws.predict(rows, model_id=m.id)["prediction"]
    session = rt.InferenceSession(result["path"])
    feed = {i["input"]: rows[[i["column"]]].to_numpy().astype("float32") for i in result["inputs"]}
    labels = session.run(["label"], feed)[0]
    # the yes/no target was imported as booleans; ONNX carries them as 0/1
    assert [int(v) for v in labels] == [int(v) for v in app]


def test_a_deployed_version_keeps_its_input_schema_when_the_dataset_is_gone(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=120), "b": rng.normal(size=120)})
    frame["y"] = np.where(frame["a"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    with Workspace(tmp_path / "ws") as ws:
        ds = ws.import_dataset(tmp_path / "d.csv", target="y")
        job = ws.train({"dataset_id": ds.id, "algorithm": "logistic"})
        tuned = ws.tune(ds.id, algorithm="logistic", tuning_method="random", n_trials=2, cv=3)
        ws.delete_dataset(ds.id, force=True)
        for source in (job, tuned):
            model = ws.deploy(source.id, "kept-schema")
            assert [c["name"] for c in model.input_schema["columns"]] == ["a", "b"]
            frame[["a"]].to_csv(tmp_path / "only_a.csv", index=False)
            with pytest.raises(DataValidationError, match="b"):
                ws.predict_file(tmp_path / "only_a.csv", model_id=model.id)
