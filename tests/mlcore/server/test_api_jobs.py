"""Train, compare and tune as jobs over HTTP: the id comes back at once, status polls, SSE, cancel."""

from __future__ import annotations

import json
import time

import pytest
from serve_helpers import table, upload, wait_job


def _events(client, job_id: str, **params) -> list[tuple[str, dict]]:
    with client.stream("GET", f"/api/ml/jobs/{job_id}/events", params=params) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    out = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_train_answers_at_once_then_polls_to_completion_with_the_seed_fields(client):
    ds = upload(client, table())["dataset_id"]
    r = client.post("/api/ml/models/train", json={
        "dataset_id": ds, "target_column": "target", "task_type": "classification", "algorithm": "lightgbm",
        "hyperparameters": {"n_estimators": 60}, "test_size": 0.2, "validation_size": 0.1,
        "scaling_method": "standard", "feature_selection": {"method": "tree_importance", "n_features": 3},
        "early_stopping": True, "early_stopping_patience": 10})
    assert r.status_code == 200, r.text
    started = r.json()
    assert started["status"] == "success" and started["message"] == "Training job started"
    assert started["job_status"] in ("pending", "running", "completed")
    record = wait_job(client, started["job_id"])
    assert record["job_id"] == started["job_id"] and record["status"] == "completed"
    assert record["created_at"] and record["completed_at"] and record["progress"] == 1.0
    assert {"evaluation", "training_history", "training_summary"} <= set(record["results"])
    assert record["results"]["evaluation"]["test"]["metrics"]["accuracy"] > 0.6
    events = _events(client, started["job_id"])
    kinds = [k for k, _ in events]
    assert kinds[-1] == "end" and events[-1][1]["status"] == "completed"
    metrics = [e for k, e in events if k == "metric"]
    assert metrics and {"step", "name", "value", "split"} <= set(metrics[0])
    assert [e["seq"] for _, e in events] == sorted(e["seq"] for _, e in events)
    # resuming after an event id sends only what came later
    later = _events(client, started["job_id"], after=events[-2][1]["seq"])
    assert [k for k, _ in later] == ["end"]


def test_validation_errors_come_back_before_any_job_is_made(client, workspace):
    ds = upload(client, table(60))["dataset_id"]
    r = client.post("/api/ml/models/train", json={"dataset_id": ds, "target_column": "target",
                                                  "validation_size": 0.0})
    assert r.status_code == 422 and "validation_size" in r.json()["message"]
    r = client.post("/api/ml/models/train", json={"dataset_id": "nope", "target_column": "target"})
    assert r.status_code == 404
    r = client.post("/api/ml/models/train", json={"dataset_id": ds, "algorithm": 3})
    assert r.status_code == 422 and "algorithm" in r.json()["message"]
    r = client.post("/api/ml/models/train", json={"target_column": "target"})
    assert r.status_code == 422 and "dataset_id" in r.json()["message"]
    assert workspace.list_jobs() == []


def test_a_job_that_fails_inside_reports_failed_with_its_message(client):
    ds = upload(client, table(60))["dataset_id"]
    r = client.post("/api/ml/models/train", json={"dataset_id": ds, "target_column": "target",
                                                  "algorithm": "no_such_algorithm"})
    if r.status_code == 200:  # refused inside the job rather than before it
        record = wait_job(client, r.json()["job_id"])
        assert record["status"] == "failed" and "no_such_algorithm" in record["error"]
    else:
        assert r.status_code == 422 and "no_such_algorithm" in r.json()["message"]


def test_unknown_job_ids_are_404(client):
    for r in (client.get("/api/ml/models/train/nope"), client.get("/api/ml/jobs/nope/events"),
              client.post("/api/ml/jobs/nope/cancel")):
        assert r.status_code == 404 and r.json()["status"] == "error"


def test_cancel_stops_a_running_tune_and_a_finished_job_cannot_be_cancelled(client):
    ds = upload(client, table(300))["dataset_id"]
    r = client.post("/api/ml/models/tune", json={"dataset_id": ds, "target_column": "target",
                                                 "algorithm": "random_forest", "tuning_method": "random_search",
                                                 "n_trials": 500, "cv": 3})
    assert r.status_code == 200, r.text
    job_id = r.json()["job_id"]
    assert r.json()["message"] == "Hyperparameter tuning job started"
    t0 = time.monotonic()
    r = client.post(f"/api/ml/jobs/{job_id}/cancel")
    assert r.status_code == 200 and r.json()["message"] == "Cancellation requested"
    record = wait_job(client, job_id, timeout=60)
    assert record["status"] == "cancelled" and time.monotonic() - t0 < 60
    assert _events(client, job_id)[-1] == ("end", {**_events(client, job_id)[-1][1], "status": "cancelled"})
    r = client.post(f"/api/ml/jobs/{job_id}/cancel")
    assert r.status_code == 409 and "cancelled" in r.json()["message"]


def test_compare_and_tune_jobs_give_the_seed_results(client):
    ds = upload(client, table(200))["dataset_id"]
    r = client.post("/api/ml/models/compare", json={"dataset_id": ds, "target_column": "target",
                                                    "task_type": "classification",
                                                    "models": ["logistic", "decision_tree"], "cv": 3})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Model comparison job started"
    record = wait_job(client, r.json()["job_id"])
    assert record["status"] == "completed", record["error"]
    rows = record["results"]["comparison"]
    assert {row["model"] for row in rows} == {"logistic", "decision_tree"}
    assert all(0 <= row["mean_score"] <= 1 and row["std_score"] >= 0 for row in rows)
    r = client.post("/api/ml/models/tune", json={"dataset_id": ds, "target_column": "target",
                                                 "algorithm": "decision_tree", "tuning_method": "random_search",
                                                 "n_trials": 3, "cv": 2})
    record = wait_job(client, r.json()["job_id"])
    assert record["status"] == "completed", record["error"]
    assert record["results"]["best_params"] and len(record["results"]["trials"]) == 3
    listed = client.get("/api/ml/jobs", params={"kind": "tune"}).json()["jobs"]
    assert [j["job_id"] for j in listed] == [record["job_id"]]
    deployed = client.post("/api/ml/models/deploy", json={"training_job_id": record["job_id"], "model_name": "tuned"})
    assert deployed.status_code == 200, deployed.text


@pytest.mark.parametrize("path, body, words", [
    ("/api/ml/models/compare", {"dataset_id": "x", "cv": 1}, "cv"),
    ("/api/ml/models/tune", {"dataset_id": "x", "n_trials": 0}, "n_trials"),
    ("/api/ml/models/tune", {"dataset_id": "x", "n_trial": 5}, "n_trial"),
])
def test_bad_job_requests(client, path, body, words):
    r = client.post(path, json=body)
    assert r.status_code == 422 and words in r.json()["message"]
