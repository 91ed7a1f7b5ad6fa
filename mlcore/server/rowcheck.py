"""A fast path of the schema check for the common request: one row whose values already have the
types the model was trained on.

``check_frame`` costs a fixed few pandas operations per column, which for a single row is a large
share of the whole prediction. A row that needs no conversion, has no missing, extra or unseen
values gets exactly the frame ``check_frame`` would build (a test holds the two equal); any other
row returns None and takes ``check_frame`` itself, with its conversions and warnings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RowChecker"]


class RowChecker:
    """Built once per loaded model from its InputSchema; ``frame(row)`` is the checked one-row frame or None."""

    def __init__(self, schema: Any) -> None:
        self.names: list[str] = list(schema.names)
        self._plan: list[tuple[str, str, Any]] = []
        for col in schema.columns:
            kind, dtype = col["dtype"], col.get("pandas_dtype")
            if kind == "numeric" and dtype == "float64":
                self._plan.append((col["name"], "float", None))
            elif kind == "integer" and dtype == "int64":
                self._plan.append((col["name"], "int", None))
            elif kind == "category" and not col.get("categories_truncated"):
                levels = list(col.get("categories") or [])
                codes = {level: i for i, level in enumerate(levels)}
                self._plan.append((col["name"], "category", (pd.CategoricalDtype(levels), codes)))
            elif kind == "text" and not col.get("categories_truncated") and dtype == "str":
                self._plan.append((col["name"], "text", set(col.get("categories") or [])))
            else:
                self._plan = []  # booleans, dates, other dtypes: always the full check
                break
        self.usable = bool(self._plan)

    def frame(self, row: dict[str, Any]) -> pd.DataFrame | None:
        if not self.usable or len(row) != len(self._plan):
            return None
        out: dict[str, Any] = {}
        for name, how, extra in self._plan:
            if name not in row:
                return None
            value = row[name]
            if how == "float":
                if type(value) is float:
                    out[name] = np.array([value], dtype=np.float64)
                elif type(value) is int:
                    out[name] = np.array([float(value)], dtype=np.float64)
                else:
                    return None
            elif how == "int":
                if type(value) is not int or not -2**63 <= value < 2**63:
                    return None
                out[name] = np.array([value], dtype=np.int64)
            elif how == "category":
                dtype, codes = extra
                code = codes.get(value) if type(value) is str else None
                if code is None:
                    return None
                out[name] = pd.Categorical.from_codes([code], dtype=dtype)
            else:  # text seen in training
                if type(value) is not str or value not in extra:
                    return None
                out[name] = pd.array([value], dtype="str")
        return pd.DataFrame(out)
