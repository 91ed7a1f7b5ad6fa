"""The service floor: small services, each built with the collaborators it uses.

    registry stores ──► DatasetService ──► PreparationService ──► TrainingService, SelectionService
                    └─► JobService + JobRunner ─────────────────┘
    ModelService(jobs, datasets) ──► ModelHandles ──► EvaluationService, ExportService
    ModelService ──► PredictionService(ab store), ABService(ab store)

``mlcore.Workspace`` builds them on one workspace folder and is the facade every client calls.
"""

from mlcore.service.ab import ABService
from mlcore.service.datasets import DatasetService, FileSniff, require_column
from mlcore.service.evaluation import EvaluationBundle, EvaluationService, check_labels
from mlcore.service.export import ExportService
from mlcore.service.handle import ModelHandle, ModelHandles, RowRef
from mlcore.service.jobs import JobService
from mlcore.service.models import ModelService
from mlcore.service.prediction import PredictionService
from mlcore.service.preparation import PreparationService
from mlcore.service.results import (
    CleanResult,
    CompareResult,
    ExportResult,
    JobResult,
    PredictFileResult,
    TrainResult,
    TuneResult,
)
from mlcore.service.runner import JobOutcome, JobRun, JobRunner
from mlcore.service.selection import SelectionService
from mlcore.service.training import TrainingService

__all__ = [
    "ABService", "DatasetService", "EvaluationService", "ExportService", "JobService", "ModelService",
    "PredictionService", "PreparationService", "SelectionService", "TrainingService",
    "JobRunner", "JobRun", "JobOutcome", "ModelHandle", "ModelHandles", "RowRef",
    "JobResult", "TrainResult", "TuneResult", "CompareResult", "CleanResult", "PredictFileResult", "ExportResult",
    "EvaluationBundle", "FileSniff", "check_labels", "require_column",
]
