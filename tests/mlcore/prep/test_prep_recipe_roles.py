"""PrepRecipe validation/round trip and column-role detection."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError
from mlcore.prep import PrepRecipe, detect_column_roles


def test_recipe_round_trips_through_json():
    recipe = PrepRecipe(numeric_imputation="constant", fill_value_numeric=-1.0, encoding="ordinal",
                        scaling="robust", feature_selection="mutual_info", n_features=4,
                        outlier_method="iqr", outlier_threshold=1.5, outlier_action="clip",
                        drop_columns=["notes"], class_weight="balanced", datetime_parts=["year", "month"])
    again = PrepRecipe.from_dict(json.loads(json.dumps(recipe.to_dict())))
    assert again == recipe
    assert PrepRecipe.from_dict({}) == PrepRecipe()


@pytest.mark.parametrize("option, value, allowed", [
    ("scaling", "zscore", "standard, minmax, robust, none"),
    ("numeric_imputation", "mode", "mean, median, most_frequent, constant"),
    ("categorical_imputation", "mean", "most_frequent, constant"),
    ("encoding", "target", "onehot, ordinal, frequency"),
    ("feature_selection", "lasso", "correlation, mutual_info, rfe"),
    ("outlier_method", "dbscan", "iqr, zscore, none"),
    ("outlier_action", "drop", "remove, clip"),
    ("class_weight", "auto", "None, balanced"),
    ("datetime_parts", ["year", "century"], "year, month"),
])
def test_bad_option_names_option_and_allowed_values(option, value, allowed):
    with pytest.raises(ConfigError) as err:
        PrepRecipe.from_dict({option: value})
    assert option in str(err.value) and repr(value if option != "datetime_parts" else "century") in str(err.value)
    assert allowed in str(err.value)


@pytest.mark.parametrize("d, word", [
    ({"n_features": 0, "feature_selection": "rfe"}, "n_features"),
    ({"n_features": 3}, "needs feature_selection"),
    ({"outlier_threshold": -1}, "outlier_threshold"),
    ({"max_onehot_levels": 0}, "max_onehot_levels"),
    ({"drop_columns": "abc"}, "drop_columns"),
    ({"datetime_parts": []}, "datetime_parts is empty"),
])
def test_bad_numbers_are_refused(d, word):
    with pytest.raises(ConfigError, match=word):
        PrepRecipe.from_dict(d)


def test_unknown_keys_are_refused_by_name():
    with pytest.raises(ConfigError, match="scalling"):
        PrepRecipe.from_dict({"scalling": "standard"})


def test_detect_column_roles_on_mixed_frame():
    n = 30
    df = pd.DataFrame({
        "customer_id": np.arange(100, 100 + n),
        "order_key": [f"K{i:04d}" for i in range(n)],
        "amount": np.linspace(1, 2, n),
        "qty": pd.array([1, 2, None] * 10, dtype="Int64"),
        "colour": pd.Series(["red", "blue", None] * 10, dtype="str"),
        "size": pd.Series(["S", "M", "L"] * 10, dtype="category"),
        "zip": pd.Series([f"z{i % 25}" for i in range(n)], dtype="str"),
        "signed_up": pd.date_range("2024-01-01", periods=n, freq="D"),
        "iso_text": [f"2024-02-{1 + i % 28:02d}" for i in range(n)],
        "member": pd.array([True, False, None] * 10, dtype="boolean"),
        "flag": [True, False] * 15,
        "nothing": pd.Series([None] * n, dtype="str"),
        "same": [7.0] * n,
    })
    roles = detect_column_roles(df, max_levels=20)
    assert roles.numeric == ["customer_id", "amount", "qty", "same"]
    assert roles.categorical == ["order_key", "colour", "size", "zip"]
    assert roles.datetime == ["signed_up", "iso_text"]
    assert roles.boolean == ["member", "flag"]
    assert roles.empty == ["nothing"]
    assert roles.id_like == ["customer_id", "order_key"]  # amount is unique but float: not an id
    assert roles.high_cardinality == ["order_key", "zip"]
    assert roles.constant == ["same"]
    assert roles.levels["colour"] == 2 and roles.levels["zip"] == 25


def test_unique_integers_in_random_order_are_not_ids_unless_named():
    rng = np.random.default_rng(0)
    values = rng.permutation(np.arange(0, 600, 7))[:40]  # unique, unsorted, gaps
    roles = detect_column_roles(pd.DataFrame({"income": values, "user_id": values}))
    assert roles.id_like == ["user_id"]


def test_durations_and_numeric_categories():
    df = pd.DataFrame({"wait": pd.to_timedelta(["1h", "2h", None]),
                       "grade": pd.Series([1, 2, 1]).astype("category")})
    roles = detect_column_roles(df)
    assert roles.numeric == ["wait"] and roles.categorical == ["grade"]
