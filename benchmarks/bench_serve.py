"""Benchmark: the REST API's prediction path against calling the pipeline in-process (the floor).

Run: ``python benchmarks/bench_serve.py [--requests N] [--batch-rows R]``. A LightGBM model is trained
on a synthetic 12-column table and promoted; ``mlcore serve`` runs as its own process on a loopback
port and this process is the load generator (plain ``http.client`` keep-alive connections, one per
client thread). Measured:

- single-row ``POST /api/ml/models/predict``: p50/p99 with one client, and p50/p99 and requests/s
  with 8 concurrent clients, against ``pipeline.predict`` on one row in-process;
- a 10,000-row batch (JSON records, JSON columns, a Parquet file) against ``pipeline.predict`` on the
  same 10,000 rows, each HTTP call interleaved with an in-process call (medians compared);
- single-row p99 while a training job runs in the same server.

Targets (issue 15): p50 overhead <= 2 ms over the floor, p99 <= 20 ms, >= 500 req/s; batch
<= 1.2 x in-process; p99 during training <= 50 ms. The machine is shared: read the ratios, and the
note printed with them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def make_table(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {f"x{i}": rng.normal(size=rows).round(4) for i in range(10)}
    data["plan"] = rng.choice(["basic", "plus", "pro"], size=rows)
    data["region"] = rng.choice(["north", "south", "east", "west"], size=rows)
    score = data["x0"] + 0.5 * data["x1"] - 0.3 * data["x2"] + (data["plan"] == "pro") + rng.normal(size=rows)
    data["churned"] = np.where(score > 0.5, "yes", "no")
    return pd.DataFrame(data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, path: str, body: bytes) -> tuple[int, bytes, float]:
        t0 = time.perf_counter()
        self.conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data, (time.perf_counter() - t0) * 1000

    def post_file(self, path: str, filename: str, content: bytes, fields: dict[str, str]) -> tuple[int, bytes, float]:
        boundary = "benchboundary7f3a"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        t0 = time.perf_counter()
        self.conn.request("POST", path, body=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data, (time.perf_counter() - t0) * 1000

    def get(self, path: str) -> dict:
        self.conn.request("GET", path)
        return json.loads(self.conn.getresponse().read())


def run_clients(port: int, body: bytes, clients: int, per_client: int) -> tuple[list[float], float]:
    """Latencies (ms) of ``clients`` threads each sending ``per_client`` requests, and the wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def work() -> None:
        c = Client(port)
        mine = []
        for _ in range(per_client):
            status, data, ms = c.post("/api/ml/models/predict", body)
            if status != 200:
                errors.append(data.decode()[:200])
                return
            mine.append(ms)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    return latencies, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="single-row requests per measurement")
    parser.add_argument("--batch-rows", type=int, default=10_000)
    parser.add_argument("--train-rows", type=int, default=20_000)
    args = parser.parse_args()

    from mlcore.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    home = tmp / "ws"
    csv = tmp / "train.csv"
    make_table(args.train_rows).to_csv(csv, index=False)
    with Workspace(home) as ws:
        ds = ws.import_dataset(csv, target="churned")
        job = ws.train({"dataset_id": ds.id, "algorithm": "lightgbm", "hyperparameters": {"n_estimators": 200}})
        model = ws.deploy(job.id, "bench", promote_to_production=True)
        pipeline, _ = ws.load_model(model.id)

    rows = make_table(args.batch_rows, seed=1).drop(columns="churned")
    one = rows.iloc[[0]]
    # the floor: the pipeline itself, in this process
    for _ in range(50):
        pipeline.predict(one)
    floor = []
    for _ in range(min(args.requests, 1000)):
        t0 = time.perf_counter()
        pipeline.predict(one)
        floor.append((time.perf_counter() - t0) * 1000)
    from mlcore.server.serving import one_thread_copy

    single_thread = one_thread_copy(pipeline) or pipeline  # what the server predicts small batches with
    floor_1t = []
    for _ in range(min(args.requests, 300)):
        t0 = time.perf_counter()
        single_thread.predict(one)
        floor_1t.append((time.perf_counter() - t0) * 1000)
    # the request handler's hot path without HTTP: cached model, fast schema check, the batcher's
    # prediction, the answer (log queued) and its JSON body; interleaved with the floor. Wall time and
    # process CPU time per request (the CPU measure is less disturbed by other programs on the machine).
    from mlcore.server.errors import json_response
    from mlcore.server.serving import ModelServer

    with Workspace(home) as ws:
        serving = ModelServer(ws)
        row = json.loads(json.dumps(one.iloc[0].to_dict()))  # what a JSON request holds
        serving.predict(row, model_name="bench")  # loads the model, caches the lookups

        def handler() -> bytes:
            model = serving.cached(None, "bench")
            checked = serving.checked_columns(model, row)
            preds, proba, per_row = serving.submit(model, checked, 1).result()
            return json_response(serving.answer(model, None, None, preds, proba, per_row, None, [])).body

        handler()
        inproc, floor2, cpu_handler, cpu_floor = [], [], 0.0, 0.0
        n_inproc = min(args.requests, 500)
        for _ in range(n_inproc):
            c0, t0 = time.process_time(), time.perf_counter()
            handler()
            c1, t1 = time.process_time(), time.perf_counter()
            pipeline.predict(one)
            c2, t2 = time.process_time(), time.perf_counter()
            inproc.append((t1 - t0) * 1000)
            floor2.append((t2 - t1) * 1000)
            cpu_handler += c1 - c0
            cpu_floor += c2 - c1
        serving.close()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mlcore", "serve", "--home", str(home), "--port", str(port),
                               "--quiet"], cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    result: dict = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Client(port).get("/api/ml/health")["status"] == "success":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        single = json.dumps({"model_name": "bench", "features": one.iloc[0].to_dict()}).encode()
        run_clients(port, single, 1, 100)  # warm: model load, caches
        # one client, interleaved with the in-process floor so both see the same machine load
        seq, floor_seq = [], []
        c1 = Client(port)
        for _ in range(args.requests // 2):
            t0 = time.perf_counter()
            pipeline.predict(one)
            floor_seq.append((time.perf_counter() - t0) * 1000)
            seq.append(c1.post("/api/ml/models/predict", single)[2])
        import psutil

        proc = psutil.Process(server.pid)
        cpu0, stats0 = proc.cpu_times(), Client(port).get("/api/ml/server/stats")
        conc, wall = run_clients(port, single, 8, args.requests // 8)
        cpu1, stats1 = proc.cpu_times(), Client(port).get("/api/ml/server/stats")
        server_cpu_ms = ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) * 1000 / len(conc)
        rounds = stats1["batch_rounds"] - stats0["batch_rounds"]
        rows_per_round = (stats1["batched_rows"] - stats0["batched_rows"]) / rounds if rounds else float("nan")
        batch_body = json.dumps({"model_name": "bench", "features": rows.to_dict(orient="records")}).encode()
        c = Client(port)
        columns_body = json.dumps({"model_name": "bench", "features": rows.to_dict(orient="list")}).encode()
        import io

        buf = io.BytesIO()
        rows.to_parquet(buf, index=False)
        parquet = buf.getvalue()
        batch, batch_columns, batch_file, batch_floor = [], [], [], []
        for _ in range(5):  # interleaved with the in-process call
            t0 = time.perf_counter()
            pipeline.predict(rows)
            batch_floor.append((time.perf_counter() - t0) * 1000)
            batch.append(c.post("/api/ml/models/predict", batch_body)[2])
            batch_columns.append(c.post("/api/ml/models/predict", columns_body)[2])
            status, data, ms = c.post_file("/api/ml/models/predict/file", "rows.parquet", parquet,
                                           {"model_name": "bench", "output_format": "parquet"})
            if status != 200:
                raise RuntimeError(data[:300])
            batch_file.append(ms)
        # single-row latency while a training job runs in the same server
        status, data, _ = c.post("/api/ml/models/train", json.dumps({
            "dataset_id": ds.id, "algorithm": "random_forest", "hyperparameters": {"n_estimators": 300}}).encode())
        job_id = json.loads(data)["job_id"]
        during: list[float] = []
        probe = Client(port)
        t_end = time.monotonic() + 60
        while time.monotonic() < t_end:
            during.append(probe.post("/api/ml/models/predict", single)[2])
            if len(during) % 50 == 0 and probe.get(f"/api/ml/models/train/{job_id}")["status"] != "running":
                break
        train_status = probe.get(f"/api/ml/models/train/{job_id}")["status"]
        if train_status == "running":
            probe.conn.request("POST", f"/api/ml/jobs/{job_id}/cancel")
            probe.conn.getresponse().read()
        result = {
            "floor_single_ms_p50": pct(floor, 50), "floor_single_ms_p99": pct(floor, 99),
            "serving_layer_no_http_ms_p50": pct(inproc, 50), "floor_interleaved_ms_p50": pct(floor2, 50),
            "serving_layer_overhead_ms_p50": pct(inproc, 50) - pct(floor2, 50),
            "handler_cpu_ms_per_request": cpu_handler * 1000 / n_inproc,
            "floor_cpu_ms_per_call": cpu_floor * 1000 / n_inproc,
            "floor_requests_per_s_one_thread": 1000 / pct(floor, 50),
            "http_single_1client_ms_p50": pct(seq, 50), "http_single_1client_ms_p99": pct(seq, 99),
            "floor_interleaved_with_http_ms_p50": pct(floor_seq, 50),
            "p50_overhead_ms": pct(seq, 50) - pct(floor_seq, 50),
            "http_single_8clients_ms_p50": pct(conc, 50), "http_single_8clients_ms_p99": pct(conc, 99),
            "requests_per_s_8clients": len(conc) / wall,
            "server_cpu_ms_per_request_8clients": server_cpu_ms, "rows_per_batch_round_8clients": rows_per_round,
            "floor_single_one_thread_ms_p50": pct(floor_1t, 50),
            "batch_rows": args.batch_rows, "floor_batch_ms_median": pct(batch_floor, 50),
            "http_batch_ms_median": pct(batch, 50), "batch_ratio": pct(batch, 50) / pct(batch_floor, 50),
            "http_batch_columns_ms_median": pct(batch_columns, 50),
            "batch_columns_ratio": pct(batch_columns, 50) / pct(batch_floor, 50),
            "http_batch_parquet_file_ms_median": pct(batch_file, 50),
            "batch_parquet_file_ratio": pct(batch_file, 50) / pct(batch_floor, 50),
            "during_training_requests": len(during), "during_training_ms_p50": pct(during, 50),
            "during_training_ms_p99": pct(during, 99), "during_training_ms_max": max(during),
            "training_job_status_at_end": train_status,
            "cpu_count": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
        }
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
    r = result
    print(json.dumps(r, indent=2))
    print(f"single row, 1 client : p50 {r['http_single_1client_ms_p50']:.2f} ms (floor "
          f"{r['floor_interleaved_with_http_ms_p50']:.2f} interleaved;"
          f" overhead {r['p50_overhead_ms']:.2f} ms, target <= 2), p99 {r['http_single_1client_ms_p99']:.2f} ms")
    print(f"handler, no HTTP     : p50 {r['serving_layer_no_http_ms_p50']:.2f} ms vs floor "
          f"{r['floor_interleaved_ms_p50']:.2f} ms interleaved (overhead {r['serving_layer_overhead_ms_p50']:.2f} ms); "
          f"CPU {r['handler_cpu_ms_per_request']:.2f} ms per request vs {r['floor_cpu_ms_per_call']:.2f} ms per floor call")
    print(f"single row, 8 clients: p50 {r['http_single_8clients_ms_p50']:.2f} ms, p99 "
          f"{r['http_single_8clients_ms_p99']:.2f} ms (target <= 20), {r['requests_per_s_8clients']:.0f} req/s "
          f"(target >= 500; the floor itself does {r['floor_requests_per_s_one_thread']:.0f}/s on one thread); server CPU "
          f"{r['server_cpu_ms_per_request_8clients']:.2f} ms per request, {r['rows_per_batch_round_8clients']:.1f} rows "
          f"per prediction call")
    print(f"floor, one row       : p50 {r['floor_single_ms_p50']:.2f} ms as trained, "
          f"{r['floor_single_one_thread_ms_p50']:.2f} ms on one thread (how the server predicts small batches)")
    print(f"{args.batch_rows}-row batch   : {r['http_batch_ms_median']:.1f} ms vs {r['floor_batch_ms_median']:.1f} ms "
          f"in-process = {r['batch_ratio']:.2f}x as JSON records, {r['batch_columns_ratio']:.2f}x as JSON columns, "
          f"{r['batch_parquet_file_ratio']:.2f}x as a Parquet file answered with Parquet (target <= 1.2)")
    print(f"during training      : p99 {r['during_training_ms_p99']:.2f} ms, max {r['during_training_ms_max']:.1f} ms "
          f"over {r['during_training_requests']} requests (target p99 <= 50; the same probe without training: "
          f"p99 {r['http_single_1client_ms_p99']:.2f} ms)")
    print(f"note: {r['cpu_count']} CPUs, 1-min load average {r['load_average_1min']:.1f} during the run "
          "(a shared machine: compare the ratios, not the absolute times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
