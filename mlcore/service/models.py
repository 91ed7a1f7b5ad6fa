"""ModelService: the model registry — versions from jobs or pipelines, stages, rollback, loading.

``deploy`` (from a job) and ``register_model`` (any pipeline) share one path, ``_register``:
validate the name, write the artifact and metadata.json into a private staging folder, insert the
row (which reserves the version), then rename the folder into place (or, when the artifact store is
not the home, upload its files there) — and remove the staging folder if any step before the row
fails. ``sweep`` tidies what a killed deploy left.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from mlcore import vocab
from mlcore.artifacts import ArtifactStore
from mlcore.errors import ConfigError, ConflictError, NotFoundError
from mlcore.jsonsafe import json_safe
from mlcore.registry import ModelStore, ModelVersionInfo, TransitionInfo
from mlcore.service.datasets import DatasetService
from mlcore.service.jobs import JobService

log = logging.getLogger(__name__)

STAGING_PREFIX = ".deploying-"  # models/<name>/.deploying-<pid>-<version id>: a version being written
ORPHANS = ".orphans"  # models/.orphans/: version folders found without a row, kept for a person to look at


class ModelService:
    def __init__(self, home: Path, files: ArtifactStore, store: ModelStore, jobs: JobService,
                 datasets: DatasetService) -> None:
        self.home = home  # staging folders are written here, always on this machine
        self.files = files
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
        return load_artifact(self.model_file(info), info.artifact_sha256), info

    def model_file(self, info: ModelVersionInfo, needed_by: str = ""):
        """The local file of a version's pipeline (downloaded from the store and checked when needed)."""
        what = f"model {info.name} {info.version}" + (f" (needed by {needed_by})" if needed_by else "")
        return self.files.fetch(info.artifact_path, info.artifact_sha256, what)

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
        source = self.jobs.pipeline_file(job, needed_by=f"the deploy of {model_name!r}")

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
        """The one path of a new version: artifact and metadata in a private folder, row, then the rename.

        The row is the reservation: a racing deploy of the same name loses the unique
        (name, version) insert and takes the next free version; the folder is renamed into
        place only after its row commits, so a killed deploy never leaves a version folder
        without a row (its private folder is finished or removed by :meth:`sweep`).
        """
        from mlcore.deployment import validate_name, validate_version

        name = validate_name(name)
        chosen = validate_version(version) if version else None
        if chosen is not None and chosen in self.store.versions(name):
            raise ConflictError(f"Model {name!r} already has version {chosen}; choose another version.")
        version_id = str(uuid.uuid4())
        staging = self.home / "models" / name / f"{STAGING_PREFIX}{os.getpid()}-{version_id}"
        staging.mkdir(parents=True)
        try:
            digest = write(staging / "model.joblib")
            meta = dict(fields, id=version_id, name=name, tags=list(tags or []),
                        metrics=json_safe(dict(metrics or {})),
                        hyperparameters=json_safe(dict(hyperparameters or {})),
                        feature_names=[str(f) for f in (feature_names or [])], artifact_sha256=digest)
            info = self._insert_row(name, chosen, meta, reason, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._publish(staging, str(PurePosixPath(info.artifact_path).parent))
        return info

    def _insert_row(self, name: str, chosen: str | None, meta: dict[str, Any], reason: str,
                    staging: Path) -> ModelVersionInfo:
        """Insert the row at ``chosen`` or at the next free version (retrying when a racing deploy took it)."""
        from mlcore.deployment import next_version

        for _attempt in range(50):
            taken = self.store.versions(name) + self._version_folders(name)
            version = chosen or next_version(taken)
            row = dict(meta, version=version, status="staged", artifact_path=f"models/{name}/{version}/model.joblib")
            # the stage lives in the database only: a copy in the file would go stale at the first promote
            file_meta = {k: v for k, v in row.items() if k != "status"}
            (staging / "metadata.json").write_text(json.dumps(json_safe(file_meta), indent=2), encoding="utf-8")
            try:
                return self.store.add(row, reason)
            except ConflictError:
                if chosen is not None:
                    raise
        raise ConflictError(f"Could not find a free version of {name!r}: other deploys keep taking them.")

    def _version_folders(self, name: str) -> list[str]:
        """Version folders on disk (an orphan's version is not proposed again)."""
        from mlcore.deployment import parse_version

        names = self.files.list_folders(f"models/{name}")
        out = []
        for n in names:
            try:
                parse_version(n)
            except ConfigError:
                continue
            out.append(n)
        return out

    def _publish(self, staging: Path, rel: str) -> None:
        """Put a staged version folder's files in the store at ``rel``.

        In the home's own store it is one rename (a leftover folder there is moved aside first);
        in a shared store each file is uploaded (a temporary name, then moved) and the staged
        folder becomes the cached copy.
        """
        if self.files.in_place:
            final = self.files.local_path(rel)
            if final.exists():
                self._set_aside(final)
            os.replace(staging, final)
            return
        for name in ("model.joblib", "metadata.json"):
            self.files.put(staging / name, f"{rel}/{name}")
        shutil.rmtree(staging, ignore_errors=True)

    def _set_aside(self, folder: Path) -> Path:
        """Move a folder with no row to ``models/.orphans/`` (kept, never deleted)."""
        from datetime import datetime

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = self.home / "models" / ORPHANS / f"{folder.parent.name}-{folder.name}-{stamp}-{uuid.uuid4().hex[:6]}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder, target)
        log.warning("moved %s (no database row) to %s", folder, target)
        return target

    def sweep(self) -> dict[str, int]:
        """Tidy ``models/`` on open: finish or remove staged folders of dead deploys, set aside orphan versions.

        A version folder is set aside (to ``models/.orphans/``) only when no row names it;
        a folder that has a row is never touched.
        """
        import psutil

        root = self.home / "models"
        done = {"finished": 0, "removed": 0, "set_aside": 0}
        if not root.is_dir():
            return done
        rows = {(m.name, m.version): m for m in self.store.list()}
        by_id = {m.id: m for m in rows.values()}
        for name_dir in [p for p in root.iterdir() if p.is_dir() and p.name != ORPHANS]:
            for folder in [p for p in name_dir.iterdir() if p.is_dir()]:
                if folder.name.startswith(STAGING_PREFIX):
                    pid, _, version_id = folder.name[len(STAGING_PREFIX):].partition("-")
                    if pid.isdigit() and psutil.pid_exists(int(pid)):
                        continue  # a deploy in progress (or a pid reused: left for a later sweep)
                    info = by_id.get(version_id)
                    rel = str(PurePosixPath(info.artifact_path).parent) if info else None
                    if rel is not None and not self.files.exists(f"{rel}/model.joblib"):
                        self._publish(folder, rel)  # killed after its row committed: finish the publish
                        done["finished"] += 1
                    else:
                        shutil.rmtree(folder, ignore_errors=True)
                        done["removed"] += 1
                elif self.files.in_place and (name_dir.name, folder.name) not in rows:
                    # only the home's own store: a shared store's folders are not this machine's to judge
                    self._set_aside(folder)
                    done["set_aside"] += 1
        return done

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
        self.files.delete(str(PurePosixPath(info.artifact_path).parent), recursive=True)

    def set_model_threshold(self, key: str, threshold: float | None, metrics: dict[str, Any] | None = None
                            ) -> ModelVersionInfo:
        """Store a version's decision threshold (and its metrics recomputed at it, when given)."""
        values: dict[str, Any] = {"threshold": threshold}
        if metrics is not None:
            values["metrics"] = json_safe(metrics)
        return self.store.update(key, **values)
