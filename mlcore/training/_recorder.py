"""Per-iteration bookkeeping for monitored fits, and the worker thread that keeps cancel fast.

The fit runs in a worker thread; its callbacks only append records (cheap) and read a stop
flag. The calling thread waits on the worker, forwards records to the JobContext (so the
context is only ever called from the job's own thread) and polls ``ctx.check_cancelled()``
every 50 ms. On cancel it sets the stop flag, gives the worker a short grace period to stop
cooperatively (callbacks raise/return at the next iteration) and then raises ``JobCancelled``
whether or not the worker has finished. A fit that never calls back (an SVM's single libsvm
call) is thereby *abandoned*: it keeps one core busy in a daemon thread until it ends on its
own, and its result is dropped. That is the trade-off for a bounded cancel latency without
killing threads (Python cannot) or paying a subprocess start and data copy per fit.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from typing import Any, Callable, TypeVar

from mlcore.errors import JobCancelled
from mlcore.jobs import JobContext

T = TypeVar("T")

POLL_SECONDS = 0.05
GRACE_SECONDS = 0.3


class Recorder:
    """History, early-stopping state and the stop flag shared by a fit and its caller."""

    def __init__(self, loss_name: str, metric_name: str, total: int, *, early_stopping: bool = False,
                 patience: int = 10, unit: str = "iteration", ctx: JobContext | None = None) -> None:
        self.loss_name = loss_name
        self.metric_name = metric_name
        self.total = max(1, int(total))
        self.early_stopping = early_stopping
        self.patience = max(1, int(patience))
        self.unit = unit
        self.history: list[dict[str, Any]] = []
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.stop = threading.Event()
        self.best_index: int | None = None
        self._best_loss = math.inf
        self._since_best = 0
        self.stopped_early = False
        self.t0 = time.perf_counter()
        self._ctx = ctx

    @property
    def stop_requested(self) -> bool:
        return self.stop.is_set() or bool(self._ctx is not None and self._ctx.cancel_requested)

    def check(self) -> None:
        """Raise JobCancelled in the worker when the caller asked to stop."""
        if self.stop_requested:
            raise JobCancelled("cancelled by the user")

    def record(self, iteration: int, train_loss: float | None, val_loss: float | None,
               val_metric: float | None = None, train_metric: float | None = None, **extra: Any) -> bool:
        """Append one record; True when early stopping says stop. Raises JobCancelled on cancel."""
        rec = {
            "iteration": int(iteration),
            "train_loss": _num(train_loss),
            "val_loss": _num(val_loss),
            "train_metric": _num(train_metric),
            "val_metric": _num(val_metric),
            "metric_name": self.metric_name,
            "elapsed": time.perf_counter() - self.t0,
            **extra,
        }
        self.history.append(rec)
        self.outbox.put(rec)
        score = rec["val_loss"]
        if score is not None and math.isfinite(score):
            if score < self._best_loss - 1e-12:
                self._best_loss = score
                self.best_index = len(self.history) - 1
                self._since_best = 0
            else:
                self._since_best += 1
        self.check()
        if self.early_stopping and self._since_best >= self.patience:
            self.stopped_early = True
            return True
        return False

    @property
    def best_record(self) -> dict[str, Any] | None:
        return None if self.best_index is None else self.history[self.best_index]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def emit(ctx: JobContext, rec: dict[str, Any], recorder: Recorder) -> None:
    """Forward one record to the context: losses and metrics per split, then progress."""
    step = rec["iteration"]
    if rec["train_loss"] is not None:
        ctx.metric(step, recorder.loss_name, rec["train_loss"], "train")
    if rec["val_loss"] is not None:
        ctx.metric(step, recorder.loss_name, rec["val_loss"], "validation")
    if rec["train_metric"] is not None:
        ctx.metric(step, recorder.metric_name, rec["train_metric"], "train")
    if rec["val_metric"] is not None:
        ctx.metric(step, recorder.metric_name, rec["val_metric"], "validation")
    if recorder.unit == "learning_curve":
        n = len(recorder.history)
        msg = f"learning curve {min(n, recorder.total)}/{recorder.total} ({rec.get('train_size', 0)} rows)"
        ctx.progress(min(n, recorder.total) / recorder.total * 0.99, msg)
    else:
        ctx.progress(min(step, recorder.total) / recorder.total * 0.99, f"{recorder.unit} {step}/{recorder.total}")


def run_in_worker(fn: Callable[[], T], recorder: Recorder, ctx: JobContext) -> T:
    """Run ``fn`` in a daemon thread, forwarding records and polling cancellation (see module doc)."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            done.set()

    def drain() -> None:
        while True:
            try:
                rec = recorder.outbox.get_nowait()
            except queue.Empty:
                return
            emit(ctx, rec, recorder)

    worker = threading.Thread(target=work, name="mlcore-monitored-fit", daemon=True)
    worker.start()
    while True:
        finished = done.wait(POLL_SECONDS)
        drain()
        try:
            ctx.check_cancelled()
        except JobCancelled as exc:
            recorder.stop.set()
            done.wait(GRACE_SECONDS)
            drain()
            raise attach_partial(exc, recorder) from None
        if finished:
            break
    if "error" in box:
        error = box["error"]
        if isinstance(error, JobCancelled):
            raise attach_partial(error, recorder)
        raise error
    return box["value"]


def run_in_fresh_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a thread that ends with it; its value, or its error raised here.

    For OpenMP work (xgboost, lightgbm or HGB predictions) in a job's own thread before another
    fit: libgomp keeps a thread's idle OpenMP team for as long as the thread lives, and while it
    counts, every fit in another thread (``run_in_worker``) is throttled to sleep at each barrier
    (the refit after the validation rows were scored: HGB 2.4 -> 7.5 s, LightGBM 2.5 -> 4.2 s on
    2 cores). A thread that ends takes its team with it.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # raised in the caller below
            box["error"] = exc

    thread = threading.Thread(target=work, name="mlcore-openmp-once")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def attach_partial(exc: JobCancelled, recorder: Recorder) -> JobCancelled:
    """Put the history so far on the exception: ``exc.partial_history`` and ``exc.partial_summary``."""
    exc.partial_history = list(recorder.history)  # type: ignore[attr-defined]
    best = recorder.best_record
    exc.partial_summary = {  # type: ignore[attr-defined]
        "best_iteration": None if best is None else best["iteration"],
        "n_iterations": len(recorder.history),
        "stopped_early": False,
        "fit_seconds": time.perf_counter() - recorder.t0,
        "loss_name": recorder.loss_name,
        "metric_name": recorder.metric_name,
        "cancelled": True,
    }
    return exc
