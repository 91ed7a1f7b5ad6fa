"""Workspace operations of the model registry: deploy, stages, rollback, history, loading."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mlcore.errors import ConfigError, ConflictError, NotFoundError
from mlcore.registry import orm, store
from mlcore.registry.entities import ModelVersionInfo, TransitionInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

STATUSES = ("training", "staged", "production", "archived")




class RegistryOps:
    home: Path

    # -- lookups ------------------------------------------------------------------
    def _version_row(self, s: "Session", key: str) -> orm.MLModelVersion:
        """A version by id, id prefix, or 'name:version' / 'name@production'."""
        if not key or not key.strip():
            raise NotFoundError("No model version given.")
        row = s.get(orm.MLModelVersion, key)
        if row is not None:
            return row
        q = select(orm.MLModelVersion)
        if "@" in key or ":" in key:
            name, sep, ver = key.partition("@") if "@" in key else key.partition(":")
            q = q.where(orm.MLModelVersion.name == name)
            q = q.where(orm.MLModelVersion.status == ver) if sep == "@" else q.where(orm.MLModelVersion.version == ver)
        else:
            q = q.where(orm.MLModelVersion.id.startswith(key, autoescape=True))
        rows = s.scalars(q).all()
        if len(rows) != 1:
            raise NotFoundError(f"No model version {key!r}" + (f" ({len(rows)} match)" if rows else "") +
                                "; use a model id, NAME:VERSION or NAME@production.")
        return rows[0]

    def get_model(self, key: str) -> ModelVersionInfo:
        with self.db.session() as s:
            return store.model_version(self._version_row(s, key))

    def production_model(self, name: str) -> ModelVersionInfo:
        with self.db.session() as s:
            row = s.scalars(select(orm.MLModelVersion).where(orm.MLModelVersion.name == name,
                                                             orm.MLModelVersion.status == "production")).first()
            if row is None:
                raise NotFoundError(f"Model {name!r} has no production version.")
            return store.model_version(row)

    def list_models(self, name: str | None = None, status: str | None = None) -> list[ModelVersionInfo]:
        """Deployed model versions, newest first (seed: GET /models/deployed)."""
        if status is not None and status not in STATUSES:
            raise ConfigError(f"status must be one of {list(STATUSES)}, not {status!r}.")
        with self.db.session() as s:
            q = select(orm.MLModelVersion).order_by(orm.MLModelVersion.created_at.desc())
            if name:
                q = q.where(orm.MLModelVersion.name == name)
            if status:
                q = q.where(orm.MLModelVersion.status == status)
            return [store.model_version(r) for r in s.scalars(q)]

    def load_model(self, key: str) -> tuple[Any, ModelVersionInfo]:
        """The pipeline of a version (sha256 verified) and its metadata (seed: load_model)."""
        from mlcore.artifacts import load_artifact

        info = self.get_model(key)
        return load_artifact(self.home / info.artifact_path, info.artifact_sha256), info

    # -- deploy -------------------------------------------------------------------
    def deploy(self, job_id: str, model_name: str, version: str | None = None, description: str | None = None,
               tags: list[str] | None = None, promote_to_production: bool = False) -> ModelVersionInfo:
        """Register a completed training/tuning job as a model version (seed: POST /models/deploy)."""
        from mlcore.artifacts import sha256_file
        from mlcore.deployment.naming import next_version, validate_name, validate_version
        from mlcore.deployment.schema import build_schema

        name = validate_name(model_name)
        job = self.get_job(job_id)
        pipeline = self.load_job_pipeline(job.id)  # verifies the job artifact
        results = job.results or {}
        with self.db.session() as s:
            existing = s.scalars(select(orm.MLModelVersion.version).where(orm.MLModelVersion.name == name)).all()
        version = validate_version(version) if version else next_version(list(existing))
        if version in existing:
            raise ConflictError(f"Model {name!r} already has version {version}; choose another version.")
        target = job.config.get("target_column")
        schema = results.get("input_schema")  # recorded at training time from the training rows
        if schema is None and job.dataset_id:
            frame = self.load_frame(job.dataset_id)
            frame = frame[frame[target].notna()].reset_index(drop=True)
            train_idx = self.job_split(job.id)["train"]
            schema = build_schema(frame.drop(columns=[target]).iloc[train_idx], target).to_dict()
        version_id = str(uuid.uuid4())
        folder = self._new_version_folder(name, version)
        artifact = folder / "model.joblib"
        try:
            shutil.copy2(self.home / job.artifact_path, artifact)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        digest = sha256_file(artifact)
        evaluation = results.get("evaluation") or {}
        metrics = (evaluation.get("test") or evaluation.get("validation") or {}).get("metrics", {})
        summary = results.get("training_summary") or {}
        hyper = dict(results.get("best_params") or job.config.get("hyperparameters") or {})
        meta = dict(
            id=version_id, name=name, version=version, status="staged", task_type=results.get("task_type", ""),
            algorithm=job.config.get("algorithm", summary.get("algorithm", "")), description=description,
            tags=list(tags or []), metrics=metrics, hyperparameters=hyper,  # JSON-clean: from the job row
            feature_names=list(results.get("feature_names") or []), target_name=target,
            training_samples=(summary.get("rows") or {}).get("train"), dataset_id=job.dataset_id,
            dataset_hash=job.dataset_hash, job_id=job.id, input_schema=schema,
            library_versions=job.library_versions, threshold=results.get("threshold"),
            artifact_path=str(artifact.relative_to(self.home)), artifact_sha256=digest,
        )
        try:
            (folder / "metadata.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
            with self.db.session() as s:
                row = orm.MLModelVersion(**meta)
                s.add(row)
                s.flush()
                self._record(s, row, None, "staged", "deployed from job " + job.id)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        del pipeline
        if promote_to_production:
            return self.promote(version_id, reason="promoted at deploy")
        return self.get_model(version_id)

    def register_model(self, pipeline: Any, *, name: str, version: str | None, task_type: str, algorithm: str,
                       metrics: dict | None = None, hyperparameters: dict | None = None,
                       feature_names: list[str] | None = None, target_name: str | None = None,
                       training_samples: int | None = None, description: str | None = None,
                       tags: list[str] | None = None, input_schema: dict | None = None,
                       threshold: float | None = None) -> ModelVersionInfo:
        """Register a pipeline trained outside a workspace job (the seed SDK's save_model)."""
        from mlcore.artifacts import save_artifact
        from mlcore.deployment.naming import next_version, validate_name, validate_version
        from mlcore.training.versions import library_versions

        from mlcore.evaluation._common import to_python

        name = validate_name(name)
        if task_type not in ("classification", "regression"):
            raise ConfigError(f"task_type must be 'classification' or 'regression', not {task_type!r}.")
        if not callable(getattr(pipeline, "predict", None)):
            raise ConfigError(f"A model must have a predict method; got a {type(pipeline).__name__}.")
        with self.db.session() as s:
            existing = s.scalars(select(orm.MLModelVersion.version).where(orm.MLModelVersion.name == name)).all()
        version = validate_version(version) if version else next_version(list(existing))
        if version in existing:
            raise ConflictError(f"Model {name!r} already has version {version}; choose another version.")
        folder = self._new_version_folder(name, version)
        version_id = str(uuid.uuid4())
        try:
            digest = save_artifact(pipeline, folder / "model.joblib")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        meta = dict(id=version_id, name=name, version=version, status="staged", task_type=task_type,
                    algorithm=algorithm, description=description, tags=list(tags or []),
                    metrics=to_python(dict(metrics or {})), hyperparameters=to_python(dict(hyperparameters or {})),
                    feature_names=[str(f) for f in (feature_names or [])], target_name=target_name,
                    training_samples=training_samples, dataset_id=None, dataset_hash=None, job_id=None,
                    input_schema=input_schema, library_versions=library_versions(), threshold=threshold,
                    artifact_path=str((folder / "model.joblib").relative_to(self.home)), artifact_sha256=digest)
        try:
            (folder / "metadata.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
            with self.db.session() as s:
                row = orm.MLModelVersion(**meta)
                s.add(row)
                s.flush()
                self._record(s, row, None, "staged", "registered")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return self.get_model(version_id)

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
    @staticmethod
    def _record(s: "Session", row: orm.MLModelVersion, old: str | None, new: str, reason: str | None) -> None:
        s.add(orm.MLStageTransition(model_version_id=row.id, name=row.name, version=row.version,
                                    from_status=old, to_status=new, reason=reason))

    def _transition(self, key: str, new_status: str, reason: str | None) -> ModelVersionInfo:
        """Move a version to ``new_status`` in one transaction; a production version it replaces is archived.

        The partial unique index allows one production row per name; when two processes
        promote at once, the loser's commit fails and it retries on the fresh state.
        """
        for attempt in range(5):
            try:
                with self.db.session() as s:
                    row = self._version_row(s, key)
                    if row.status == new_status:
                        return store.model_version(row)
                    if new_status == "production":
                        current = s.scalars(select(orm.MLModelVersion).where(
                            orm.MLModelVersion.name == row.name, orm.MLModelVersion.status == "production")).all()
                        for other in current:
                            self._record(s, other, other.status, "archived", f"replaced by {row.version}")
                            other.status = "archived"
                        s.flush()
                    self._record(s, row, row.status, new_status, reason)
                    row.status = new_status
                    s.flush()
                    return store.model_version(row)
            except IntegrityError:
                time.sleep(0.05 * (attempt + 1))
        raise ConflictError(f"Could not change the stage of {key!r}: another process keeps changing it.")

    def promote(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        """Make a version the production one of its name (seed: POST /models/{id}/promote)."""
        return self._transition(key, "production", reason or "promoted")

    promote_to_production = promote

    def stage(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        return self._transition(key, "staged", reason or "staged")

    def demote(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        """production → staged; staged → training."""
        info = self.get_model(key)
        target = {"production": "staged", "staged": "training"}.get(info.status)
        if target is None:
            raise ConflictError(f"{info.name} {info.version} is {info.status}; only production or staged "
                                "versions can be demoted.")
        return self._transition(info.id, target, reason or "demoted")

    def archive(self, key: str, reason: str | None = None) -> ModelVersionInfo:
        return self._transition(key, "archived", reason or "archived")

    def rollback(self, name: str, to_version: str | None = None, reason: str | None = None) -> ModelVersionInfo:
        """Make an earlier version production again; default: the previous production version."""
        from mlcore.deployment.naming import validate_version

        with self.db.session() as s:
            versions = {r.version: r.id for r in s.scalars(
                select(orm.MLModelVersion).where(orm.MLModelVersion.name == name))}
            if not versions:
                raise NotFoundError(f"No model named {name!r}.")
            current = s.scalars(select(orm.MLModelVersion).where(
                orm.MLModelVersion.name == name, orm.MLModelVersion.status == "production")).first()
            if to_version is None:
                promoted = s.scalars(select(orm.MLStageTransition).where(
                    orm.MLStageTransition.name == name, orm.MLStageTransition.to_status == "production")
                    .order_by(orm.MLStageTransition.id.desc())).all()
                previous = [t.version for t in promoted if current is None or t.version != current.version]
                if not previous:
                    raise ConflictError(f"Model {name!r} has no earlier production version to roll back to.")
                to_version = previous[0]
            to_version = validate_version(to_version)
            if to_version not in versions:
                raise NotFoundError(f"Model {name!r} has no version {to_version}; versions: {sorted(versions)}.")
            if current is not None and current.version == to_version:
                raise ConflictError(f"{name} {to_version} is already the production version.")
        return self._transition(versions[to_version], "production",
                                reason or f"rollback from {current.version if current else 'none'}")

    def history(self, name: str) -> list[TransitionInfo]:
        """Every stage transition of a model name, oldest first."""
        with self.db.session() as s:
            rows = s.scalars(select(orm.MLStageTransition).where(orm.MLStageTransition.name == name)
                             .order_by(orm.MLStageTransition.id)).all()
            if not rows:
                raise NotFoundError(f"No model named {name!r}.")
            return [store.transition(r) for r in rows]

    def delete_model(self, key: str) -> None:
        with self.db.session() as s:
            row = self._version_row(s, key)
            if row.status == "production":
                raise ConflictError(f"{row.name} {row.version} is in production; demote or archive it first.")
            tests = s.scalars(select(orm.MLABTest.name).where(
                (orm.MLABTest.model_a_id == row.id) | (orm.MLABTest.model_b_id == row.id))).all()
            if tests:
                raise ConflictError(f"{row.name} {row.version} is an arm of A/B test(s) {sorted(tests)}; deleting it "
                                    "would delete their prediction logs and outcomes. Archive it instead.")
            folder = self.home / Path(row.artifact_path).parent
            s.delete(row)
        shutil.rmtree(folder, ignore_errors=True)

    def set_model_threshold(self, key: str, threshold: float | None) -> ModelVersionInfo:
        with self.db.session() as s:
            row = self._version_row(s, key)
            row.threshold = threshold
            s.flush()
            return store.model_version(row)
