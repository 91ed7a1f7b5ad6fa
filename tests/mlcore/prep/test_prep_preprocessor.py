"""build_preprocessor on a realistic mixed frame and on tiny hand-checkable frames."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, DataValidationError
from mlcore.prep import (PrepRecipe, build_preprocessor, column_plan, input_feature_names,
                         selected_features)


def mixed_frame(n: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    """Missing numbers and text, pandas 3 str, category, date, ISO text date, id, high-cardinality, bools."""
    i = np.arange(n)
    df = pd.DataFrame({
        "row_id": i + 1000,
        "age": pd.array([None if k % 7 == 0 else float(20 + k % 40) for k in i], dtype="Float64"),
        "visits": pd.array([None if k % 5 == 0 else int(k % 4) for k in i], dtype="Int64"),
        "income": np.where(i % 11 == 0, np.nan, 1000.0 + 10 * i),
        "island": pd.Series([None if k % 6 == 0 else ["Dream", "Biscoe", "Torgersen"][k % 3] for k in i],
                            dtype="str"),
        "size": pd.Series(["S", "M", "L", None][k % 4] for k in i).astype("category"),
        "city": pd.Series([f"city{k % 30}" for k in i], dtype="str"),
        "signup_date": pd.date_range("2024-01-01", periods=n, freq="37h"),
        "last_seen": [None if k % 8 == 0 else f"2023-{1 + k % 12:02d}-{1 + k % 28:02d}" for k in i],
        "member": pd.array([None if k % 9 == 0 else bool(k % 2) for k in i], dtype="boolean"),
        "flag": [bool(k % 3) for k in i],
        "all_missing": pd.Series([None] * n, dtype="str"),
    })
    y = (i % 2).astype(int)
    return df, y


def test_mixed_frame_fits_transforms_and_names_are_readable():
    df, y = mixed_frame()
    train, test = df.iloc[:45], df.iloc[45:].copy()
    prep = build_preprocessor(PrepRecipe(max_onehot_levels=20, high_cardinality_encoding="frequency"), train,
                              "classification")
    out = prep.fit_transform(train, y[:45])
    names = list(prep.get_feature_names_out())
    assert out.dtype == np.float64 and isinstance(out, np.ndarray)
    assert out.shape == (45, len(names)) and not np.isnan(out).any()
    assert "row_id" not in names and "all_missing" not in names  # excluded: id and all-missing
    for expected in ["age", "visits", "income", "island=Dream", "island=Biscoe", "size=S",
                     "city.frequency", "signup_date.month", "signup_date.weekday", "last_seen.year",
                     "member", "flag"]:
        assert expected in names
    assert not any(n.startswith("island=") and "nan" in n.lower() for n in names)
    # unknown category and unseen city at prediction time do not crash; unknown one-hot row is all zero
    test.loc[test.index[0], "island"] = "Atlantis"
    test.loc[test.index[1], "city"] = "Gotham"
    test.loc[test.index[2], "size"] = np.nan
    test_out = prep.transform(test)
    assert test_out.shape == (15, len(names)) and not np.isnan(test_out).any()
    island_cols = [k for k, n in enumerate(names) if n.startswith("island=")]
    assert np.all(test_out[0, island_cols] == 0)
    mapping = input_feature_names(prep)
    assert mapping["island=Dream"] == "island" and mapping["signup_date.month"] == "signup_date"
    assert mapping["city.frequency"] == "city" and mapping["age"] == "age"
    assert list(mapping) == names
    plan = column_plan(PrepRecipe(), train)
    assert plan["excluded"] == {"row_id": "ID-like (unique per row)",
                                "all_missing": "all values missing in the training rows"}
    # the fitted preprocessor survives pickling with identical output
    assert np.array_equal(pickle.loads(pickle.dumps(prep)).transform(test), test_out)


def test_keeping_id_columns_and_dropping_named_columns():
    df, y = mixed_frame()
    prep = build_preprocessor(PrepRecipe(drop_id_columns=False, drop_columns=["city", "flag"]), df,
                              "classification")
    names = list(prep.fit(df, y).get_feature_names_out())
    assert "row_id" in names and "city.frequency" not in names and "flag" not in names
    with pytest.raises(ConfigError, match="'nope'.*columns"):
        build_preprocessor(PrepRecipe(drop_columns=["nope"]), df, "classification")


def test_composes_with_an_estimator_and_cross_validates():
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import Pipeline

    from mlcore.prep import make_cv

    df, y = mixed_frame(90)
    y = (df["flag"].to_numpy()).astype(int)
    model = Pipeline([("prep", build_preprocessor(PrepRecipe(feature_selection="statistical", n_features=5),
                                                  df, "classification")),
                      ("model", LogisticRegression())])
    scores = cross_val_score(clone(model), df, y, cv=make_cv("stratified", 3))
    assert scores.shape == (3,) and scores.min() == 1.0  # "flag" is the target: must be selected
    model.fit(df, y)
    assert "flag" in input_feature_names(model).values()
    assert model.get_params()["prep__select__n_features"] == 5


TINY = pd.DataFrame({"x": [1.0, 2.0, np.nan, 9.0], "c": pd.Series(["a", "b", "a", None], dtype="str")})


@pytest.mark.parametrize("strategy, fill", [("mean", 4.0), ("median", 2.0), ("most_frequent", 1.0),
                                            ("constant", -5.0)])
def test_numeric_imputation_values(strategy, fill):
    recipe = PrepRecipe(numeric_imputation=strategy, fill_value_numeric=-5.0, scaling="none")
    out = build_preprocessor(recipe, TINY, "regression").fit_transform(TINY)
    assert out[:, 0].tolist() == [1.0, 2.0, fill, 9.0]


@pytest.mark.parametrize("strategy, names, row3", [
    ("most_frequent", ["c=a", "c=b"], [1.0, 0.0]),
    ("constant", ["c=a", "c=b", "c=missing"], [0.0, 0.0, 1.0]),
])
def test_categorical_imputation_values(strategy, names, row3):
    prep = build_preprocessor(PrepRecipe(categorical_imputation=strategy, scaling="none"), TINY, "regression")
    out = prep.fit_transform(TINY)
    assert list(prep.get_feature_names_out())[1:] == names
    assert out[3, 1:].tolist() == row3


@pytest.mark.parametrize("scaling, expected", [
    ("none", [1.0, 2.0, 4.0, 9.0]),
    ("standard", list((np.array([1.0, 2, 4, 9]) - 4.0) / np.std([1.0, 2, 4, 9]))),
    ("minmax", [0.0, 1 / 8, 3 / 8, 1.0]),
    ("robust", list((np.array([1.0, 2, 4, 9]) - 3.0) / (5.25 - 1.75))),
])
def test_scaling_values(scaling, expected):
    out = build_preprocessor(PrepRecipe(numeric_imputation="mean", scaling=scaling), TINY,
                             "regression").fit_transform(TINY)
    assert np.allclose(out[:, 0], expected)


def test_encodings_shapes_and_values():
    df = pd.DataFrame({"c": pd.Series(["b", "a", "b", "c"], dtype="str")})
    new = pd.DataFrame({"c": pd.Series(["a", "zzz"], dtype="str")})
    onehot = build_preprocessor(PrepRecipe(encoding="onehot", scaling="none"), df, "regression").fit(df)
    assert list(onehot.get_feature_names_out()) == ["c=a", "c=b", "c=c"]
    assert onehot.transform(new).tolist() == [[1, 0, 0], [0, 0, 0]]
    ordinal = build_preprocessor(PrepRecipe(encoding="ordinal", scaling="none"), df, "regression").fit(df)
    assert ordinal.transform(df).ravel().tolist() == [1, 0, 1, 2]
    assert ordinal.transform(new).ravel().tolist() == [0, -1]  # unknown -> -1
    freq = build_preprocessor(PrepRecipe(encoding="frequency", scaling="none"), df, "regression").fit(df)
    assert list(freq.get_feature_names_out()) == ["c.frequency"]
    assert freq.transform(df).ravel().tolist() == [0.5, 0.25, 0.5, 0.25]
    assert freq.transform(new).ravel().tolist() == [0.25, 0.0]  # unknown -> 0


def test_high_cardinality_columns_use_their_own_encoding():
    df = pd.DataFrame({"low": ["x", "y"] * 6, "high": [f"h{k}" for k in range(6)] * 2})
    recipe = PrepRecipe(max_onehot_levels=3, high_cardinality_encoding="ordinal", scaling="none")
    prep = build_preprocessor(recipe, df, "regression").fit(df)
    assert list(prep.get_feature_names_out()) == ["low=x", "low=y", "high"]
    assert prep.transform(df)[:6, 2].tolist() == [0, 1, 2, 3, 4, 5]


def test_datetime_parts_and_bools():
    df = pd.DataFrame({"when": pd.to_datetime(["2024-03-15 10:30", "2023-12-31 23:00", None]),
                       "ok": pd.array([True, False, None], dtype="boolean")})
    recipe = PrepRecipe(scaling="none", datetime_parts=["year", "month", "day", "weekday", "hour"])
    prep = build_preprocessor(recipe, df, "regression").fit(df)
    assert list(prep.get_feature_names_out()) == ["when.year", "when.month", "when.day", "when.weekday",
                                                  "when.hour", "ok"]
    out = prep.transform(df)
    assert out[0].tolist() == [2024, 3, 15, 4, 10, 1]  # 2024-03-15 is a Friday (weekday 4)
    assert out[1].tolist() == [2023, 12, 31, 6, 23, 0]
    assert out[2, :5].tolist() == [2023.5, 7.5, 23.0, 5.0, 16.5]  # NaT -> median of the training rows
    assert out[2, 5] in (0.0, 1.0)


def test_outlier_clip_step_clips_at_training_fences_at_predict_time():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    recipe = PrepRecipe(outlier_method="iqr", outlier_threshold=1.5, outlier_action="clip", scaling="none")
    prep = build_preprocessor(recipe, df, "regression").fit(df)
    # q1=2, q3=4, fences 2 - 3 = -1 and 4 + 3 = 7
    assert prep.transform(pd.DataFrame({"x": [100.0, -50.0, 3.0]})).ravel().tolist() == [7.0, -1.0, 3.0]
    remove = build_preprocessor(PrepRecipe(outlier_method="iqr", scaling="none"), df, "regression").fit(df)
    assert remove.transform(pd.DataFrame({"x": [100.0]})).ravel().tolist() == [100.0]  # remove: no clip step


SELECT_X = pd.DataFrame({"signal": [0.0, 0.1, 0.2, 0.9, 1.0, 1.1, 0.05, 0.95],
                         "noise": [0.5, 0.1, 0.9, 0.4, 0.6, 0.2, 0.3, 0.8],
                         "half": [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]})
SELECT_Y = np.array([0, 0, 0, 1, 1, 1, 0, 1])


@pytest.mark.parametrize("method", ["correlation", "mutual_info", "rfe", "tree_importance", "statistical", "chi2"])
def test_each_selection_method_keeps_the_signal(method):
    recipe = PrepRecipe(feature_selection=method, n_features=1, scaling="minmax")
    prep = build_preprocessor(recipe, SELECT_X, "classification", seed=3).fit(SELECT_X, SELECT_Y)
    out = prep.transform(SELECT_X)
    assert out.shape == (8, 1)
    assert list(prep.get_feature_names_out()) == ["signal"]
    assert np.allclose(out[:, 0], (SELECT_X["signal"] - 0) / 1.1)
    table = selected_features(prep)
    assert [r["feature"] for r in table][0] == "signal" and len(table) == 3
    assert [r["selected"] for r in table] == [True, False, False]
    assert table[0]["score"] >= table[1]["score"] >= table[2]["score"]


def test_correlation_scores_are_abs_pearson():
    prep = build_preprocessor(PrepRecipe(feature_selection="correlation", n_features=2, scaling="none"),
                              SELECT_X, "regression").fit(SELECT_X, SELECT_Y.astype(float))
    scores = {r["feature"]: r["score"] for r in selected_features(prep)}
    for col in SELECT_X:
        assert scores[col] == pytest.approx(abs(np.corrcoef(SELECT_X[col], SELECT_Y)[0, 1]))
    assert prep.transform(SELECT_X).shape == (8, 2)


def test_chi2_refuses_negative_features_and_regression():
    with pytest.raises(ConfigError, match="chi2.*scaling='standard'"):
        PrepRecipe(feature_selection="chi2", scaling="standard").validate()
    negative = SELECT_X.assign(noise=SELECT_X["noise"] - 1)
    recipe = PrepRecipe(feature_selection="chi2", n_features=1, scaling="none")
    with pytest.raises(DataValidationError, match="non-negative.*#1"):
        build_preprocessor(recipe, negative, "classification").fit(negative, SELECT_Y)
    with pytest.raises(ConfigError, match="classification"):
        build_preprocessor(PrepRecipe(feature_selection="chi2", scaling="minmax"), SELECT_X,
                           "regression").fit(SELECT_X, SELECT_Y.astype(float))


def test_no_selection_gives_empty_table_and_bad_inputs_are_clear():
    prep = build_preprocessor(PrepRecipe(), SELECT_X, "classification").fit(SELECT_X, SELECT_Y)
    assert selected_features(prep) == []
    with pytest.raises(ConfigError, match="task"):
        build_preprocessor(PrepRecipe(), SELECT_X, "clustering")
    with pytest.raises(ConfigError, match="regression"):
        build_preprocessor(PrepRecipe(class_weight="balanced"), SELECT_X, "regression")
    with pytest.raises(DataValidationError, match="no usable feature columns"):
        build_preprocessor(PrepRecipe(), pd.DataFrame({"id": [1, 2, 3]}), "regression")


def test_column_all_missing_in_train_only_does_not_crash():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0], "t": pd.Series([None, None, None], dtype="str"),
                          "n": pd.array([None, None, None], dtype="Int64")})
    test = pd.DataFrame({"x": [4.0], "t": pd.Series(["seen now"], dtype="str"), "n": pd.array([5], dtype="Int64")})
    prep = build_preprocessor(PrepRecipe(), train, "regression").fit(train)
    assert list(prep.get_feature_names_out()) == ["x"]
    assert prep.transform(test).shape == (1, 1)
