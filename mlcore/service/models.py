"""ModelService: the model registry — versions from jobs or pipelines, stages, rollback, loading.

``deploy`` (from a job) and ``register_model`` (any pipeline) share one path, ``_register``:
validate the name, choose the version, write the artifact into a new folder, write
metadata.json, insert the row and its first transition — and remove the folder if any step fails.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable

from mlcore import vocab
from mlcore.errors import ConfigError, ConflictError, NotFoundError
from mlcore.jsonsafe import json_safe
from mlcore.registry import ModelStore, ModelVersionInfo, TransitionInfo
from mlcore.service.datasets import DatasetService
from mlcore.service.jobs import JobService


class ModelService:
    def __init__(self, home: Path, store: ModelStore, jobs: JobService, datasets: DatasetService) -> None:
        self.home = home
        self.store = store
        self.jobs = jobs
        self.datasets = datasets

    # -- lookups ------------------------------------------------------------------
    def get_model(self, key: str) -> ModelVersionInfo:
        return self.store.get(key)

    def production_model(self, name: str) -> ModelVersionInfo:
        return self.store.production(name)

    def list_models(self, name: str | None = None, status: str | None = None) -> list[ModelVersionInfo]:
        """Deployed model versions, newest first (seed: GET /models/deployed)."""
        vocab.check_choice(status, vocab.MODEL_STATUSES, "status")
        return self.store.list(name, status)

    def load_model(self, key: str) -> tuple[Any, ModelVersionInfo]:
        """The pipeline of a version (sha256 verified) and its metadata (seed: load_model)."""
        from mlcore.artifacts import load_artifact

        info = self.get_model(key)
        return load_artifact(self.home / info.artifact_path, info.artifact_sha256), info

    def model_metadata(self, key: str) -> dict[str, Any]:
        return self.get_model(key).to_dict()

    # -- new versions -------------------------------------------------------------
    def deploy(self, job_id: str, model_name: str, version: str | None = None, description: str | None = None,
               tags: list[str] | None = None, promote_to_production: bool = False) -> ModelVersionInfo:
        """Register a completed training/tuning job as a model version (seed: POST /models/deploy)."""
        from mlcore.artifacts import sha256_file, verify_artifact

        job = self.jobs.trained_job(job_id)
        results = job.results or {}
        target = job.config.get("target_column")
        schema = results.get("input_schema") or self._schema_from_rows(job.id, job.dataset_id, target)
        source = self.home / job.artifact_path

        def write(artifact: Path) -> str:
            shutil.copy2(source, artifact)
            digest = sha256_file(artifact)
            verify_artifact(source, job.artifact_sha256 or "", actual=digest)  # the copy is the saved bytes
            return digest

        evaluation = results.get("evaluation") or {}
        summary = results.get("training_summary") or {}
        info = self._register(
            model_name, version, write, reason="deployed from job " + job.id,
            task_type=results.get("task_type", ""), algorithm=job.config.get("algorithm", summary.get("algorithm", "")),
            description=description, tags=tags,
            metrics=(evaluation.get("test") or evaluation.get("validation") or {}).get("metrics", {}),
            hyperparameters=results.get("best_params") or job.config.get("hyperparameters") or {},
            feature_names=results.get("feature_names"), target_name=target,
            training_samples=(summary.get("rows") or {}).get("train"), dataset_id=job.dataset_id,
            dataset_hash=job.dataset_hash, job_id=job.id, input_schema=schema,
            library_versions=job.library_versions, threshold=results.get("threshold"),
        )
        if promote_to_production:
            return self.promote(info.id, reason="promoted at deploy")
        return info

    def _schema_from_rows(self, job_id: str, dataset_id: str | None, target: str | None) -> dict[str, Any] | None:
        """An input schema built from a job's training rows (for jobs recorded before schemas were)."""
        from mlcore.deployment import build_schema
        from mlcore.service.handle import RowRef

        if dataset_id is None:
            return None
        rows = RowRef(self.datasets, self.jobs, dataset_id, target, job_id, f"job {job_id[:8]}").rows("train")
        return build_schema(rows.drop(columns=[target]), target).to_dict()

    def register_model(self, pipeline: Any, *, name: str, version: str | None, task_type: str, algorithm: str,
                       metrics: dict | None = None, hyperparameters: dict | None = None,
                       feature_names: list[str] | None = None, target_name: str | None = None,
                       training_samples: int | None = None, description: str | None = None,
                       tags: list[str] | None = None, input_schema: dict | None = None,
                       threshold: float | None = None) -> ModelVersionInfo:
        """Register a pipeline trained outside a workspace job (the seed SDK's save_model)."""
        from mlcore.artifacts import save_artifact
        from mlcore.training import library_versions

        if task_type not in vocab.TASKS:
            raise ConfigError(f"task_type must be 'classification' or 'regression', not {task_type!r}.")
        if not callable(getattr(pipeline, "predict", None)):
            raise ConfigError(f"A model must have a predict method; got a {type(pipeline).__name__}.")
        return self._register(
            name, version, lambda artifact: save_artifact(pipeline, artifact), reason="registered",
            task_type=task_type, algorithm=algorithm, description=description, tags=tags, metrics=metrics,
            hyperparameters=hyperparameters, feature_names=feature_names, target_name=target_name,
            training_samples=training_samples, dataset_id=None, dataset_hash=None, job_id=None,
            input_schema=input_schema, library_versions=library_versions(), threshold=threshold,
        )

    def import_model_file(self, path: str | os.PathLike, *, name: str, version: str | None = None,
                          task_type: str, algorithm: str = "imported", trusted: list[str] | None = None
                          ) -> ModelVersionInfo:
        """Register a model file from outside: skops only, after a type audit (never plain unpickling)."""
        from mlcore.deployment import import_skops

        pipeline, _untrusted = import_skops(path, trusted=trusted)
        return self.register_model(pipeline, name=name, version=version, task_type=task_type,
                                   algorithm=algorithm, description=f"imported from {Path(path).name}")

    def _register(self, name: str, version: str | None, write: Callable[[Path], str], *, reason: str,
                  tags: list[str] | None, metrics: dict | None, hyperparameters: dict | None,
                  feature_names: list[str] | None, **fields: Any) -> ModelVersionInfo:
        """The one path of a new version: folder, artifact (``write`` returns its sha256), metadata, row."""
        from mlcore.deployment import next_version, validate_name, validate_version

        name = validate_name(name)
        existing = self.store.versions(name)
        version = validate_version(version) if version else next_version(existing)
        if version in existing:
            raise ConflictError(f"Model {name!r} already has version {version}; choose another version.")
        folder = self._new_version_folder(name, version)
        artifact = folder / "model.joblib"
        try:
            digest = write(artifact)
            meta = dict(fields, id=str(uuid.uuid4()), name=name, version=version, status="staged",
                        tags=list(tags or []), metrics=json_safe(dict(metrics or {})),
                        hyperparameters=json_safe(dict(hyperparameters or {})),
                        feature_names=[str(f) for f in (feature_names or [])],
                        artifact_path=str(artifact.relative_to(self.home)), artifact_sha256=digest)
            (folder / "metadata.json").write_text(json.dumps(json_safe(meta), indent=2), encoding="utf-8")
            return self.store.add(meta, reason)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def _new_version_folder(self, name: str, version: str) -> Path:
        """Create the artifact folder of a new version; a leftover or a racing deploy is a conflict."""
        folder = self.home / "models" / name / version
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir()
        except FileExistsError:
            raise ConflictError(f"The folder for {name} {version} already exists ({folder}); another deploy "
                                "is writing it, or an earlier one failed: choose another version or remove "
                                "the folder.") from None
        return folder

    # -- stages -------------------------------------------------------------------
    def promote(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        """Make a version the production one of its name (seed: POST /models/{id}/promote)."""
        return self.store.transition(key, "production", reason or "promoted")

    def stage(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        return self.store.transition(key, "staged", reason or "staged")

    def demote(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        """production → staged; staged → training."""
        info = self.get_model(key)
        target = {"production": "staged", "staged": "training"}.get(info.status)
        if target is None:
            raise ConflictError(f"{info.name} {info.version} is {info.status}; only production or staged "
                                "versions can be demoted.")
        return self.store.transition(info.id, target, reason or "demoted")

    def archive(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        return self.store.transition(key, "archived", reason or "archived")

    def rollback(self, name: str, to_version: str | None = None, reason: str | None = None) -> ModelVersionInfo:
        """Make an earlier version production again; default: the previous production version."""
        from mlcore.deployment import validate_version

        versions = {m.version: m for m in self.store.list(name)}
        if not versions:
            raise NotFoundError(f"No model named {name!r}.")
        current = next((m for m in versions.values() if m.status == "production"), None)
        if to_version is None:
            previous = self.store.previous_production(name)
            if not previous:
                raise ConflictError(f"Model {name!r} has no earlier production version to roll back to.")
            to_version = previous[0]
        to_version = validate_version(to_version)
        if to_version not in versions:
            raise NotFoundError(f"Model {name!r} has no version {to_version}; versions: {sorted(versions)}.")
        if current is not None and current.version == to_version:
            raise ConflictError(f"{name} {to_version} is already the production version.")
        return self.store.transition(versions[to_version].id, "production",
                                     reason or f"rollback from {current.version if current else 'none'}")

    def history(self, name: str) -> list[TransitionInfo]:
        """Every stage transition of a model name, oldest first."""
        rows = self.store.history(name)
        if not rows:
            raise NotFoundError(f"No model named {name!r}.")
        return rows

    def delete_model(self, key: str) -> None:
        info = self.store.delete(key)
        shutil.rmtree(self.home / Path(info.artifact_path).parent, ignore_errors=True)

    def set_model_threshold(self, key: str, threshold: float | None) -> ModelVersionInfo:
        return self.store.update(key, threshold=threshold)
