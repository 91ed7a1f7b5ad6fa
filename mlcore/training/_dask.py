"""Training on a Dask cluster: LightGBM/XGBoost through their Dask interfaces, on Parquet parts.

The data never reaches this process whole. What runs where:

- **split**: each row goes to train/validation/test by a seeded hash of its values, so the
  split does not depend on how the file was cut into parts (duplicates land together);
- **preparation**: the recipe's sklearn preprocessor is fitted on a uniform sample of the
  training rows (up to ``sample_rows``), then applied partition-wise on the workers;
- **fit**: ``xgboost.dask`` (a ``DaskQuantileDMatrix`` iterates the parts, memory ≈ binned
  data) or ``lightgbm.dask`` (each worker concatenates its parts: needs ~2× its share);
- **live curves**: a callback on the workers publishes each round's evaluation with
  ``Worker.log_event``; this process subscribes to the topic and forwards the points to the
  job context (XGBoost evaluates globally; LightGBM per worker, so the points are combined
  here, weighted by each worker's rows);
- **cancel**: this process sets a ``distributed.Variable``; XGBoost's workers read it (at most
  every 0.2 s) and agree with an allreduce; LightGBM's read it every round and the first to see
  it announces a stop round a few rounds ahead (under a ``distributed.Lock``): all stop together;
- **result**: the booster comes back as an ordinary local estimator inside the same kind of
  ``Pipeline(prep, model)`` as in-memory training, so it deploys, predicts and exports alike.
  Metrics are computed here on a sample of up to ``sample_rows`` validation/test rows.
"""

from __future__ import annotations

import contextlib
import math
import queue
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from mlcore.errors import ConfigError, DataValidationError, JobCancelled
from mlcore.jobs import JobContext
from mlcore.training._recorder import Recorder, emit
from mlcore.training._scoring import names_for
from mlcore.training.config import TrainConfig
from mlcore.training.run import TrainOutcome, _evaluate_splits, _jsonable

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.prep import PrepRecipe

DASK_ALGORITHMS = ("lightgbm", "xgboost")
SAMPLE_ROWS = 100_000
_SPLIT_COLUMN = "__mlwb_split__"
_CHECK_SECONDS = 0.2


