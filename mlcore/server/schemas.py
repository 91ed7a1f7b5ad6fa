"""Request bodies of the REST API, with the specification's field names; the engine validates values."""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CleanRequest", "SelectFeaturesRequest", "SplitRequest", "TrainRequest", "CompareRequest", "TuneRequest",
    "DeployRequest", "ABTestRequest", "PredictRequest", "PredictFields", "OutcomesRequest", "EvaluateRequest", "FeatureSelection",
]

Scalar = Union[float, int, str, bool, None]  # a JSON cell value
Features = Union[dict[str, Scalar], list[dict[str, Scalar]], dict[str, list[Scalar]]]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not silently ignored


class CleanRequest(_Body):
    dataset_id: str
    missing_strategy: str = Field("mean", description="mean, median, mode, drop, forward_fill, backward_fill")
    outlier_method: str = Field("none", description="iqr, zscore, none")
    outlier_threshold: float = 3.0
    name: str | None = Field(None, description="name of the cleaned dataset (default: '<name> (cleaned)')")


class SelectFeaturesRequest(_Body):
    dataset_id: str
    target_column: str | None = None
    method: str = Field("tree_importance", description="correlation, mutual_info, rfe, tree_importance, statistical")
    n_features: int = Field(10, ge=1, le=100_000)
    task_type: Literal["classification", "regression"] | None = None


class SplitRequest(_Body):
    dataset_id: str
    target_column: str | None = None
    test_size: float = 0.2
    validation_size: float = 0.1
    stratify: bool = True
    time_column: str | None = None


class FeatureSelection(_Body):
    method: str = Field("tree_importance", description="correlation, mutual_info, rfe, tree_importance, statistical")
    n_features: int = Field(10, ge=1, le=100_000)


class TrainRequest(_Body):
    dataset_id: str
    target_column: str | None = None
    task_type: Literal["classification", "regression"] | None = None
    algorithm: str = "random_forest"
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    test_size: float = 0.2
    validation_size: float = 0.1
    stratify: bool = True
    time_column: str | None = None
    scaling_method: str | None = Field(None, description="standard, minmax, robust, none")
    feature_selection: FeatureSelection | None = None
    early_stopping: bool = False
    early_stopping_patience: int = Field(10, ge=1, le=100_000)
    recipe: str | None = None
    preparation: dict[str, Any] | None = None
    class_weight: Literal["balanced"] | None = None
    seed: int = Field(42, ge=0, le=2**32 - 1)


class CompareRequest(_Body):
    dataset_id: str
    target_column: str | None = None
    task_type: Literal["classification", "regression"] | None = None
    models: list[str] | None = None
    cv: int = Field(5, ge=2, le=50)
    metric: str | None = None
    recipe: str | None = None
    seed: int = Field(42, ge=0, le=2**32 - 1)
    cv_kind: str = Field("auto", description="auto, kfold, stratified, timeseries, group")
    group_column: str | None = None


class TuneRequest(_Body):
    dataset_id: str
    target_column: str | None = None
    task_type: Literal["classification", "regression"] | None = None
    algorithm: str = "random_forest"
    tuning_method: str = Field("optuna", description="grid_search, random_search, optuna")
    n_trials: int | None = Field(50, ge=1, le=100_000)
    timeout: float | None = Field(None, gt=0)
    cv: int = Field(5, ge=2, le=50)
    metric: str | None = None
    recipe: str | None = None
    test_size: float = 0.2
    seed: int = Field(42, ge=0, le=2**32 - 1)
    pruning: bool = True
    cv_kind: str = Field("auto", description="auto, kfold, stratified, timeseries, group")
    group_column: str | None = None
    workers: int | None = Field(None, ge=1, le=64, description="processes on one shared study")


class DeployRequest(_Body):
    training_job_id: str
    model_name: str
    version: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    promote_to_production: bool = False


class ABTestRequest(_Body):
    model_a_id: str
    model_b_id: str
    test_name: str
    split_ratio: float = 0.5


class PredictRequest(_Body):
    model_id: str | None = Field(None, description="a version id, NAME:VERSION or NAME@production")
    model_name: str | None = Field(None, description="predict with this name's production version")
    ab_test_name: str | None = None
    features: Features = Field(..., description="one row {column: value}, a list of rows, or {column: [values]}")
    user_id: str | int | None = Field(None, description="sticky A/B assignment and the log's user")


class PredictFields(_Body):
    """PredictRequest as the hot path reads it: ``features`` is checked by the serving layer, which turns
    the JSON lists into columns once (validating 10,000 rows cell by cell here costs more than predicting them)."""

    model_id: str | None = None
    model_name: str | None = None
    ab_test_name: str | None = None
    features: Any = Field(...)
    user_id: str | int | None = None


class OutcomesRequest(_Body):
    outcomes: list[dict[str, Scalar]] = Field(..., min_length=1,
                                              description="rows with prediction_id or user_id, and outcome")


class EvaluateRequest(_Body):
    model_id: str | None = Field(None, description="a model version (id, NAME:VERSION, NAME@production)")
    job_id: str | None = Field(None, description="or a completed training/tuning job")
    dataset_id: str | None = Field(None, description="another dataset (all its rows are evaluated)")
    split: Literal["test", "validation", "train", "all"] = "test"
    threshold: float | None = Field(None, gt=0, lt=1)
    n_boot: int = Field(200, ge=0, le=5000)
