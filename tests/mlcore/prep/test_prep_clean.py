"""clean_frame, outlier_row_mask and balanced_sample_weight on hand-computable frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, DataValidationError
from mlcore.prep import balanced_sample_weight, clean_frame, outlier_row_mask


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "a": [1.0, np.nan, 3.0, 8.0, 4.0],
        "n": pd.array([1, None, 2, 2, 4], dtype="Int64"),
        "t": pd.Series(["x", None, "y", "y", None], dtype="str"),
        "target": [1, 0, np.nan, 1, 0],
    })


@pytest.mark.parametrize("strategy, a, n, t", [
    ("mean", [1.0, 13 / 3, 8.0, 4.0], [1, 7 / 3, 2, 4], ["x", "x", "y", "x"]),  # t: tie x/y -> x
    ("median", [1.0, 4.0, 8.0, 4.0], [1, 2, 2, 4], ["x", "x", "y", "x"]),
    ("mode", [1.0, 1.0, 8.0, 4.0], [1, 1, 2, 4], ["x", "x", "y", "x"]),
    ("forward_fill", [1.0, 1.0, 8.0, 4.0], [1, 1, 2, 4], ["x", "x", "y", "y"]),
    ("backward_fill", [1.0, 8.0, 8.0, 4.0], [1, 2, 2, 4], ["x", "y", "y", "y"]),
])
def test_fill_strategies(strategy, a, n, t):
    out, report = clean_frame(frame(), missing_strategy=strategy, target="target")
    # the row with a missing target (index 2) goes first and never gets imputed
    assert report["dropped_missing_target_rows"] == 1 and out["target"].tolist() == [1, 0, 1, 0]
    assert np.allclose(out["a"].to_numpy(dtype=float), a)
    assert np.allclose(out["n"].to_numpy(dtype=float), n)
    assert out["t"].tolist() == t
    assert report["original_rows"] == 5 and report["cleaned_rows"] == 4
    assert report["filled_values"] == {"a": 1, "n": 1, "t": 2}
    assert report["params"]["missing_strategy"] == strategy
    assert out.isna().sum().sum() == 0
    if strategy in ("mean", "median"):
        assert any("t" in note and "most frequent" in note for note in report["notes"])


def test_mode_ties_take_first_sorted_value_and_int_mean_keeps_integers_when_whole():
    df = pd.DataFrame({"n": pd.array([2, None, 4], dtype="Int64")})
    out, _ = clean_frame(df, "mean")
    assert out["n"].dtype == "Int64" and out["n"].tolist() == [2, 3, 4]


def test_drop_strategy_counts_rows():
    out, report = clean_frame(frame(), missing_strategy="drop", target="target")
    assert out["a"].tolist() == [1.0, 8.0]
    assert report["dropped_missing_rows"] == 3  # 1 missing target + 2 with missing features
    assert report["dropped_missing_target_rows"] == 1 and report["cleaned_rows"] == 2


def test_outliers_removed_before_filling():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 100.0, np.nan], "b": [1.0] * 6})
    out, report = clean_frame(df, "mean", "iqr", 1.5)
    # a: q1=2, q3=4 -> fences -1..7, 100 goes; NaN never counts as outlier
    assert report["removed_outlier_rows"] == 1 and report["cleaned_rows"] == 5
    assert out["a"].tolist() == [1.0, 2.0, 3.0, 4.0, 2.5]  # mean of the kept rows


def test_all_missing_column_is_reported_not_crashing():
    df = pd.DataFrame({"a": [1.0, 2.0], "empty": [np.nan, np.nan]})
    out, report = clean_frame(df, "median")
    assert report["unfilled_columns"] == ["empty"] and out["empty"].isna().all()


def test_clean_errors_are_clear():
    with pytest.raises(ConfigError, match="missing_strategy='avg'.*mean, median, mode, drop"):
        clean_frame(frame(), "avg")
    with pytest.raises(ConfigError, match="outlier_method='lof'"):
        clean_frame(frame(), "mean", "lof")
    with pytest.raises(DataValidationError, match="'label'.*columns"):
        clean_frame(frame(), target="label")


def test_outlier_row_mask_iqr_and_zscore():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 100.0, np.nan], "txt": list("abcdef"),
                      "flag": [True] * 6})
    assert outlier_row_mask(X, "iqr", 1.5).tolist() == [True] * 4 + [False, True]
    z = pd.DataFrame({"v": [0.0] * 9 + [10.0]})  # mean 1, std 3 -> z of 10 is 3.0
    assert outlier_row_mask(z, "zscore", 2.9).tolist() == [True] * 9 + [False]
    assert outlier_row_mask(z, "zscore", 3.1).all()
    assert outlier_row_mask(z, "none", 3.0).all()
    with pytest.raises(ConfigError, match="outlier_threshold"):
        outlier_row_mask(z, "zscore", 0)


def test_balanced_sample_weight():
    w = balanced_sample_weight(["a", "a", "a", "b"])
    assert np.allclose(w, [4 / 6, 4 / 6, 4 / 6, 2.0])
    assert np.isclose(w[:3].sum(), w[3:].sum())
    with pytest.raises(DataValidationError, match="missing"):
        balanced_sample_weight(pd.Series([1, None, 2]))


def test_outlier_row_mask_ignores_id_columns_and_excluded_ones():
    X = pd.DataFrame({"row_id": np.arange(20), "v": [0.0] * 19 + [50.0], "w": [0.0] * 19 + [60.0]})
    # a uniform id column would exceed z = 1.5 at both ends; it is not a measurement
    assert outlier_row_mask(X, "zscore", 1.5).tolist() == [True] * 19 + [False]
    assert outlier_row_mask(X, "zscore", 1.5, exclude=["v", "w"]).all()
