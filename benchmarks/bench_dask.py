"""Data beyond one worker's memory: partitioned import, XGBoost on Dask, prediction on Dask.

Run: python benchmarks/bench_dask.py [--gib 2] [--workers 2] [--worker-limit 1GiB] [--rounds 30]

1. Generates a Parquet file of ``--gib`` GiB of in-memory data (float64 features + a binary
   target), streamed row group by row group, and imports it partitioned into a workspace
   (this process's peak RSS is printed: the import streams).
2. Trains XGBoost on it on a LocalCluster of ``--workers`` worker processes with
   ``--worker-limit`` each (one thread each), then predicts every row on the same kind of
   cluster. A sampler thread reads every worker process's RSS every 0.2 s; the peaks are
   printed against the limit (Dask itself kills a worker that passes 95% of it).
3. For the time comparison, the same training runs in memory (``train_pipeline``, two
   threads) on ``--fit-fraction`` of the rows, and on Dask on those same rows.

Timings on a shared machine are noisy: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

N_FEATURES = 10


def make_rows(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES))
    logit = 1.2 * X[:, 0] - X[:, 1] + 0.8 * X[:, 2] * X[:, 3] + np.sin(2 * X[:, 4]) + rng.normal(scale=0.8, size=n)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(N_FEATURES)])
    frame["label"] = (logit > 0).astype(np.int64)
    return frame


def write_parquet(path: Path, rows: int, chunk: int = 1_000_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for i, start in enumerate(range(0, rows, chunk)):
        table = pa.Table.from_pandas(make_rows(min(chunk, rows - start), seed=i), preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


class RssSampler:
    """Peak RSS of this process and of every child process (the Dask workers), sampled in a thread."""

    def __init__(self) -> None:
        self.peaks: dict[int, int] = {}
        self.me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for proc in [self.me, *self.me.children(recursive=True)]:
                try:
                    self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0), proc.memory_info().rss)
                except psutil.Error:
                    pass

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def workers(self) -> dict[int, int]:
        return {pid: rss for pid, rss in self.peaks.items() if pid != self.me.pid}


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gib", type=float, default=2.0, help="in-memory size of the generated data")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-limit", default="1GiB")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--fit-fraction", type=float, default=0.125, help="rows of the in-memory comparison")
    ap.add_argument("--folder", help="where to write the data (default: a temporary folder)")
    args = ap.parse_args()
    import signal
    import sys

    # a timeout's SIGTERM still removes the temporary folder (gigabytes of Parquet)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from dask.utils import parse_bytes

    from mlcore.jobs import JobContext
    from mlcore.training import TrainConfig, resolve_recipe, train_pipeline
    from mlcore.workspace import Workspace

    limit = parse_bytes(args.worker_limit)
    rows = int(args.gib * 2**30 / ((N_FEATURES + 1) * 8))
    cluster = {"n_workers": args.workers, "threads_per_worker": 1, "memory_limit": limit, "processes": True}
    params = {"n_estimators": args.rounds, "max_depth": 6, "learning_rate": 0.2}
    print(f"scale: {rows:,} rows x {N_FEATURES} float64 features ({gib(rows * (N_FEATURES + 1) * 8)} in memory); "
          f"{args.workers} workers x {gib(limit)} limit, 1 thread each; {os.cpu_count()} cores, "
          f"{gib(psutil.virtual_memory().total)} RAM")
    print(f"load average at start: {os.getloadavg()}")
    if args.folder:
        Path(args.folder).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        write_parquet(tmp / "big.parquet", rows)
        print(f"generated {gib((tmp / 'big.parquet').stat().st_size)} of Parquet in {time.perf_counter() - t0:.0f} s")
        ws = Workspace(tmp / "home")
        try:
            with RssSampler() as s:
                t0 = time.perf_counter()
                info = ws.import_dataset(tmp / "big.parquet", name="big", target="label", partitioned=True,
                                         chunk_rows=500_000)
                t_import = time.perf_counter() - t0
            print(f"partitioned import: {info.rows:,} rows in {info.import_info['partitions']} parts, {t_import:.0f} s, "
                  f"peak RSS of this process {gib(s.peaks[s.me.pid])}", flush=True)
            (tmp / "big.parquet").unlink()

            def dask_run(dataset_id: str, label: str) -> tuple[float, float, dict[int, int], object]:
                with RssSampler() as s:
                    t0 = time.perf_counter()
                    job = ws.train({"dataset_id": dataset_id, "algorithm": "xgboost", "early_stopping": False,
                                    "hyperparameters": params}, dask="local", dask_options=cluster)
                    t_train = time.perf_counter() - t0
                train_peaks = s.workers()
                print(f"  [{label}] trained in {t_train:.0f} s; peak RSS per worker: "
                      f"{', '.join(f'{gib(v)} ({v / limit:.0%})' for v in train_peaks.values())}", flush=True)
                version = ws.deploy(job.id, f"bench-{label}")
                with RssSampler() as s:
                    t0 = time.perf_counter()
                    ws.predict_dataset(dataset_id, tmp / f"pred-{label}", model_id=version.id, dask="local",
                                       dask_options=cluster)
                    t_pred = time.perf_counter() - t0
                peaks = {**{f"train:{k}": v for k, v in train_peaks.items()},
                         **{f"predict:{k}": v for k, v in s.workers().items()}}
                return t_train, t_pred, peaks, job

            t_train, t_pred, peaks, job = dask_run(info.id, "big")
            acc = job.results["evaluation"]["test"]["metrics"]["accuracy"]
            print(f"Dask, {info.rows:,} rows: train {t_train:.0f} s, predict {t_pred:.0f} s, "
                  f"test accuracy {acc:.4f} (on a {job.results['evaluation']['test']['n_rows']:,}-row sample); "
                  f"load {os.getloadavg()}")
            worst = max(peaks.values()) if peaks else 0
            for key, rss in sorted(peaks.items()):
                print(f"  peak RSS {key}: {gib(rss)} ({rss / limit:.0%} of the limit)")
            print(f"  data / worker limit = {rows * (N_FEATURES + 1) * 8 / limit:.1f}x; "
                  f"worst worker peak {gib(worst)} {'UNDER' if worst < limit else 'OVER'} its {gib(limit)} limit")

            # the comparison: the same rows in memory, and on Dask
            small_rows = int(rows * args.fit_fraction)
            frame = make_rows(small_rows, seed=99)
            frame.to_parquet(tmp / "small.parquet", index=False)
            small = ws.import_dataset(tmp / "small.parquet", name="small", target="label", partitioned=True,
                                      chunk_rows=500_000)
            config = TrainConfig(dataset_id=small.id, target_column="label", algorithm="xgboost",
                                 hyperparameters=params, early_stopping=False, refit=False, n_jobs=args.workers)
            t0 = time.perf_counter()
            outcome = train_pipeline(frame, config, resolve_recipe(config, None), JobContext())
            t_mem = time.perf_counter() - t0
            del frame
            t_small, t_small_pred, _, small_job = dask_run(small.id, "small")
            print(f"same {small_rows:,} rows: in memory (train_pipeline, {args.workers} threads) {t_mem:.0f} s, "
                  f"test accuracy {outcome.evaluation['test']['metrics']['accuracy']:.4f}; on Dask train "
                  f"{t_small:.0f} s (ratio {t_small / t_mem:.2f}x), predict {t_small_pred:.0f} s; "
                  f"test accuracy {small_job.results['evaluation']['test']['metrics']['accuracy']:.4f}")
            print(f"Dask throughput: {info.rows / t_train:,.0f} rows/s on the big data, "
                  f"{small_rows / t_small:,.0f} rows/s on the small; in memory {small_rows / t_mem:,.0f} rows/s")
            print(f"load average at end: {os.getloadavg()}")
        finally:
            ws.close()


if __name__ == "__main__":
    main()
