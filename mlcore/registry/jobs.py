"""JobStore: job rows (every long operation) and tuning experiments, as entities."""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select

from mlcore.errors import NotFoundError
from mlcore.registry import _convert as conv
from mlcore.registry import orm
from mlcore.registry.db import Database
from mlcore.registry.entities import ExperimentInfo, JobInfo
from mlcore.registry.orm import utcnow


class JobStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, **values: Any) -> str:
        with self._db.session() as s:
            s.add(orm.MLTrainingJob(status="pending", **values))
        return values["id"]

    def update(self, job_id: str, **values: Any) -> None:
        with self._db.session() as s:
            row = conv.get_or_404(s, orm.MLTrainingJob, job_id, "job")
            for key, value in values.items():
                setattr(row, key, value)

    def get(self, key: str) -> JobInfo:
        """A job by id or unique id prefix."""
        if not key or not key.strip():
            raise NotFoundError("No job given.")
        with self._db.session() as s:
            row = s.get(orm.MLTrainingJob, key)
            if row is None:
                rows = s.scalars(select(orm.MLTrainingJob).where(
                    orm.MLTrainingJob.id.startswith(key, autoescape=True))).all()
                if len(rows) != 1:
                    raise NotFoundError(f"No job with id {key!r}.")
                row = rows[0]
            return conv.job(row)

    def list(self, kind: str | None = None, status: str | None = None) -> list[JobInfo]:
        with self._db.session() as s:
            q = select(orm.MLTrainingJob).order_by(orm.MLTrainingJob.created_at.desc())
            if kind:
                q = q.where(orm.MLTrainingJob.kind == kind)
            if status:
                q = q.where(orm.MLTrainingJob.status == status)
            return [conv.job(r) for r in s.scalars(q)]

    def mark_interrupted(self, is_gone: Callable[[int | None, dict[str, Any]], bool]) -> int:
        """Running/pending jobs whose ``is_gone(pid, library_versions)`` holds become 'interrupted'."""
        n = 0
        with self._db.session() as s:
            for row in s.scalars(select(orm.MLTrainingJob).where(
                    orm.MLTrainingJob.status.in_(("running", "pending")))):
                if is_gone(row.pid, dict(row.library_versions or {})):
                    row.status = "interrupted"
                    row.error = "The process running this job ended before it finished."
                    row.completed_at = utcnow()
                    n += 1
            s.flush()
            # a tuning run lives as long as its job: one whose job is no longer running was interrupted too
            for exp in s.scalars(select(orm.MLExperiment).join(
                    orm.MLTrainingJob, orm.MLExperiment.job_id == orm.MLTrainingJob.id).where(
                    orm.MLExperiment.status == "running",
                    orm.MLTrainingJob.status.not_in(("running", "pending")))):
                exp.status = "interrupted"
                exp.completed_at = utcnow()
        return n

    # -- experiments (tuning runs) ------------------------------------------------
    def add_experiment(self, **values: Any) -> str:
        with self._db.session() as s:
            s.add(orm.MLExperiment(status="running", trials=[], **values))
        return values["id"]

    def update_experiment(self, experiment_id: str, **values: Any) -> None:
        with self._db.session() as s:
            row = conv.get_or_404(s, orm.MLExperiment, experiment_id, "experiment")
            for key, value in values.items():
                setattr(row, key, value)

    def finish_experiment(self, experiment_id: str, status: str, **values: Any) -> None:
        with self._db.session() as s:
            row = s.get(orm.MLExperiment, experiment_id)
            if row is None:  # pragma: no cover - removed with its job
                return
            row.status = status
            row.completed_at = utcnow()
            for key, value in values.items():
                setattr(row, key, value)

    def list_experiments(self, job_id: str | None = None) -> list[ExperimentInfo]:
        with self._db.session() as s:
            q = select(orm.MLExperiment).order_by(orm.MLExperiment.created_at.desc())
            if job_id:
                q = q.where(orm.MLExperiment.job_id == job_id)
            return [conv.experiment(r) for r in s.scalars(q)]
