"""Several processes on one Optuna study: the study's shared budget, its stop flag, a live trial feed,
and the worker processes a tune started.

Optuna couples workers only through the storage (Optuna's own distribution model), so everything
they share lives there as study user attributes, written once by the process that creates the
study before any worker starts: the whole study's trial cap (``trials_cap``: a trial numbered at or
past it is not run), its deadline (``deadline``, seconds since the epoch) and the tune job it belongs
to (``job_id``). ``no_new_trials`` is set when the tuning process's own search has ended (a trial
a worker starts after it is not run, so none can finish after the job read the study's last trials);
``workers_stop`` is set when the study must end (cancelled or finished); a worker
polls it at most once a second between folds, so a worker on another machine stops too.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlcore.jobs import JobContext, MetricEvent
from mlcore.tuning._cv import jsonable
from mlcore.tuning._metrics import is_better

CAP_KEY = "trials_cap"
DEADLINE_KEY = "deadline"
JOB_KEY = "job_id"
STOP_KEY = "workers_stop"
CLOSED_KEY = "no_new_trials"  # set by the tuning process once its own search ended: a worker's trial
# started after it is not run (one started before is waited for and counted)
WORKER_ATTR = "worker"
BEYOND_ATTR = "beyond_budget"  # a trial asked for after the cap was reached: never run, never reported
FINISHED = ("COMPLETE", "PRUNED", "FAIL")


def trial_record(frozen: Any, to_params: Callable[[dict[str, Any]], dict[str, Any]], best: float) -> dict[str, Any]:
    """One finished trial as a tune reports it (``best_so_far``: the best complete value so far, nan = none)."""
    state = frozen.state.name.lower()
    value = frozen.value
    if value is None and state == "pruned" and frozen.intermediate_values:  # its last running mean
        value = frozen.intermediate_values[max(frozen.intermediate_values)]
    attrs = frozen.user_attrs
    return {
        "number": frozen.number, "params": jsonable(to_params(attrs.get("search_params", {}))),
        "value": None if value is None or value != value else float(value), "state": state,
        "duration": frozen.duration.total_seconds() if frozen.duration else None,
        "fold_scores": attrs.get("fold_scores", []), "std": attrs.get("std"), "error": attrs.get("error"),
        "folds_scored": attrs.get("folds_scored"), "best_so_far": None if best != best else best,
        "worker": attrs.get(WORKER_ATTR),
    }


class StudyStopContext(JobContext):
    """A joined worker's context: cancelled by its caller or by the study's stop flag (polled ≤ 1/s), or,
    for a worker a tune started, when that tuning process is gone (killed: it set no flag)."""

    def __init__(self, inner: JobContext, storage: Any, study_id: int, every: float = 1.0,
                 parent_pid: int | None = None) -> None:
        self._inner, self._storage, self._study_id, self._every = inner, storage, study_id, every
        self._parent_pid = parent_pid
        self._polled = 0.0
        self.stop_reason: str | None = None

    @property
    def _cancel(self) -> threading.Event:  # type: ignore[override]
        return self._inner._cancel

    def _poll(self) -> None:
        now = time.monotonic()
        if now - self._polled < self._every or self._cancel.is_set():
            return
        self._polled = now
        if self._parent_pid is not None and not _alive(self._parent_pid):
            self.stop_reason = "abandoned: the tuning process that started this worker has ended"
            self._cancel.set()
            return
        try:
            reason = self._storage.get_study_user_attrs(self._study_id).get(STOP_KEY)
        except Exception:  # noqa: BLE001 - a busy storage is asked again at the next poll
            return
        if reason:
            self.stop_reason = str(reason)
            self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        self._poll()
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        self._poll()
        super().check_cancelled()

    def _on_progress(self, fraction: float, message: str) -> None:
        self._inner.progress(fraction, message)

    def _on_metric(self, event: MetricEvent) -> None:
        self._inner._on_metric(event)

    def _on_log(self, message: str) -> None:
        self._inner.log(message)

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        self._inner._on_event(kind, data)


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


class TrialFeed:
    """Every worker's finished trials, read from the storage (a poll every ``every`` s on a thread) and
    reported once each through ``ctx`` as the same trial events an in-process search emits. Optuna's
    cached RDB storage reads only new and unfinished trials at each poll."""

    def __init__(self, storage_url: Any, study_name: str, to_params: Callable[[dict[str, Any]], dict[str, Any]],
                 metric: str, ctx: JobContext, cap: int | None, every: float = 1.0, first: int = 0) -> None:
        self.storage_url, self.study_name, self.to_params = storage_url, study_name, to_params
        self.metric, self.ctx, self.cap, self.every = metric, ctx, cap, every
        self.first = first  # trials numbered below it belong to an earlier run of a continued study
        self.records: list[dict[str, Any]] = []
        self.best = math.nan
        self._seen: set[int] = set()
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._study: Any = None
        self.running = 0  # trials still running at the last poll
        self.polls, self.poll_seconds = 0, 0.0  # what watching the study costs this process (CPU seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="trial-feed", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread, then one last read so no finished trial is left out."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.poll()

    def _loop(self) -> None:
        while not self._halt.wait(self.every):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - a locked or busy storage is read again at the next tick
                continue

    def done(self) -> bool:
        """The whole study's trial budget is spent and no trial is running (as of the last poll)."""
        with self._lock:
            return self.cap is not None and len(self.records) >= self.cap - self.first and self.running == 0

    def poll(self) -> int:
        """Report the trials finished since the last poll; how many."""
        import optuna

        with self._lock:
            t0 = time.thread_time()
            if self._study is None:  # its own connection: the search's is busy in the main thread
                self._study = optuna.load_study(study_name=self.study_name, storage=self.storage_url)
            trials = self._study.get_trials(deepcopy=False)
            self.running = sum(t.state.name == "RUNNING" and t.number >= self.first for t in trials)
            new = sorted((t for t in trials if t.number not in self._seen and t.number >= self.first
                          and t.state.name in FINISHED),
                         key=lambda t: t.number)
            for frozen in new:
                self._seen.add(frozen.number)
                if frozen.user_attrs.get(BEYOND_ATTR):
                    continue
                if frozen.state.name == "COMPLETE" and frozen.value is not None and \
                        is_better(float(frozen.value), self.best, self.metric):
                    self.best = float(frozen.value)
                record = trial_record(frozen, self.to_params, self.best)
                self.records.append(record)
                self._report(record)
            self.polls += 1
            self.poll_seconds += time.thread_time() - t0
            return len(new)

    def _report(self, r: dict[str, Any]) -> None:
        self.ctx.event("trial", number=r["number"], value=r["value"], best=r["best_so_far"], params=r["params"],
                       state=r["state"], duration=r["duration"], error=r["error"], worker=r["worker"])
        if r["value"] is not None:
            self.ctx.metric(r["number"], self.metric, r["value"], "trial")
        if r["best_so_far"] is not None:
            self.ctx.metric(r["number"], self.metric, r["best_so_far"], "best")
        if self.cap:
            share = len(self.records) / max(1, self.cap - self.first)
            self.ctx.progress(min(1.0, share), f"trial {r['number']} {r['state']} (worker {r['worker']})")


