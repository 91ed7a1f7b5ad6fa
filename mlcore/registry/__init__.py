"""The registry: the only package that talks to the database (SQLAlchemy).

``Registry(url)`` opens the database (migrating it) and holds one store per entity; every
store method returns entities from :mod:`mlcore.registry.entities`, never ORM rows or sessions.
"""

from __future__ import annotations

from pathlib import Path

from mlcore.registry.ab import ABStore
from mlcore.registry.datasets import DatasetStore
from mlcore.registry.db import Database
from mlcore.registry.entities import (
    ABTestInfo,
    DatasetInfo,
    ExperimentInfo,
    JobInfo,
    ModelVersionInfo,
    RecipeInfo,
    TransitionInfo,
)
from mlcore.registry.jobs import JobStore
from mlcore.registry.models import ModelStore
from mlcore.registry.orm import utcnow
from mlcore.registry.recipes import RecipeStore
from mlcore.registry.watch import append_prediction_log_batches, append_prediction_logs, change_stamp, insert_prediction_logs, jobs_started_by

__all__ = [
    "Registry", "Database", "DatasetStore", "JobStore", "RecipeStore", "ModelStore", "ABStore",
    "DatasetInfo", "JobInfo", "ExperimentInfo", "RecipeInfo", "ModelVersionInfo", "TransitionInfo", "ABTestInfo",
    "hide_password", "utcnow", "change_stamp", "jobs_started_by", "insert_prediction_logs", "append_prediction_logs",
    "append_prediction_log_batches",
]


def hide_password(url: str) -> str:
    """A database URL fit to record or show: its password masked (anything else is returned as is)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not an SQLAlchemy URL (e.g. a journal file storage): keep it
        return url


class Registry:
    """The workspace database and its stores: datasets, jobs, recipes, models, ab."""

    def __init__(self, url: str, db_path: Path | None = None) -> None:
        self.db = Database(url, db_path)
        self.datasets = DatasetStore(self.db)
        self.jobs = JobStore(self.db)
        self.recipes = RecipeStore(self.db)
        self.models = ModelStore(self.db)
        self.ab = ABStore(self.db)

    def close(self) -> None:
        self.db.dispose()
