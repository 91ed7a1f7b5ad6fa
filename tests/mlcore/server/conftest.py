"""Fixtures of the REST API tests: a real workspace in a temporary folder behind FastAPI's TestClient."""

from __future__ import annotations

import pytest
from serve_helpers import make_client, table, train, upload


@pytest.fixture
def client(workspace):
    with make_client(workspace, registry_check_interval=0.1) as c:
        yield c


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One workspace with a dataset, two trained jobs and model 'churn' 1.0.0 (production) and 1.1.0 (staged),
    shared by the read-mostly tests of a module."""
    from mlcore.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("served") / "ws")
    with make_client(ws, registry_check_interval=0.1) as c:
        ds = upload(c, table())
        job_a = train(c, ds["dataset_id"], "logistic")
        job_b = train(c, ds["dataset_id"], "decision_tree")
        a = c.post("/api/ml/models/deploy", json={"training_job_id": job_a["job_id"], "model_name": "churn",
                                                  "version": "1.0.0", "promote_to_production": True}).json()
        b = c.post("/api/ml/models/deploy", json={"training_job_id": job_b["job_id"], "model_name": "churn",
                                                  "version": "1.1.0"}).json()
        yield {"client": c, "ws": ws, "dataset_id": ds["dataset_id"], "job_a": job_a["job_id"],
               "job_b": job_b["job_id"], "model_a": a["model_id"], "model_b": b["model_id"]}
    ws.close()
