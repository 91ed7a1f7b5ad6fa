"""Plain dataclasses handed to callers instead of ORM rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


class _Entity:
    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)  # type: ignore[call-overload]
        return {k: _iso(v) if isinstance(v, datetime) else v for k, v in out.items()}


@dataclass
class DatasetInfo(_Entity):
    id: str
    name: str
    rows: int
    columns: int
    column_names: list[str]
    dtypes: dict[str, str]
    missing_values: dict[str, int]
    target_column: str | None
    content_hash: str
    source_path: str | None
    file_path: str
    parent_id: str | None
    lineage: dict[str, Any] | None
    import_info: dict[str, Any]
    profile: dict[str, Any]
    created_at: datetime
    file_sha256: str | None = None

    def summary(self) -> dict[str, Any]:
        """The seed's upload/list response fields."""
        return {
            "dataset_id": self.id,
            "name": self.name,
            "rows": self.rows,
            "columns": self.columns,
            "column_names": self.column_names,
            "missing_values": self.missing_values,
            "target_column": self.target_column,
            "created_at": _iso(self.created_at),
        }

    def details(self) -> dict[str, Any]:
        """The seed's GET /datasets/{id} response, plus categorical stats and lineage."""
        out = self.summary()
        out.update(
            dtypes=self.dtypes,
            numeric_stats=self.profile.get("numeric_stats", {}),
            categorical_stats=self.profile.get("categorical_stats", {}),
            target_summary=self.profile.get("target_summary"),
            content_hash=self.content_hash,
            parent_id=self.parent_id,
            lineage=self.lineage,
            import_info=self.import_info,
        )
        return out


@dataclass
class JobInfo(_Entity):
    id: str
    kind: str
    status: str
    dataset_id: str | None
    dataset_hash: str | None
    config: dict[str, Any]
    results: dict[str, Any] | None
    error: str | None
    library_versions: dict[str, Any] | None
    artifact_path: str | None
    artifact_sha256: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    split_sha256: str | None = None

    def record(self) -> dict[str, Any]:
        """The seed's GET /models/train/{job_id} shape."""
        return {
            "job_id": self.id,
            "kind": self.kind,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "completed_at": _iso(self.completed_at),
            "config": self.config,
            "error": self.error,
            "dataset_id": self.dataset_id,
            "dataset_hash": self.dataset_hash,
            "library_versions": self.library_versions,
            "results": self.results,
        }


@dataclass
class RecipeInfo(_Entity):
    name: str
    recipe: dict[str, Any]
    description: str | None
    created_at: datetime
    updated_at: datetime


@dataclass
class ExperimentInfo(_Entity):
    id: str
    job_id: str | None
    name: str
    method: str
    algorithm: str
    study_name: str | None
    storage: str | None
    status: str
    best_params: dict[str, Any] | None
    best_score: float | None
    trials: list[Any] | None
    created_at: datetime
    completed_at: datetime | None


@dataclass
class ModelVersionInfo(_Entity):
    id: str
    name: str
    version: str
    status: str
    task_type: str
    algorithm: str
    description: str | None
    tags: list[str]
    metrics: dict[str, Any]
    hyperparameters: dict[str, Any]
    feature_names: list[str]
    target_name: str | None
    training_samples: int | None
    dataset_id: str | None
    dataset_hash: str | None
    job_id: str | None
    input_schema: dict[str, Any] | None
    library_versions: dict[str, Any] | None
    threshold: float | None
    artifact_path: str
    artifact_sha256: str
    created_at: datetime
    updated_at: datetime

    def summary(self) -> dict[str, Any]:
        """The seed's GET /models/deployed item."""
        return {
            "model_id": self.id,
            "name": self.name,
            "version": self.version,
            "algorithm": self.algorithm,
            "task_type": self.task_type,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "metrics": self.metrics,
            "tags": self.tags,
        }


@dataclass
class TransitionInfo(_Entity):
    model_version_id: str
    name: str
    version: str
    from_status: str | None
    to_status: str
    reason: str | None
    created_at: datetime


@dataclass
class ABTestInfo(_Entity):
    id: str
    name: str
    model_a_id: str
    model_b_id: str
    split_ratio: float
    salt: str
    status: str
    winner: str | None
    created_at: datetime
    stopped_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)
