"""JobRunner: every long operation runs as a job row — status, times, progress, cancel, outcome.

A service adds a job kind by building its config and calling
``runner.run(kind, config, body, ctx=ctx)``: ``body(run)`` does the work, reports through
``run.ctx`` and returns a typed result (anything with ``to_dict()``), which the runner stores
on the job row and hands back. A cancelled or failed body still leaves a finished row; what
was done before the cancel comes back as ``JobOutcome.partial`` from :meth:`JobRunner.outcome`,
built by the optional ``partial(run)`` from what the job reported — never read off an exception.
"""

from __future__ import annotations

import os
import socket
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

from mlcore.artifacts import ArtifactStore
from mlcore.errors import JobCancelled, MLWorkbenchError
from mlcore.jobs import JobContext, MetricEvent
from mlcore.jsonsafe import json_safe
from mlcore.registry import DatasetInfo, JobStore, utcnow

R = TypeVar("R")

__all__ = ["JobRunner", "JobRun", "JobOutcome"]


class JobRun(JobContext):
    """The context a job body reports through: forwards to the caller's context and keeps a record.

    It shares the caller's cancel flag, keeps every metric event and structured event (so a
    cancelled job's partial outcome can be built from them), and offers the job's folder.
    """

    def __init__(self, job_id: str, inner: JobContext, store: JobStore, files: ArtifactStore) -> None:
        self.id = job_id
        self._inner = inner
        self._store = store
        self.files = files
        self.metrics: list[MetricEvent] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    @property
    def _cancel(self):  # share the caller's cancel flag
        return self._inner._cancel

    @property
    def ctx(self) -> JobContext:
        return self

    @property
    def folder(self) -> Path:
        """A local folder for this job's files (written here, then put into the artifact store)."""
        path = self.files.local_path(f"jobs/{self.id}")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _on_progress(self, fraction: float, message: str) -> None:
        self._inner.progress(fraction, message)

    def _on_metric(self, event: MetricEvent) -> None:
        self.metrics.append(event)
        self._inner._on_metric(event)

    def _on_log(self, message: str) -> None:
        self._inner.log(message)

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))
        self._inner._on_event(kind, data)

    # -- what a body records on its row --------------------------------------------
    def update(self, **values: Any) -> None:
        self._store.update(self.id, **values)

    def save_pipeline(self, pipeline: Any, split: dict[str, Any] | None = None) -> None:
        """Save the trained pipeline (and its row split) as this job's artifact, checksum recorded."""
        import numpy as np

        from mlcore.artifacts import save_artifact, sha256_file

        folder, rel = self.folder, f"jobs/{self.id}"
        digest = save_artifact(pipeline, folder / "pipeline.joblib")
        split_digest = None
        if split is not None:  # the rows a model is evaluated on are checked like the model itself
            np.savez_compressed(folder / "split.npz", **{k: np.asarray(v, dtype=np.int64) for k, v in split.items()})
            split_digest = sha256_file(folder / "split.npz")
            self.files.put(folder / "split.npz", f"{rel}/split.npz")
        self.files.put(folder / "pipeline.joblib", f"{rel}/pipeline.joblib")
        self.update(artifact_path=f"{rel}/pipeline.joblib", artifact_sha256=digest, split_sha256=split_digest)

    def history(self) -> list[dict[str, Any]]:
        """The curve points reported so far, one record per step, keyed like a training history
        (``train_loss``, ``val_metric`` ...; other splits as ``<split>_<name>``)."""
        short = {"train": "train", "validation": "val"}
        by_step: dict[int, dict[str, Any]] = {}
        for ev in self.metrics:
            key = f"{short[ev.split]}_{'loss' if ev.kind == 'loss' else 'metric'}" if ev.split in short \
                else f"{ev.split}_{ev.name}"
            by_step.setdefault(ev.step, {"iteration": ev.step})[key] = ev.value
        return [by_step[k] for k in sorted(by_step)]

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [data for k, data in self.events if k == kind]


