"""split_frame counts, stratification, time order and refusals; make_cv for each kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, DataValidationError
from mlcore.prep import make_cv, split_frame


def labelled(n0: int = 700, n1: int = 300) -> pd.DataFrame:
    y = np.array([0] * n0 + [1] * n1)
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=len(y)), "y": rng.permutation(y)})


def test_counts_match_the_seed_example_and_parts_are_disjoint():
    df = labelled()
    split = split_frame(df, "y", test_size=0.2, validation_size=0.1, seed=3)
    assert split.counts() == {"train_samples": 700, "validation_samples": 100, "test_samples": 200}
    allrows = np.concatenate([split.train_index, split.validation_index, split.test_index])
    assert sorted(allrows.tolist()) == list(range(1000))


def test_stratification_keeps_class_proportions():
    df = labelled()
    split = split_frame(df, "y", stratify=True, seed=1)
    assert split.stratified
    for part in (split.train_index, split.validation_index, split.test_index):
        assert df["y"].iloc[part].mean() == pytest.approx(0.3, abs=0.005)


def test_seed_reproduces_and_changes_the_split():
    df = labelled()
    a, b, c = (split_frame(df, "y", seed=s) for s in (5, 5, 6))
    assert np.array_equal(a.test_index, b.test_index) and not np.array_equal(a.test_index, c.test_index)


def test_time_ordered_split_train_earliest_test_latest():
    n = 50
    df = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=n, freq="D")[::-1].astype(str),
                       "y": np.arange(n) % 2})
    split = split_frame(df, "y", test_size=0.2, validation_size=0.2, time_column="when")
    assert split.time_ordered and split.counts() == {"train_samples": 30, "validation_samples": 10,
                                                     "test_samples": 10}
    when = pd.to_datetime(df["when"])
    assert when.iloc[split.train_index].max() < when.iloc[split.validation_index].min()
    assert when.iloc[split.validation_index].max() < when.iloc[split.test_index].min()
    assert split.test_index.tolist() == list(range(9, -1, -1))  # rows stored newest first


def test_missing_target_rows_are_left_out_and_continuous_targets_not_stratified():
    df = pd.DataFrame({"x": range(20), "y": [np.nan, np.nan] + list(np.linspace(0.5, 99.5, 18))})
    split = split_frame(df, "y", test_size=0.25, validation_size=0.0, stratify=True)
    assert split.excluded_index.tolist() == [0, 1] and not split.stratified
    assert split.counts() == {"train_samples": 13, "validation_samples": 0, "test_samples": 5}
    assert 0 not in split.train_index and 1 not in split.test_index


@pytest.mark.parametrize("kwargs, error, words", [
    ({"test_size": 0.6, "validation_size": 0.4}, ConfigError, "sum must be below 1"),
    ({"test_size": -0.1}, ConfigError, "test_size=-0.1"),
    ({"validation_size": 1.2}, ConfigError, "validation_size=1.2"),
])
def test_impossible_sizes(kwargs, error, words):
    with pytest.raises(error, match=words):
        split_frame(labelled(), "y", **kwargs)


def test_class_with_one_row_is_named():
    df = pd.DataFrame({"x": range(30), "y": ["a"] * 15 + ["b"] * 14 + ["rare"]})
    with pytest.raises(DataValidationError, match="class 'rare' has only 1 row"):
        split_frame(df, "y", stratify=True)
    assert split_frame(df, "y", stratify=False).counts()["test_samples"] == 6


def test_empty_part_and_missing_target_column():
    tiny = pd.DataFrame({"x": [1, 2], "y": [0, 1]})
    with pytest.raises(DataValidationError, match="training part would be empty"):
        split_frame(tiny, "y", test_size=0.5, validation_size=0.4, stratify=False)
    with pytest.raises(DataValidationError, match="'label' is not in the data; columns: \\['x', 'y'\\]"):
        split_frame(tiny, "label")
    few = pd.DataFrame({"x": range(10), "y": list("abcde") * 2})
    with pytest.raises(DataValidationError, match="test part has 2 row.*5 classes"):
        split_frame(few, "y", test_size=0.2, validation_size=0.0)


def test_make_cv_kinds():
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

    assert isinstance(make_cv("auto", 4, "classification").splitter, StratifiedKFold)
    assert isinstance(make_cv("auto", 4, "regression").splitter, KFold)
    assert isinstance(make_cv("timeseries", 3).splitter, TimeSeriesSplit)
    assert isinstance(make_cv("group", 3, groups_column="g").splitter, GroupKFold)

    X = pd.DataFrame({"x": np.arange(12), "g": np.repeat(["a", "b", "c", "d"], 3)})
    y = np.array([0, 1] * 6)
    folds = list(make_cv("stratified", 3, seed=0).split(X, y))
    assert len(folds) == 3 and all(y[test].mean() == 0.5 for _, test in folds)
    folds = list(make_cv("kfold", 4, "regression", seed=0).split(X))
    assert sorted(np.concatenate([t for _, t in folds]).tolist()) == list(range(12))
    folds = list(make_cv("timeseries", 3).split(X))
    assert all(train.max() < test.min() for train, test in folds)
    folds = list(make_cv("group", 2, groups_column="g").split(X, y))
    for train, test in folds:
        assert not set(X["g"].iloc[train]) & set(X["g"].iloc[test])
    assert make_cv("kfold", 4, "regression").get_n_splits() == 4


def test_make_cv_errors():
    with pytest.raises(ConfigError, match="n_splits=1"):
        make_cv("kfold", 1)
    with pytest.raises(ConfigError, match="'loo'"):
        make_cv("loo")
    with pytest.raises(ConfigError, match="groups_column"):
        make_cv("group", 3)
    X = pd.DataFrame({"x": range(6), "g": list("aabbcc")})
    with pytest.raises(DataValidationError, match="at least 10 rows; got 6"):
        list(make_cv("kfold", 10, "regression").split(X))
    with pytest.raises(DataValidationError, match="class '1' has 2"):
        list(make_cv("stratified", 3).split(X, [0, 0, 0, 0, 1, 1]))
    with pytest.raises(DataValidationError, match="4 distinct groups; got 3"):
        list(make_cv("group", 4, groups_column="g").split(X))
    with pytest.raises(DataValidationError, match="at least 7 rows"):
        list(make_cv("timeseries", 6).split(X))
