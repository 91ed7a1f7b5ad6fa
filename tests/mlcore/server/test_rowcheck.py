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


ROWS = [{"amount": 1.5, "count": 3, "plan": "pro", "city": "Rome"},
        {"amount": -2, "count": 0, "plan": "basic", "city": "Oslo"},
        {"amount": 0.25, "count": 8, "plan": "plus", "city": "Lima"}]


def test_batches_as_records_and_as_columns_equal_check_frame(schema):
    checker = RowChecker(schema)
    full = check_frame(pd.DataFrame(ROWS), schema)
    assert full.warnings == []
    by_records = checker.columns_of_records(ROWS)
    by_columns = checker.columns_of_columns({k: [r[k] for r in ROWS] for k in ROWS[0]})
    pd.testing.assert_frame_equal(checker.build(by_records), full.frame)
    pd.testing.assert_frame_equal(checker.build(by_columns), full.frame)
    # several requests' rows joined into one frame: the same as checking them together
    joined = checker.join([checker.columns_of_records(ROWS[:1]), checker.columns_of_records(ROWS[1:])])
    pd.testing.assert_frame_equal(checker.build(joined), full.frame)


@pytest.mark.parametrize("bad", [
    {"amount": 1.5, "count": 3, "plan": "gold", "city": "Rome"},      # unseen level
    {"amount": False, "count": 3, "plan": "pro", "city": "Rome"},     # bool in a number column
    {"amount": 1.5, "count": 2**63, "plan": "pro", "city": "Rome"},   # beyond int64
    {"amount": 1.5, "count": 3, "plan": ["pro"], "city": "Rome"},     # not a scalar
    {"amount": 1.5, "count": 3, "plan": "pro", "town": "Rome"},       # another column name
])
def test_one_bad_row_sends_the_whole_batch_to_the_full_check(schema, bad):
    checker = RowChecker(schema)
    assert checker.columns_of_records([*ROWS, bad]) is None
    columns = {k: [r.get(k) for r in ROWS] + [bad.get(k)] for k in ROWS[0]}
    if set(bad) == set(ROWS[0]):
        assert checker.columns_of_columns(columns) is None
    assert checker.columns_of_columns({k: v[:2] if k == "amount" else v for k, v in columns.items()}) is None


def _by_records(checker: RowChecker, frame: pd.DataFrame):
    """What a JSON client sending the frame's rows gets: the definition checked_frame must keep."""
    return checker.columns_of_records(frame.astype(object).where(frame.notna(), None).to_dict(orient="records"))


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)


_GOOD = pd.DataFrame(ROWS)
_FRAMES = {
    "plain": _GOOD,
    "str dtype text": _GOOD.astype({"city": "str", "plan": "str"}),
    "categorical plan": _GOOD.astype({"plan": "category"}),
    "int32 count": _GOOD.astype({"count": "int32"}),
    "int amount": _GOOD.assign(amount=[1, -2, 0]),
    "float count": _GOOD.assign(count=[3.0, 0.0, 8.0]),
    "NaN amount": _GOOD.assign(amount=[1.5, np.nan, 0.25]),
    "nullable Int64 with NA": _GOOD.assign(count=pd.array([3, None, 8], dtype="Int64")),
    "unseen level": _GOOD.assign(plan=["pro", "gold", "plus"]),
    "unseen text": _GOOD.assign(city=["Rome", "Paris", "Lima"]),
    "missing text": _GOOD.assign(city=["Rome", None, "Lima"]),
    "bool amount": _GOOD.assign(amount=[True, False, True]),
    "numbers in plan": _GOOD.assign(plan=[1, 2, 3]),
    "extra column": _GOOD.assign(x=1),
    "missing column": _GOOD.drop(columns="city"),
    "uint count": _GOOD.astype({"count": "uint64"}),
}


@pytest.mark.parametrize("name", list(_FRAMES))
def test_checked_frame_is_the_json_check_of_the_frames_rows(schema, name):
    """An uploaded file's rows take the fast path exactly when the same rows sent as JSON would, with the
    same columns (uint64 is the one conservative difference: declined, where JSON would accept small values)."""
    checker = RowChecker(schema)
    frame = _FRAMES[name]
    fast = checker.checked_frame(frame)
    if name == "uint count":
        assert fast is None
        return
    assert _same(fast, _by_records(checker, frame)), name
    expected_fast = name in {"plain", "str dtype text", "categorical plan", "int32 count", "int amount"}
    assert (fast is not None) == expected_fast
    if fast is not None:
        full = check_frame(frame, schema)
        assert full.warnings == []
        pd.testing.assert_frame_equal(checker.build(fast), full.frame)
