"""Cheap queries for a long-running reader (the REST server): has the registry changed, which
jobs did this process just start, and a bulk insert of prediction log rows.

They exist so a server can cache loaded models and notice another process's promote without
re-reading every table on every request; SQL stays here, callers get plain values.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select

from mlcore.registry import orm

if TYPE_CHECKING:
    from mlcore.registry.db import Database

__all__ = ["change_stamp", "jobs_started_by", "insert_prediction_logs", "append_prediction_logs",
           "append_prediction_log_batches"]


def change_stamp(db: "Database") -> tuple[Any, ...]:
    """A value that changes whenever a stage, a threshold or an A/B test changes (one indexed query).

    Stage transitions only grow, so their largest id moves on every promote, rollback or deploy;
    a version's ``updated_at`` moves when its threshold changes; A/B tests by count and status.
    """
    t, v, ab = orm.MLStageTransition, orm.MLModelVersion, orm.MLABTest
    query = select(
        select(func.max(t.id)).scalar_subquery(),
        select(func.max(v.updated_at)).scalar_subquery(),
        select(func.count(ab.id)).scalar_subquery(),
        select(func.count(ab.id)).where(ab.status == "running").scalar_subquery(),
    )
    with db.session() as s:
        return tuple(s.execute(query).one())


def jobs_started_by(db: "Database", pid: int, kind: str, since: datetime) -> list[str]:
    """Ids of jobs of ``kind`` that process ``pid`` created at or after ``since``, oldest first."""
    j = orm.MLTrainingJob
    with db.session() as s:
        return list(s.scalars(select(j.id).where(j.pid == pid, j.kind == kind, j.created_at >= since)
                              .order_by(j.created_at)))


def insert_prediction_logs(db: "Database", rows: list[dict[str, Any]]) -> list[int]:
    """Insert MLPredictionLog rows (model_version_id, ab_test_id, arm, user_id, prediction, latency_ms,
    created_at) in one statement; return their ids in order."""
    if not rows:
        return []
    log = orm.MLPredictionLog
    with db.session() as s:
        ids = s.scalars(insert(log).returning(log.id, sort_by_parameter_order=True), rows).all()
    return [int(i) for i in ids]


def append_prediction_logs(db: "Database", rows: list[dict[str, Any]]) -> int:
    """Insert MLPredictionLog rows in order without reading their ids back (a Core executemany: about a
    third of the CPU of :func:`insert_prediction_logs`, which the REST server's log writer needs)."""
    if not rows:
        return 0
    with db.session() as s:
        s.connection().execute(orm.MLPredictionLog.__table__.insert(), rows)
    return len(rows)


_LOG_COLUMNS = ("model_version_id", "ab_test_id", "arm", "user_id", "prediction", "latency_ms", "created_at")
_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def append_prediction_log_batches(db: "Database", batches: list[tuple[dict[str, Any], list[Any], list[Any]]]) -> int:
    """Insert MLPredictionLog rows given as (shared columns, predictions, user ids) batches, in order.

    The rows a request logs share every column but prediction and user id, so each column's bind
    processor (JSON text, SQLite's datetime text) runs once per distinct value and the driver gets
    plain tuples: a fraction of the CPU of :func:`append_prediction_logs` on 10,000 rows, which matters
    because the server's writer thread shares the machine with the requests. Values are exactly what
    SQLAlchemy would bind. SQLite only; other databases take the Core executemany.
    """
    if not batches:
        return 0
    table = orm.MLPredictionLog.__table__
    with db.session() as s:
        conn = s.connection()
        dialect = conn.dialect
        mark = _PLACEHOLDER.get(dialect.paramstyle) if dialect.name == "sqlite" else None
        if mark is None:  # PostgreSQL: its driver adapts JSON and timestamps itself
            rows = [dict(common, prediction=p, user_id=u) for common, preds, users in batches
                    for p, u in zip(preds, users)]
            conn.execute(table.insert(), rows)
            return len(rows)
        processors = {name: table.c[name].type._cached_bind_processor(dialect) for name in _LOG_COLUMNS}

        def bound(name: str, value: Any) -> Any:
            process = processors[name]
            return value if process is None or value is None else process(value)

        predict_process = processors["prediction"]
        cache: dict[tuple[type, Any], Any] = {}

        def prediction(value: Any) -> Any:
            if predict_process is None:
                return value
            key = (type(value), value)
            try:
                return cache[key]
            except KeyError:
                out = cache[key] = predict_process(value)  # NULL included: a JSON column binds None as 'null'
                return out
            except TypeError:  # unhashable
                return predict_process(value)

        params: list[tuple[Any, ...]] = []
        for common, preds, users in batches:
            shared = [bound(name, common.get(name)) for name in _LOG_COLUMNS]
            users_bound = [bound("user_id", u) for u in users] if processors["user_id"] is not None else users
            for p, u in zip(preds, users_bound):
                row = shared.copy()
                row[3], row[4] = u, prediction(p)
                params.append(tuple(row))
        columns = ", ".join(_LOG_COLUMNS)
        marks = ", ".join([mark] * len(_LOG_COLUMNS))
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", params)
    return len(params)
