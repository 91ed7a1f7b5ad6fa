"""Workspace operations of training jobs: train, job records, interrupted jobs."""

from __future__ import annotations

import os
import socket
import traceback
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from mlcore.errors import ConfigError, JobCancelled, MLWorkbenchError, NotFoundError
from mlcore.jobs import JobContext, MetricEvent
from mlcore.registry import orm, store
from mlcore.registry.entities import JobInfo
from mlcore.registry.orm import utcnow

if TYPE_CHECKING:
    from mlcore.training.config import TrainConfig


class _HistoryTap(JobContext):
    """Forwards everything to the caller's context and keeps the metric events (partial history)."""

    def __init__(self, inner: JobContext) -> None:
        self._inner = inner
        self.events: list[MetricEvent] = []

    @property
    def _cancel(self):  # share the caller's cancel flag
        return self._inner._cancel

    def _on_progress(self, fraction: float, message: str) -> None:
        self._inner.progress(fraction, message)

    def _on_metric(self, event: MetricEvent) -> None:
        self.events.append(event)
        self._inner._on_metric(event)

    def _on_log(self, message: str) -> None:
        self._inner.log(message)

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        self._inner._on_event(kind, data)

    def partial_history(self) -> list[dict[str, Any]]:
        by_step: dict[int, dict[str, Any]] = {}
        for ev in self.events:
            by_step.setdefault(ev.step, {"iteration": ev.step})[f"{ev.split}_{ev.name}"] = ev.value
        return [by_step[k] for k in sorted(by_step)]


