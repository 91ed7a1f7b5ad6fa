"""`mlcore serve` as a real process on a loopback port: the whole flow over HTTP, and a promote made by
another process (the CLI) served without a restart."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from serve_helpers import table

ROW = {"x1": 0.3, "x2": -1.0, "colour": "red"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """A running `mlcore serve` (killed at the end whatever happens) and an httpx client to it."""
    port = free_port()
    home = tmp_path / "ws"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "mlcore", "serve", "--home", str(home), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                if httpx.get(f"{base}/api/ml/health", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
            yield client, proc, home
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        proc.stdout.close()


def _poll(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = client.get(f"/api/ml/models/train/{job_id}").json()
        if record["status"] not in ("pending", "running"):
            return record
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_serve_process_flow_and_a_promote_from_another_process(server):
    client, proc, home = server
    up = client.post("/api/ml/datasets/upload", files={"file": ("t.csv", table().to_csv(index=False).encode())},
                     data={"target_column": "target"})
    assert up.status_code == 200, up.text
    ds = up.json()["dataset_id"]
    jobs = []
    for algorithm in ("logistic", "decision_tree"):
        r = client.post("/api/ml/models/train", json={"dataset_id": ds, "algorithm": algorithm})
        assert r.status_code == 200 and r.json()["job_id"], r.text
        jobs.append(r.json()["job_id"])
    records = [_poll(client, j) for j in jobs]
    assert [r["status"] for r in records] == ["completed", "completed"]
    # the live events of a job, as Server-Sent Events
    with client.stream("GET", f"/api/ml/jobs/{jobs[0]}/events") as r:
        text = "".join(r.iter_text())
    events = [json.loads(line[len("data: "):]) for line in text.splitlines() if line.startswith("data: ")]
    assert events[-1] == {**events[-1], "type": "end", "status": "completed"}
    assert any(e["type"] == "progress" for e in events)
    ids = []
    for job_id in jobs:
        r = client.post("/api/ml/models/deploy", json={"training_job_id": job_id, "model_name": "churn"})
        assert r.status_code == 200, r.text
        ids.append(r.json()["model_id"])
    assert client.post(f"/api/ml/models/{ids[0]}/promote").json()["status"] == "success"
    first = client.post("/api/ml/models/predict", json={"model_name": "churn", "features": ROW}).json()
    assert first["model_id"] == ids[0] and len(first["prediction"]) == 1
    # another process (the CLI) promotes the other version; the server answers with it within 2 s
    cli = subprocess.run([sys.executable, "-m", "mlcore", "models", "promote", ids[1], "--home", str(home)],
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    t0 = time.monotonic()
    seen = None
    while time.monotonic() - t0 < 2.0 and seen != ids[1]:
        seen = client.post("/api/ml/models/predict", json={"model_name": "churn", "features": ROW}).json()["model_id"]
        time.sleep(0.05)
    assert seen == ids[1], "the server kept serving the old version for more than 2 s"
    # stop: SIGINT ends the server cleanly
    proc.send_signal(signal.SIGINT)
    assert proc.wait(15) == 0
