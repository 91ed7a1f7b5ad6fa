"""Monitored training: the request (TrainConfig) and one run (train_pipeline)."""

from __future__ import annotations

from typing import Any

from mlcore._lazy import lazy_exports
from mlcore.training.config import (
    DEFAULT_ALGORITHM,
    DEFAULT_EARLY_STOPPING,
    DEFAULT_PATIENCE,
    DEFAULT_REFIT,
    TrainConfig,
)

_LAZY = {
    "train_pipeline": "mlcore.training.run",
    "resolve_recipe": "mlcore.training.run",
    "fit_monitored": "mlcore.training.monitor",
    "library_versions": "mlcore.training.versions",
    "train_pipeline_dask": "mlcore.training._dask",
    "dask_client": "mlcore.training._dask",
    "DASK_ALGORITHMS": "mlcore.training._dask",
    "dask_split_codes": "mlcore.training._dask",
    "check_dask_request": "mlcore.training._dask",
    "choose_memory_path": "mlcore.training._dask",
}

__all__ = ["TrainConfig", "DEFAULT_ALGORITHM", "DEFAULT_EARLY_STOPPING", "DEFAULT_PATIENCE", "DEFAULT_REFIT", "evaluate_splits", *_LAZY]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


def evaluate_splits(pipeline: Any, task: str, splits: dict[str, Any], seed: int,
                    deadline: float | None = None) -> dict[str, Any]:
    """Metrics of a fitted pipeline on named (X, y) splits, as a training job records them.

    ``deadline`` (``time.perf_counter()``): the bootstrap intervals stop adding resamples there; a split
    whose intervals used fewer than asked says so in ``bootstrap_resamples``."""
    from mlcore.training.run import _evaluate_splits

    return _evaluate_splits(pipeline, task, splits, seed, deadline)