# -- the cluster -------------------------------------------------------------------------
@contextlib.contextmanager
def dask_client(address: str, *, n_workers: int = 2, threads_per_worker: int = 1,
                memory_limit: str | int = "auto", processes: bool = True) -> Iterator[Any]:
    """A Client on ``address`` (``tcp://host:8786``), or on a LocalCluster started here and closed after."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError("Training on Dask needs the dask extra: pip install 'mlworkbench[dask]'.") from None
    if address == "local":
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                               memory_limit=memory_limit, processes=processes, dashboard_address=":0")
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout="5s")
    except OSError as exc:
        raise ConfigError(f"No Dask scheduler answers at {address!r} ({exc}). Start one with `dask scheduler` "
                          "and `dask worker ADDRESS`, or use --dask local.") from None
    try:
        yield client
    finally:
        client.close()


# -- split and preparation, partition-wise -------------------------------------------------
def dask_split_codes(frame: "pd.DataFrame", seed: int, test_size: float, validation_size: float) -> np.ndarray:
    """0 train, 1 validation, 2 test for each row, from a seeded hash of the row's values."""
    import pandas as pd

    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=f"{seed:016d}"[-16:]).to_numpy()
    u = (hashed >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return np.where(u < test_size, 2, np.where(u < test_size + validation_size, 1, 0)).astype(np.int8)


def _with_split(frame: "pd.DataFrame", seed: int, test_size: float, validation_size: float) -> "pd.DataFrame":
    return frame.assign(**{_SPLIT_COLUMN: dask_split_codes(frame, seed, test_size, validation_size)})


def _sample_rows(frame: "pd.DataFrame", fraction: float, seed: int) -> "pd.DataFrame":
    import pandas as pd

    hashed = pd.util.hash_pandas_object(frame, index=False, hash_key=f"{seed + 1:016d}"[-16:]).to_numpy()
    return frame[(hashed >> np.uint64(11)).astype(np.float64) / float(1 << 53) < fraction]


def _transform(frame: "pd.DataFrame", prep: Any, names: list[str]) -> "pd.DataFrame":
    import pandas as pd

    if len(frame) == 0:  # a part without rows of this split
        return pd.DataFrame(np.empty((0, len(names)), dtype=np.float32), columns=names, index=frame.index)
    out = prep.transform(frame)
    if hasattr(out, "toarray"):
        out = out.toarray()
    return pd.DataFrame(np.asarray(out, dtype=np.float32), columns=names, index=frame.index)


def _encode(series: "pd.Series", classes: np.ndarray) -> "pd.Series":
    import pandas as pd

    return pd.Series(np.searchsorted(classes, series.to_numpy()).astype(np.int32), index=series.index,
                     name=series.name)


# -- the worker side: report each round, stop together on cancel ----------------------------
def _stop_requested(state: dict[str, Any], variable: str) -> bool:
    now = time.monotonic()
    if now - state.get("checked", 0.0) < _CHECK_SECONDS:
        return False
    state["checked"] = now
    from distributed import Variable

    return bool(Variable(variable).get(timeout=5))


def _xgb_reporter(topic: str, variable: str) -> Any:
    import xgboost as xgb

    class _Reporter(xgb.callback.TrainingCallback):
        """Runs on every worker; XGBoost's evaluation is already global, so rank 0 publishes it."""

        def __init__(self) -> None:
            self.state: dict[str, Any] = {}

        def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
            from distributed import get_worker

            if xgb.collective.get_rank() == 0:
                values = {split: {name: float(v[-1]) for name, v in log.items()} for split, log in evals_log.items()}
                get_worker().log_event(topic, {"iteration": epoch + 1, "values": values, "weight": None})
            flag = np.array([1.0 if _stop_requested(self.state, variable) else 0.0])
            return bool(xgb.collective.allreduce(flag, xgb.collective.Op.MAX)[0] > 0)

    return _Reporter()


def _lgb_reporter(topic: str, variable: str) -> Any:
    def report(env: Any) -> None:
        import lightgbm as lgb
        from distributed import Lock, Variable, get_worker

        worker = get_worker()
        values: dict[str, dict[str, float]] = {}
        for split, name, value, _ in env.evaluation_result_list:
            values.setdefault(split, {})[name] = float(value)
        weight = {"train": env.model.train_set.num_data()}
        for name, data in zip(env.model.name_valid_sets, env.model.valid_sets):
            weight[name] = data.num_data()
        round_ = env.iteration + 1
        worker.log_event(topic, {"iteration": round_, "values": values, "weight": weight, "worker": worker.address})
        # LightGBM has no allreduce in Python. Its workers are at most one round apart (each round
        # ends with a histogram allreduce) and read this variable every round, so the first worker
        # to see the cancel announces "stop after round r + 3" under a lock, and all stop there.
        var = Variable(variable)
        state = var.get(timeout=5)
        if state and not state.get("stop_at"):
            with Lock(variable + "-lock"):
                state = var.get(timeout=5)
                if not state.get("stop_at"):
                    state = {"stop_at": round_ + 3}
                    var.set(state)
        if state and round_ >= state["stop_at"]:
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)

    report.order = 30  # type: ignore[attr-defined]
    return report


