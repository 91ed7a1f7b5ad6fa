"""One JSON-safety helper: every JSON column, file and --json output goes through json_safe."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np

from mlcore.jsonsafe import json_safe


def test_json_safe_makes_plain_json_values():
    value = {1: np.float32(0.5), "nan": math.nan, "inf": -math.inf, "arr": np.array([[1, 2]]),
             "t": (np.int64(3), {np.str_("k")}), "when": datetime(2026, 1, 2, 3, 4, 5), "p": Path("a/b"),
             "flag": np.bool_(True), "none": None}
    out = json_safe(value)
    assert out == {"1": 0.5, "nan": None, "inf": None, "arr": [[1, 2]], "t": [3, ["k"]],
                   "when": "2026-01-02T03:04:05", "p": "a/b", "flag": True, "none": None}
    assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_the_old_helpers_are_the_one_helper():
    from mlcore.evaluation._common import to_python
    from mlcore.training.run import _jsonable
    from mlcore.tuning._cv import jsonable

    assert to_python is _jsonable is jsonable is json_safe
