"""Workspace: the one service layer that the GUI, the CLI and the SDK call.

A workspace is a folder: ``workbench.db`` (SQLite, unless ``MLWB_DB_URL`` says otherwise),
``datasets/`` (imported data as Parquet), ``jobs/<id>/`` (trained pipelines), ``models/``
(deployed versions), ``optuna.db``, ``reports/`` and ``logs/``.

Each operation lives in a mixin module beside this one (datasets, preparation, training,
registry); this class only owns the folder and the database.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from mlcore._ws_datasets import DatasetOps
from mlcore._ws_deploy import DeploymentOps
from mlcore._ws_evaluation import EvaluationOps
from mlcore._ws_preparation import PreparationOps
from mlcore._ws_registry import RegistryOps
from mlcore._ws_selection import SelectionOps
from mlcore._ws_training import TrainingOps
from mlcore.paths import resolve_home
from mlcore.registry.db import Database

if TYPE_CHECKING:
    from mlcore.jobs import JobContext
    from mlcore.registry.entities import JobInfo

log = logging.getLogger(__name__)

__all__ = ["Workspace"]


class Workspace(DatasetOps, PreparationOps, TrainingOps, SelectionOps, RegistryOps, DeploymentOps,
                EvaluationOps):
    """All operations of the seed's API, on one workspace folder."""

    def __init__(self, home: str | os.PathLike | None = None, db_url: str | None = None) -> None:
        self.home: Path = resolve_home(home)
        for sub in ("datasets", "jobs", "models", "reports", "logs"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        db_path = self.home / "workbench.db"
        url = db_url or os.environ.get("MLWB_DB_URL") or f"sqlite:///{db_path}"
        self.db = Database(url, db_path if url.startswith("sqlite") else None)
        self._mark_interrupted_jobs()

    def automl(self, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
               time_budget: float = 60, metric: str | None = None, seed: int = 42, recipe: str | None = None,
               test_size: float = 0.2, ctx: "JobContext | None" = None) -> "JobInfo":
        """Best model in one click: AutoML under ``time_budget`` seconds as an "automl" job (mlcore._automl_job)."""
        from mlcore._automl_job import run_automl_job

        return run_automl_job(self, dataset_id, target_column, task_type, time_budget, metric, seed, recipe,
                              test_size, ctx)

    @property
    def optuna_storage(self) -> str:
        return f"sqlite:///{self.home / 'optuna.db'}"

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.home)!r})"