# -- the client side: gather the rounds while the fit runs -----------------------------------
class _Rounds:
    """Combines the workers' per-round evaluations into one curve point per round."""

    def __init__(self, task: str, loss_key: str, err_key: str | None, var_train: float, var_val: float,
                 rec: Recorder) -> None:
        self.task, self.loss_key, self.err_key = task, loss_key, err_key
        self.var_train, self.var_val = var_train, var_val
        self.rec = rec
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.pending: dict[int, list[dict[str, Any]]] = {}
        self.workers: set[str] = set()

    def handler(self, event: tuple[float, dict[str, Any]]) -> None:  # runs on the client's event loop
        self.inbox.put(event[1])

    def _combine(self, reports: list[dict[str, Any]], split: str, key: str) -> float | None:
        got = [(r["values"].get(split, {}).get(key), (r["weight"] or {}).get(split, 1)) for r in reports]
        got = [(v, w) for v, w in got if v is not None]
        if not got:
            return None
        total = sum(w for _, w in got) or 1
        if key in ("rmse", "l2_root"):
            return math.sqrt(sum(v * v * w for v, w in got) / total)
        return sum(v * w for v, w in got) / total

    def _record(self, iteration: int, reports: list[dict[str, Any]]) -> None:
        split_names = {"train": ("train", "validation_0"), "validation": ("validation", "validation_1")}

        def value(which: str, key: str | None) -> float | None:
            if key is None:
                return None
            for split in split_names[which]:
                got = self._combine(reports, split, key)
                if got is not None:
                    return got
            return None

        t_loss, v_loss = value("train", self.loss_key), value("validation", self.loss_key)
        if self.task == "classification":
            t_err, v_err = value("train", self.err_key), value("validation", self.err_key)
            t_met = None if t_err is None else 1.0 - t_err
            v_met = None if v_err is None else 1.0 - v_err
        else:
            t_met = 1.0 - t_loss**2 / self.var_train if (t_loss is not None and self.var_train) else None
            v_met = 1.0 - v_loss**2 / self.var_val if (v_loss is not None and self.var_val) else None
        self.rec.record(iteration, t_loss, v_loss, v_met, t_met)

    def drain(self, ctx: JobContext, final: bool = False) -> None:
        while True:
            try:
                report = self.inbox.get_nowait()
            except queue.Empty:
                break
            self.pending.setdefault(report["iteration"], []).append(report)
            if report.get("worker"):
                self.workers.add(report["worker"])
        # a round is complete once every worker reported it (they run in lockstep), or at the end
        for iteration in sorted(self.pending):
            reports = self.pending[iteration]
            per_worker = reports[0]["weight"] is not None
            if per_worker and not final and len({r["worker"] for r in reports}) < len(self.workers):
                break
            if per_worker and not final and iteration == max(self.pending):
                break  # another worker may not have joined the set yet
            del self.pending[iteration]
            self._record(iteration, reports)
            while not self.rec.outbox.empty():
                emit(ctx, self.rec.outbox.get(), self.rec)


def _fit_watched(fit: Any, client: Any, rounds: _Rounds, variable: str, ctx: JobContext) -> Any:
    """Run ``fit()`` in a thread; forward rounds; on cancel ask the workers to stop, then raise."""
    import threading

    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        import sys

        try:
            # lightgbm.dask and xgboost's trackers print to stdout; keep it for results (``--json``)
            with contextlib.redirect_stdout(sys.stderr):
                box["value"] = fit()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    from distributed import Variable

    thread = threading.Thread(target=work, name="mlcore-dask-fit", daemon=True)
    thread.start()
    cancelled_at = None
    while not done.wait(0.05):
        rounds.drain(ctx)
        if ctx.cancel_requested and cancelled_at is None:
            cancelled_at = time.perf_counter()
            Variable(variable, client=client).set({"stop_at": 0})  # a cancel request (see the reporters)
    rounds.drain(ctx, final=True)
    if cancelled_at is not None:
        ctx.log(f"the workers stopped {time.perf_counter() - cancelled_at:.2f} s after the cancel")
        raise JobCancelled("cancelled by the user")
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- the job ------------------------------------------------------------------------------
def train_pipeline_dask(parts: list[Path], config: TrainConfig, recipe: "PrepRecipe", ctx: JobContext | None = None,
                        *, address: str = "local", rows: int | None = None, sample_rows: int = SAMPLE_ROWS,
                        cluster: dict[str, Any] | None = None, memory_bytes: int | None = None) -> TrainOutcome:
    """Train ``config.algorithm`` on the Parquet ``parts`` on a Dask cluster; the model comes back local.

    ``cluster`` shapes a LocalCluster (n_workers, threads_per_worker, memory_limit, processes) and
    may carry ``external_memory``: ``"auto"`` (default: external memory for XGBoost; LightGBM is
    refused when the data's in-memory size ``memory_bytes`` times ``IN_MEMORY_FACTOR`` exceeds
    the workers' total memory), ``True`` or ``False``; ``batch_bytes``: rows read at a time on a
    worker.
    """
    ctx = ctx or JobContext()
    check_dask_request(config, recipe)
    options = dict(cluster or {})
    memory = {"mode": options.pop("external_memory", "auto"), "batch_bytes": options.pop("batch_bytes", None),
              "data_bytes": memory_bytes}
    if memory["mode"] not in ("auto", True, False):
        raise ConfigError(f"external_memory must be 'auto', true or false, got {memory['mode']!r}.")
    with dask_client(address, **options) as client:
        return _train(client, parts, config, recipe, ctx, rows, sample_rows, memory)


