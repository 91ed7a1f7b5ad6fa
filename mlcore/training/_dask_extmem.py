"""XGBoost on Dask with external memory: per-worker memory bounded by a batch, not by the data.

``xgboost.dask`` materialises every partition on its worker (a ``DaskQuantileDMatrix`` is built
from in-memory partitions), so a dataset larger than the workers' memory gets them restarted.
This path follows XGBoost's own recipe for distributed external memory
(``demo/guide-python/distributed_extmem_basic.py``): a ``RabitTracker`` runs in this process,
each Dask worker runs one long task that joins the collective
(``xgboost.collective.CommunicatorContext``), reads *its share of the Parquet parts* one batch
at a time through an ``xgboost.DataIter`` (split, preparation and label encoding applied per
batch), builds an ``ExtMemQuantileDMatrix`` whose quantised pages are cached on the worker's
local disk (removed after), and trains with ``xgboost.train``. Rank 0 returns the booster.

What stays in a worker's memory: one batch of rows (``batch_bytes``), a few cached pages, and
XGBoost's per-row state (labels, gradients, predictions: ~20-30 bytes per training row — the
external memory only batches X). Live rounds and cancel go through the same reporter callback
and ``distributed.Variable`` as the in-memory path; a cancel during the cache build is seen by
the data iterators.
"""

from __future__ import annotations

import shutil
import socket
import threading
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from mlcore.data import release_all_memory
from mlcore.errors import JobCancelled

DEFAULT_BATCH_BYTES = 64 << 20  # in-memory (float64/arrow) bytes of rows read at a time on a worker
IN_MEMORY_FACTOR = 3  # the in-memory Dask path needs about this many times the data in worker memory


# -- sizes ---------------------------------------------------------------------------------
def parts_rows_and_bytes(parts: list[Path]) -> list[tuple[int, int]]:
    """(rows, uncompressed bytes) of each Parquet part, from the files' footers only."""
    import pyarrow.parquet as pq

    out = []
    for part in parts:
        meta = pq.ParquetFile(part).metadata
        out.append((meta.num_rows, sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))))
    return out


def assign_parts(parts: list[Path], sizes: list[tuple[int, int]], n_workers: int) -> list[list[str]]:
    """Greedy balance of the parts over at most ``n_workers`` workers by row count (no empty shares)."""
    n = max(1, min(n_workers, sum(1 for rows, _ in sizes if rows)))
    shares: list[list[str]] = [[] for _ in range(n)]
    load = [0] * n
    for i in sorted(range(len(parts)), key=lambda i: -sizes[i][0]):
        if not sizes[i][0]:
            continue
        k = int(np.argmin(load))
        shares[k].append(str(parts[i]))
        load[k] += sizes[i][0]
    return [sorted(s) for s in shares]


def cluster_memory(client: Any) -> tuple[int, int]:
    """(workers, total memory limit in bytes) of the cluster; a worker without a limit counts its host's RAM."""
    workers = all_workers(client)
    total = 0
    for info in workers.values():
        limit = int(info.get("memory_limit") or 0)
        if not limit:
            import psutil

            limit = psutil.virtual_memory().total
        total += limit
    return len(workers), total


def all_workers(client: Any) -> dict[str, Any]:
    """Every worker's info (``scheduler_info()`` lists only the first few by default in recent versions)."""
    import inspect

    if "n_workers" in inspect.signature(client.scheduler_info).parameters:
        return client.scheduler_info(n_workers=-1)["workers"]
    return client.scheduler_info()["workers"]


