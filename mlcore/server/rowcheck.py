"""A fast path of the schema check for the common request: rows whose values already have the
types the model was trained on.

``check_frame`` costs a fixed few pandas operations per column (a large share of a one-row
prediction) and, for a batch sent as JSON, first needs a frame built from the records. Rows that
need no conversion and have no missing, extra or unseen values get exactly the frame
``check_frame`` would build (tests hold the two equal), straight from the JSON lists; any other
input returns None and takes ``check_frame`` itself, with its conversions and warnings.

Checking (``columns_of_records``/``columns_of_columns``) is separate from building the frame
(``build``) so that the rows of several requests can be checked one by one and predicted as one frame.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RowChecker"]

_NUMBER = frozenset({float, int})
_INT = {int}
_STR = {str}


def _all_text(series: pd.Series) -> bool:
    """Every value a str (what a JSON string gives): none missing, no numbers in an object column."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return bool(series.notna().all()) and all(type(c) is str for c in series.cat.categories)
    if isinstance(series.dtype, pd.StringDtype):
        return bool(series.notna().all())
    return set(map(type, series.to_numpy(dtype=object))) == _STR


class RowChecker:
    """Built once per loaded model from its InputSchema."""

    def __init__(self, schema: Any) -> None:
        self.names: list[str] = list(schema.names)
        self._plan: list[tuple[str, str, Any]] = []
        for col in schema.columns:
            kind, dtype = col["dtype"], col.get("pandas_dtype")
            levels = list(col.get("categories") or [])
            if kind == "numeric" and dtype == "float64":
                self._plan.append((col["name"], "float", None))
            elif kind == "integer" and dtype == "int64":
                self._plan.append((col["name"], "int", None))
            elif (kind == "category" and not col.get("categories_truncated")
                  and all(type(level) is str for level in levels)):
                codes = {level: i for i, level in enumerate(levels)}
                self._plan.append((col["name"], "category", (pd.CategoricalDtype(levels), codes)))
            elif kind == "text" and not col.get("categories_truncated") and dtype == "str":
                self._plan.append((col["name"], "text", set(levels)))
            else:
                self._plan = []  # booleans, dates, other dtypes: always the full check
                break
        self.usable = bool(self._plan)

    # -- checking -------------------------------------------------------------------
    def columns_of_records(self, rows: list[Any]) -> dict[str, Any] | None:
        """Checked column values of rows given as {column: value} dicts, or None (take the full check)."""
        if not self.usable or not rows or set(map(type, rows)) != {dict} or set(map(len, rows)) != {len(self._plan)}:
            return None
        names = [name for name, _, _ in self._plan]
        try:  # C-level passes, one per column
            values = [list(map(itemgetter(name), rows)) for name in names]
        except KeyError:
            return None
        return self._checked(dict(zip(names, values)))

    def columns_of_columns(self, columns: dict[str, Any]) -> dict[str, Any] | None:
        """The same for rows given as {column: [values]}."""
        if not self.usable or len(columns) != len(self._plan):
            return None
        lists = {name: columns.get(name) for name, _, _ in self._plan}
        if set(map(type, lists.values())) != {list} or len(set(map(len, lists.values()))) != 1:
            return None
        if not next(iter(lists.values())):
            return None
        return self._checked(lists)

    def _checked(self, columns: dict[str, Any]) -> dict[str, Any] | None:
        """Each column's values as the frame will hold them (category codes for categories), or None."""
        out: dict[str, Any] = {}
        for name, how, extra in self._plan:
            values = columns[name]
            if how == "float":
                if not set(map(type, values)) <= _NUMBER:  # no bool, text or null
                    return None
                out[name] = np.fromiter(values, dtype=np.float64, count=len(values))
            elif how == "int":
                if set(map(type, values)) != _INT:
                    return None
                try:
                    out[name] = np.fromiter(values, dtype=np.int64, count=len(values))
                except OverflowError:
                    return None
            else:
                # category and text levels are all str, and a level only equals a str: any other value (a
                # number, true, null) is unseen, and an unhashable one (a list) raises TypeError
                try:
                    if how == "category":
                        out[name] = np.fromiter(map(extra[1].__getitem__, values), dtype=np.int64, count=len(values))
                    elif extra.issuperset(values):  # text seen in training
                        out[name] = np.array(values, dtype=object)  # the compiled preparation takes it as it is
                    else:
                        return None
                except (KeyError, TypeError):
                    return None
        return out

    def checked_frame(self, frame: pd.DataFrame) -> dict[str, Any] | None:
        """:meth:`columns_of_records` of a frame's rows as JSON would carry them (missing values as null),
        column by column: a 10,000-row uploaded file is checked without a Python object per cell."""
        if not self.usable or len(frame) == 0 or frame.columns.has_duplicates \
                or set(frame.columns) != {name for name, _, _ in self._plan}:
            return None
        out: dict[str, Any] = {}
        for name, how, extra in self._plan:
            series = frame[name]
            dtype = series.dtype
            if how in ("float", "int"):
                if isinstance(dtype, pd.CategoricalDtype) or dtype.kind not in ("fi" if how == "float" else "i"):
                    return None  # bool, text, unsigned (may exceed int64), or floats for an integer column
                if series.hasnans:
                    return None  # missing values: null in JSON
                out[name] = series.to_numpy(dtype=np.float64 if how == "float" else np.int64)
                continue
            if not (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)):
                return None
            if how == "category":
                codes = extra[0].categories.get_indexer(series)  # -1: missing or unseen
                if (codes < 0).any():
                    return None  # missing or unseen
                if not _all_text(series):
                    return None  # e.g. an object column holding numbers equal to no level
                out[name] = codes.astype(np.int64)
            else:  # text seen in training
                values = series.to_numpy(dtype=object)
                if not _all_text(series) or not extra.issuperset(values):
                    return None
                out[name] = values
        return out

    # -- building -------------------------------------------------------------------
    def frame(self, row: Any) -> pd.DataFrame | None:
        """The checked frame of one row {column: value}, or None."""
        checked = self.columns_of_records([row]) if type(row) is dict else None
        return None if checked is None else self.build(checked)

    def build(self, checked: dict[str, Any]) -> pd.DataFrame:
        """The frame of checked columns (from ``columns_of_*``, or several of them joined by ``join``)."""
        out: dict[str, Any] = {}
        for name, how, extra in self._plan:
            values = checked[name]
            if how == "category":
                out[name] = pd.Categorical.from_codes(values, dtype=extra[0])
            elif how == "text":
                out[name] = pd.array(values, dtype="str")
            else:
                out[name] = values
        return pd.DataFrame(out)

    def join(self, parts: list[dict[str, Any]]) -> dict[str, Any]:
        """Checked columns of several requests, one after the other."""
        if len(parts) == 1:
            return parts[0]
        out: dict[str, Any] = {}
        for name, _, _ in self._plan:
            out[name] = np.concatenate([part[name] for part in parts])
        return out