class WorkerPool:
    """The worker processes a tune started (``subprocess.Popen``-like handles, each with its log file)."""

    def __init__(self) -> None:
        self.handles: list[tuple[int, Any, Path | None]] = []
        self.terminated: set[int] = set()  # stopped by this pool: not a failure of theirs

    def add(self, index: int, handle: Any, log: Path | None = None) -> None:
        self.handles.append((index, handle, log))

    def alive(self) -> int:
        return sum(h.poll() is None for _, h, _ in self.handles)

    def wait(self, ctx: JobContext, done: Callable[[], bool], tick: float = 0.2) -> None:
        """Until every worker has exited or ``done()`` (the study's budget is spent and no trial runs);
        polls the caller's cancel between ticks (raises JobCancelled)."""
        while self.alive() and not done():
            ctx.check_cancelled()
            time.sleep(tick)

    def stop(self, grace: float = 10.0) -> None:
        """Workers were told to stop (the study's flag): wait up to ``grace`` s, then terminate, then kill."""
        end = time.monotonic() + grace
        while self.alive() and time.monotonic() < end:
            time.sleep(0.1)
        for index, h, _ in self.handles:
            if h.poll() is None:
                self.terminated.add(index)
                h.terminate()
        for _, h, _ in self.handles:
            try:
                h.wait(timeout=5)
            except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: it ignored the terminate
                h.kill()
                h.wait(timeout=5)

    def failures(self) -> list[str]:
        """A line per worker that exited with an error, with the end of its log."""
        out = []
        for index, h, log in self.handles:
            code = h.poll()
            if code not in (None, 0) and index not in self.terminated:
                tail = ""
                if log is not None and log.exists():
                    lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
                    tail = f": {lines[-1].strip()}" if lines else ""
                out.append(f"worker {index} exited with code {code}{tail}"
                           + (f" (log: {log})" if log is not None else ""))
        return out
