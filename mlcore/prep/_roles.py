"""Column roles: which columns are numeric, categorical, datetime, boolean, ID-like, constant."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

_ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key|index|idx)$|^(id|uuid|guid|index|idx)[_\s.-]|[a-z]Id$|^ID$",
                      re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass
class ColumnRoles:
    """The role of each input column. A column is in exactly one of the first five lists."""

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    datetime: list[str] = field(default_factory=list)
    boolean: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # all values missing: nothing to learn
    id_like: list[str] = field(default_factory=list)  # also listed under numeric/categorical
    constant: list[str] = field(default_factory=list)  # at most one distinct non-missing value
    high_cardinality: list[str] = field(default_factory=list)  # categorical with > max_levels levels
    levels: dict[str, int] = field(default_factory=dict)  # distinct non-missing values per column

    def to_dict(self) -> dict:
        """Plain dict for reports and the GUI."""
        return {k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in self.__dict__.items()}


def is_bool_column(s: pd.Series) -> bool:
    """True for bool/boolean dtype, or object columns holding only True/False."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return True
    if s.dtype == object:
        vals = s.dropna()
        return len(vals) > 0 and all(isinstance(v, (bool, np.bool_)) for v in vals)
    return False


def is_text_datetime(s: pd.Series, sample: int = 500) -> bool:
    """True when every non-missing value (of a sample) of a text column is an ISO date/time."""
    if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
        return False
    vals = s.dropna()
    if len(vals) == 0:
        return False
    vals = vals.iloc[:sample]
    if not all(isinstance(v, str) and _ISO_DATE.match(v.strip()) for v in vals):
        return False
    return bool(pd.to_datetime(vals, errors="coerce", format="ISO8601").notna().all())


def is_id_like(name: str, s: pd.Series, n_unique: int) -> bool:
    """True for a column unique per row that is named like a key, or sorted/consecutive ints, or text."""
    n = len(s)
    if n < 2 or n_unique != n or s.isna().any():
        return False
    if _ID_NAME.search(str(name)):
        return True
    if n < 10:
        return False
    if pd.api.types.is_integer_dtype(s.dtype):
        values = s.to_numpy(dtype="int64")
        # integers unique per row that are consecutive or already sorted look like row keys
        return bool(values.max() - values.min() + 1 == n or np.all(np.diff(values) > 0))
    if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object or isinstance(s.dtype, pd.CategoricalDtype):
        return True
    return False


def detect_column_roles(X: pd.DataFrame, max_levels: int = 20) -> ColumnRoles:
    """Classify each column of ``X`` (numeric, categorical, datetime, boolean, empty; ID-like ...)."""
    roles = ColumnRoles()
    for name in X.columns:
        s = X[name]
        non_missing = s.dropna()
        if len(non_missing) == 0:
            roles.empty.append(name)
            roles.levels[name] = 0
            continue
        try:
            n_unique = int(non_missing.nunique())
        except TypeError:  # unhashable cells (lists ...): treat the text form
            n_unique = int(non_missing.astype(str).nunique())
        roles.levels[name] = n_unique
        if n_unique <= 1:
            roles.constant.append(name)
        if is_bool_column(s):
            roles.boolean.append(name)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype) or is_text_datetime(s):
            roles.datetime.append(name)
        elif pd.api.types.is_timedelta64_dtype(s.dtype):
            roles.numeric.append(name)  # durations become seconds
        elif pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype):
            roles.numeric.append(name)
            if is_id_like(name, s, n_unique):
                roles.id_like.append(name)
        else:
            roles.categorical.append(name)
            if n_unique > max_levels:
                roles.high_cardinality.append(name)
            if is_id_like(name, s, n_unique):
                roles.id_like.append(name)
    return roles