def choose_memory_path(client: Any, parts: list[Path], algorithm: str, memory: dict[str, Any],
                       ctx: JobContext) -> bool:
    """True for XGBoost's external-memory path; refuses LightGBM on data beyond the workers' memory."""
    from mlcore.training._dask_extmem import IN_MEMORY_FACTOR, cluster_memory, parts_rows_and_bytes

    n_workers, total = cluster_memory(client)
    data = max(int(memory.get("data_bytes") or 0), sum(b for _, b in parts_rows_and_bytes(parts)))
    fits = data * IN_MEMORY_FACTOR <= total
    mode = memory.get("mode", "auto")
    sizes = (f"the data takes {data / 2**30:.2f} GiB in memory; the {n_workers} worker(s) have "
             f"{total / 2**30:.2f} GiB in all")
    if algorithm == "lightgbm":
        if mode is True:
            raise ConfigError("LightGBM has no external-memory training on Dask; use algorithm 'xgboost'.")
        if not fits:
            raise ConfigError(f"LightGBM on Dask keeps each worker's share of the data in memory (about "
                              f"{IN_MEMORY_FACTOR}x the data across the cluster) and has no external memory: {sizes}. "
                              "Use algorithm 'xgboost' (it switches to external memory), or more worker memory.")
        ctx.log(f"in-memory training (lightgbm.dask): {sizes}")
        return False
    # XGBoost defaults to external memory whatever the size: measured on 2 workers x 1 GiB, it was
    # as fast as xgboost.dask on small data and xgboost.dask lost a worker at 0.2x the workers' memory
    use = True if mode == "auto" else bool(mode)
    why = "the default for XGBoost on Dask" if mode == "auto" else "requested"
    if not use and not fits:
        ctx.log(f"warning: in-memory training requested, but the workers may run out of memory: {sizes}")
    ctx.log(f"{'external-memory training (ExtMemQuantileDMatrix per worker)' if use else 'in-memory training (xgboost.dask)'}"
            f" ({why}): {sizes}")
    return use


def check_dask_request(config: TrainConfig, recipe: "PrepRecipe") -> None:
    """Raise ConfigError for what Dask training does not do (before a job row is made)."""
    if config.algorithm not in DASK_ALGORITHMS:
        raise ConfigError(f"Algorithm {config.algorithm!r} does not train on Dask; use one of {list(DASK_ALGORITHMS)}.")
    if config.time_column:
        raise ConfigError("A time-ordered split (time_column) is not available on Dask: rows are split by hash.")
    if recipe.outlier_method != "none" and recipe.outlier_action == "remove":
        raise ConfigError("Removing outlier rows is not available on Dask; clip them instead (outlier_action='clip').")
    if recipe.class_weight == "balanced" and config.algorithm == "xgboost":
        raise ConfigError("class_weight='balanced' is available on Dask with lightgbm only.")


