"""The training request: the seed's /models/train body as a validated dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from mlcore.errors import ConfigError

# What the form, the CLI and the SDK start from: a booster that stops early on the validation rows
# and is then refitted on train+validation (scores at or above HistGradientBoosting's own defaults;
# see benchmarks/bench_automl.py). Every one of them can be overridden.
DEFAULT_ALGORITHM = "lightgbm"
DEFAULT_EARLY_STOPPING = True
DEFAULT_PATIENCE = 30
DEFAULT_REFIT = True


@dataclass
class TrainConfig:
    dataset_id: str
    target_column: str | None = None
    task_type: str | None = None              # None: detected from the target
    algorithm: str = DEFAULT_ALGORITHM
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    test_size: float = 0.2
    validation_size: float = 0.1
    stratify: bool = True
    time_column: str | None = None
    scaling_method: str | None = None         # overrides the recipe's scaling when given
    feature_selection: dict[str, Any] | None = None  # {"method": ..., "n_features": ...}
    early_stopping: bool = DEFAULT_EARLY_STOPPING
    early_stopping_patience: int = DEFAULT_PATIENCE
    refit: bool = DEFAULT_REFIT                # refit on train+validation once the rounds are known
    recipe: str | None = None                 # name of a saved recipe
    preparation: dict[str, Any] | None = None # explicit recipe options (override the named recipe)
    class_weight: str | None = None           # None | "balanced"
    seed: int = 42
    name: str | None = None
    n_jobs: int | None = None                 # threads per fit; None = every usable core

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"Unknown training option(s) {unknown}; valid options are {sorted(known)}.")
        if "dataset_id" not in data:
            raise ConfigError("A training request needs a dataset_id.")
        config = cls(**data)
        config.validate()
        return config

    def validate(self) -> None:
        if self.task_type not in (None, "classification", "regression"):
            raise ConfigError(f"task_type must be 'classification' or 'regression', not {self.task_type!r}.")
        for label, value in (("test_size", self.test_size), ("validation_size", self.validation_size)):
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ConfigError(f"{label} must be a fraction in [0, 1), got {value!r}.")
        if self.validation_size <= 0:
            raise ConfigError("validation_size must be above 0: the validation rows drive the live curves "
                              "and early stopping.")
        if self.test_size + self.validation_size >= 1:
            raise ConfigError(f"test_size + validation_size = {self.test_size + self.validation_size:g} "
                              "leaves no training rows; keep the sum below 1.")
        if int(self.early_stopping_patience) < 1:
            raise ConfigError(f"early_stopping_patience must be at least 1, got {self.early_stopping_patience!r}.")
        if self.class_weight not in (None, "balanced"):
            raise ConfigError(f"class_weight must be None or 'balanced', not {self.class_weight!r}.")
        if self.feature_selection is not None:
            fs = self.feature_selection
            if not isinstance(fs, dict) or "method" not in fs:
                raise ConfigError("feature_selection must be {'method': ..., 'n_features': N}.")
        if not isinstance(self.hyperparameters, dict):
            raise ConfigError("hyperparameters must be a mapping of parameter name to value.")
        if self.preparation is not None and not isinstance(self.preparation, dict):
            raise ConfigError(f"preparation must be a mapping of recipe options, not {self.preparation!r}.")
        if self.n_jobs is not None and (isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, int)
                                        or self.n_jobs == 0):
            raise ConfigError(f"n_jobs must be empty (every core), -1 (every core), -2 (all but one) or a "
                              f"positive thread count, not {self.n_jobs!r}.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ConfigError(f"seed must be a whole number from 0 to {2**32 - 1}, not {self.seed!r}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
