"""Task detection and target validation, with messages that name the column and the value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError, shown

MAX_CLASSES = 20  # an integer target with more distinct values is treated as a quantity
MAX_CLASS_FRACTION = 0.05  # ... or with distinct values above this share of the rows


def _is_integral(values: pd.Series) -> bool:
    v = values.to_numpy(dtype=float, na_value=np.nan)
    v = v[np.isfinite(v)]
    return bool(np.all(v == np.round(v)))


def detect_task(y: pd.Series) -> str:
    """"classification" for text, bool, category or an integer target with few levels, else "regression"."""
    values = y.dropna()
    if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return "classification"
    if len(values) == 0:
        return "regression"
    n_unique = values.nunique()
    if n_unique <= 2:
        return "classification"
    if _is_integral(values) and n_unique <= MAX_CLASSES and n_unique <= max(MAX_CLASS_FRACTION * len(values), 3):
        return "classification"
    return "regression"


def validate_target(y: pd.Series, task: str, column: str, min_class_count: int = 1) -> None:
    """Raise DataValidationError when ``y`` cannot be learned as ``task`` (names column and values)."""
    if task not in ("classification", "regression"):
        raise ConfigError(f"unknown task type {task!r}; valid: classification, regression")
    values = y.dropna()
    if len(values) == 0:
        raise DataValidationError(f"target column '{column}' has no values (all {len(y)} rows are missing)")
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            example = values.iloc[0]
            raise DataValidationError(
                f"target column '{column}' is not numeric (e.g. {shown(example)}); regression needs numbers "
                "- choose classification or another column"
            )
        v = values.to_numpy(dtype=float)
        if not np.all(np.isfinite(v)):
            raise DataValidationError(f"target column '{column}' contains infinite values")
        if values.nunique() < 2:
            raise DataValidationError(
                f"target column '{column}' is constant ({shown(values.iloc[0])}); there is nothing to learn"
            )
        return
    counts = values.value_counts()
    if len(counts) < 2:
        raise DataValidationError(
            f"target column '{column}' has a single class {shown(counts.index[0])}; classification needs at least two"
        )
    if pd.api.types.is_float_dtype(values.dtype) and not _is_integral(values):
        raise DataValidationError(
            f"target column '{column}' holds continuous numbers (e.g. {shown(values.iloc[0])}); "
            "use regression or bin the values into classes"
        )
    if len(counts) > max(100, len(values) // 2):
        raise DataValidationError(
            f"target column '{column}' has {len(counts)} classes for {len(values)} rows; "
            "that looks like an identifier or a quantity - use regression or another column"
        )
    small = counts[counts < min_class_count]
    if len(small):
        names = ", ".join(f"{shown(k)} ({v} rows)" for k, v in small.items())
        raise DataValidationError(
            f"target column '{column}' has classes with fewer than {min_class_count} rows: {names}"
        )
