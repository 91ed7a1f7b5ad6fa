"""ModelStore: model versions and their stage transitions, as entities."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from mlcore.errors import ConflictError, NotFoundError
from mlcore.registry import _convert as conv
from mlcore.registry import orm
from mlcore.registry.db import Database
from mlcore.registry.entities import ModelVersionInfo, TransitionInfo


def _lost_a_race(exc: OperationalError) -> bool:
    """A deadlock or serialization failure PostgreSQL broke, or SQLite's writer lock timing out."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in ("40P01", "40001") or "database is locked" in str(orig)


def _version_row(s: Session, key: str) -> orm.MLModelVersion:
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


def _record(s: Session, row: orm.MLModelVersion, old: str | None, new: str, reason: str | None) -> None:
    s.add(orm.MLStageTransition(model_version_id=row.id, name=row.name, version=row.version,
                                from_status=old, to_status=new, reason=reason))


class ModelStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, key: str) -> ModelVersionInfo:
        with self._db.session() as s:
            return conv.model_version(_version_row(s, key))

    def production(self, name: str) -> ModelVersionInfo:
        with self._db.session() as s:
            row = s.scalars(select(orm.MLModelVersion).where(orm.MLModelVersion.name == name,
                                                             orm.MLModelVersion.status == "production")).first()
            if row is None:
                raise NotFoundError(f"Model {name!r} has no production version.")
            return conv.model_version(row)

    def list(self, name: str | None = None, status: str | None = None) -> list[ModelVersionInfo]:
        with self._db.session() as s:
            q = select(orm.MLModelVersion).order_by(orm.MLModelVersion.created_at.desc())
            if name:
                q = q.where(orm.MLModelVersion.name == name)
            if status:
                q = q.where(orm.MLModelVersion.status == status)
            return [conv.model_version(r) for r in s.scalars(q)]

    def versions(self, name: str) -> list[str]:
        with self._db.session() as s:
            return list(s.scalars(select(orm.MLModelVersion.version).where(orm.MLModelVersion.name == name)))

    def add(self, meta: dict[str, Any], reason: str) -> ModelVersionInfo:
        """Insert a new version (staged) with its first transition; a taken (name, version) is a ConflictError."""
        try:
            with self._db.session() as s:
                row = orm.MLModelVersion(**meta)
                s.add(row)
                s.flush()
                _record(s, row, None, row.status, reason)
                s.flush()
                return conv.model_version(row)
        except IntegrityError:
            raise ConflictError(f"Model {meta.get('name')!r} already has version {meta.get('version')}.") from None

    def transition(self, key: str, new_status: str, reason: str | None) -> ModelVersionInfo:
        """Move a version to ``new_status`` in one transaction; a production version it replaces is archived.

        The versions of the name are locked first, in id order (``SELECT … FOR UPDATE`` on PostgreSQL;
        SQLite's writer lock does the same), so two processes changing one name's stages queue instead
        of deadlocking on each other's rows. The partial unique index allows one production row per
        name; a commit that still loses (or a deadlock the database broke) is retried on the fresh state.
        """
        for attempt in range(5):
            try:
                with self._db.session() as s:
                    row = _version_row(s, key)
                    s.scalars(select(orm.MLModelVersion.id).where(orm.MLModelVersion.name == row.name)
                              .order_by(orm.MLModelVersion.id).with_for_update()).all()
                    s.refresh(row)  # its stage as the lock holder before us left it
                    if row.status == new_status:
                        return conv.model_version(row)
                    if new_status == "production":
                        current = s.scalars(select(orm.MLModelVersion).where(
                            orm.MLModelVersion.name == row.name, orm.MLModelVersion.status == "production")).all()
                        for other in current:
                            _record(s, other, other.status, "archived", f"replaced by {row.version}")
                            other.status = "archived"
                        s.flush()
                    _record(s, row, row.status, new_status, reason)
                    row.status = new_status
                    s.flush()
                    return conv.model_version(row)
            except IntegrityError:  # the one-production index: another process promoted first
                time.sleep(0.05 * (attempt + 1))
            except OperationalError as exc:
                if not _lost_a_race(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise ConflictError(f"Could not change the stage of {key!r}: another process keeps changing it.")

    def previous_production(self, name: str) -> list[str]:
        """Versions of ``name`` that were production before, most recent first (the current one excluded)."""
        with self._db.session() as s:
            current = s.scalars(select(orm.MLModelVersion.version).where(
                orm.MLModelVersion.name == name, orm.MLModelVersion.status == "production")).first()
            promoted = s.scalars(select(orm.MLStageTransition.version).where(
                orm.MLStageTransition.name == name, orm.MLStageTransition.to_status == "production")
                .order_by(orm.MLStageTransition.id.desc())).all()
            return [v for v in promoted if v != current]

    def history(self, name: str) -> list[TransitionInfo]:
        with self._db.session() as s:
            rows = s.scalars(select(orm.MLStageTransition).where(orm.MLStageTransition.name == name)
                             .order_by(orm.MLStageTransition.id)).all()
            return [conv.transition(r) for r in rows]

    def delete(self, key: str) -> ModelVersionInfo:
        """Delete a version's row; refuse a production version or an A/B test arm."""
        with self._db.session() as s:
            row = _version_row(s, key)
            if row.status == "production":
                raise ConflictError(f"{row.name} {row.version} is in production; demote or archive it first.")
            tests = s.scalars(select(orm.MLABTest.name).where(
                (orm.MLABTest.model_a_id == row.id) | (orm.MLABTest.model_b_id == row.id))).all()
            if tests:
                raise ConflictError(f"{row.name} {row.version} is an arm of A/B test(s) {sorted(tests)}; deleting it "
                                    "would delete their prediction logs and outcomes. Archive it instead.")
            info = conv.model_version(row)
            s.delete(row)
            return info

    def update(self, key: str, **values: Any) -> ModelVersionInfo:
        with self._db.session() as s:
            row = _version_row(s, key)
            for k, v in values.items():
                setattr(row, k, v)
            s.flush()
            return conv.model_version(row)
