"""Custom sklearn transformers of the preparation pipeline: text, bool, frequency, datetime, clipping."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = ["AsText", "ToFloat", "FrequencyEncoder", "DatetimeParts", "OutlierClipper", "onehot_name", "column_as_float"]


def onehot_name(feature: str, category: object) -> str:
    """Readable one-hot column name: ``island=Dream``."""
    return f"{feature}={category}"


def _as_frame(X) -> pd.DataFrame:
    """A DataFrame view of X with positional column labels (values untouched)."""
    if isinstance(X, pd.DataFrame):
        return X.reset_index(drop=True).set_axis(range(X.shape[1]), axis=1)
    arr = np.asarray(X)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    return pd.DataFrame(arr)


def _missing_to_nan(s: pd.Series) -> np.ndarray:
    """Object array of the column's values with every kind of missing (NA, NaT, None) as np.nan."""
    values = s.astype(object).to_numpy(copy=True)
    values[pd.isna(s).to_numpy()] = np.nan
    return values


class _ColumnwiseTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: remember the input columns; name outputs one per input by default."""

    def _check(self, X, reset: bool) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            # keep pandas dtypes (datetime, category, str): only names/count are checked here
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[0] == 0 or X.shape[1] == 0:
                raise ValueError(f"Found array with shape {X.shape}; at least 1 sample and 1 feature are required.")
            return _as_frame(X)
        X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False, accept_sparse=False)
        if np.iscomplexobj(X):
            raise ValueError("Complex data not supported")
        return _as_frame(X)

    def _start_fit(self, X) -> pd.DataFrame:
        return self._check(X, reset=True)

    def _start_transform(self, X) -> pd.DataFrame:
        check_is_fitted(self)
        return self._check(X, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray(_check_feature_names_in(self, input_features), dtype=object)


class AsText(_ColumnwiseTransformer):
    """Turn every column into text (object array of str) with missing values as np.nan.

    pandas 3 ``str``, ``category``, object columns with mixed types all come out alike, so the
    encoders after it never see mixed int/str levels.
    """

    def fit(self, X, y=None):
        self._start_fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        frame = self._start_transform(X)
        out = np.empty(frame.shape, dtype=object)
        for j in range(frame.shape[1]):
            col = frame[j]
            values = _missing_to_nan(col)
            present = ~pd.isna(col).to_numpy()
            values[present] = [str(v) for v in values[present]]
            out[:, j] = values
        return out


def column_as_float(s: pd.Series) -> np.ndarray:
    """A column as float64: numbers as they are, bool -> 0/1, durations -> seconds, missing -> NaN."""
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return s.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)) \
            and not isinstance(s.dtype, pd.CategoricalDtype):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(pd.Series(_missing_to_nan(s)), errors="coerce").to_numpy(dtype=np.float64)


class ToFloat(_ColumnwiseTransformer):
    """Cast every column to float64 (bool -> 0/1; durations -> seconds; pd.NA/None/text -> NaN)."""

    def fit(self, X, y=None):
        self._start_fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        frame = self._start_transform(X)
        out = np.empty(frame.shape, dtype=np.float64)
        for j in range(frame.shape[1]):
            out[:, j] = column_as_float(frame[j])
        return out


class FrequencyEncoder(_ColumnwiseTransformer):
    """Replace each level by its share of the training rows; a level unseen in training gets 0.

    Missing values count as a level of their own. Output names are ``<column>.frequency``.
    """

    def fit(self, X, y=None):
        frame = self._start_fit(X)
        self.frequencies_ = []
        for j in range(frame.shape[1]):
            shares = pd.Series(_missing_to_nan(frame[j])).value_counts(normalize=True, dropna=False)
            self.frequencies_.append({_key(k): float(v) for k, v in shares.items()})
        return self

    def transform(self, X) -> np.ndarray:
        frame = self._start_transform(X)
        out = np.empty(frame.shape, dtype=np.float64)
        for j in range(frame.shape[1]):
            table = self.frequencies_[j]
            out[:, j] = [table.get(_key(v), 0.0) for v in _missing_to_nan(frame[j])]
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = super().get_feature_names_out(input_features)
        return np.asarray([f"{n}.frequency" for n in names], dtype=object)


def _key(value: object) -> object:
    """Dictionary key for a level: every missing marker maps to one key."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "\0missing"
    return value


