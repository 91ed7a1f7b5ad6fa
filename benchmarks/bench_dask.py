"""Data beyond the Dask workers' memory: partitioned import, XGBoost external memory on Dask, prediction.

The "Done when" run of issue 16 (data 2x the workers' combined memory limit; ~12-15 min on 2 cores):

    python benchmarks/bench_dask.py --gib 4 --workers 2 --worker-limit 1GiB --features 40 --rounds 20

1. Generates a Parquet file of ``--gib`` GiB of in-memory data (``--features`` float64 columns +
   a binary target), streamed row group by row group, and imports it partitioned into a
   workspace (this process's peak RSS is printed: the import streams).
2. Starts a LocalCluster of ``--workers`` worker processes with ``--worker-limit`` each (one
   thread each) and trains XGBoost on it with ``external_memory="auto"`` (the job log says which
   path ran), then predicts every row on the same cluster. A sampler thread reads every worker
   process's RSS every 0.2 s; the peaks are printed against the limit (Dask pauses a worker at
   80 % of it and its nanny kills it at 95 %). Worker restarts are counted from the workers'
   pids and addresses before and after.
3. For the time comparison, ``--fit-fraction`` of the rows (a dataset that fits) trains in memory
   (``train_pipeline``, one process with ``--workers`` threads), on Dask with external memory,
   and on Dask in memory (``xgboost.dask``).

Timings on a shared machine are noisy: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

def make_rows(n: int, seed: int, n_features: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    logit = 1.2 * X[:, 0] - X[:, 1] + 0.8 * X[:, 2] * X[:, 3] + np.sin(2 * X[:, 4]) + rng.normal(scale=0.8, size=n)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(n_features)])
    frame["label"] = (logit > 0).astype(np.int64)
    return frame


def write_parquet(path: Path, rows: int, n_features: int, chunk: int = 250_000) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for i, start in enumerate(range(0, rows, chunk)):
        table = pa.Table.from_pandas(make_rows(min(chunk, rows - start), seed=i, n_features=n_features),
                                     preserve_index=False)
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

    def workers(self, pids: set[int]) -> dict[int, int]:
        return {pid: rss for pid, rss in self.peaks.items() if pid in pids}


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def worker_pids(client) -> dict[str, int]:
    return client.run(os.getpid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gib", type=float, default=4.0, help="in-memory size of the generated data (default 4)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-limit", default="1GiB", help="memory limit of each worker (default 1GiB)")
    ap.add_argument("--features", type=int, default=40, help="float64 feature columns (default 40)")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--chunk-rows", type=int, default=250_000, help="rows per imported part")
    ap.add_argument("--fit-fraction", type=float, default=0.1, help="rows of the in-memory comparison")
    ap.add_argument("--no-dask-in-memory", action="store_true",
                    help="skip the xgboost.dask in-memory run of the comparison")
    ap.add_argument("--folder", help="where to write the data (default: a temporary folder)")
    args = ap.parse_args()
    import signal
    import sys

    # a timeout's SIGTERM still removes the temporary folder (gigabytes of Parquet)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from dask.utils import parse_bytes
    from distributed import Client, LocalCluster

    from mlcore.jobs import JobContext, RecordingContext
    from mlcore.training import TrainConfig, resolve_recipe, train_pipeline
    from mlcore.workspace import Workspace

    limit = parse_bytes(args.worker_limit)
    row_bytes = (args.features + 1) * 8
    rows = int(args.gib * 2**30 / row_bytes)
    params = {"n_estimators": args.rounds, "max_depth": 6, "learning_rate": 0.2}
    print(f"scale: {rows:,} rows x {args.features} float64 features ({gib(rows * row_bytes)} in memory); "
          f"{args.workers} workers x {gib(limit)} limit = {gib(args.workers * limit)} "
          f"(data / combined limit = {rows * row_bytes / (args.workers * limit):.1f}x), 1 thread each; "
          f"{os.cpu_count()} cores, {gib(psutil.virtual_memory().total)} RAM", flush=True)
    print(f"load average at start: {os.getloadavg()}", flush=True)
    if args.folder:
        Path(args.folder).mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        write_parquet(tmp / "big.parquet", rows, args.features)
        print(f"generated {gib((tmp / 'big.parquet').stat().st_size)} of Parquet in {time.perf_counter() - t0:.0f} s",
              flush=True)
        ws = Workspace(tmp / "home")
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, memory_limit=limit, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        try:
            with RssSampler() as s:
                t0 = time.perf_counter()
                info = ws.import_dataset(tmp / "big.parquet", name="big", target="label", partitioned=True,
                                         chunk_rows=args.chunk_rows)
                t_import = time.perf_counter() - t0
            print(f"partitioned import: {info.rows:,} rows in {info.import_info['partitions']} parts, {t_import:.0f} s, "
                  f"peak RSS of this process {gib(s.peaks[s.me.pid])}", flush=True)
            (tmp / "big.parquet").unlink()
            pids0 = worker_pids(client)
            address = cluster.scheduler_address

            def dask_run(dataset_id: str, label: str, external: object = "auto",
                         predict: bool = True) -> dict[str, object]:
                ctx = RecordingContext()
                pids = set(worker_pids(client).values())
                with RssSampler() as s:
                    t0 = time.perf_counter()
                    job = ws.train({"dataset_id": dataset_id, "algorithm": "xgboost", "early_stopping": False,
                                    "hyperparameters": params}, ctx=ctx, dask=address,
                                   dask_options={"external_memory": external})
                    t_train = time.perf_counter() - t0
                peaks = {f"train:{pid}": v for pid, v in s.workers(pids).items()}
                path = [line for line in ctx.logs if "training" in line and "GiB" in line]
                print(f"  [{label}] trained in {t_train:.0f} s; {path[0] if path else ''}", flush=True)
                for line in ctx.logs:
                    if line.startswith("worker "):
                        print(f"    {line}")
                out = {"train": t_train, "job": job, "peaks": peaks}
                if predict:
                    version = ws.deploy(job.id, f"bench-{label}")
                    with RssSampler() as s:
                        t0 = time.perf_counter()
                        ws.predict_dataset(dataset_id, tmp / f"pred-{label}", model_id=version.id, dask=address)
                        out["predict"] = time.perf_counter() - t0
                    out["peaks"].update({f"predict:{pid}": v for pid, v in s.workers(pids).items()})
                    shutil.rmtree(tmp / f"pred-{label}")
                print(f"  [{label}] peak RSS per worker: " + ", ".join(
                    f"{k} {gib(v)} ({v / limit:.0%})" for k, v in sorted(out["peaks"].items())), flush=True)
                return out

            big = dask_run(info.id, "big")
            pids1 = worker_pids(client)
            restarts = len(set(pids0.items()) - set(pids1.items()))
            job = big["job"]
            acc = job.results["evaluation"]["test"]["metrics"]["accuracy"]
            auc = job.results["evaluation"]["test"]["metrics"]["roc_auc"]
            worst = max(big["peaks"].values())
            print(f"BIG: {info.rows:,} rows ({gib(rows * row_bytes)}, {rows * row_bytes / (args.workers * limit):.1f}x "
                  f"the workers' combined {gib(args.workers * limit)}): external memory "
                  f"{job.results['training_summary']['dask']['external_memory']}, train {big['train']:.0f} s, "
                  f"predict {big['predict']:.0f} s, test accuracy {acc:.4f} AUC {auc:.4f} "
                  f"(on a {job.results['evaluation']['test']['n_rows']:,}-row sample); worst worker peak RSS "
                  f"{gib(worst)} = {worst / limit:.0%} of its {gib(limit)} limit "
                  f"({'UNDER' if worst < limit else 'OVER'}); worker restarts {restarts}; load {os.getloadavg()}",
                  flush=True)

            # the comparison: a dataset that fits, in memory and on Dask
            small_rows = int(rows * args.fit_fraction)
            frame = make_rows(small_rows, seed=99, n_features=args.features)
            frame.to_parquet(tmp / "small.parquet", index=False)
            small = ws.import_dataset(tmp / "small.parquet", name="small", target="label", partitioned=True,
                                      chunk_rows=args.chunk_rows)
            config = TrainConfig(dataset_id=small.id, target_column="label", algorithm="xgboost",
                                 hyperparameters=params, early_stopping=False, refit=False, n_jobs=args.workers)
            t0 = time.perf_counter()
            outcome = train_pipeline(frame, config, resolve_recipe(config, None), JobContext())
            t_mem = time.perf_counter() - t0
            del frame
            print(f"same {small_rows:,} rows ({gib(small_rows * row_bytes)}): in memory (train_pipeline, "
                  f"{args.workers} threads) {t_mem:.0f} s, test AUC "
                  f"{outcome.evaluation['test']['metrics']['roc_auc']:.4f}; load {os.getloadavg()}", flush=True)
            ext = dask_run(small.id, "small-extmem", external=True, predict=False)
            print(f"  on Dask, external memory: train {ext['train']:.0f} s (ratio {ext['train'] / t_mem:.2f}x "
                  f"in-memory), test AUC {ext['job'].results['evaluation']['test']['metrics']['roc_auc']:.4f}",
                  flush=True)
            if not args.no_dask_in_memory:
                try:
                    mem = dask_run(small.id, "small-dask-in-memory", external=False, predict=False)
                    print(f"  on Dask, in memory (xgboost.dask): train {mem['train']:.0f} s "
                          f"(ratio {mem['train'] / t_mem:.2f}x), test AUC "
                          f"{mem['job'].results['evaluation']['test']['metrics']['roc_auc']:.4f}", flush=True)
                except Exception as exc:  # a measured outcome, not a crash of the benchmark
                    print(f"  on Dask, in memory (xgboost.dask): FAILED {type(exc).__name__}: {str(exc)[:200]}")
            pids2 = worker_pids(client)
            print(f"worker restarts during the comparison: {len(set(pids1.items()) - set(pids2.items()))}")
            print(f"Dask throughput: {info.rows / big['train']:,.0f} rows/s training the big data "
                  f"(external memory), {small_rows / t_mem:,.0f} rows/s in memory")
            print(f"total {time.perf_counter() - t_start:.0f} s; load average at end: {os.getloadavg()}")
        finally:
            client.close()
            cluster.close()
            ws.close()


if __name__ == "__main__":
    main()
