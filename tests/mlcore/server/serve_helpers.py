"""Helpers of the REST API tests: a small table, a TestClient over a real workspace, job polling."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd


def table(n: int = 240, seed: int = 0) -> pd.DataFrame:
    """A small mixed table: two numbers, a category, a binary target that depends on them."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    score = x1 + 0.5 * x2 + (colour == "red") * 0.8 + rng.normal(scale=0.5, size=n)
    return pd.DataFrame({"x1": x1.round(4), "x2": x2.round(4), "colour": colour,
                         "target": np.where(score > 0.3, "yes", "no")})


def wait_job(client, job_id: str, timeout: float = 120.0, headers: dict | None = None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = client.get(f"/api/ml/models/train/{job_id}", headers=headers or {}).json()
        if record["status"] not in ("pending", "running"):
            return record
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {record['status']} after {timeout} s")


def make_client(workspace, **kwargs):
    from fastapi.testclient import TestClient

    from mlcore.server import ServerSettings, create_app

    token = kwargs.pop("token", None)
    app = create_app(workspace, token=token, settings=ServerSettings(**kwargs))
    return TestClient(app, raise_server_exceptions=False)


def upload(client, frame: pd.DataFrame, filename: str = "table.csv", target: str | None = "target") -> dict:
    data = {"target_column": target} if target else {}
    r = client.post("/api/ml/datasets/upload", files={"file": (filename, frame.to_csv(index=False).encode())},
                    data=data)
    assert r.status_code == 200, r.text
    return r.json()


def train(client, dataset_id: str, algorithm: str = "logistic", **options) -> dict:
    r = client.post("/api/ml/models/train", json={"dataset_id": dataset_id, "algorithm": algorithm, **options})
    assert r.status_code == 200, r.text
    record = wait_job(client, r.json()["job_id"])
    assert record["status"] == "completed", record.get("error")
    return record
