"""Task detection from the target and target validation messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, DataValidationError
from mlcore.models import detect_task, validate_target


@pytest.mark.parametrize(
    "values,expected",
    [
        (pd.Series(["a", "b", "a"] * 10, dtype="str"), "classification"),
        (pd.Series([True, False] * 10), "classification"),
        (pd.Series(["x", "y"] * 5, dtype="category"), "classification"),
        (pd.Series(np.arange(300) % 3), "classification"),  # 3 levels, 1% of rows
        (pd.Series([0, 1] * 4), "classification"),  # binary even on few rows
        (pd.Series(np.arange(300) % 40), "regression"),  # too many levels
        (pd.Series(np.arange(100) % 10), "regression"),  # 10 levels are 10% of 100 rows
        (pd.Series(np.linspace(0, 1, 50)), "regression"),
        (pd.Series([1.0, 2.0, np.nan, 3.0] * 100), "classification"),  # integers stored as float with gaps
        (pd.Series([1.5, 2.5, 3.5] * 100), "regression"),
    ],
)
def test_detect_task(values, expected):
    assert detect_task(values) == expected


def test_all_missing_target_is_named():
    with pytest.raises(DataValidationError, match=r"'price' has no values \(all 4 rows are missing\)"):
        validate_target(pd.Series([np.nan] * 4), "regression", "price")


def test_single_class_is_named():
    with pytest.raises(DataValidationError, match=r"'label' has a single class 'spam'"):
        validate_target(pd.Series(["spam"] * 5 + [None], dtype="str"), "classification", "label")


def test_regression_on_text_is_refused():
    with pytest.raises(DataValidationError, match=r"'city' is not numeric \(e.g. 'Oslo'\)"):
        validate_target(pd.Series(["Oslo", "Rome"], dtype="str"), "regression", "city")


def test_regression_on_constant_and_infinite():
    with pytest.raises(DataValidationError, match="constant"):
        validate_target(pd.Series([3.0] * 5), "regression", "y")
    with pytest.raises(DataValidationError, match="infinite"):
        validate_target(pd.Series([1.0, np.inf, 2.0]), "regression", "y")


def test_classification_on_continuous_and_identifier_targets():
    with pytest.raises(DataValidationError, match="continuous numbers"):
        validate_target(pd.Series(np.linspace(0, 1, 30)), "classification", "score")
    with pytest.raises(DataValidationError, match="looks like an identifier"):
        validate_target(pd.Series([f"id{i}" for i in range(500)], dtype="str"), "classification", "id")


def test_small_classes_can_be_required():
    y = pd.Series(["a"] * 10 + ["b"] * 10 + ["c"])
    validate_target(y, "classification", "y")
    with pytest.raises(DataValidationError, match=r"fewer than 2 rows: 'c' \(1 rows\)"):
        validate_target(y, "classification", "y", min_class_count=2)


def test_valid_targets_pass_and_bad_task_is_config_error():
    validate_target(pd.Series([1, 2, 3, 1]), "regression", "y")
    validate_target(pd.Series(["a", "b"]), "classification", "y")
    with pytest.raises(ConfigError):
        validate_target(pd.Series([1, 2]), "ranking", "y")


def test_messages_print_plain_values_not_numpy_reprs():
    import numpy as np
    import pandas as pd
    import pytest

    from mlcore.errors import DataValidationError, shown
    from mlcore.models._target import validate_target

    assert shown(np.True_) == "True" and shown(np.int64(3)) == "3" and shown("a") == "'a'"
    with pytest.raises(DataValidationError) as bools:
        validate_target(pd.Series([False, True, False]), "regression", "churned")
    with pytest.raises(DataValidationError) as single:
        validate_target(pd.Series(np.array([7, 7, 7], dtype="int64")), "classification", "y")
    with pytest.raises(DataValidationError) as constant:
        validate_target(pd.Series(np.array([2.5, 2.5], dtype="float64")), "regression", "y")
    for raised in (bools, single, constant):
        assert "np." not in str(raised.value), str(raised.value)
    assert "(e.g. False)" in str(bools.value) and "class 7;" in str(single.value) and "(2.5)" in str(constant.value)