def _train(client: Any, parts: list[Path], config: TrainConfig, recipe: "PrepRecipe", ctx: JobContext,
           rows: int | None, sample_rows: int, memory: dict[str, Any]) -> TrainOutcome:
    import dask
    import dask.dataframe as dd

    from mlcore.deployment import build_schema
    from mlcore.models import detect_task, get_algorithm, validate_target
    from mlcore.prep import build_preprocessor, selected_features

    target = config.target_column
    external = choose_memory_path(client, parts, config.algorithm, memory, ctx)
    from mlcore.data import release_all_memory

    client.run(release_all_memory)  # an earlier job's freed memory still counts in a worker's RSS
    ctx.progress(0.01, f"reading {len(parts)} part(s) on {len(client.scheduler_info()['workers'])} Dask worker(s)")
    ddf = dd.read_parquet([str(p) for p in parts])
    if target not in ddf.columns:
        raise DataValidationError(f"Target column {target!r} is not in the dataset; columns are {list(ddf.columns)}.")
    features = [c for c in ddf.columns if c != target]
    labelled = ddf[ddf[target].notnull()]
    labelled = labelled.map_partitions(_with_split, config.seed, config.test_size, config.validation_size)
    rows = rows or int(len(ddf))
    fraction = min(1.0, sample_rows / max(1, rows))
    sample = labelled.map_partitions(_sample_rows, fraction, config.seed)
    ctx.progress(0.03, f"sampling about {min(rows, sample_rows):,} rows for the preparation and the metrics")
    # one pass over the parts: the sample, the split's counts, and a discrete target's classes
    discrete = not str(ddf[target].dtype).startswith("float")
    labels = labelled[target].value_counts(split_out=1) if discrete else None
    sample, counts, missing_target, labels = dask.compute(sample, labelled[_SPLIT_COLUMN].value_counts(split_out=1),
                                                          ddf[target].isnull().sum(), labels)
    ctx.check_cancelled()
    counts = {int(k): int(v) for k, v in counts.items()}
    n_rows = {"train": counts.get(0, 0), "validation": counts.get(1, 0), "test": counts.get(2, 0)}
    if not n_rows["train"] or not n_rows["validation"]:
        raise DataValidationError(f"The split left {n_rows['train']} training and {n_rows['validation']} validation "
                                  "rows; the dataset is too small for Dask training.")
    if missing_target:
        ctx.log(f"dropped {int(missing_target)} row(s) whose target {target!r} is missing")
    sample_train = sample[sample[_SPLIT_COLUMN] == 0]
    task = config.task_type or detect_task(sample_train[target])
    validate_target(sample_train[target], task, target)
    spec = get_algorithm(config.algorithm, task)
    classes = None
    if task == "classification":
        if labels is None:  # a float target detected as classes
            labels = labelled[target].value_counts(split_out=1).compute()
        classes = np.sort(labels.index.to_numpy())

    ctx.progress(0.05, "fitting the preparation on the sample")
    t0 = time.perf_counter()
    X_sample = sample_train[features]
    prep = build_preprocessor(recipe, X_sample, task, seed=config.seed)
    prep.fit(X_sample, sample_train[target])
    try:
        names = [str(n) for n in prep.get_feature_names_out()]
    except Exception:  # a transformer without names
        names = [f"f{i}" for i in range(np.asarray(prep.transform(X_sample.iloc[:1])).shape[1])]
    prep_seconds = time.perf_counter() - t0
    meta = _transform(X_sample.iloc[:0], prep, names)

    def part(code: int) -> tuple[Any, Any]:
        rows_of = labelled[labelled[_SPLIT_COLUMN] == code]
        X = rows_of[features].map_partitions(_transform, prep, names, meta=meta)
        y = rows_of[target]
        if classes is not None:
            y = y.map_partitions(_encode, classes, meta=(target, "int32"))
        return X, y

    (X_train, y_train), (X_val, y_val) = part(0), part(1)
    y_tr_sample = sample_train[target]
    var_train = float(np.var(y_tr_sample)) if task == "regression" else 0.0
    y_va_sample = sample[sample[_SPLIT_COLUMN] == 1][target]
    var_val = float(np.var(y_va_sample)) if task == "regression" and len(y_va_sample) else 0.0
    params = dict(config.hyperparameters)
    loss_name, metric_name = names_for(task)
    estimator = _local_estimator(spec, params, config.seed)
    n_rounds = int(_inner(estimator).get_params()["n_estimators"])
    rec = Recorder(loss_name, metric_name, n_rounds, unit="iteration")
    topic, variable = f"mlwb-{uuid.uuid4().hex}", f"mlwb-stop-{uuid.uuid4().hex}"
    from distributed import Variable

    Variable(variable, client=client).set(None)
    t_fit = time.perf_counter()
    ctx.progress(0.08, f"training {spec.name} on Dask")
    extmem_info = None
    if config.algorithm == "xgboost" and external:
        keys = _xgb_keys(task, classes)
        rounds = _Rounds(task, *keys, var_train, var_val, rec)
        spec_data = {"target": target, "features": features, "prep": prep, "names": names, "classes": classes,
                     "seed": config.seed, "test_size": config.test_size, "validation_size": config.validation_size,
                     "batch_bytes": int(memory.get("batch_bytes") or _extmem_batch_bytes(client))}
        client.subscribe_topic(topic, rounds.handler)
        try:
            extmem_info = _fit_watched(lambda: _fit_xgboost_extmem(client, parts, estimator, spec_data, keys, task,
                                                                   classes, config, topic, variable, ctx),
                                       client, rounds, variable, ctx.sub(0.08, 0.85))
        finally:
            client.unsubscribe_topic(topic)
        model = extmem_info.pop("model")
        fed = {k: sum(w["rows"][k] for w in extmem_info["workers"]) for k in ("train", "validation")}
        if fed != {k: n_rows[k] for k in fed}:
            ctx.log(f"warning: the workers read {fed} rows, the split counted "
                    f"{ {k: n_rows[k] for k in fed} }")
    elif config.algorithm == "xgboost":
        keys = _xgb_keys(task, classes)
        rounds = _Rounds(task, *keys, var_train, var_val, rec)
        client.subscribe_topic(topic, rounds.handler)
        try:
            model = _fit_watched(lambda: _fit_xgboost(client, estimator, X_train, y_train, X_val, y_val, keys, config,
                                                      topic, variable),
                                 client, rounds, variable, ctx.sub(0.08, 0.85))
        finally:
            client.unsubscribe_topic(topic)
    else:
        keys = _lgb_keys(task, classes)
        rounds = _Rounds(task, *keys, var_train, var_val, rec)
        client.subscribe_topic(topic, rounds.handler)
        try:
            model = _fit_watched(lambda: _fit_lightgbm(client, estimator, X_train, y_train, X_val, y_val, config,
                                                       recipe, topic, variable),
                                 client, rounds, variable, ctx.sub(0.08, 0.85))
        finally:
            client.unsubscribe_topic(topic)
    fit_seconds = time.perf_counter() - t_fit
    best_iteration = _best_iteration(model, rec)  # before _adopt trims a local booster to its best round
    estimator = _adopt(estimator, model, classes)

    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("prep", prep), ("model", estimator)])
    ctx.progress(0.88, "evaluating on samples of the validation and test rows")
    evaluation = {}
    for name, code in (("validation", 1), ("test", 2)):
        rows_of = sample[sample[_SPLIT_COLUMN] == code]
        evaluation.update(_evaluate_splits(pipeline, task, {name: (rows_of[features], rows_of[target])}, config.seed))
    best = rec.best_record
    summary = {
        "best_iteration": best_iteration, "n_iterations": rec.history[-1]["iteration"] if rec.history else 0,
        "stopped_early": bool(rec.history) and rec.history[-1]["iteration"] < n_rounds,
        "fit_seconds": fit_seconds, "loss_name": loss_name, "metric_name": metric_name, "cancelled": False,
        "mode": "iterations", "best_val_loss": None if best is None else best["val_loss"],
        "best_val_metric": None if best is None else best["val_metric"],
        "train_rows": n_rows["train"], "validation_rows": n_rows["validation"],
        "task_type": task, "algorithm": spec.name, "preparation_seconds": round(prep_seconds, 4),
        "features_in": len(features), "features_out": len(names), "rows": n_rows,
        "removed_outlier_rows": 0, "dropped_missing_target_rows": int(missing_target), "class_weight": None,
        "feature_names_out": names[:500],
        "refit": {"scheme": "none: trained on the training rows only (Dask)", "rows": n_rows["train"]},
        "dask": {"workers": len(client.scheduler_info()["workers"]), "partitions": int(ddf.npartitions),
                 "split": "seeded hash of each row's values", "preparation_fitted_on_rows": int(len(X_sample)),
                 "external_memory": extmem_info is not None,
                 **({"external_memory_workers": extmem_info["workers"]} if extmem_info else {}),
                 "evaluated_on_sample_rows": {k: v.get("n_rows") for k, v in evaluation.items()}},
    }
    ctx.progress(1.0, "done")
    return TrainOutcome(
        pipeline=pipeline, task=task, history=_jsonable(rec.history), summary=_jsonable(summary),
        evaluation=_jsonable(evaluation), split={}, feature_names_in=[str(c) for c in features],
        classes=[c.item() if isinstance(c, np.generic) else c for c in classes] if classes is not None else None,
        selected_features=_jsonable(selected_features(prep)), input_schema=build_schema(X_sample, target).to_dict(),
    )


