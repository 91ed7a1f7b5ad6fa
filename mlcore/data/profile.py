"""profile_frame: the dataset summary the seed's GET /datasets/{id} returns, as plain JSON values."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import DataValidationError

TOP_VALUES = 10
_QUANTILES = (0.25, 0.5, 0.75)
# an integer target with at most this many distinct values is summarised as classes
MAX_NUMERIC_CLASSES = 20


def to_json_value(value: Any) -> Any:
    """A plain Python value for JSON: numpy scalars unwrapped, NaN/NaT -> None, times as ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.isoformat()
    if isinstance(value, (pd.Timedelta, np.timedelta64)):
        delta = pd.Timedelta(value)
        return None if pd.isna(delta) else str(delta)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return str(value)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def _numeric_stats(series: pd.Series) -> dict[str, Any]:
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    values = values[~np.isnan(values)]
    count = int(values.size)
    if count == 0:
        return {"count": 0, "mean": None, "std": None, "min": None, "25%": None, "50%": None, "75%": None, "max": None}
    q25, q50, q75 = np.quantile(values, _QUANTILES)
    std = float(values.std(ddof=1)) if count > 1 else None
    return {
        "count": count,
        "mean": to_json_value(values.mean()),
        "std": to_json_value(std),
        "min": to_json_value(values.min()),
        "25%": to_json_value(q25),
        "50%": to_json_value(q50),
        "75%": to_json_value(q75),
        "max": to_json_value(values.max()),
    }


def _categorical_stats(series: pd.Series) -> dict[str, Any]:
    counts = series.value_counts(dropna=True, sort=True)
    top = [[to_json_value(value), int(count)] for value, count in counts.head(TOP_VALUES).items()]
    return {"cardinality": int(counts.size), "top_values": top}


def _datetime_stats(series: pd.Series) -> dict[str, Any]:
    present = series.dropna()
    return {
        "count": int(present.size),
        "min": to_json_value(present.min()) if present.size else None,
        "max": to_json_value(present.max()) if present.size else None,
    }


def _target_summary(series: pd.Series) -> dict[str, Any]:
    present = series.dropna()
    distinct = present.nunique()
    integer = pd.api.types.is_integer_dtype(series.dtype)
    if not _is_numeric(series) or (integer and distinct <= MAX_NUMERIC_CLASSES):
        counts = present.value_counts(sort=True)
        return {
            "kind": "categorical",
            "classes": len(counts),
            "class_counts": [[to_json_value(v), int(c)] for v, c in counts.items()],
            "missing": int(series.isna().sum()),
        }
    return {"kind": "numeric", **_numeric_stats(series), "missing": int(series.isna().sum())}


def profile_frame(df: pd.DataFrame, target: str | None = None) -> dict[str, Any]:
    """Rows, columns, dtypes, missing values, numeric and categorical statistics, target summary."""
    if target is not None and target not in df.columns:
        raise DataValidationError(f"target column {target!r} is not in the dataset; columns are {list(map(str, df.columns))}")
    columns = [str(c) for c in df.columns]
    jobs = []
    for position, name in enumerate(columns):
        series = df.iloc[:, position]
        if _is_numeric(series):
            jobs.append(("numeric", name, _numeric_stats, series))
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            jobs.append(("datetime", name, _datetime_stats, series))
        else:
            jobs.append(("categorical", name, _categorical_stats, series))
    # numpy's partition and arrow's value_counts release the GIL: columns are summarised in parallel
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1, len(jobs)))) as pool:
        results = list(pool.map(lambda job: job[2](job[3]), jobs))
    sections: dict[str, dict[str, Any]] = {"numeric": {}, "categorical": {}, "datetime": {}}
    for (kind, name, _, _), result in zip(jobs, results):
        sections[kind][name] = result
    numeric, categorical, datetimes = sections["numeric"], sections["categorical"], sections["datetime"]
    missing = df.isna().sum()
    profile: dict[str, Any] = {
        "rows": int(df.shape[0]),
        "columns": int(df.shape[1]),
        "column_names": columns,
        "dtypes": {name: str(dtype) for name, dtype in zip(columns, df.dtypes)},
        "missing_values": {name: int(count) for name, count in zip(columns, missing.to_numpy())},
        "numeric_stats": numeric,
        "categorical_stats": categorical,
        "datetime_stats": datetimes,
        "target_column": target,
    }
    if target is not None:
        profile["target_summary"] = _target_summary(df[target])
    return profile
