"""SQLAlchemy ORM tables of the workspace database. Rows never leave mlcore.registry."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class MLDataset(Base):
    __tablename__ = "ml_datasets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    source_path: Mapped[str | None] = mapped_column(Text)
    file_path: Mapped[str] = mapped_column(Text)
    # sha256 of the Parquet file (NULL for datasets imported before it was recorded)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # the content hash of a top-level import (NULL for derived datasets): unique, so two processes
    # importing the same file at once cannot both insert it
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[int] = mapped_column(Integer)
    column_names: Mapped[list[Any]] = mapped_column(JSON)
    dtypes: Mapped[dict[str, Any]] = mapped_column(JSON)
    missing_values: Mapped[dict[str, Any]] = mapped_column(JSON)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    import_info: Mapped[dict[str, Any]] = mapped_column(JSON)
    target_column: Mapped[str | None] = mapped_column(String(255))
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("ml_datasets.id", ondelete="SET NULL"), index=True
    )
    lineage: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MLTrainingJob(Base):
    __tablename__ = "ml_training_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), default="train")
    status: Mapped[str] = mapped_column(String(32), index=True)
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("ml_datasets.id", ondelete="SET NULL"), index=True
    )
    dataset_hash: Mapped[str | None] = mapped_column(String(64))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    library_versions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    artifact_path: Mapped[str | None] = mapped_column(Text)
    artifact_sha256: Mapped[str | None] = mapped_column(String(64))
    split_sha256: Mapped[str | None] = mapped_column(String(64))
    pid: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()


class MLExperiment(Base):
    __tablename__ = "ml_experiments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("ml_training_jobs.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(32))
    algorithm: Mapped[str] = mapped_column(String(64))
    study_name: Mapped[str | None] = mapped_column(String(255))
    storage: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    best_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    best_score: Mapped[float | None] = mapped_column(Float)
    trials: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class MLModelVersion(Base):
    __tablename__ = "ml_model_versions"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_model_name_version"),
        # at most one production version per name, enforced by the database itself so
        # two processes racing to promote cannot both win
        Index(
            "uq_one_production_per_name",
            "name",
            unique=True,
            sqlite_where=text("status = 'production'"),
            postgresql_where=text("status = 'production'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), index=True)
    task_type: Mapped[str] = mapped_column(String(32))
    algorithm: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    hyperparameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    feature_names: Mapped[list[Any]] = mapped_column(JSON)
    target_name: Mapped[str | None] = mapped_column(String(255))
    training_samples: Mapped[int | None] = mapped_column(Integer)
    dataset_id: Mapped[str | None] = mapped_column(
        ForeignKey("ml_datasets.id", ondelete="SET NULL"), index=True
    )
    dataset_hash: Mapped[str | None] = mapped_column(String(64))
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("ml_training_jobs.id", ondelete="SET NULL"), index=True
    )
    input_schema: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    library_versions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    threshold: Mapped[float | None] = mapped_column(Float)
    artifact_path: Mapped[str] = mapped_column(Text)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MLStageTransition(Base):
    __tablename__ = "ml_stage_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[str] = mapped_column(
        ForeignKey("ml_model_versions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MLABTest(Base):
    __tablename__ = "ml_ab_tests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    model_a_id: Mapped[str] = mapped_column(ForeignKey("ml_model_versions.id", ondelete="CASCADE"))
    model_b_id: Mapped[str] = mapped_column(ForeignKey("ml_model_versions.id", ondelete="CASCADE"))
    split_ratio: Mapped[float] = mapped_column(Float)
    salt: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    winner: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column()


class MLPredictionLog(Base):
    __tablename__ = "ml_prediction_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[str | None] = mapped_column(
        ForeignKey("ml_model_versions.id", ondelete="SET NULL"), index=True
    )
    ab_test_id: Mapped[str | None] = mapped_column(
        ForeignKey("ml_ab_tests.id", ondelete="CASCADE"), index=True
    )
    arm: Mapped[str | None] = mapped_column(String(1))
    user_id: Mapped[str | None] = mapped_column(String(255), index=True)
    prediction: Mapped[Any] = mapped_column(JSON)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[float | None] = mapped_column(Float)
    outcome_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MLFeatureStore(Base):
    """Named preparation recipes (and later, derived feature definitions)."""

    __tablename__ = "ml_feature_store"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="recipe")
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
