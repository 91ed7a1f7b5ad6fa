"""ABStore: A/B tests and the prediction log (with outcomes), as entities and plain rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from mlcore.errors import ConflictError, NotFoundError
from mlcore.registry import _convert as conv
from mlcore.registry import orm
from mlcore.registry.db import Database
from mlcore.registry.entities import ABTestInfo
from mlcore.registry.orm import utcnow


def _ab_row(s: Session, name: str) -> orm.MLABTest:
    row = s.scalars(select(orm.MLABTest).where(orm.MLABTest.name == name)).first()
    if row is None:
        row = s.get(orm.MLABTest, name)
    if row is None:
        raise NotFoundError(f"No A/B test named {name!r}.")
    return row


class ABStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, **values: Any) -> ABTestInfo:
        with self._db.session() as s:
            if s.scalars(select(orm.MLABTest).where(orm.MLABTest.name == values["name"])).first() is not None:
                raise ConflictError(f"An A/B test named {values['name']!r} already exists.")
            row = orm.MLABTest(status="running", **values)
            s.add(row)
            s.flush()
            return conv.ab_test(row)

    def get(self, name: str) -> ABTestInfo:
        """A test by name or id, with its logged predictions counted per arm."""
        with self._db.session() as s:
            row = _ab_row(s, name)
            counts = dict(s.execute(select(orm.MLPredictionLog.arm, func.count()).where(
                orm.MLPredictionLog.ab_test_id == row.id).group_by(orm.MLPredictionLog.arm)).all())
            return conv.ab_test(row, {k: int(v) for k, v in counts.items() if k})

    def names(self) -> list[str]:
        with self._db.session() as s:
            return list(s.scalars(select(orm.MLABTest.name).order_by(orm.MLABTest.created_at)))

    def stop(self, name: str, winner: str | None = None) -> ABTestInfo:
        with self._db.session() as s:
            row = _ab_row(s, name)
            if row.status != "stopped":
                row.status = "stopped"
                row.stopped_at = utcnow()
            if winner is not None:
                row.winner = winner
        return self.get(name)

    def record_outcomes(self, name: str, by: str, pairs: list[tuple[Any, float]]) -> int:
        """Set the outcome of logged predictions matched by ``by`` (prediction_id | user_id); how many matched."""
        now = utcnow()
        matched = 0
        col = orm.MLPredictionLog.id if by == "prediction_id" else orm.MLPredictionLog.user_id
        with self._db.session() as s:
            test = _ab_row(s, name)
            for ident, value in pairs:
                res = s.execute(update(orm.MLPredictionLog).where(
                    orm.MLPredictionLog.ab_test_id == test.id, col == ident).values(outcome=float(value),
                                                                                    outcome_at=now))
                matched += res.rowcount or 0
        return matched

    def outcomes(self, test_id: str) -> list[tuple[str | None, float | None]]:
        """(arm, outcome) of every prediction logged for a test."""
        with self._db.session() as s:
            return [tuple(r) for r in s.execute(select(orm.MLPredictionLog.arm, orm.MLPredictionLog.outcome).where(
                orm.MLPredictionLog.ab_test_id == test_id)).all()]

    def log_predictions(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert prediction log rows; their ids in order."""
        if not rows:
            return []
        now = utcnow()
        with self._db.session() as s:
            ids = s.scalars(insert(orm.MLPredictionLog).returning(orm.MLPredictionLog.id, sort_by_parameter_order=True),
                            [dict(r, created_at=now) for r in rows]).all()
        return [int(i) for i in ids]
