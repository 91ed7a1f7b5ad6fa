"""Typed job results: attributes for new code, ``to_dict()`` for JSON, and mapping reads for old clients.

Each result is what its job stores on the job row (``to_dict()``). Existing clients read results as
dicts (``out["comparison"]``); a result answers those reads too, so changing the return type
from a dict to an object broke none of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Iterator

from mlcore.jsonsafe import json_safe

__all__ = ["JobResult", "TrainResult", "CompareResult", "TuneResult", "CleanResult", "PredictFileResult",
           "ExportResult"]


@dataclass
class JobResult:
    """Base of every job's result; ``job_id`` is set by the runner."""

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
               if f.metadata.get("json", True)}
        return json_safe(out)

    # -- read like the dict it used to be -------------------------------------------
    def _mapping(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._mapping()[key]
        except KeyError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return self._mapping().get(key, default)

    def keys(self):
        return self._mapping().keys()

    def __contains__(self, key: object) -> bool:
        return key in self._mapping()

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())


def _not_json() -> Any:
    return field(default=None, metadata={"json": False})


@dataclass
class TrainResult(JobResult):
    """A trained pipeline's job results (the pipeline itself is the job's artifact)."""

    task_type: str
    evaluation: dict[str, Any]
    training_history: list[dict[str, Any]]
    training_summary: dict[str, Any]
    feature_names: list[str]
    input_schema: dict[str, Any] | None
    classes: list[Any] | None
    selected_features: list[str] | None = None
    threshold: float | None = None


@dataclass
class TuneResult(TrainResult):
    """A tuned and refitted pipeline: a train result plus the search."""

    best_params: dict[str, Any] = field(default_factory=dict)
    best_score: float | None = None
    trials: list[dict[str, Any]] = field(default_factory=list)
    method: str = ""
    metric: str = ""
    study_name: str | None = None


@dataclass
class AutoMLResult(TrainResult):
    """The best model (or ensemble) an AutoML search found, refitted and tested: a train result plus the
    leaderboard (``automl``: the engine's own record) and the parameters of the best single model."""

    best_params: dict[str, Any] = field(default_factory=dict)
    automl: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompareResult(JobResult):
    """Cross-validated models, best first (the seed's /models/compare body)."""

    comparison: list[dict[str, Any]]
    metric: str
    higher_is_better: bool
    task_type: str
    cv: int
    best_model: str | None
    notes: list[str] = field(default_factory=list)
    preparation_applied: dict[str, Any] = field(default_factory=dict)
    job_id: str | None = None
    status: str = "success"


@dataclass
class CleanResult(JobResult):
    original_rows: int
    cleaned_rows: int
    report: dict[str, Any]
    cleaned_dataset_id: str | None = None
    job_id: str | None = None
    status: str = "success"


@dataclass
class PredictFileResult(JobResult):
    """Predictions of a file: counts, schema report, where they were written; ``frame`` holds them all."""

    rows: int
    model_id: str | None = None
    model_name: str | None = None
    version: str | None = None
    warnings: list[str] = field(default_factory=list)
    unseen_categories: dict[str, Any] = field(default_factory=dict)
    drift: list[dict[str, Any]] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    converted_columns: list[str] = field(default_factory=list)
    ab_test: str | None = None
    arms: dict[str, int] | None = None
    reports: dict[str, Any] | None = None
    output_path: str | None = None
    job_id: str | None = None
    status: str = "success"
    preview: Any = _not_json()
    frame: Any = _not_json()


@dataclass
class ExportResult(JobResult):
    format: str
    model_id: str
    path: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # what the exporter reports (ONNX parity ...)
    job_id: str | None = None
    status: str = "success"

    def _mapping(self) -> dict[str, Any]:
        return dict(super()._mapping(), **self.details)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(json_safe(out.pop("details")))
        return out
