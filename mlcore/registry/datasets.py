"""DatasetStore: the rows of imported datasets, as DatasetInfo entities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from mlcore.errors import NotFoundError
from mlcore.registry import _convert as conv
from mlcore.registry import orm
from mlcore.registry.db import Database
from mlcore.registry.entities import DatasetInfo


MODEL_JOB_KINDS = ("train", "compare", "tune")  # jobs that fit models on a dataset (not evaluate, predict ...)


class DatasetStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, **values: Any) -> DatasetInfo:
        with self._db.session() as s:
            row = orm.MLDataset(**values)
            s.add(row)
            s.flush()
            return conv.dataset(row)

    def add_import(self, **values: Any) -> tuple[DatasetInfo, bool]:
        """Insert a top-level import keyed by its content hash: (the new row, True), or — when another
        process inserted the same content first — (that row, False). The unique key makes it atomic."""
        try:
            return self.add(import_key=values["content_hash"], **values), True
        except IntegrityError:
            existing = self.by_hash(values["content_hash"])
            if existing is None:
                raise
            return existing, False

    def by_hash(self, digest: str) -> DatasetInfo | None:
        with self._db.session() as s:
            row = s.scalars(select(orm.MLDataset).where(orm.MLDataset.content_hash == digest)
                            .order_by(orm.MLDataset.import_key.is_(None), orm.MLDataset.created_at)).first()
            return None if row is None else conv.dataset(row)

    def list(self) -> list[DatasetInfo]:
        with self._db.session() as s:
            return [conv.dataset(r) for r in s.scalars(select(orm.MLDataset).order_by(orm.MLDataset.created_at))]

    def get(self, dataset_id: str) -> DatasetInfo:
        with self._db.session() as s:
            return conv.dataset(conv.get_or_404(s, orm.MLDataset, dataset_id, "dataset"))

    def find(self, key: str) -> DatasetInfo:
        """A dataset by id, id prefix or exact name."""
        if not key or not key.strip():
            raise NotFoundError("No dataset given.")
        with self._db.session() as s:
            row = s.get(orm.MLDataset, key)
            if row is None:
                rows = s.scalars(select(orm.MLDataset).where(
                    (orm.MLDataset.id.startswith(key, autoescape=True)) | (orm.MLDataset.name == key))).all()
                if len(rows) > 1:
                    raise NotFoundError(f"{key!r} matches {len(rows)} datasets; use the full id.")
                row = rows[0] if rows else None
            if row is None:
                raise NotFoundError(f"No dataset with id or name {key!r}.")
            return conv.dataset(row)

    def update(self, dataset_id: str, **values: Any) -> DatasetInfo:
        with self._db.session() as s:
            row = conv.get_or_404(s, orm.MLDataset, dataset_id, "dataset")
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            return conv.dataset(row)

    def usage(self, dataset_id: str) -> tuple[int, int]:
        """(model versions, completed jobs) that were made from the dataset."""
        with self._db.session() as s:
            n_models = s.scalar(select(func.count()).select_from(orm.MLModelVersion)
                                .where(orm.MLModelVersion.dataset_id == dataset_id)) or 0
            n_jobs = s.scalar(select(func.count()).select_from(orm.MLTrainingJob)
                              .where(orm.MLTrainingJob.dataset_id == dataset_id,
                                     orm.MLTrainingJob.status == "completed",
                                     orm.MLTrainingJob.kind.in_(MODEL_JOB_KINDS))) or 0
            return int(n_models), int(n_jobs)

    def delete(self, dataset_id: str) -> DatasetInfo:
        with self._db.session() as s:
            row = conv.get_or_404(s, orm.MLDataset, dataset_id, "dataset")
            info = conv.dataset(row)
            s.delete(row)
            return info
