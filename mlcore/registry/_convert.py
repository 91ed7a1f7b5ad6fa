"""ORM row -> entity conversions and the lookup helpers the stores share. Rows stay in this package."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from mlcore.errors import NotFoundError
from mlcore.registry import entities as e
from mlcore.registry import orm

T = TypeVar("T")


def _convert(cls: type[T], row: Any, **overrides: Any) -> T:
    names = [f.name for f in dataclasses.fields(cls) if f.name not in overrides]  # type: ignore[arg-type]
    values = {name: getattr(row, name) for name in names if hasattr(row, name)}
    values.update(overrides)
    return cls(**values)


def dataset(row: orm.MLDataset) -> e.DatasetInfo:
    return _convert(e.DatasetInfo, row)


def job(row: orm.MLTrainingJob) -> e.JobInfo:
    return _convert(e.JobInfo, row)


def recipe(row: orm.MLFeatureStore) -> e.RecipeInfo:
    return _convert(e.RecipeInfo, row, recipe=dict(row.definition))


def experiment(row: orm.MLExperiment) -> e.ExperimentInfo:
    return _convert(e.ExperimentInfo, row)


def model_version(row: orm.MLModelVersion) -> e.ModelVersionInfo:
    return _convert(e.ModelVersionInfo, row)


def transition(row: orm.MLStageTransition) -> e.TransitionInfo:
    return _convert(e.TransitionInfo, row)


def ab_test(row: orm.MLABTest, counts: dict[str, int] | None = None) -> e.ABTestInfo:
    return _convert(e.ABTestInfo, row, counts=counts or {})


def get_or_404(session: Session, model: type[T], key: str, what: str) -> T:
    row = session.get(model, key)
    if row is None:
        raise NotFoundError(f"No {what} with id {key!r}.")
    return row
