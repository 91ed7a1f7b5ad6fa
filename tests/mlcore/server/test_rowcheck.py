"""The one-row fast path gives exactly check_frame's frame, and declines every row that needs more."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcore.deployment.schema import build_schema, check_frame
from mlcore.server.rowcheck import RowChecker


@pytest.fixture(scope="module")
def schema():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({
        "amount": rng.normal(size=n), "count": rng.integers(0, 9, size=n),
        "plan": pd.Categorical(rng.choice(["basic", "plus", "pro"], size=n)),
        "city": pd.array(rng.choice(["Oslo", "Rome", "Lima"], size=n), dtype="str"), "y": rng.integers(0, 2, n)})
    return build_schema(frame, "y")


@pytest.mark.parametrize("row", [
    {"amount": 1.5, "count": 3, "plan": "pro", "city": "Rome"},
    {"amount": -2, "count": 0, "plan": "basic", "city": "Oslo"},
    {"city": "Lima", "plan": "plus", "count": 8, "amount": 0.0},
])
def test_fast_frame_equals_check_frame(schema, row):
    fast = RowChecker(schema).frame(row)
    assert fast is not None
    full = check_frame(pd.DataFrame([row]), schema)
    assert full.warnings == []
    pd.testing.assert_frame_equal(fast, full.frame)


@pytest.mark.parametrize("row", [
    {"amount": 1.5, "count": 3, "plan": "premium", "city": "Rome"},     # unseen level: a warning
    {"amount": 1.5, "count": 3, "plan": "pro", "city": "Paris"},        # unseen text
    {"amount": "1.5", "count": 3, "plan": "pro", "city": "Rome"},       # number as text: converted
    {"amount": None, "count": 3, "plan": "pro", "city": "Rome"},        # missing value
    {"amount": 1.5, "count": 3.0, "plan": "pro", "city": "Rome"},       # float for an integer column
    {"amount": True, "count": 3, "plan": "pro", "city": "Rome"},        # bool is not a number here
    {"amount": 1.5, "count": 3, "plan": "pro"},                         # missing column
    {"amount": 1.5, "count": 3, "plan": "pro", "city": "Rome", "x": 1},  # extra column: a warning
])
def test_rows_that_need_the_full_check_are_declined(schema, row):
    assert RowChecker(schema).frame(row) is None
