"""Dataset-level cleaning (missing values, outlier rows) and row weights for class imbalance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError

from mlcore.vocab import MISSING_STRATEGIES, OUTLIER_METHODS


def _numeric_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns
            if pd.api.types.is_numeric_dtype(df[c].dtype) and not pd.api.types.is_bool_dtype(df[c].dtype)]


def outlier_row_mask(X_train: pd.DataFrame, method: str, threshold: float,
                     exclude: list[str] | tuple[str, ...] = ()) -> np.ndarray:
    """Boolean mask of the rows to KEEP: no numeric value beyond the IQR fences / z limit.

    ``threshold`` is the IQR multiplier (iqr) or the z limit (zscore). NaN is never an outlier;
    bool, text and ID-like columns (unique per row) and the ``exclude`` columns are ignored.
    """
    from mlcore.prep._roles import is_id_like
    from mlcore.prep._transformers import outlier_bounds

    if method not in OUTLIER_METHODS:
        raise ConfigError(f"outlier_method={method!r} is not valid; allowed: {', '.join(OUTLIER_METHODS)}")
    keep = np.ones(len(X_train), dtype=bool)
    if method == "none":
        return keep
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        threshold = float("nan")
    if not threshold > 0:
        raise ConfigError(f"outlier_threshold={threshold!r} must be a number > 0")
    cols = [c for c in _numeric_columns(X_train) if c not in set(exclude)
            and not is_id_like(c, X_train[c], int(X_train[c].nunique()))]
    if not cols or len(X_train) == 0:
        return keep
    values = X_train[cols].astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    lower, upper = outlier_bounds(values, method, threshold)
    with np.errstate(invalid="ignore"):
        outside = (values < lower) | (values > upper)  # NaN compares False: never an outlier
    return ~outside.any(axis=1)


def balanced_sample_weight(y) -> np.ndarray:
    """Per-row weights n / (n_classes * class_count), so every class weighs the same in total."""
    labels = pd.Series(np.asarray(y, dtype=object) if not isinstance(y, pd.Series) else y.astype(object))
    if labels.isna().any():
        raise DataValidationError(f"target has {int(labels.isna().sum())} missing value(s); drop those rows first")
    counts = labels.value_counts()
    weights = len(labels) / (len(counts) * labels.map(counts).to_numpy(dtype=np.float64))
    return weights


def _fill_value(s: pd.Series, strategy: str) -> Any:
    non_missing = s.dropna()
    if len(non_missing) == 0:
        return None
    if strategy == "mean":
        return float(non_missing.astype("float64").mean())
    if strategy == "median":
        return float(non_missing.astype("float64").median())
    return non_missing.mode(dropna=True).iloc[0]  # ties: the smallest / first in sort order


def _fill_column(s: pd.Series, value: Any) -> pd.Series:
    if pd.api.types.is_integer_dtype(s.dtype) and isinstance(value, float) and not float(value).is_integer():
        s = s.astype("Float64" if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) else "float64")
    elif pd.api.types.is_integer_dtype(s.dtype) and isinstance(value, float):
        value = int(value)
    if isinstance(s.dtype, pd.CategoricalDtype) and value not in s.cat.categories:
        s = s.cat.add_categories([value])
    return s.fillna(value)


def clean_frame(df: pd.DataFrame, missing_strategy: str = "mean", outlier_method: str = "none",
                outlier_threshold: float = 3.0, target: str | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Clean a whole dataset (the seed's /data/clean): returns the new frame and a report.

    Order: rows with a missing target are dropped (the target is never imputed), then outlier
    rows (numeric non-target columns, statistics of the data as given), then missing values are
    handled with statistics of the remaining rows. Under mean/median, text/bool/category columns
    get their mode. Forward/backward fill complete the leading/trailing gap from the other side.
    """
    if missing_strategy not in MISSING_STRATEGIES:
        raise ConfigError(f"missing_strategy={missing_strategy!r} is not valid; allowed: {', '.join(MISSING_STRATEGIES)}")
    if outlier_method not in OUTLIER_METHODS:
        raise ConfigError(f"outlier_method={outlier_method!r} is not valid; allowed: {', '.join(OUTLIER_METHODS)}")
    if target is not None and target not in df.columns:
        raise DataValidationError(f"target column {target!r} is not in the data; columns: {list(df.columns)}")
    report: dict[str, Any] = {
        "original_rows": int(len(df)),
        "params": {"missing_strategy": missing_strategy, "outlier_method": outlier_method,
                   "outlier_threshold": float(outlier_threshold), "target": target},
        "dropped_missing_target_rows": 0,
        "removed_outlier_rows": 0,
        "dropped_missing_rows": 0,
        "filled_values": {},
        "notes": [],
    }
    out = df.reset_index(drop=True)
    if target is not None:
        missing_target = out[target].isna().to_numpy()
        report["dropped_missing_target_rows"] = int(missing_target.sum())
        out = out.loc[~missing_target].reset_index(drop=True)
    features = [c for c in out.columns if c != target]

    keep = outlier_row_mask(out[features], outlier_method, outlier_threshold)
    report["removed_outlier_rows"] = int((~keep).sum())
    out = out.loc[keep].reset_index(drop=True)

    if missing_strategy == "drop":
        rows_with_missing = out[features].isna().any(axis=1).to_numpy()
        report["dropped_missing_rows"] = int(rows_with_missing.sum())
        out = out.loc[~rows_with_missing].reset_index(drop=True)
    else:
        out = _fill_missing(out, features, missing_strategy, report)
    report["dropped_missing_rows"] += report["dropped_missing_target_rows"]
    report["cleaned_rows"] = int(len(out))
    return out, report


def _fill_missing(out: pd.DataFrame, features: list[str], strategy: str, report: dict[str, Any]) -> pd.DataFrame:
    numeric = set(_numeric_columns(out[features]))
    mode_for_text: list[str] = []
    unfilled: list[str] = []
    for col in features:
        n_missing = int(out[col].isna().sum())
        if n_missing == 0:
            continue
        if strategy in ("forward_fill", "backward_fill"):
            first, second = ("ffill", "bfill") if strategy == "forward_fill" else ("bfill", "ffill")
            filled = getattr(getattr(out[col], first)(), second)()
        else:
            col_strategy = strategy
            if strategy in ("mean", "median") and col not in numeric:
                col_strategy = "mode"
                mode_for_text.append(col)
            value = _fill_value(out[col], col_strategy)
            if value is None:
                unfilled.append(col)
                continue
            filled = _fill_column(out[col], value)
        report["filled_values"][col] = n_missing - int(filled.isna().sum())
        if filled.isna().any():
            unfilled.append(col)
        out[col] = filled
    if mode_for_text:
        report["notes"].append(f"{strategy} applies to numbers only; filled with the most frequent value: "
                               + ", ".join(mode_for_text))
    if unfilled:
        report["notes"].append("no value to fill from (all missing): " + ", ".join(unfilled))
    report["unfilled_columns"] = unfilled
    return out
