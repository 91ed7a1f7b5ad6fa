"""Long operations behind the REST API: each runs in a worker thread with a context that keeps
its events for polling and Server-Sent Events, and answers with the engine's job id at once.

The engine (``Workspace.train/compare/tune``) creates its job row inside the call and blocks
until the job ends. The server starts the call in a thread and waits only until that row exists
(or the call fails validation first, which becomes a 4xx): job starts are serialised by a lock,
so the one job this process created since the start is the one just started.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable

from mlcore.errors import ConflictError, JobCancelled, MLWorkbenchError
from mlcore.jobs import JobContext, MetricEvent

log = logging.getLogger(__name__)

__all__ = ["JobManager", "ServerJobContext", "ServerJob", "lower_thread_priority"]

MAX_EVENTS = 20_000  # kept per job for late SSE readers; older ones are dropped (seq numbers show the gap)


def _jsonable(value: Any) -> Any:
    from mlcore.jsonsafe import json_safe as jsonable

    return jsonable(value)


class ServerJobContext(JobContext):
    """Keeps every report as a numbered event dict; readers wait on a condition for new ones."""

    def __init__(self) -> None:
        super().__init__()
        self.job_id: str | None = None  # the engine may set this (a future hook); else found by JobManager
        self._events: deque[dict[str, Any]] = deque(maxlen=MAX_EVENTS)
        self._seq = itertools.count(1)
        self._cond = threading.Condition()
        self.last_progress: tuple[float, str] = (0.0, "")
        self.finished = False

    def _push(self, event: dict[str, Any]) -> None:
        with self._cond:
            event["seq"] = next(self._seq)
            event["time"] = time.time()
            self._events.append(event)
            self._cond.notify_all()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.last_progress = (fraction, message)
        self._push({"type": "progress", "fraction": fraction, "message": message})

    def _on_metric(self, event: MetricEvent) -> None:
        self._push({"type": "metric", "step": event.step, "name": event.name, "value": event.value,
                    "split": event.split})

    def _on_log(self, message: str) -> None:
        self._push({"type": "log", "message": message})

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        job_id = data.get("job_id")
        if kind == "job_started" and isinstance(job_id, str):
            self.job_id = job_id
        self._push({"type": "event", "kind": kind, "data": _jsonable(data)})

    def end(self, status: str, error: str | None = None) -> None:
        self.finished = True
        self._push({"type": "end", "status": status, "error": error})

    def events_after(self, seq: int, timeout: float) -> list[dict[str, Any]]:
        """Events numbered above ``seq``; waits up to ``timeout`` s when there are none yet."""
        with self._cond:
            if not (self._events and self._events[-1]["seq"] > seq) and not self.finished:
                self._cond.wait(timeout)
            return [e for e in self._events if e["seq"] > seq]

    @property
    def event_count(self) -> int:
        with self._cond:
            return self._events[-1]["seq"] if self._events else 0


def lower_thread_priority(nice: int) -> bool:
    """Give the calling thread — and the threads it starts (OpenMP teams, joblib pools) — a lower CPU
    priority, so that a training job uses the cores request handling leaves idle instead of making
    predictions wait. Linux sets a nice value per thread; elsewhere this does nothing (False)."""
    if nice <= 0 or not sys.platform.startswith("linux"):
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, os.getpriority(os.PRIO_PROCESS, 0) + nice))
        return True
    except (OSError, AttributeError):
        return False


@dataclass
class ServerJob:
    id: str
    kind: str
    ctx: ServerJobContext
    thread: threading.Thread
    submitted_at: float = field(default_factory=time.time)
    error: str | None = None


class JobManager:
    """Starts engine jobs in threads and keeps their live contexts by engine job id."""

    def __init__(self, workspace: Any, max_running: int = 4, start_timeout: float = 120.0,
                 job_nice: int = 10) -> None:
        self._ws = workspace
        self._job_nice = job_nice
        self._max_running = max_running
        self._start_timeout = start_timeout
        self._jobs: dict[str, ServerJob] = {}
        self._start_lock = threading.Lock()
        self._lock = threading.Lock()

    # -- starting -------------------------------------------------------------------
    def running(self) -> int:
        with self._lock:
            return sum(1 for j in self._jobs.values() if j.thread.is_alive())

    def submit(self, kind: str, run: Callable[[JobContext], Any]) -> ServerJob:
        """Start ``run(ctx)`` (an engine call creating one job of ``kind``); return once its id is known.

        A request the engine refuses before it creates the job raises that error here.
        """
        from mlcore.registry import utcnow
        from mlcore.registry import jobs_started_by

        if self.running() >= self._max_running:
            raise ConflictError(f"{self._max_running} jobs are already running on this server; "
                                "wait for one to finish or cancel one.")
        ctx = ServerJobContext()
        failure: list[BaseException] = []

        def work() -> None:
            lower_thread_priority(self._job_nice)
            try:
                run(ctx)
                ctx.end("completed")
            except JobCancelled:
                ctx.end("cancelled")
            except BaseException as exc:  # noqa: BLE001 - recorded on the job row by the engine
                failure.append(exc)
                ctx.end("failed", str(exc) if isinstance(exc, MLWorkbenchError) else type(exc).__name__)
                if not isinstance(exc, MLWorkbenchError):
                    log.exception("%s job failed", kind)

        with self._start_lock:
            with self._lock:
                known = set(self._jobs)
            since = utcnow() - timedelta(seconds=1)
            thread = threading.Thread(target=work, name=f"mlcore-{kind}", daemon=True)
            thread.start()
            deadline = time.monotonic() + self._start_timeout
            job_id = None
            while job_id is None and time.monotonic() < deadline:
                alive = thread.is_alive()
                job_id = ctx.job_id or next(
                    (i for i in jobs_started_by(self._ws.db, os.getpid(), kind, since) if i not in known), None)
                if job_id is None:
                    if not alive:
                        break
                    thread.join(0.02)
            if job_id is None:
                if failure:
                    raise failure[0]
                ctx.cancel()
                raise ConflictError(f"The {kind} job did not start within {self._start_timeout:.0f} s.")
            ctx.job_id = job_id
            job = ServerJob(job_id, kind, ctx, thread)
            with self._lock:
                self._jobs[job_id] = job
        return job

    # -- reading --------------------------------------------------------------------
    def get(self, job_id: str) -> ServerJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:  # a prefix, as the engine accepts one
                hits = [j for k, j in self._jobs.items() if k.startswith(job_id)]
                job = hits[0] if len(hits) == 1 else None
            return job

    def cancel(self, job_id: str) -> bool:
        job = self.get(job_id)
        if job is None or not job.thread.is_alive():
            return False
        job.ctx.cancel()
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel every running job and wait a little for them to stop."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.ctx.cancel()
        end = time.monotonic() + timeout
        for job in jobs:
            job.thread.join(max(0.0, end - time.monotonic()))