@dataclass
class JobOutcome(Generic[R]):
    """How a job ended: ``result`` when completed, ``partial`` (a dict) when cancelled or failed."""

    job_id: str
    status: str  # completed | cancelled | failed
    result: R | None = None
    partial: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None

    def unwrap(self) -> R:
        """The result; a cancelled job raises JobCancelled, a failed one its error."""
        if self.status == "completed":
            return self.result  # type: ignore[return-value]
        if self.status == "cancelled":
            raise JobCancelled(str(self.error or "") or "cancelled by the user") from None
        assert self.error is not None
        raise self.error


def _to_dict(result: Any) -> dict[str, Any]:
    return result.to_dict() if hasattr(result, "to_dict") else dict(result)


def _process_started(pid: int) -> float | None:
    """When the process ``pid`` started (seconds since the epoch); None when it cannot be told."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


class JobRunner:
    """Creates job rows and runs bodies as jobs (see the module docstring)."""

    def __init__(self, store: JobStore, files: ArtifactStore) -> None:
        self.store = store
        self.files = files
        self._versions: dict[str, Any] | None = None

    def create(self, kind: str, config: dict[str, Any], dataset: DatasetInfo | None = None) -> str:
        """A pending job row of ``kind``; its id."""
        if self._versions is None:
            from mlcore.training import library_versions

            self._versions = dict(library_versions(), host=socket.gethostname())
        job_id = str(uuid.uuid4())
        # the pid alone is not the process: once it ends, the pid can be given to another one
        host = dict(self._versions, pid_started=_process_started(os.getpid()))
        self.store.create(id=job_id, kind=kind, dataset_id=dataset.id if dataset else None,
                          dataset_hash=dataset.content_hash if dataset else None, config=json_safe(config),
                          pid=os.getpid(), library_versions=host)
        return job_id

    def outcome(self, kind: str, config: dict[str, Any], body: Callable[[JobRun], R], *,
                ctx: JobContext | None = None, dataset: DatasetInfo | None = None, job_id: str | None = None,
                partial: Callable[[JobRun], dict[str, Any]] | None = None) -> JobOutcome[R]:
        """Run ``body`` as a job of ``kind`` (on the row ``job_id`` when one was created first)."""
        job_id = job_id or self.create(kind, config, dataset)
        run = JobRun(job_id, ctx or JobContext(), self.store, self.files)
        self.store.update(job_id, status="running", started_at=utcnow())
        run.event("job_started", job_id=job_id, job_kind=kind)  # a listener (the REST server) learns the id at once
        try:
            result = body(run)
        except JobCancelled as exc:
            done = dict({"training_history": run.history(), "evaluation": {}, "training_summary": {}},
                        **(partial(run) if partial else {}))
            self.store.update(job_id, status="cancelled", completed_at=utcnow(), error="cancelled by the user",
                              results=done)
            return JobOutcome(job_id, "cancelled", partial=done, error=exc)
        except BaseException as exc:
            if isinstance(exc, MLWorkbenchError):
                error = str(exc)
            else:
                error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
            done = {"training_history": run.history()}
            self.store.update(job_id, status="failed", completed_at=utcnow(), error=error, results=done)
            return JobOutcome(job_id, "failed", partial=done, error=exc)
        if hasattr(result, "job_id"):
            result.job_id = job_id
        self.store.update(job_id, status="completed", completed_at=utcnow(), results=_to_dict(result), error=None)
        return JobOutcome(job_id, "completed", result=result)

    def run(self, kind: str, config: dict[str, Any], body: Callable[[JobRun], R], **kwargs: Any) -> R:
        """Run ``body`` as a job and return its typed result; cancel raises JobCancelled, failure its error."""
        return self.outcome(kind, config, body, **kwargs).unwrap()

    def mark_interrupted(self) -> int:
        """Jobs left running/pending by a process that no longer exists are marked interrupted."""
        import psutil

        host = socket.gethostname()

        def gone(pid: int | None, versions: dict[str, Any]) -> bool:
            if versions.get("host", host) != host:
                return False  # a shared registry: another machine's job is not ours to judge
            if pid is None or not psutil.pid_exists(pid):
                return True
            started, now_started = versions.get("pid_started"), _process_started(pid)
            if started is not None and now_started is not None and now_started > float(started) + 1.0:
                return True  # the pid was reused: the process holding it now started after the job
            return False  # still running it (this process too: a second Workspace on the same home)

        return self.store.mark_interrupted(gone)
