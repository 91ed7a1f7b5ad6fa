"""Deploy, list, promote, rollback, history, export, evaluate and A/B tests over HTTP."""

from __future__ import annotations

import io

import joblib
import pytest


def test_deployed_lists_both_versions_with_the_seed_fields(served):
    c = served["client"]
    body = c.get("/api/ml/models/deployed", params={"name": "churn"}).json()
    assert body["status"] == "success"
    by_version = {m["version"]: m for m in body["models"]}
    assert set(by_version) == {"1.0.0", "1.1.0"}
    assert by_version["1.0.0"]["status"] == "production" and by_version["1.1.0"]["status"] == "staged"
    assert {"model_id", "name", "version", "algorithm", "status", "created_at", "metrics"} <= set(by_version["1.0.0"])
    only = c.get("/api/ml/models/deployed", params={"name": "churn", "status": "production"}).json()["models"]
    assert [m["version"] for m in only] == ["1.0.0"]
    r = c.get("/api/ml/models/deployed", params={"status": "shiny"})
    assert r.status_code == 422 and "status" in r.json()["message"]


def test_promote_rollback_history(served):
    c = served["client"]
    r = c.post(f"/api/ml/models/{served['model_b']}/promote")
    assert r.json() == {**r.json(), "status": "success", "message": "Model promoted to production", "version": "1.1.0"}
    r = c.post("/api/ml/models/churn/rollback", params={"to_version": "1.0.0"})
    assert r.json() == {**r.json(), "status": "success", "model_id": served["model_a"],
                        "message": f"Rolled back to model {served['model_a']}"}
    steps = [(t["version"], t["to_status"]) for t in c.get("/api/ml/models/churn/history").json()["transitions"]]
    assert steps[-3:] == [("1.1.0", "production"), ("1.1.0", "archived"), ("1.0.0", "production")]
    assert c.post("/api/ml/models/churn/rollback", params={"to_version": "1.0.0"}).status_code == 409
    assert c.post("/api/ml/models/churn/rollback", params={"to_version": "9.9.9"}).status_code == 404
    assert c.post("/api/ml/models/nope/promote").status_code == 404
    assert c.get("/api/ml/models/nope/history").status_code == 404


def test_deploy_errors(served):
    c = served["client"]
    r = c.post("/api/ml/models/deploy", json={"training_job_id": "nope", "model_name": "x"})
    assert r.status_code == 404
    r = c.post("/api/ml/models/deploy", json={"training_job_id": served["job_a"], "model_name": "churn",
                                              "version": "1.0.0"})
    assert r.status_code == 409 and "1.0.0" in r.json()["message"]
    r = c.post("/api/ml/models/deploy", json={"training_job_id": served["job_a"]})
    assert r.status_code == 422 and "model_name" in r.json()["message"]
    r = c.post("/api/ml/models/deploy", json={"training_job_id": served["job_a"], "model_name": "a/../b"})
    assert r.status_code == 422


def test_export_downloads_a_loadable_bundle_and_a_card(served):
    c = served["client"]
    r = c.get(f"/api/ml/models/{served['model_a']}/export", params={"format": "joblib"})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="churn-1.0.0.joblib"'
    bundle = joblib.load(io.BytesIO(r.content))
    assert bundle is not None
    card = c.get(f"/api/ml/models/{served['model_a']}/export", params={"format": "card"})
    assert card.status_code == 200 and "churn" in card.text
    bad = c.get(f"/api/ml/models/{served['model_a']}/export", params={"format": "pickle"})
    assert bad.status_code == 422 and "pickle" in bad.json()["message"]
    assert c.get("/api/ml/models/nope/export").status_code == 404


def test_evaluate_a_version_and_a_job(served):
    c = served["client"]
    r = c.post("/api/ml/models/evaluate", json={"model_id": served["model_a"], "n_boot": 50})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and 0.5 < body["metrics"]["accuracy"] <= 1
    assert body["source"]["split"] == "test"
    r = c.post("/api/ml/models/evaluate", json={"job_id": served["job_b"], "split": "validation", "n_boot": 0})
    assert r.status_code == 200 and r.json()["source"]["split"] == "validation"
    assert c.post("/api/ml/models/evaluate", json={}).status_code == 422
    assert c.post("/api/ml/models/evaluate", json={"model_id": "nope"}).status_code == 404
    assert c.post("/api/ml/models/evaluate", json={"model_id": served["model_a"], "split": "x"}).status_code == 422


def test_ab_test_routes_by_user_logs_and_analyses_outcomes(served):
    c = served["client"]
    row = {"x1": 0.3, "x2": -1.0, "colour": "red"}
    r = c.post("/api/ml/models/ab-test", json={"model_a_id": served["model_a"], "model_b_id": served["model_b"],
                                               "test_name": "churn_ab", "split_ratio": 0.5})
    assert r.status_code == 200, r.text
    config = r.json()["config"]
    assert config["test_name"] == "churn_ab" and config["split_ratio"] == 0.5 and "salt" not in config
    arms = {}
    for user in range(40):
        body = c.post("/api/ml/models/predict", json={"ab_test_name": "churn_ab", "features": row,
                                                      "user_id": f"u{user}"}).json()
        again = c.post("/api/ml/models/predict", json={"ab_test_name": "churn_ab", "features": row,
                                                       "user_id": f"u{user}"}).json()
        assert again["arm"] == body["arm"] and again["model_id"] == body["model_id"]  # sticky per user
        assert body["model_id"] == (served["model_a"] if body["arm"] == "A" else served["model_b"])
        assert len(body["prediction_ids"]) == 1
        arms[f"u{user}"] = body["arm"]
    assert set(arms.values()) == {"A", "B"}
    outcomes = [{"user_id": u, "outcome": 1 if arm == "B" else 0} for u, arm in arms.items()]
    r = c.post("/api/ml/models/ab-test/churn_ab/outcomes", json={"outcomes": outcomes})
    assert r.json() == {"status": "success", "rows": 40, "matched_predictions": 80}
    analysis = c.get("/api/ml/models/ab-test/churn_ab").json()["analysis"]
    assert analysis["test_name"] == "churn_ab"
    assert c.get("/api/ml/models/ab-test/nope").status_code == 404
    r = c.post("/api/ml/models/ab-test/churn_ab/outcomes", json={"outcomes": [{"user_id": "u1"}]})
    assert r.status_code == 422 and "outcome" in r.json()["message"]
    assert c.post("/api/ml/models/ab-test/churn_ab/outcomes", json={"outcomes": []}).status_code == 422


@pytest.mark.parametrize("body, code", [
    ({"model_a_id": "nope", "model_b_id": "nope2", "test_name": "t"}, 404),
    ({"model_a_id": "A", "model_b_id": "A", "test_name": "t"}, 422),
    ({"model_a_id": "A", "model_b_id": "B", "test_name": "t", "split_ratio": 1.5}, 422),
    ({"model_a_id": "A", "model_b_id": "B"}, 422),
])
def test_bad_ab_tests(served, body, code):
    body = {k: served["model_a"] if v == "A" else served["model_b"] if v == "B" else v for k, v in body.items()}
    r = served["client"].post("/api/ml/models/ab-test", json=body)
    assert r.status_code == code and r.json()["status"] == "error"
