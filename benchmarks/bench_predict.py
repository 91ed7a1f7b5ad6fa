"""Prediction throughput: Workspace prediction on a 1,000,000-row file vs raw pipeline.predict.

Both run in this process on the same DataFrame; file reading and writing are timed separately.
Target: ratio <= 1.1 without I/O. Usage: python benchmarks/bench_predict.py [--rows N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(12)})
    frame["plan"] = rng.choice(["basic", "plus", "pro", "team"], size=n)
    frame["region"] = rng.choice([f"r{i}" for i in range(30)], size=n)
    frame["usage"] = rng.gamma(2.0, 3.0, size=n)
    frame["target"] = np.where(frame["x0"] + 0.5 * frame["x1"] + rng.normal(scale=0.5, size=n)
                               + (frame["plan"] == "pro") > 0.3, "churn", "stay")
    return frame


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from mlcore.data import read_table
    from mlcore.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws = Workspace(tmp / "ws")
        train = make_frame(20_000, seed=1)
        train.to_parquet(tmp / "train.parquet")
        ds = ws.import_dataset(tmp / "train.parquet", target="target")
        job = ws.train({"dataset_id": ds.id, "algorithm": "lightgbm", "hyperparameters": {"n_estimators": 100}})
        model = ws.deploy(job.id, "bench")
        pipeline, info = ws.load_model(model.id)

        big = make_frame(args.rows, seed=2).drop(columns=["target"])
        path = tmp / "rows.parquet"
        big.to_parquet(path)
        t0 = time.perf_counter()
        frame = read_table(path).frame
        read_s = time.perf_counter() - t0

        raw = best_of(lambda: pipeline.predict(frame), args.repeats)
        ours = best_of(lambda: ws.prediction.predict_with(info, frame, "bench", ctx=__import__("mlcore.jobs").jobs.JobContext()),
                       args.repeats)
        t0 = time.perf_counter()
        ws.predict_file(path, tmp / "out.parquet", model_id=model.id)
        end_to_end = time.perf_counter() - t0
        ws.close()

    print(f"rows: {args.rows:,}")
    print(f"read file (I/O)                    : {read_s:8.3f} s")
    print(f"raw pipeline.predict               : {raw:8.3f} s")
    print(f"Workspace prediction (schema check, drift, chunks, probabilities): {ours:8.3f} s")
    print(f"ratio Workspace / raw (target <= 1.1): {ours / raw:6.3f}")
    print(f"predict_file end to end incl. read+write: {end_to_end:8.3f} s")


if __name__ == "__main__":
    main()
