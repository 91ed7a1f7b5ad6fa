"""The prediction hot path: loaded models cached per version, resolved per name and A/B test,
refreshed when the registry changes (here or in another process).

A version's artifact never changes once deployed, so its loaded pipeline (sha256 verified by
``Workspace.load_model``) is kept; what moves is which version a name or an A/B test points at,
and a version's threshold. Those lookups are cached too and dropped together, in one assignment,
when the registry's change stamp moves — checked at most every ``check_interval`` seconds.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from mlcore.errors import ConfigError, ConflictError, DataValidationError

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.registry import ABTestInfo, ModelVersionInfo

log = logging.getLogger(__name__)

__all__ = ["ModelServer", "LoadedModel", "LogWriter", "Batcher"]

SMALL_BATCH = 512  # rows up to which a model predicts on one thread (no thread-pool start-up per call)


@dataclass(frozen=True)
class LoadedModel:
    info: "ModelVersionInfo"
    pipeline: Any
    schema: Any  # InputSchema | None
    checker: Any = None  # RowChecker | None: the fast path of the schema check
    small: Any = None  # the pipeline for small batches: its final estimator on one thread
    compiled: Any = None  # CompiledPreparation | None: the pipeline's preparation, proved equal, without pandas

    @property
    def classes(self) -> list[Any] | None:
        classes = getattr(self.pipeline, "classes_", None)
        return None if classes is None else [_plain(c) for c in classes]

    def pipeline_for(self, rows: int) -> Any:
        return self.small if self.small is not None and rows <= SMALL_BATCH else self.pipeline

    def predict_checked(self, checked: dict[str, Any], rows: int) -> tuple[list[Any], Any, float]:
        """(predictions, probabilities or None, ms per row) of rows that passed the fast schema check."""
        from mlcore.deployment import predict_frame, predict_prepared

        t0 = time.perf_counter()
        X = self.compiled.prepare_columns(checked) if self.compiled is not None else None
        if X is not None:
            predictions, proba = predict_prepared(self.pipeline_for(rows), X, threshold=self.info.threshold)
            if proba is not None:
                proba = np.ascontiguousarray(proba, dtype=float)
        else:
            out = predict_frame(self.pipeline_for(rows), self.checker.build(checked), threshold=self.info.threshold)
            predictions = out["prediction"].tolist()
            proba_cols = [c for c in out.columns if c.startswith("proba_")]
            proba = np.ascontiguousarray(out[proba_cols].to_numpy(dtype=float)) if proba_cols else None
        return predictions, proba, (time.perf_counter() - t0) * 1000 / rows


def one_thread_copy(pipeline: Any) -> Any:
    """``pipeline`` whose final estimator predicts on one thread (a copy; the cached model is untouched).

    For a few rows, starting a thread team (LightGBM's OpenMP, joblib) costs more than the prediction,
    and on a busy machine a team of two waits for both cores. Only the estimator object is copied
    (shallowly): the fitted trees are shared.
    """
    steps = getattr(pipeline, "steps", None)
    final = steps[-1][1] if steps else pipeline
    if not hasattr(final, "n_jobs") or final.n_jobs == 1:
        return None
    if type(final).__module__.startswith("xgboost"):
        return None  # n_jobs lives in the booster, shared by a shallow copy
    single = copy.copy(final)
    single.n_jobs = 1
    if not steps:
        return single
    out = copy.copy(pipeline)
    out.steps = [*steps[:-1], (steps[-1][0], single)]
    return out


def to_frame(features: Any) -> "pd.DataFrame":
    """A request's ``features`` — one row {column: value}, a list of rows, or {column: [values]} — as a frame."""
    import pandas as pd

    if isinstance(features, pd.DataFrame):
        return features
    if isinstance(features, dict):
        if features and all(isinstance(v, list) for v in features.values()):
            lengths = {len(v) for v in features.values()}
            if len(lengths) != 1:
                raise DataValidationError(f"Columnar features need lists of one length; got lengths {sorted(lengths)}.")
            return pd.DataFrame(features)
        if any(isinstance(v, list) for v in features.values()):
            raise DataValidationError("features mixes single values and lists; send one row {column: value}, "
                                      "a list of rows, or {column: [values]}.")
        return pd.DataFrame([features])
    return pd.DataFrame.from_records(list(features))


@dataclass
class _Lookups:
    """Everything that a promote, rollback, threshold or A/B change can invalidate."""

    stamp: Any
    keys: dict[str, "ModelVersionInfo"]  # "id" | "name@production" | prefix -> version metadata
    ab_tests: dict[str, "ABTestInfo"]


def _user_key(value: Any) -> str | None:
    """A user id as the CLI logs and matches it: missing -> None, 5.0 -> "5", text stripped."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    text = str(value).strip()
    return text or None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


class LogWriter:
    """Writes prediction log rows from a background thread, in order, in transactions of ``chunk_rows``.

    A plain prediction's answer does not wait for its log rows (a commit per request would cost more
    than the prediction). The writer also keeps out of the way of requests: while ``busy()`` says one is
    being handled it waits, because storing 10,000 log rows costs ~45 ms of CPU and, on a machine whose
    cores all run a batch's prediction threads, slows that prediction by more than its own cost. Rows
    reach MLPredictionLog within ``interval`` seconds of a quiet moment, and within ``max_delay`` seconds
    (or once ``max_batch`` rows wait) however busy the server is; a quiet moment cut short by a new request
    costs it at most one chunk.
    """

    def __init__(self, db: Any, interval: float = 0.2, max_batch: int = 50_000, *, busy: Any = None,
                 max_delay: float = 2.0, chunk_rows: int = 2000) -> None:
        self._db = db
        self._interval = interval
        self._max_batch = max_batch
        self._busy = busy  # () -> bool: a request is being handled now
        self._max_delay = max_delay
        self._chunk_rows = chunk_rows
        self._pending: list[tuple[dict[str, Any], list[Any], list[Any]]] = []
        self._queued = 0
        self._oldest = 0.0  # when the oldest queued row was added (monotonic)
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one writer at a time: rows reach the table in queue order
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.written = 0
        self.deferred = 0  # times the writer waited for a request to finish

    def add(self, common: dict[str, Any], predictions: list[Any], user_ids: list[Any]) -> None:
        """Queue one row per prediction (``common`` holds the shared columns); rows are built in the writer."""
        with self._lock:
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.append((common, predictions, user_ids))
            self._queued += len(predictions)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mlcore-predlog", daemon=True)
                self._thread.start()
            if self._queued >= self._max_batch:
                self._wake.set()

    def _take(self, rows: int | None) -> list[tuple[dict[str, Any], list[Any], list[Any]]]:
        """Up to ``rows`` queued rows (all with None) off the front of the queue, a batch split if need be."""
        with self._lock:
            if rows is None or self._queued <= rows:
                taken, self._pending, self._queued = self._pending, [], 0
                return taken
            taken, left = [], rows
            while left:
                common, preds, users = self._pending[0]
                if len(preds) <= left:
                    taken.append(self._pending.pop(0))
                    left -= len(preds)
                else:
                    taken.append((common, preds[:left], users[:left]))
                    self._pending[0] = (common, preds[left:], users[left:])
                    left = 0
            self._queued -= rows
            return taken

    def _write(self, batches: list[tuple[dict[str, Any], list[Any], list[Any]]]) -> int:
        from mlcore.registry import append_prediction_log_batches

        rows = sum(len(preds) for _, preds, _ in batches)
        if rows:
            try:
                append_prediction_log_batches(self._db, batches)
                self.written += rows
            except Exception:  # noqa: BLE001 - a lost log batch must not stop serving
                log.exception("could not write %d prediction log rows", rows)
        return rows

    def flush(self) -> int:
        """Write everything queued now, busy or not (close and tests call it); returns rows written."""
        with self._flush_lock:
            return self._write(self._take(None))

    def _overdue(self) -> bool:
        with self._lock:
            return bool(self._pending) and (self._queued >= self._max_batch
                                            or time.monotonic() - self._oldest >= self._max_delay)

    def _write_when_quiet(self) -> None:
        """Write the queue a chunk at a time, waiting while a request is handled (unless rows are overdue)."""
        while not self._stop and self._queued:
            if self._busy is not None and self._busy() and not self._overdue():
                self.deferred += 1
                self._wake.wait(0.005)
                self._wake.clear()
                continue
            with self._flush_lock:
                self._write(self._take(self._chunk_rows))

    def _run(self) -> None:
        from mlcore.server.jobs import lower_thread_priority

        lower_thread_priority(5)  # and below the requests when it must write while they run
        while not self._stop:
            self._wake.wait(self._interval)
            self._wake.clear()
            self._write_when_quiet()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5.0)
        self.flush()


@dataclass
class _Item:
    model: LoadedModel
    checked: dict[str, list[Any]]
    rows: int
    future: Future


class Batcher:
    """Predicts the checked rows of concurrent requests together, on one thread.

    Nothing waits for a batch to fill: while one prediction runs, the requests that arrive queue up,
    and the next round predicts all of them (per model and threshold) in one call. One client sees
    one request per round; eight concurrent clients share the fixed cost of a call (the pipeline's
    per-call checks and set-up are most of a one-row prediction).
    """

    def __init__(self, max_rows: int = SMALL_BATCH) -> None:
        self._max_rows = max_rows
        self._queue: list[_Item] = []
        self._cond = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None
        self.rounds = 0
        self.predicted = 0

    def submit(self, model: LoadedModel, checked: dict[str, list[Any]], rows: int) -> Future:
        item = _Item(model, checked, rows, Future())
        with self._cond:
            if self._stop:
                raise ConflictError("The server is shutting down.")
            self._queue.append(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="mlcore-batcher", daemon=True)
                self._thread.start()
            self._cond.notify()
        return item.future

    def _take(self) -> list[_Item] | None:
        with self._cond:
            while not self._queue and not self._stop:
                self._cond.wait()
            if not self._queue:
                return None
            taken, rows = [], 0
            while self._queue and (not taken or rows + self._queue[0].rows <= self._max_rows):
                item = self._queue.pop(0)
                taken.append(item)
                rows += item.rows
            return taken

    def _run(self) -> None:
        while (items := self._take()) is not None:
            groups: dict[tuple[str, Any], list[_Item]] = {}
            for item in items:
                if not item.future.set_running_or_notify_cancel():
                    continue
                groups.setdefault((item.model.info.id, item.model.info.threshold), []).append(item)
            self.rounds += 1  # counted before any answer goes out: a caller that has its answer sees it
            for group in groups.values():
                if not self._predict(group):
                    for item in group:  # retried one by one: one request's failure stays its own
                        self._predict([item])

    def _predict(self, group: list[_Item]) -> bool:
        model = group[0].model
        try:
            checked = model.checker.join([item.checked for item in group])
            predictions, proba, per_row = model.predict_checked(checked, sum(item.rows for item in group))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
            if len(group) > 1:
                return False
            group[0].future.set_exception(exc)
            return True
        self.predicted += sum(item.rows for item in group)  # before the answers, as the rounds
        start = 0
        for item in group:
            end = start + item.rows
            item.future.set_result((predictions[start:end], None if proba is None else proba[start:end], per_row))
            start = end
        return True

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(5.0)


class ModelServer:
    """Predicts with cached models of one workspace; thread-safe."""

    def __init__(self, workspace: Any, *, check_interval: float = 0.5, max_loaded: int = 16,
                 max_rows: int = 100_000, after_load: Any = None, busy: Any = None) -> None:
        self._ws = workspace
        self._after_load = after_load  # called once a version is loaded (the server freezes the GC there)
        self._check_interval = check_interval
        self._max_loaded = max_loaded
        self.max_rows = max_rows
        self._pipelines: OrderedDict[str, tuple[Any, ...]] = OrderedDict()  # id -> LoadedModel fields
        self._load_lock = threading.Lock()
        self._check_lock = threading.Lock()
        self._lookups = _Lookups(None, {}, {})
        self._checked_at = 0.0
        self.log_writer = LogWriter(workspace.db, busy=busy)  # busy: () -> a request is being handled
        self.batcher = Batcher()
        self._poller: threading.Thread | None = None
        self._closed = threading.Event()

    def close(self) -> None:
        self._closed.set()
        self.batcher.close()
        self.log_writer.close()
        if self._poller is not None:
            self._poller.join(5.0)

    def _start_poller(self) -> None:
        """A thread that looks at the registry's change stamp every ``check_interval`` seconds, so the
        hot path itself never queries the database."""
        try:  # the stamp is read here first: the poller's first look must not drop lookups made meanwhile
            self._fresh()
        except Exception:  # noqa: BLE001 - the poller retries; the request takes the full path
            log.exception("could not read the registry's change stamp")
        with self._check_lock:
            if self._poller is not None or self._closed.is_set():
                return
            self._poller = threading.Thread(target=self._poll, name="mlcore-registry-poll", daemon=True)
            self._poller.start()

    def _poll(self) -> None:
        while not self._closed.wait(self._check_interval / 2):
            try:
                self._fresh()
            except Exception:  # noqa: BLE001 - a failed look is retried; requests keep the last lookups
                log.exception("could not read the registry's change stamp")

    # -- freshness --------------------------------------------------------------------
    def _fresh(self) -> _Lookups:
        """The current lookups; re-read the change stamp when ``check_interval`` has passed."""
        now = time.monotonic()
        if now - self._checked_at < self._check_interval:
            return self._lookups
        if not self._check_lock.acquire(blocking=False):
            return self._lookups  # another thread is checking right now
        try:
            from mlcore.registry import change_stamp

            stamp = change_stamp(self._ws.db)
            if stamp != self._lookups.stamp:
                self._lookups = _Lookups(stamp, {}, {})  # one assignment: readers see old or new, never half
            self._checked_at = time.monotonic()
        finally:
            self._check_lock.release()
        return self._lookups

    def invalidate(self) -> None:
        """Forget which version a name or test points at (after a promote or rollback here)."""
        self._lookups = _Lookups(None, {}, {})
        self._checked_at = 0.0

    # -- resolving --------------------------------------------------------------------
    def _version(self, key: str, lookups: _Lookups) -> "ModelVersionInfo":
        info = lookups.keys.get(key)
        if info is None:
            info = self._ws.get_model(key)
            lookups.keys[key] = info
        return info

    def _production(self, name: str, lookups: _Lookups) -> "ModelVersionInfo":
        key = f"{name}\0production"
        info = lookups.keys.get(key)
        if info is None:
            info = self._ws.production_model(name)
            lookups.keys[key] = info
        return info

    def _ab_test(self, name: str, lookups: _Lookups) -> "ABTestInfo":
        test = lookups.ab_tests.get(name)
        if test is None:
            test = self._ws.get_ab_test(name)
            lookups.ab_tests[name] = test
        return test

    def load(self, info: "ModelVersionInfo") -> LoadedModel:
        """The loaded pipeline of a version: read and checksum-verified once, then kept."""
        cached = self._pipelines.get(info.id)
        if cached is None:
            with self._load_lock:
                cached = self._pipelines.get(info.id)
                if cached is None:
                    from mlcore.deployment import InputSchema, compile_preparation, direct_estimator_copy
                    from mlcore.server.rowcheck import RowChecker

                    pipeline, _ = self._ws.load_model(info.id)
                    schema = InputSchema.from_dict(info.input_schema) if info.input_schema else None
                    checker = RowChecker(schema) if schema is not None else None
                    compiled = compile_preparation(pipeline, schema,
                                                   checker.checked_frame if checker and checker.usable else None)
                    small = one_thread_copy(pipeline)
                    if compiled is not None:  # small batches only: on 10,000 rows the wrapper's cost is nothing
                        small = direct_estimator_copy(small or pipeline, compiled.probe) or small
                    cached = (pipeline, schema, checker, small, compiled)
                    self._pipelines[info.id] = cached
                    while len(self._pipelines) > self._max_loaded:
                        self._pipelines.popitem(last=False)
                    if self._after_load is not None:
                        self._after_load()
        return LoadedModel(info, *cached)

    def resolve(self, model_id: str | None = None, model_name: str | None = None,
                ab_test_name: str | None = None, user_id: Any = None) -> tuple[LoadedModel, "ABTestInfo | None", str | None]:
        """(model, A/B test or None, arm or None) for a request."""
        lookups = self._fresh()
        test, arm = None, None
        if ab_test_name:
            from mlcore.deployment import assign_arm

            test = self._ab_test(ab_test_name, lookups)
            if test.status != "running":
                raise ConflictError(f"A/B test {test.name!r} is stopped; predict with a model instead.")
            arm = assign_arm(test.salt, _user_key(user_id), test.split_ratio)
            info = self._version(test.model_a_id if arm == "A" else test.model_b_id, lookups)
        elif model_id:
            info = self._version(model_id, lookups)
        elif model_name:
            info = self._production(model_name, lookups)
        else:
            raise ConfigError("Say which model predicts: model_id, model_name (its production version) "
                              "or ab_test_name.")
        return self.load(info), test, arm

    # -- predicting -------------------------------------------------------------------
    def predict_frame(self, model: LoadedModel, frame: "pd.DataFrame", source: str = "request",
                      checked: bool = False) -> tuple["pd.DataFrame", list[str], float]:
        """(prediction frame, schema warnings, milliseconds per row) — schema-checked like file prediction
        (``checked``: the frame already passed the one-row fast path)."""
        from mlcore.deployment import predict_frame
        from mlcore.deployment import check_frame

        self.check_rows(len(frame))
        warnings: list[str] = []
        prepare = model.compiled.prepare_frame if model.compiled is not None else None
        # rows of the trained types, none missing or unseen (the common uploaded file): check_frame would
        # return them unchanged, and the compiled preparation takes their columns as the JSON fast path does
        fast = (model.checker.checked_frame(frame) if model.compiled is not None and model.checker is not None
                and not checked else None)
        if fast is not None:
            def prepare(chunk: "pd.DataFrame") -> Any:
                columns = fast if len(chunk) == len(frame) else model.checker.checked_frame(chunk)
                X = model.compiled.prepare_columns(columns)
                if X is None:  # the compiled steps decline (missing values after them): the pipeline's own steps
                    prep = model.pipeline_for(len(frame))[:-1]  # as predict_frame splits it
                    X = prep.transform(model.checker.build(columns))  # on check_frame's frame of the rows
                return X
        elif model.schema is not None and not checked:
            result = check_frame(frame, model.schema, source=source)
            frame, warnings = result.frame, list(result.warnings)
        t0 = time.perf_counter()
        out = predict_frame(model.pipeline_for(len(frame)), frame, threshold=model.info.threshold, prepare=prepare)
        per_row = (time.perf_counter() - t0) * 1000 / len(frame)
        return out, warnings, per_row

    def check_rows(self, rows: int) -> None:
        """Refuse no rows, or more than this server's ``max_rows``, with the one message for both paths."""
        if rows > self.max_rows:
            raise DataValidationError(f"{rows} rows in one call; this server accepts at most "
                                      f"{self.max_rows} (split the rows, or start it with a larger --max-rows).")
        if rows == 0:
            raise DataValidationError("No rows to predict.")

    def log(self, model: LoadedModel, out: "pd.DataFrame", test: "ABTestInfo | None", arm: str | None,
            user_ids: list[Any], latency_ms: float, wait: bool = True) -> list[int] | None:
        """One MLPredictionLog row per prediction: written now (ids returned) or queued (``wait=False``)."""
        from mlcore.registry import utcnow
        from mlcore.registry import insert_prediction_logs

        preds = out["prediction"].tolist()  # Python scalars already (bool, int, float, str)
        common = {"model_version_id": model.info.id, "ab_test_id": test.id if test else None, "arm": arm,
                  "latency_ms": latency_ms, "created_at": utcnow()}
        first = user_ids[0] if user_ids else None
        if user_ids.count(first) == len(user_ids):  # one user for every row (a JSON request): convert once
            keys = [_user_key(first)] * len(preds)
        else:
            keys = [_user_key(u) for u in user_ids]
        if not wait:
            self.log_writer.add(common, preds, keys)
            return None
        rows = [dict(common, prediction=p, user_id=u) for p, u in zip(preds, keys)]
        return insert_prediction_logs(self._ws.db, rows)

    def checked_columns(self, model: LoadedModel, features: Any) -> dict[str, list[Any]] | None:
        """``features`` (one row, rows or columns, as JSON holds them) through the fast schema check, or None."""
        checker = model.checker
        if checker is None or not checker.usable:
            return None
        if type(features) is list:
            return checker.columns_of_records(features)
        if type(features) is dict and features:
            if type(next(iter(features.values()))) is list:
                return checker.columns_of_columns(features)
            return checker.columns_of_records([features])
        return None

    def predict(self, features: Any, *, model_id: str | None = None, model_name: str | None = None,
                ab_test_name: str | None = None, user_id: Any = None,
                check: Any = None) -> dict[str, Any]:
        """The seed's /models/predict answer for ``features`` (see :func:`to_frame`, or a DataFrame).

        ``check``: called with ``features`` before the full schema check when the fast check declines them
        (rows it accepts hold only JSON scalars of the trained types, so it need not look again)."""
        model, test, arm = self.resolve(model_id, model_name, ab_test_name, user_id)
        checked = self.checked_columns(model, features)
        if checked is not None:
            rows = len(next(iter(checked.values())))
            self.check_rows(rows)
            predictions, proba, per_row = model.predict_checked(checked, rows)
            return self.answer(model, test, arm, predictions, proba, per_row, user_id, [])
        if check is not None:
            check(features)
        out, warnings, per_row = self.predict_frame(model, to_frame(features))
        proba_cols = [c for c in out.columns if c.startswith("proba_")]
        proba = np.ascontiguousarray(out[proba_cols].to_numpy(dtype=float)) if proba_cols else None
        return self.answer(model, test, arm, out["prediction"].tolist(), proba, per_row, user_id, warnings)

    def answer(self, model: LoadedModel, test: "ABTestInfo | None", arm: str | None, predictions: list[Any],
               proba: Any, per_row: float, user_id: Any, warnings: list[str]) -> dict[str, Any]:
        """The answer of one request, its predictions logged (A/B ones now, with ids; others queued)."""
        from mlcore.registry import utcnow

        common = {"model_version_id": model.info.id, "ab_test_id": test.id if test else None, "arm": arm,
                  "latency_ms": per_row, "created_at": utcnow()}
        keys = [_user_key(user_id)] * len(predictions)
        ids = None
        if test is not None:  # an A/B prediction's ids come back at once (outcomes are matched to them)
            from mlcore.registry import insert_prediction_logs

            ids = insert_prediction_logs(self._ws.db, [dict(common, prediction=p, user_id=u)
                                                       for p, u in zip(predictions, keys)])
        else:
            self.log_writer.add(common, predictions, keys)
        info = model.info
        return {
            "status": "success", "model_id": info.id, "model_name": info.name, "version": info.version,
            "arm": arm, "ab_test_name": test.name if test else None,
            "prediction": predictions,
            "prediction_proba": proba,  # a float array: the response encoder writes it (NaN as null)
            "classes": model.classes if proba is not None else None,
            "prediction_ids": ids, "warnings": warnings,
        }

    # -- the hot path: no database, no file, no waiting for a lock -----------------------------------
    def cached(self, model_id: str | None, model_name: str | None) -> LoadedModel | None:
        """The loaded model of a request when every lookup is cached and fresh, else None (take :meth:`predict`)."""
        if self._poller is None:
            self._start_poller()
        lookups = self._lookups  # kept fresh by the poller thread
        if model_id:
            info = lookups.keys.get(model_id)
        elif model_name:
            info = lookups.keys.get(f"{model_name}\0production")
        else:
            return None
        if info is None:
            return None
        fields = self._pipelines.get(info.id)
        return None if fields is None else LoadedModel(info, *fields)

    def submit(self, model: LoadedModel, checked: dict[str, list[Any]], rows: int) -> "Future":
        """Queue checked rows for the batcher; the future's result is (predictions, proba or None, ms per row)."""
        self.check_rows(rows)
        return self.batcher.submit(model, checked, rows)

    def predict_table(self, frame: "pd.DataFrame", *, model_id: str | None = None, model_name: str | None = None,
                      ab_test_name: str | None = None, user_column: str | None = None,
                      source: str = "upload") -> tuple["pd.DataFrame", dict[str, Any]]:
        """Input columns plus prediction (and proba_*, and arm for an A/B test) for every row of a table."""
        import numpy as np
        import pandas as pd

        if user_column and user_column not in frame.columns:
            raise DataValidationError(f"{source}: no user-id column {user_column!r}; columns are "
                                      f"{list(map(str, frame.columns))}.")
        if not ab_test_name:
            model, _, _ = self.resolve(model_id, model_name)
            preds, warnings, per_row = self.predict_frame(model, frame, source)
            # like Workspace.predict_file: a plain file prediction is not logged row by row (A/B rows are)
            out = pd.concat([frame.reset_index(drop=True), preds.reset_index(drop=True)], axis=1)
            return out, {"model_id": model.info.id, "model_name": model.info.name, "version": model.info.version,
                         "rows": len(out), "warnings": warnings}
        if len(frame) > self.max_rows:
            raise DataValidationError(f"{len(frame)} rows in one call; this server accepts at most {self.max_rows}.")
        users = list(frame[user_column]) if user_column else [None] * len(frame)
        arms = np.array([self.resolve(ab_test_name=ab_test_name, user_id=u)[2] for u in users], dtype=object)
        parts, warnings, logs = [], [], []
        for arm in ("A", "B"):
            mask = arms == arm
            if not mask.any():
                continue
            first = int(np.flatnonzero(mask)[0])
            model, test, _ = self.resolve(ab_test_name=ab_test_name, user_id=users[first])
            preds, w, per_row = self.predict_frame(model, frame[mask], source)
            preds["arm"] = arm
            preds["model_version"] = f"{model.info.name}:{model.info.version}"
            parts.append(preds)
            warnings += w
            logs.append((model, preds, test, arm, [users[i] for i in np.flatnonzero(mask)], per_row))
        preds = pd.concat(parts).loc[frame.index]
        for args in logs:  # logged once every row was predicted
            self.log(*args)
        out = pd.concat([frame.reset_index(drop=True), preds.reset_index(drop=True)], axis=1)
        return out, {"ab_test_name": ab_test_name, "rows": len(out), "warnings": sorted(set(warnings)),
                     "arms": {a: int((arms == a).sum()) for a in ("A", "B")}}