def _inner(estimator: Any) -> Any:
    return getattr(estimator, "estimator", None) or estimator


def _local_estimator(spec: Any, params: dict[str, Any], seed: int) -> Any:
    return spec.build(params, seed=seed, n_jobs=1)


def _xgb_keys(task: str, classes: np.ndarray | None) -> tuple[str, str | None]:
    if task != "classification":
        return "rmse", None
    return ("logloss", "error") if len(classes) == 2 else ("mlogloss", "merror")


def _lgb_keys(task: str, classes: np.ndarray | None) -> tuple[str, str | None]:
    if task != "classification":
        return "rmse", None
    return ("binary_logloss", "binary_error") if len(classes) == 2 else ("multi_logloss", "multi_error")


def _fit_xgboost(client: Any, estimator: Any, X: Any, y: Any, Xv: Any, yv: Any, keys: tuple[str, str | None],
                 config: TrainConfig, topic: str, variable: str) -> Any:
    import xgboost as xgb
    import xgboost.dask  # noqa: F401  (a submodule: imported on demand)

    inner = _inner(estimator)
    params = {k: v for k, v in inner.get_params().items() if k not in ("n_jobs", "callbacks", "eval_metric", "early_stopping_rounds")}
    dask_cls = xgb.dask.DaskXGBClassifier if isinstance(inner, xgb.XGBClassifier) else xgb.dask.DaskXGBRegressor
    model = dask_cls(**params, eval_metric=[k for k in keys if k], callbacks=[_xgb_reporter(topic, variable)],
                     early_stopping_rounds=int(config.early_stopping_patience) if config.early_stopping else None)
    model.client = client
    model.fit(X, y, eval_set=[(X, y), (Xv, yv)], verbose=False)
    return model