# -- the worker side -------------------------------------------------------------------------
def _batches(files: list[str], batch_bytes: int) -> Any:
    """Record batches of ``files``, each about ``batch_bytes`` in memory, one row group at a time."""
    import pyarrow.parquet as pq

    for path in files:
        source = pq.ParquetFile(path, memory_map=False, pre_buffer=False)
        meta = source.metadata
        row_bytes = max(1, sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
                        // max(1, meta.num_rows))
        size = max(1024, batch_bytes // row_bytes)
        for group in range(source.num_row_groups):
            yield from source.iter_batches(batch_size=size, row_groups=[group], use_threads=False)


class _PreparedRows:
    """The worker's rows, prepared once: the first pass over the Parquet parts splits, prepares
    and label-encodes each batch and writes its training and validation rows to the worker's
    local disk as float32 ``.npy`` files; XGBoost's later passes (the cache build reads the data
    more than once) and the validation matrix read those instead of Parquet again."""

    def __init__(self, files: list[str], spec: dict[str, Any], folder: Path, check: Any) -> None:
        self.files, self.spec, self.folder, self.check = files, spec, folder, check
        self.batches: dict[str, list[tuple[Path, Path]]] = {"train": [], "validation": []}
        self.complete = False
        folder.mkdir(parents=True, exist_ok=True)

    def _save(self, split: str, X: np.ndarray, y: np.ndarray) -> None:
        k = len(self.batches[split])
        xp, yp = self.folder / f"{split}-{k:06d}-X.npy", self.folder / f"{split}-{k:06d}-y.npy"
        np.save(xp, X)
        np.save(yp, y)
        self.batches[split].append((xp, yp))

    def first_pass(self) -> Any:
        """Yield (X, y) of the training rows batch by batch, saving both splits' rows as it goes."""
        from mlcore.training._dask import _transform, dask_split_codes

        spec, target = self.spec, self.spec["target"]
        for batch in _batches(self.files, spec["batch_bytes"]):
            self.check()
            frame = batch.to_pandas()
            del batch
            frame = frame[frame[target].notna()]
            if not len(frame):
                continue
            codes = dask_split_codes(frame, spec["seed"], spec["test_size"], spec["validation_size"])
            for split, code in (("validation", 1), ("train", 0)):
                rows = frame[codes == code]
                if not len(rows):
                    continue
                X = _transform(rows[spec["features"]], spec["prep"], spec["names"]).to_numpy()
                y = rows[target].to_numpy()
                y = np.searchsorted(spec["classes"], y).astype(np.float32) if spec["classes"] is not None \
                    else y.astype(np.float32)
                self._save(split, X, y)
                if split == "train":
                    yield X, y
            del frame
        self.complete = True

    def saved(self, split: str) -> Any:
        for xp, yp in self.batches[split]:
            self.check()
            yield np.load(xp), np.load(yp)


def _make_iter(rows: _PreparedRows, split: str, cache: str) -> Any:
    import xgboost as xgb

    class PartsIter(xgb.DataIter):
        """Feeds XGBoost one split of the worker's rows, one batch at a time."""

        def __init__(self) -> None:
            self._batches: Any = None
            super().__init__(cache_prefix=cache, release_data=True, on_host=False)

        def reset(self) -> None:
            self._batches = None

        def next(self, input_data: Any) -> bool:
            if self._batches is None:
                first = split == "train" and not rows.complete
                self._batches = rows.first_pass() if first else rows.saved(split)
            got = next(self._batches, None)
            if got is None:
                return False
            input_data(data=got[0], label=got[1], feature_names=rows.spec["names"])
            return True

    return PartsIter()


def extmem_train_on_worker(files: list[str], rank: int, coll_args: dict[str, Any], spec: dict[str, Any],
                           params: dict[str, Any], rounds: int, early_stopping: int | None, callbacks: list[Any],
                           variable: str) -> dict[str, Any]:
    """One worker's part of the training (a Dask task): join the collective, cache, train."""
    import time

    import xgboost as xgb
    from distributed import Variable, get_worker

    worker = get_worker()
    nthread = max(1, int(worker.state.nthreads))
    cache_dir = Path(worker.local_directory) / f"mlwb-extmem-{uuid.uuid4().hex}"
    cache_dir.mkdir(parents=True)
    state = {"checked": 0.0}

    def check() -> None:  # a cancel while the cache is being built
        now = time.monotonic()
        if now - state["checked"] < 0.5:
            return
        state["checked"] = now
        if Variable(variable).get(timeout=5):
            raise JobCancelled("cancelled while building the external-memory cache")

    out: dict[str, Any] = {"rank": rank, "worker": worker.address}
    try:
        return _train_here(files, rank, coll_args, spec, params, rounds, early_stopping, callbacks, nthread,
                           cache_dir, check, out)
    except JobCancelled:
        return {**out, "cancelled": True}  # not a task error: the client raises JobCancelled
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
        release_all_memory()


def _train_here(files: list[str], rank: int, coll_args: dict[str, Any], spec: dict[str, Any], params: dict[str, Any],
                rounds: int, early_stopping: int | None, callbacks: list[Any], nthread: int, cache_dir: Path,
                check: Any, out: dict[str, Any]) -> dict[str, Any]:
    import time

    import xgboost as xgb

    Xy = Xv = booster = None
    try:
        with xgb.collective.CommunicatorContext(**coll_args, dmlc_task_id=f"{rank:06d}"), \
                xgb.config_context(nthread=nthread, verbosity=1):
            t0 = time.perf_counter()
            rows = _PreparedRows(files, spec, cache_dir / "rows", check)
            it_train = _make_iter(rows, "train", str(cache_dir / "train"))
            Xy = xgb.ExtMemQuantileDMatrix(it_train, missing=np.nan, nthread=nthread, max_bin=params.get("max_bin"))
            it_val = _make_iter(rows, "validation", str(cache_dir / "validation"))
            Xv = xgb.ExtMemQuantileDMatrix(it_val, missing=np.nan, nthread=nthread, ref=Xy,
                                           max_bin=params.get("max_bin"))
            out["cache_seconds"] = time.perf_counter() - t0
            out["rows"] = {"train": int(Xy.num_row()), "validation": int(Xv.num_row())}
            out["cache_bytes"] = sum(p.stat().st_size for p in cache_dir.rglob("*") if p.is_file())
            history: dict[str, Any] = {}
            booster = xgb.train({**params, "nthread": nthread}, Xy, num_boost_round=rounds,
                                evals=[(Xy, "train"), (Xv, "validation")], evals_result=history,
                                early_stopping_rounds=early_stopping, callbacks=callbacks, verbose_eval=False)
            if rank == 0:
                out["booster"] = bytes(booster.save_raw("json"))
                out["best_iteration"] = getattr(booster, "best_iteration", None) if early_stopping else None
    finally:
        del Xy, Xv, booster  # the DMatrix objects hold the cache files open
    return out


# -- the client side -----------------------------------------------------------------------
def _tracker_host(client: Any) -> str:
    """The address of this process as the workers see it (the interface towards the scheduler)."""
    from distributed.comm import get_address_host

    host = get_address_host(client.scheduler.address)
    if host in ("127.0.0.1", "localhost", "::1", "") or host.startswith("inproc"):
        return "127.0.0.1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((host, 9))  # no packet is sent; this picks the outgoing interface
        return probe.getsockname()[0]


def fit_xgboost_extmem(client: Any, parts: list[Path], spec: dict[str, Any], params: dict[str, Any], rounds: int,
                       early_stopping: int | None, callbacks: list[Any], variable: str,
                       log: Any = None) -> dict[str, Any]:
    """Train on every worker at once; returns rank 0's result plus every worker's rows and cache sizes."""
    from distributed import wait
    from xgboost.tracker import RabitTracker

    workers = sorted(all_workers(client))
    shares = assign_parts(parts, parts_rows_and_bytes(parts), len(workers))
    workers = workers[:len(shares)]
    tracker = RabitTracker(n_workers=len(shares), host_ip=_tracker_host(client), sortby="task", timeout=0)
    tracker.start()
    waiter = threading.Thread(target=_quiet_wait, args=(tracker,), daemon=True)
    waiter.start()
    coll_args = tracker.worker_args()
    if log is not None:
        log(f"external memory: {len(parts)} part(s) over {len(shares)} worker(s) "
            f"({', '.join(str(len(s)) for s in shares)} part(s) each); tracker at {coll_args.get('dmlc_tracker_uri')}")
    client.run(release_all_memory)  # what the split/sample pass left in the workers' allocators
    futures = [client.submit(extmem_train_on_worker, files, rank, coll_args, spec, params, rounds, early_stopping,
                             callbacks, variable, workers=[addr], allow_other_workers=False, pure=False,
                             key=f"mlwb-extmem-train-{rank}-{uuid.uuid4().hex}")
               for rank, (files, addr) in enumerate(zip(shares, workers))]
    try:
        wait(futures)
        errors = [f for f in futures if f.status == "error"]
        if errors:  # the first real error, not a peer's "connection closed" that followed it
            excs = [f.exception() for f in errors]
            cancelled = [e for e in excs if isinstance(e, JobCancelled) or type(e).__name__ == "JobCancelled"]
            raise (cancelled[0] if cancelled else excs[0])
        results = [f.result() for f in futures]
        if any(r.get("cancelled") for r in results):
            raise JobCancelled("cancelled while the workers built their external-memory caches")
    finally:
        client.cancel(futures)
        if not waiter.is_alive():  # a tracker still waiting (a failed run) is freed with its thread
            tracker.free()
    first = next(r for r in results if r["rank"] == 0)
    return {"booster": first["booster"], "best_iteration": first.get("best_iteration"),
            "workers": [{k: r.get(k) for k in ("worker", "rows", "cache_bytes", "cache_seconds")} for r in results]}


def _quiet_wait(tracker: Any) -> None:
    try:
        tracker.wait_for()
    except Exception:  # a failed or cancelled run: the workers' errors are reported instead
        pass


__all__ = ["fit_xgboost_extmem", "all_workers", "parts_rows_and_bytes", "cluster_memory", "assign_parts", "DEFAULT_BATCH_BYTES",
           "IN_MEMORY_FACTOR"]