class TrainingOps:
    home: Path

    # -- job rows -----------------------------------------------------------------
    def _mark_interrupted_jobs(self) -> None:
        """Jobs left running/pending by a process that no longer exists are marked interrupted."""
        import psutil

        with self.db.session() as s:
            rows = s.scalars(select(orm.MLTrainingJob).where(orm.MLTrainingJob.status.in_(("running", "pending"))))
            host = socket.gethostname()
            for row in rows:
                if (row.library_versions or {}).get("host", host) != host:
                    continue  # a shared registry: another machine's job is not ours to judge
                if row.pid == os.getpid():
                    continue  # this process is running it (a second Workspace on the same home)
                if row.pid is None or not psutil.pid_exists(row.pid):
                    row.status = "interrupted"
                    row.error = "The process running this job ended before it finished."
                    row.completed_at = utcnow()

    def _create_job(self, kind: str, config: dict[str, Any], dataset_id: str | None,
                    dataset_hash: str | None) -> str:
        from mlcore.training.versions import library_versions

        job_id = str(uuid.uuid4())
        with self.db.session() as s:
            s.add(orm.MLTrainingJob(id=job_id, kind=kind, status="pending", dataset_id=dataset_id,
                                    dataset_hash=dataset_hash, config=config, pid=os.getpid(),
                                    library_versions=dict(library_versions(), host=socket.gethostname())))
        return job_id

    def _update_job(self, job_id: str, **values: Any) -> None:
        with self.db.session() as s:
            row = store.get_or_404(s, orm.MLTrainingJob, job_id, "job")
            for key, value in values.items():
                setattr(row, key, value)

    def get_job(self, job_id: str) -> JobInfo:
        with self.db.session() as s:
            if not job_id or not job_id.strip():
                raise NotFoundError("No job given.")
            row = s.get(orm.MLTrainingJob, job_id)
            if row is None:
                rows = s.scalars(select(orm.MLTrainingJob).where(
                    orm.MLTrainingJob.id.startswith(job_id, autoescape=True))).all()
                if len(rows) != 1:
                    raise NotFoundError(f"No job with id {job_id!r}.")
                row = rows[0]
            return store.job(row)

    def list_jobs(self, kind: str | None = None, status: str | None = None) -> list[JobInfo]:
        statuses = ("pending", "running", "completed", "failed", "cancelled", "interrupted")
        if status is not None and status not in statuses:
            raise ConfigError(f"Job status must be one of {list(statuses)}, not {status!r}.")
        with self.db.session() as s:
            q = select(orm.MLTrainingJob).order_by(orm.MLTrainingJob.created_at.desc())
            if kind:
                q = q.where(orm.MLTrainingJob.kind == kind)
            if status:
                q = q.where(orm.MLTrainingJob.status == status)
            return [store.job(r) for r in s.scalars(q)]

    def _run_job(self, job_id: str, ctx: JobContext, body) -> JobInfo:
        """Run ``body(tap)`` as the job: status, times, errors and partial history recorded."""
        tap = _HistoryTap(ctx)
        self._update_job(job_id, status="running", started_at=utcnow())
        try:
            results = body(tap)
        except JobCancelled as exc:
            history = getattr(exc, "partial_history", None) or tap.partial_history()
            self._update_job(job_id, status="cancelled", completed_at=utcnow(), error="cancelled by the user",
                             results={"training_history": history, "evaluation": {}, "training_summary": {}})
            raise
        except MLWorkbenchError as exc:
            self._update_job(job_id, status="failed", completed_at=utcnow(), error=str(exc),
                             results={"training_history": tap.partial_history()})
            raise
        except Exception as exc:
            self._update_job(job_id, status="failed", completed_at=utcnow(),
                             error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}",
                             results={"training_history": tap.partial_history()})
            raise
        self._update_job(job_id, status="completed", completed_at=utcnow(), results=results, error=None)
        return self.get_job(job_id)

    # -- train --------------------------------------------------------------------
    def _train_config(self, config: "dict[str, Any] | TrainConfig") -> "TrainConfig":
        from mlcore.training.config import TrainConfig

        cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(dict(config))
        info = self.get_dataset(cfg.dataset_id)
        cfg.dataset_id = info.id
        cfg.target_column = cfg.target_column or info.target_column
        if not cfg.target_column:
            raise ConfigError(f"No target column given and dataset {info.name!r} has none set.")
        return cfg

    def train(self, config: "dict[str, Any] | TrainConfig", ctx: JobContext | None = None) -> JobInfo:
        """Train one model as a job (seed: POST /models/train); blocks until done or cancelled."""
        from mlcore.artifacts import save_artifact
        from mlcore.training.run import resolve_recipe, train_pipeline

        ctx = ctx or JobContext()
        cfg = self._train_config(config)
        info = self.get_dataset(cfg.dataset_id)
        saved = self.get_recipe(cfg.recipe).recipe if cfg.recipe else None
        recipe = resolve_recipe(cfg, saved)
        job_config = dict(cfg.to_dict(), resolved_preparation=recipe.to_dict())
        job_id = self._create_job("train", job_config, info.id, info.content_hash)

        def body(tap: JobContext) -> dict[str, Any]:
            import numpy as np

            tap.progress(0.0, "loading data")
            frame = self.load_frame(info.id)
            outcome = train_pipeline(frame, cfg, recipe, tap)
            job_dir = self.home / "jobs" / job_id
            rel = Path("jobs") / job_id / "pipeline.joblib"
            digest = save_artifact(outcome.pipeline, self.home / rel)
            np.savez_compressed(job_dir / "split.npz", **outcome.split)
            self._update_job(job_id, artifact_path=str(rel), artifact_sha256=digest)
            return {
                "task_type": outcome.task,
                "evaluation": outcome.evaluation,
                "training_history": outcome.history,
                "training_summary": outcome.summary,
                "feature_names": outcome.feature_names_in,
                "selected_features": outcome.selected_features,
                "input_schema": outcome.input_schema,
                "classes": outcome.classes,
                "threshold": None,
            }

        return self._run_job(job_id, ctx, body)

    def load_job_pipeline(self, job_id: str):
        """The trained pipeline of a completed job, checksum verified."""
        from mlcore.artifacts import load_artifact

        job = self.get_job(job_id)
        if job.status != "completed":
            raise ConfigError(f"Job {job.id[:8]} is {job.status}; only a completed job has a trained model.")
        if not job.artifact_path:
            raise ConfigError(f"Job {job.id[:8]} is a {job.kind} job, which trains no single model to keep; "
                              "train or tune the chosen algorithm to get one.")
        return load_artifact(self.home / job.artifact_path, job.artifact_sha256 or "")

    def job_split(self, job_id: str) -> dict[str, Any]:
        import numpy as np

        job = self.get_job(job_id)
        path = self.home / "jobs" / job.id / "split.npz"
        if not path.exists():
            raise NotFoundError(f"Job {job.id[:8]} has no stored split.")
        with np.load(path) as data:
            return {k: data[k] for k in data.files}

    # -- catalog ------------------------------------------------------------------
    def list_algorithms(self, task: str | None = None):
        from mlcore.models import list_algorithms

        return list_algorithms(task)

    def detect_task(self, dataset_id: str, target: str) -> str:
        from mlcore.models import detect_task

        return detect_task(self.load_frame(dataset_id, columns=[target])[target].dropna())
