"""The seed's Python SDK: DataPreparation, ModelSelector, TrainingDashboard, ModelEvaluator,
ModelDeployment — thin shells over the engine, with the seed's signatures and return values.

The SDK works on the user's own DataFrames/arrays (no workspace job rows), except
ModelDeployment, which is a registry in ``models_dir`` (a workspace folder).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError
from mlcore.jobs import JobContext

__all__ = ["DataPreparation", "ModelSelector", "TrainingDashboard", "ModelEvaluator", "ModelDeployment"]  # noqa: F822 - the last two resolve lazily


def _frame(X: Any) -> pd.DataFrame:
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X)).rename(columns=str)


class DataPreparation:
    """Cleaning, feature selection, splitting and scaling of in-memory data."""

    def __init__(self, random_state: int = 42) -> None:
        self.random_state = random_state
        self.scalers: dict[str, Any] = {}
        self.last_report: dict[str, Any] = {}
        self.feature_importance: list[dict[str, Any]] = []

    def clean_data(self, df: pd.DataFrame, missing_strategy: str = "mean", outlier_method: str = "none",
                   outlier_threshold: float = 3.0, target: str | None = None) -> pd.DataFrame:
        from mlcore.prep import clean_frame

        if target is None and "target" in df.columns:
            target = "target"  # the seed's convention: never impute the label
        cleaned, self.last_report = clean_frame(df, missing_strategy=missing_strategy, outlier_method=outlier_method,
                                                outlier_threshold=outlier_threshold, target=target)
        return cleaned

    def select_features(self, X: pd.DataFrame, y: Any, method: str = "tree_importance", n_features: int = 10,
                        task_type: str | None = None) -> tuple[pd.DataFrame, list[str]]:
        from mlcore.models import detect_task
        from mlcore.prep import select_features

        from mlcore.models import validate_target

        X = _frame(X)
        y = pd.Series(np.asarray(y), index=X.index)
        task = task_type or detect_task(y)
        validate_target(y, task, getattr(y, "name", None) or "target")
        n = min(int(n_features), X.shape[1])
        selected, self.feature_importance = select_features(X, y, method=method, n_features=n, task=task,
                                                            seed=self.random_state)
        return X[selected], list(selected)

    def split_data(self, X: pd.DataFrame, y: Any, test_size: float = 0.2, validation_size: float = 0.1,
                   stratify: bool = True, time_column: str | None = None) -> tuple:
        """X_train, X_val, X_test, y_train, y_val, y_test (validation empty when validation_size=0)."""
        from mlcore.prep import split_frame

        X = _frame(X).reset_index(drop=True)
        y = pd.Series(np.asarray(y), name="__target__")
        frame = X.assign(__target__=y.values)
        parts = split_frame(frame, "__target__", test_size=test_size, validation_size=validation_size,
                            stratify=stratify, seed=self.random_state, time_column=time_column)
        out = []
        for idx in (parts.train_index, parts.validation_index, parts.test_index):
            out.append(X.iloc[idx])
        for idx in (parts.train_index, parts.validation_index, parts.test_index):
            out.append(y.iloc[idx].rename(None))
        return tuple(out)

    def scale_features(self, X: pd.DataFrame, method: str = "standard", fit: bool = True) -> pd.DataFrame:
        """Scale numeric columns; ``fit=True`` learns the scaler (use it on training rows only)."""
        from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

        scalers = {"standard": StandardScaler, "minmax": MinMaxScaler, "robust": RobustScaler}
        if method not in scalers:
            raise ConfigError(f"scaling method {method!r} is not valid; allowed: {', '.join(scalers)}")
        X = _frame(X)
        numeric = X.select_dtypes("number").columns
        if fit:
            self.scalers[method] = scalers[method]().fit(X[numeric])
        elif method not in self.scalers:
            raise ConfigError(f"no fitted {method} scaler yet: call scale_features(..., fit=True) on the training rows first")
        out = X.copy()
        out[numeric] = self.scalers[method].transform(X[numeric])
        return out


class TrainingDashboard:
    """Monitored fitting with live curves (through a JobContext) and early stopping."""

    def __init__(self, task_type: str = "classification", patience: int = 10, early_stopping: bool = True,
                 ctx: JobContext | None = None, random_state: int = 42) -> None:
        self.task_type = task_type
        self.patience = patience
        self.early_stopping = early_stopping
        self.ctx = ctx
        self.random_state = random_state
        self.history: list[dict[str, Any]] = []
        self.summary: dict[str, Any] = {}
        self.model: Any = None

    def train_with_monitoring(self, model: Any, X_train: Any, y_train: Any, X_val: Any = None, y_val: Any = None,
                              params: dict | None = None) -> Any:
        """Fit ``model`` (an estimator or a catalog algorithm name); returns the fitted model."""
        from mlcore.models import get_algorithm
        from mlcore.training import fit_monitored

        if model is None:
            raise ConfigError("No model to train: pass an estimator or an algorithm name "
                              "(ModelSelector.best_model is set by compare_models or a search).")
        spec = get_algorithm(model, self.task_type) if isinstance(model, str) else model
        has_val = X_val is not None and len(X_val) > 0
        fit = fit_monitored(spec, params, X_train, np.asarray(y_train), X_val if has_val else None,
                            np.asarray(y_val) if has_val else None, self.ctx,
                            early_stopping=self.early_stopping and has_val, patience=self.patience,
                            seed=self.random_state)
        self.history, self.summary, self.model = fit.history, fit.summary, fit.estimator
        return fit.estimator

    def get_history(self) -> pd.DataFrame:
        return pd.DataFrame(self.history)

    def get_summary(self) -> dict[str, Any]:
        return dict(self.summary)


class ModelDeployment:
    """Versions, stages, A/B tests and loading, in a registry folder (a workspace)."""

    def __init__(self, models_dir: str = "models") -> None:
        from mlcore.workspace import Workspace

        self.workspace = Workspace(models_dir)

    def save_model(self, model: Any, name: str, version: str | None = None, task_type: str = "classification",
                   algorithm: str = "custom", metrics: dict | None = None, hyperparameters: dict | None = None,
                   feature_names: list[str] | None = None, target_name: str | None = None,
                   training_samples: int | None = None, description: str | None = None,
                   tags: list[str] | None = None, threshold: float | None = None) -> str:
        from mlcore.jsonsafe import json_safe as to_python

        info = self.workspace.register_model(
            model, name=name, version=version, task_type=task_type, algorithm=algorithm,
            metrics=to_python(dict(metrics or {})), hyperparameters=to_python(dict(hyperparameters or {})),
            feature_names=feature_names, target_name=target_name, training_samples=training_samples,
            description=description, tags=tags, threshold=threshold)
        return info.id

    def load_model(self, model_id: str) -> tuple[Any, dict[str, Any]]:
        pipeline, info = self.workspace.load_model(model_id)
        return pipeline, info.to_dict()

    def list_models(self, name: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        return [m.summary() for m in self.workspace.list_models(name=name, status=status)]

    def promote_to_production(self, model_id: str) -> dict[str, Any]:
        return self.workspace.promote(model_id).summary()

    def demote(self, model_id: str) -> dict[str, Any]:
        return self.workspace.demote(model_id).summary()

    def archive(self, model_id: str) -> dict[str, Any]:
        return self.workspace.archive(model_id).summary()

    def rollback(self, name: str, to_version: str | None = None) -> str:
        return self.workspace.rollback(name, to_version).id

    def history(self, name: str) -> list[dict[str, Any]]:
        return [t.to_dict() for t in self.workspace.history(name)]

    def setup_ab_test(self, model_a_id: str, model_b_id: str, test_name: str, split_ratio: float = 0.5
                      ) -> dict[str, Any]:
        return self.workspace.create_ab_test(model_a_id, model_b_id, test_name, split_ratio).to_dict()

    def predict_ab_test(self, test_name: str, X: Any, user_id: str | None = None) -> tuple[np.ndarray, str]:
        """Predictions of the arm this user is assigned to, and that model's id (logged)."""
        result = self.workspace.predict(_frame(X), ab_test_name=test_name, user_id=user_id)
        return np.asarray(result["prediction"]), result["model_id"]

    def record_outcomes(self, test_name: str, outcomes: Any) -> dict[str, Any]:
        return self.workspace.record_outcomes(test_name, outcomes)

    def analyse_ab_test(self, test_name: str) -> dict[str, Any]:
        return self.workspace.analyse_ab_test(test_name)

    def close(self) -> None:
        self.workspace.close()


def __getattr__(name: str) -> Any:
    if name == "ModelEvaluator":
        from mlcore.evaluation import ModelEvaluator

        return ModelEvaluator
    if name == "ModelSelector":
        from mlcore.tuning import ModelSelector

        return ModelSelector
    raise AttributeError(f"module 'mlcore.sdk' has no attribute {name!r}")
