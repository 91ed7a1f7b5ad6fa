"""The custom transformers are proper sklearn estimators and do what they say."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from mlcore.prep import AsText, DatetimeParts, FeatureSelector, FrequencyEncoder, OutlierClipper, ToFloat


@parametrize_with_checks([
    ToFloat(), FrequencyEncoder(), DatetimeParts(parts=("year", "month")), OutlierClipper(method="zscore"),
    OutlierClipper(method="iqr", threshold=1.5), FeatureSelector(), FeatureSelector("statistical", 2),
    FeatureSelector("tree_importance", 1, task="regression"),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("est", [AsText(), ToFloat(), FrequencyEncoder(), DatetimeParts(("hour",)),
                                 OutlierClipper("zscore", 2.5), FeatureSelector("rfe", 3, "regression", 5)])
def test_clone_and_params(est):
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin is not est
    if "threshold" in est.get_params():
        assert twin.set_params(threshold=9.0).threshold == 9.0


def test_as_text_unifies_mixed_levels_and_missing_markers():
    df = pd.DataFrame({"a": pd.Series([1, "1", None, pd.NA], dtype=object),
                       "b": pd.Series(["x", None, "y", "x"], dtype="category")})
    out = AsText().fit_transform(df)
    assert out[:2, 0].tolist() == ["1", "1"] and all(isinstance(v, float) and np.isnan(v) for v in out[2:, 0])
    assert out[0, 1] == "x" and np.isnan(out[1, 1])


def test_to_float_handles_nullable_bools():
    out = ToFloat().fit_transform(pd.DataFrame({"b": pd.array([True, None, False], dtype="boolean")}))
    assert out[0, 0] == 1.0 and np.isnan(out[1, 0]) and out[2, 0] == 0.0


def test_datetime_parts_from_iso_text_with_missing():
    df = pd.DataFrame({"d": pd.Series(["2024-02-29T13:45:00", None, "2020-01-01"], dtype="str")})
    est = DatetimeParts(parts=("year", "month", "day", "hour", "quarter", "dayofyear")).fit(df)
    out = est.transform(df)
    assert out[0].tolist() == [2024, 2, 29, 13, 1, 60]
    assert np.isnan(out[1]).all()
    assert list(est.get_feature_names_out()) == ["d.year", "d.month", "d.day", "d.hour", "d.quarter", "d.dayofyear"]
    with pytest.raises(ValueError, match="century"):
        DatetimeParts(parts=("century",)).fit(df)


def test_outlier_clipper_zscore_limits_and_nan_pass_through():
    X = np.array([[1.0], [2.0], [3.0], [np.nan], [4.0]])
    est = OutlierClipper("zscore", 1.0).fit(X)
    m, s = 2.5, np.std([1.0, 2, 3, 4])
    assert np.allclose([est.lower_[0], est.upper_[0]], [m - s, m + s])
    out = est.transform(np.array([[100.0], [np.nan], [2.0]]))
    assert np.isclose(out[0, 0], m + s) and np.isnan(out[1, 0]) and out[2, 0] == 2.0


def test_feature_selector_defaults_to_half_and_exposes_scores():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 5))
    y = X[:, 3] * 3 + X[:, 1] + rng.normal(scale=0.01, size=50)
    sel = FeatureSelector("correlation", task="regression").fit(X, y)
    assert sel.n_features_ == 3 and sel.scores_.shape == (5,)
    assert sel.support_[3] and sel.support_[1]
    assert list(sel.get_feature_names_out()) == [f"x{i}" for i in np.flatnonzero(sel.support_)]
    assert sel.transform(X).shape == (50, 3)
    assert FeatureSelector("correlation", 99, "regression").fit(X, y).transform(X).shape == (50, 5)


def test_to_float_turns_durations_into_seconds():
    df = pd.DataFrame({"d": pd.to_timedelta(["1h", None, "90s"]), "n": pd.array([1, None, 3], dtype="Int64")})
    out = ToFloat().fit_transform(df)
    assert out[0].tolist() == [3600.0, 1.0] and np.isnan(out[1]).all() and out[2].tolist() == [90.0, 3.0]