_PART_GETTERS = {
    "year": lambda d: d.dt.year,
    "month": lambda d: d.dt.month,
    "day": lambda d: d.dt.day,
    "weekday": lambda d: d.dt.day_of_week,
    "hour": lambda d: d.dt.hour,
    "minute": lambda d: d.dt.minute,
    "dayofyear": lambda d: d.dt.day_of_year,
    "quarter": lambda d: d.dt.quarter,
    # the position on the time line (days since 1970): trends and before/after splits need it
    "days": lambda d: (d - pd.Timestamp("1970-01-01", tz=d.dt.tz)).dt.total_seconds() / 86400.0,
}


def to_datetime_series(s: pd.Series) -> pd.Series:
    """Parse a column (datetime, ISO text, anything) as datetimes; unparseable values become NaT."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s
    values = pd.Series(_missing_to_nan(s))
    if pd.api.types.is_numeric_dtype(pd.Series(values.dropna().tolist()).dtype) and values.notna().any():
        return pd.to_datetime(pd.to_numeric(values, errors="coerce"), errors="coerce")
    try:
        return pd.to_datetime(values, errors="coerce", format="ISO8601")
    except (ValueError, TypeError):
        return pd.to_datetime(values.astype(str), errors="coerce", format="mixed")


class DatetimeParts(_ColumnwiseTransformer):
    """Expand each date/time column into numeric parts (``signup_date.month`` ...); NaT -> NaN."""

    def __init__(self, parts=("year", "month", "day", "weekday", "hour")):
        self.parts = parts

    def _check_parts(self) -> list[str]:
        parts = list(self.parts)
        bad = [p for p in parts if p not in _PART_GETTERS]
        if bad or not parts:
            raise ValueError(f"unknown datetime part(s) {bad}; allowed: {', '.join(_PART_GETTERS)}")
        return parts

    def fit(self, X, y=None):
        self._check_parts()
        self._start_fit(X)
        return self

    def transform(self, X) -> np.ndarray:
        frame = self._start_transform(X)
        parts = self._check_parts()
        out = np.empty((frame.shape[0], frame.shape[1] * len(parts)), dtype=np.float64)
        for j in range(frame.shape[1]):
            dates = to_datetime_series(frame[j])
            for k, part in enumerate(parts):
                out[:, j * len(parts) + k] = _PART_GETTERS[part](dates).to_numpy(dtype=float, na_value=np.nan)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = super().get_feature_names_out(input_features)
        return np.asarray([f"{n}.{p}" for n in names for p in self._check_parts()], dtype=object)


def outlier_bounds(values: np.ndarray, method: str, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-column (lower, upper) limits beyond which a value is an outlier; NaN is ignored."""
    values = np.asarray(values, dtype=np.float64)
    n_cols = values.shape[1]
    lower = np.full(n_cols, -np.inf)
    upper = np.full(n_cols, np.inf)
    for j in range(n_cols):
        col = values[:, j]
        col = col[~np.isnan(col)]
        if col.size == 0:
            continue
        if method == "iqr":
            q1, q3 = np.percentile(col, [25, 75])
            spread = threshold * (q3 - q1)
            lower[j], upper[j] = q1 - spread, q3 + spread
        elif method == "zscore":
            mean, std = col.mean(), col.std()
            if std > 0:
                lower[j], upper[j] = mean - threshold * std, mean + threshold * std
        else:
            raise ValueError(f"outlier method {method!r} is not valid; allowed: iqr, zscore")
    return lower, upper


class OutlierClipper(TransformerMixin, BaseEstimator):
    """Clip numeric columns at limits learned on the training rows (IQR fences or mean ± z·std).

    ``threshold`` is the IQR multiplier for ``iqr`` and the z limit for ``zscore``. NaN passes through.
    """

    def __init__(self, method: str = "iqr", threshold: float = 3.0):
        self.method = method
        self.threshold = threshold

    def fit(self, X, y=None):
        X = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite="allow-nan")
        if not float(self.threshold) > 0:
            raise ValueError(f"threshold must be > 0, got {self.threshold!r}")
        self.lower_, self.upper_ = outlier_bounds(X, self.method, float(self.threshold))
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan", copy=True)
        return np.clip(X, self.lower_, self.upper_)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self)
        return np.asarray(_check_feature_names_in(self, input_features), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
