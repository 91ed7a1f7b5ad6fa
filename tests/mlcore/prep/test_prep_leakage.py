"""Nothing in the preprocessor is fitted on rows outside the training split."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd

from mlcore.prep import PrepRecipe, build_preprocessor, split_frame


def frame(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "x": np.where(rng.random(n) < 0.2, np.nan, rng.normal(10, 3, n)),
        "z": rng.normal(0, 1, n),
        "colour": pd.Series(rng.choice(["red", "green", "blue", None], n), dtype="str"),
        "shop": pd.Series([f"s{k}" for k in rng.integers(0, 40, n)], dtype="str"),
        "day": pd.date_range("2022-01-01", periods=n, freq="D"),
        "target": (np.arange(n) % 2),
    })


RECIPE = PrepRecipe(numeric_imputation="mean", high_cardinality_encoding="frequency", scaling="standard", max_onehot_levels=5,
                    outlier_method="zscore", outlier_threshold=2.0, outlier_action="clip",
                    feature_selection="mutual_info", n_features=6)


def fit_on_train(df: pd.DataFrame):
    split = split_frame(df, "target", test_size=0.25, validation_size=0.0, seed=1)
    X = df.drop(columns="target")
    train = X.iloc[split.train_index]
    prep = build_preprocessor(RECIPE, train, "classification", seed=0)
    prep.fit(train, df["target"].iloc[split.train_index])
    return prep, split, X


def test_fitted_statistics_come_from_training_rows_only():
    df = frame()
    prep, split, X = fit_on_train(df)
    train = X.iloc[split.train_index]
    numeric = prep.named_steps["columns"].named_transformers_["numeric"]
    clipper, imputer, scaler = numeric.named_steps["clip"], numeric.named_steps["impute"], numeric.named_steps["scale"]
    # clip limits: training mean ± 2 * training std (NaN ignored)
    x_train = train["x"].dropna().to_numpy()
    assert np.isclose(clipper.upper_[0], x_train.mean() + 2 * x_train.std())
    clipped = np.clip(train[["x", "z"]].to_numpy(), clipper.lower_, clipper.upper_)
    train_means = np.nanmean(clipped, axis=0)
    assert np.allclose(imputer.statistics_, train_means)
    filled = np.where(np.isnan(clipped), train_means, clipped)
    assert np.allclose(scaler.mean_, filled.mean(axis=0)) and np.allclose(scaler.scale_, filled.std(axis=0))
    # the whole-frame mean differs, so this test would notice a fit on all rows
    assert not np.isclose(imputer.statistics_[0], np.nanmean(np.clip(X["x"], clipper.lower_[0], clipper.upper_[0])))
    cats = prep.named_steps["columns"].named_transformers_["categorical"].named_steps["encode"].categories_[0]
    assert set(cats) - {"missing"} == set(train["colour"].dropna())  # a missing value is its own level
    freq = prep.named_steps["columns"].named_transformers_["high_cardinality"].named_steps["encode"]
    shares = train["shop"].value_counts(normalize=True)
    assert all(np.isclose(freq.frequencies_[0][k], v) for k, v in shares.items())


def test_changing_test_rows_changes_nothing_fitted():
    df = frame()
    prep_a, split_a, X_a = fit_on_train(df)
    poisoned = df.copy()
    test_rows = poisoned.index[split_a.test_index]
    poisoned.loc[test_rows, "x"] = 1e6
    poisoned.loc[test_rows, "z"] = -1e6
    poisoned.loc[test_rows, "colour"] = "ultraviolet"
    poisoned.loc[test_rows, "shop"] = "s0"
    poisoned.loc[test_rows, "day"] = pd.Timestamp("1999-01-01")
    prep_b, split_b, X_b = fit_on_train(poisoned)
    assert np.array_equal(split_a.train_index, split_b.train_index)
    train = X_a.iloc[split_a.train_index]
    assert np.array_equal(prep_a.transform(train), prep_b.transform(train))
    assert list(prep_a.get_feature_names_out()) == list(prep_b.get_feature_names_out())
    assert np.array_equal(prep_a.named_steps["select"].scores_, prep_b.named_steps["select"].scores_)
    # every fitted attribute, compared via the pickled state of each step except the selector's input
    for name in ("numeric", "categorical", "high_cardinality", "datetime"):
        a = prep_a.named_steps["columns"].named_transformers_[name]
        b = prep_b.named_steps["columns"].named_transformers_[name]
        assert pickle.dumps(a) == pickle.dumps(b), name
