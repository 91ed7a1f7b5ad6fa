"""The one JSON-safety helper: what goes into a JSON column, a JSON file or ``--json`` output.

numpy scalars and arrays become Python values, NaN and ±inf become None, mapping keys become
text, tuples and sets become lists, dates become ISO text, paths text, and objects with
``to_dict()`` their dict. Anything else unknown becomes its text. Imports nothing heavy: numpy
values can only exist once numpy is imported.
"""

from __future__ import annotations

import math
import sys
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

__all__ = ["json_safe"]


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON-able Python (see the module docstring)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(value, np.ndarray):
            return [json_safe(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            return json_safe(value.item())
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return json_safe(value.to_dict())
    pd = sys.modules.get("pandas")
    if pd is not None and value is pd.NA:
        return None
    return str(value)
