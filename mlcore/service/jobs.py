"""JobService: reading job rows and what a finished job left (its pipeline, its row split)."""

from __future__ import annotations

from typing import Any

from mlcore import vocab
from mlcore.artifacts import ArtifactStore
from mlcore.errors import ArtifactIntegrityError, ConfigError, NotFoundError
from mlcore.jsonsafe import json_safe
from mlcore.registry import ExperimentInfo, JobInfo, JobStore


class JobService:
    def __init__(self, files: ArtifactStore, store: JobStore) -> None:
        self.files = files
        self.store = store

    def get_job(self, job_id: str) -> JobInfo:
        return self.store.get(job_id)

    def list_jobs(self, kind: str | None = None, status: str | None = None) -> list[JobInfo]:
        vocab.check_choice(status, vocab.JOB_STATUSES, "Job status")
        return self.store.list(kind, status)

    def set_job_threshold(self, job_id: str, threshold: float | None, test_metrics: dict[str, Any] | None = None
                          ) -> None:
        """Store a decision threshold with a job's results (its predictions and evaluations use it), and
        the test metrics computed at it."""
        job = self.get_job(job_id)
        results = dict(job.results or {}, threshold=threshold)
        if test_metrics is not None:
            evaluation = dict(results.get("evaluation") or {})
            evaluation["test"] = dict(evaluation.get("test") or {}, metrics=json_safe(test_metrics))
            results["evaluation"] = evaluation
        self.store.update(job.id, results=results)

    def list_experiments(self, job_id: str | None = None) -> list[ExperimentInfo]:
        """Tuning runs, newest first (optionally those of one job)."""
        return self.store.list_experiments(job_id)

    def load_job_pipeline(self, job_id: str):
        """The trained pipeline of a completed job, checksum verified."""
        from mlcore.artifacts import load_artifact

        job = self.trained_job(job_id)
        return load_artifact(self.pipeline_file(job), job.artifact_sha256 or "")

    def pipeline_file(self, job: JobInfo, needed_by: str = ""):
        """The local file of a trained job's pipeline (downloaded from the store and checked when needed)."""
        what = f"job {job.id[:8]}" + (f" (needed by {needed_by})" if needed_by else "")
        return self.files.fetch(job.artifact_path, job.artifact_sha256, what)

    def trained_job(self, job_id: str) -> JobInfo:
        """A completed job that left a trained pipeline (train, tune); a clear error for any other."""
        job = self.get_job(job_id)
        if job.status != "completed":
            raise ConfigError(f"Job {job.id[:8]} is {job.status}; only a completed job has a trained model.")
        if not job.artifact_path:
            raise ConfigError(f"Job {job.id[:8]} is a {job.kind} job, which trains no single model to keep; "
                              "train or tune the chosen algorithm to get one.")
        return job

    def job_split(self, job_id: str) -> dict[str, Any]:
        """The row positions of a job's train/validation/test split, checksum verified (never unpickled)."""
        import zipfile

        import numpy as np

        from mlcore.artifacts import sha256_file

        job = self.get_job(job_id)
        rel = f"jobs/{job.id}/split.npz"
        if not job.split_sha256 and not self.files.exists(rel):
            raise NotFoundError(f"Job {job.id[:8]} has no stored split.")
        path = self.files.fetch(rel, job.split_sha256, f"the row split of job {job.id[:8]}")
        if job.split_sha256 and sha256_file(path) != job.split_sha256:
            raise ArtifactIntegrityError(f"The split file {path} was changed after it was saved (its sha256 is not "
                                         f"the recorded one); refusing to use it. Retrain job {job.id[:8]}.")
        try:
            with np.load(path, allow_pickle=False) as data:
                split = {k: data[k] for k in data.files}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
            raise ArtifactIntegrityError(f"The split file {path} cannot be read ({exc}); retrain job "
                                         f"{job.id[:8]}.") from None
        for name, idx in split.items():
            if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
                raise ArtifactIntegrityError(f"The split file {path} holds {idx.dtype} {name!r} row positions, "
                                             f"not a list of integers; retrain job {job.id[:8]}.")
        return split
