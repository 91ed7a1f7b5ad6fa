"""Prediction over HTTP: rows as JSON, files answered with files, schema checks, limits, cache swaps."""

from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pytest
from serve_helpers import make_client, table, train, upload

ROW = {"x1": 0.3, "x2": -1.0, "colour": "red"}


def test_one_row_by_id_by_name_and_the_in_process_answer_agree(served):
    c, ws = served["client"], served["ws"]
    r = c.post("/api/ml/models/predict", json={"model_id": served["model_a"], "features": ROW, "user_id": "u1"})
    assert r.status_code == 200, r.text
    body = r.json()
    direct = ws.predict(ROW, model_id=served["model_a"])
    assert body["status"] == "success" and body["model_id"] == served["model_a"]
    assert body["prediction"] == direct["prediction"]
    assert body["prediction_proba"][0] == pytest.approx(direct["prediction_proba"][0])
    assert len(body["prediction_proba"][0]) == 2 and body["classes"] == [False, True]  # the importer read yes/no as booleans
    by_name = c.post("/api/ml/models/predict", json={"model_name": "churn", "features": ROW}).json()
    production = ws.production_model("churn")
    assert by_name["model_id"] == production.id and by_name["version"] == production.version


def test_batches_as_records_and_as_columns(served):
    c = served["client"]
    frame = table(50, seed=3).drop(columns="target")
    records = c.post("/api/ml/models/predict", json={"model_id": served["model_a"],
                                                     "features": frame.to_dict(orient="records")}).json()
    columns = c.post("/api/ml/models/predict", json={"model_id": served["model_a"],
                                                     "features": frame.to_dict(orient="list")}).json()
    assert len(records["prediction"]) == 50 and records["prediction"] == columns["prediction"]
    assert np.allclose(records["prediction_proba"], columns["prediction_proba"])


def test_predictions_are_logged(served):
    c, ws = served["client"], served["ws"]
    server = c.app.state.ml.models
    before = server.log_writer.written + server.log_writer.flush()
    c.post("/api/ml/models/predict", json={"model_id": served["model_a"], "features": [ROW, ROW, ROW]})
    assert server.log_writer.flush() + server.log_writer.written - before >= 3


@pytest.mark.parametrize("body, code, words", [
    ({"model_id": "nope", "features": ROW}, 404, "nope"),
    ({"model_name": "nope", "features": ROW}, 404, "nope"),
    ({"ab_test_name": "nope", "features": ROW}, 404, "nope"),
    ({"features": ROW}, 422, "model_id"),
    ({"model_id": "M"}, 422, "features"),
    ({"model_id": "M", "features": "x1=3"}, 422, "features"),
    ({"model_id": "M", "features": {"x1": 1.0}}, 422, "missing column"),
    ({"model_id": "M", "features": {"x1": "abc", "x2": 1, "colour": "red"}}, 422, "x1"),
    ({"model_id": "M", "features": []}, 422, "No rows"),
    ({"model_id": "M", "features": {"x1": [1, 2], "x2": [1], "colour": ["red", "red"]}}, 422, "length"),
    ({"model_id": "M", "features": ROW, "user_id": [1]}, 422, "user_id"),
])
def test_bad_predict_requests(served, body, code, words):
    if body.get("model_id") == "M":
        body = dict(body, model_id=served["model_a"])
    r = served["client"].post("/api/ml/models/predict", json=body)
    assert r.status_code == code, r.text
    assert words.lower() in r.json()["message"].lower()


def test_row_limit_per_call(workspace):
    with make_client(workspace, max_rows=10) as c:
        ds = upload(c, table(80))["dataset_id"]
        job = train(c, ds)
        model = c.post("/api/ml/models/deploy", json={"training_job_id": job["job_id"], "model_name": "m"}).json()
        r = c.post("/api/ml/models/predict", json={"model_id": model["model_id"], "features": [ROW] * 11})
        assert r.status_code == 422 and "at most 10" in r.json()["message"]
        r = c.post("/api/ml/models/predict/file", data={"model_id": model["model_id"]},
                   files={"file": ("rows.csv", table(11).to_csv(index=False).encode())})
        assert r.status_code == 422 and "at most 10" in r.json()["message"]


def test_file_prediction_answers_a_formula_safe_file(served):
    c = served["client"]
    rows = table(20, seed=5).drop(columns="target")
    rows["note"] = "=HYPERLINK(\"http://evil\")"
    r = c.post("/api/ml/models/predict/file", data={"model_name": "churn"},
               files={"file": ("../../my rows.csv", rows.to_csv(index=False).encode())})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == "attachment; filename*=utf-8''my%20rows-predictions.csv"
    out = pd.read_csv(io.StringIO(r.text))
    assert len(out) == 20 and {"prediction", "proba_True", "proba_False"} <= set(out.columns)
    assert out["note"].str.startswith("'=").all()
    parquet = c.post("/api/ml/models/predict/file", data={"model_id": served["model_a"], "output_format": "parquet"},
                     files={"file": ("rows.csv", rows.to_csv(index=False).encode())})
    assert pd.read_parquet(io.BytesIO(parquet.content))["prediction"].tolist() == out["prediction"].tolist()
    bad = c.post("/api/ml/models/predict/file", data={"model_id": served["model_a"], "output_format": "exe"},
                 files={"file": ("rows.csv", b"x1\n1\n")})
    assert bad.status_code == 422
    missing = c.post("/api/ml/models/predict/file", data={"model_id": served["model_a"]},
                     files={"file": ("rows.csv", b"x1\n1\n")})
    assert missing.status_code == 422 and "missing column" in missing.json()["message"]


def test_promote_here_swaps_the_served_version_at_once(workspace):
    with make_client(workspace, registry_check_interval=30.0) as c:
        ds = upload(c, table())["dataset_id"]
        jobs = [train(c, ds, algo)["job_id"] for algo in ("logistic", "decision_tree")]
        ids = [c.post("/api/ml/models/deploy", json={"training_job_id": j, "model_name": "m"}).json()["model_id"]
               for j in jobs]
        c.post(f"/api/ml/models/{ids[0]}/promote")
        assert c.post("/api/ml/models/predict", json={"model_name": "m", "features": ROW}).json()["model_id"] == ids[0]
        c.post(f"/api/ml/models/{ids[1]}/promote")
        assert c.post("/api/ml/models/predict", json={"model_name": "m", "features": ROW}).json()["model_id"] == ids[1]


def test_a_promote_by_another_workspace_object_is_seen_within_the_check_interval(workspace):
    from mlcore.workspace import Workspace

    with make_client(workspace, registry_check_interval=0.2) as c:
        ds = upload(c, table())["dataset_id"]
        jobs = [train(c, ds, algo)["job_id"] for algo in ("logistic", "decision_tree")]
        ids = [workspace.deploy(j, "m").id for j in jobs]
        workspace.promote(ids[0])
        assert c.post("/api/ml/models/predict", json={"model_name": "m", "features": ROW}).json()["model_id"] == ids[0]
        with Workspace(workspace.home) as other:  # another connection, as another process would have
            other.promote(ids[1])
        deadline = time.monotonic() + 2.0
        seen = None
        while time.monotonic() < deadline and seen != ids[1]:
            seen = c.post("/api/ml/models/predict", json={"model_name": "m", "features": ROW}).json()["model_id"]
            time.sleep(0.05)
        assert seen == ids[1]