def _extmem_batch_bytes(client: Any) -> int:
    """A batch of about 1/16 of the smallest worker's memory limit, at most DEFAULT_BATCH_BYTES."""
    from mlcore.training._dask_extmem import DEFAULT_BATCH_BYTES, all_workers

    limits = [int(w.get("memory_limit") or 0) for w in all_workers(client).values()]
    limits = [v for v in limits if v]
    return int(min([DEFAULT_BATCH_BYTES] + [v // 16 for v in limits]))


def _fit_xgboost_extmem(client: Any, parts: list[Path], estimator: Any, spec_data: dict[str, Any],
                        keys: tuple[str, str | None], task: str, classes: np.ndarray | None, config: TrainConfig,
                        topic: str, variable: str, ctx: JobContext) -> dict[str, Any]:
    from mlcore.training._dask_extmem import fit_xgboost_extmem

    inner = _inner(estimator)
    params = {k: v for k, v in inner.get_xgb_params().items() if v is not None and k not in ("n_jobs", "verbosity")}
    if "random_state" in params:
        params["seed"] = params.pop("random_state")
    if task == "classification" and len(classes) > 2:
        params.update(objective="multi:softprob", num_class=int(len(classes)))
    params["eval_metric"] = [k for k in keys if k]
    params.setdefault("tree_method", "hist")
    rounds = int(inner.get_params()["n_estimators"] or 100)
    patience = int(config.early_stopping_patience) if config.early_stopping else None
    out = fit_xgboost_extmem(client, parts, spec_data, params, rounds, patience, [_xgb_reporter(topic, variable)],
                             variable, log=ctx.log)
    local = type(inner)()
    local.load_model(bytearray(out["booster"]))
    out["model"] = local
    for w in out["workers"]:
        ctx.log(f"worker {w['worker']}: {w['rows']['train']:,} training and {w['rows']['validation']:,} validation "
                f"rows; local cache (prepared rows + XGBoost pages) {w['cache_bytes'] / 2**20:.0f} MiB built in {w['cache_seconds']:.1f} s")
    return out


def _fit_lightgbm(client: Any, estimator: Any, X: Any, y: Any, Xv: Any, yv: Any, config: TrainConfig,
                  recipe: "PrepRecipe", topic: str, variable: str) -> Any:
    import lightgbm as lgb

    params = {k: v for k, v in estimator.get_params().items() if k not in ("n_jobs",)}
    if recipe.class_weight == "balanced":
        params["class_weight"] = "balanced"
    dask_cls = lgb.DaskLGBMClassifier if isinstance(estimator, lgb.LGBMClassifier) else lgb.DaskLGBMRegressor
    model = dask_cls(**params, client=client)
    metric = ["error"] if dask_cls is lgb.DaskLGBMClassifier else ["rmse"]
    import warnings

    with warnings.catch_warnings():  # lightgbm.dask has no eval_X for classifiers' labels; n_jobs is per worker
        warnings.filterwarnings("ignore", message=".*eval_set.*deprecated.*")
        warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")
        model.fit(X, y, eval_set=[(X, y), (Xv, yv)], eval_names=["train", "validation"], eval_metric=metric,
                  callbacks=[_lgb_reporter(topic, variable)])
    return model


def _adopt(estimator: Any, model: Any, classes: np.ndarray | None) -> Any:
    """The fitted Dask model as the catalog's own local estimator (same class as in-memory training)."""
    import tempfile

    import lightgbm as lgb

    if isinstance(model, (lgb.DaskLGBMClassifier, lgb.DaskLGBMRegressor)):
        local = model.to_local()
        local.set_params(n_jobs=1)
        # the pipeline's preparation hands numpy arrays to the model, as after in-memory training
        local._fitted_with_feature_names = False
        if classes is not None:
            from mlcore.models._wrappers import LabelEncodedClassifier

            return LabelEncodedClassifier(local).adopt(local, classes)
        return local
    import xgboost as xgb

    inner = _inner(estimator)
    if isinstance(model, (xgb.XGBClassifier, xgb.XGBRegressor)) and not hasattr(model, "client"):
        local = model  # the external-memory path's booster, already local
    else:
        with tempfile.TemporaryDirectory() as tmp:
            model.save_model(Path(tmp) / "model.json")
            local = type(inner)()
            local.load_model(Path(tmp) / "model.json")
    local.set_params(n_jobs=1)
    best = getattr(local, "best_iteration", None)
    if best is not None and best + 1 < local.get_booster().num_boosted_rounds():
        local._Booster = local.get_booster()[: best + 1]  # export and importances see the model that predicts
    if classes is not None:
        return estimator.adopt(local, classes)
    return local


def _best_iteration(model: Any, rec: Recorder) -> int | None:
    best = getattr(model, "best_iteration", None)
    if best is not None:
        return int(best) + 1
    return rec.history[-1]["iteration"] if rec.history else None


__all__ = ["train_pipeline_dask", "check_dask_request", "dask_client", "dask_split_codes", "choose_memory_path",
           "DASK_ALGORITHMS"]
