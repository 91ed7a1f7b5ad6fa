"""The compiled preparation: the same numbers as the fitted pipeline's own transform, or not used at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlcore.deployment import build_schema, check_frame, compile_preparation, predict_frame, predict_prepared
from mlcore.prep import PrepRecipe, build_preprocessor
from mlcore.server.rowcheck import RowChecker


def mixed_table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n).round(3)
    x2 = rng.normal(10, 5, size=n)
    x2[rng.random(n) < 0.1] = np.nan  # missing numbers
    count = rng.integers(0, 50, size=n)
    plan = rng.choice(["basic", "plus", "pro"], size=n).astype(object)
    plan[rng.random(n) < 0.05] = None  # missing text
    city = np.array([f"city{i}" for i in rng.integers(0, 40, size=n)])  # many levels: ordinal / frequency
    tier = pd.Categorical(rng.choice(["gold", "silver", "bronze"], size=n))
    score = x1 + (plan == "pro") + 0.1 * np.nan_to_num(x2 - 10) + rng.normal(size=n)
    return pd.DataFrame({"x1": x1, "x2": x2, "count": count, "plan": pd.array(plan, dtype="str"),
                         "city": pd.array(city, dtype="str"), "tier": tier,
                         "target": np.where(score > 0.5, "yes", "no")})


RECIPES = {
    "defaults": PrepRecipe(),
    "ordinal_minmax_frequency": PrepRecipe(encoding="ordinal", scaling="minmax", high_cardinality_encoding="frequency",
                                           categorical_imputation="most_frequent", numeric_imputation="mean"),
    "robust_clip_selection": PrepRecipe(scaling="robust", outlier_method="iqr", outlier_action="clip",
                                        outlier_threshold=1.5, feature_selection="correlation", n_features=6),
    "no_imputation_no_scaling": PrepRecipe(numeric_imputation="none", scaling="none"),
}


def fitted(recipe: PrepRecipe, estimator, complete: bool = False):
    from sklearn.pipeline import Pipeline

    train = mixed_table(400, seed=1)
    if complete:
        train = train.dropna().reset_index(drop=True)
    X, y = train.drop(columns="target"), train["target"]
    pipe = Pipeline([("prep", build_preprocessor(recipe, X, "classification")), ("model", estimator)]).fit(X, y)
    return pipe, build_schema(X, "target")


def estimator_for(name: str):
    if name == "no_imputation_no_scaling":  # missing numbers reach a model that takes them
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=20, random_state=0)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=500)


def awkward_rows(n: int = 300) -> pd.DataFrame:
    """New rows with missing values, unseen levels, numbers as text and text as numbers."""
    rows = mixed_table(n, seed=7).drop(columns="target").astype({"plan": object, "city": object, "tier": object,
                                                                  "x1": object})
    rows.loc[0:9, "plan"] = "platinum"  # unseen level
    rows.loc[10:14, "city"] = "atlantis"
    rows.loc[15:19, "tier"] = None
    rows.loc[20:24, "x1"] = "1.25"  # a number as text: check_frame converts it
    rows.loc[25:29, "x1"] = None
    rows.loc[30:34, "plan"] = 7  # a number in a text column
    rows.loc[35:39, "tier"] = "diamond"
    return rows


@pytest.mark.parametrize("name", list(RECIPES))
def test_compiled_preparation_equals_the_pipeline_on_awkward_rows(name):
    pipe, schema = fitted(RECIPES[name], estimator_for(name))
    compiled = compile_preparation(pipe, schema, RowChecker(schema).checked_frame)
    assert compiled is not None
    frame = check_frame(awkward_rows(), schema).frame
    expected = pipe[:-1].transform(frame)
    got = compiled.transform_frame(frame)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True)
    for i in (0, 12, 17, 22, 27, 32, 37, 100):  # one row at a time, as a request sends it
        one = frame.iloc[[i]].reset_index(drop=True)
        assert np.array_equal(compiled.transform_frame(one), pipe[:-1].transform(one), equal_nan=True)
    # the predictions are the pipeline's own, to the last bit
    pd.testing.assert_frame_equal(predict_frame(pipe, frame, prepare=compiled.prepare_frame),
                                  predict_frame(pipe, frame))


@pytest.mark.parametrize("name", list(RECIPES))
def test_the_fast_paths_checked_columns_give_the_pipelines_predictions(name):
    pipe, schema = fitted(RECIPES[name], estimator_for(name))
    checker = RowChecker(schema)
    compiled = compile_preparation(pipe, schema, checker.checked_frame)
    rows = mixed_table(200, seed=11).drop(columns="target").dropna().reset_index(drop=True)
    records = rows.astype(object).to_dict(orient="records")
    checked = checker.columns_of_records(records)
    assert checked is not None
    frame = check_frame(rows, schema).frame
    assert np.array_equal(compiled.transform_columns(checked), pipe[:-1].transform(frame))
    predictions, proba = predict_prepared(pipe, compiled.transform_columns(checked))
    reference = predict_frame(pipe, frame)
    assert predictions == reference["prediction"].tolist()
    assert np.array_equal(proba, reference.filter(like="proba_").to_numpy())
    assert set(predictions) <= {"yes", "no"}


def test_a_selection_step_that_refuses_missing_values_leaves_them_to_the_pipeline():
    pipe, schema = fitted(PrepRecipe(numeric_imputation="none", feature_selection="correlation", n_features=4),
                          estimator_for("no_imputation_no_scaling"), complete=True)
    compiled = compile_preparation(pipe, schema)
    assert compiled is not None and compiled.finite_required
    frame = check_frame(awkward_rows(), schema).frame
    assert compiled.prepare_frame(frame) is None  # x2 has NaN: the pipeline runs (and says what is wrong)
    complete = frame.dropna().reset_index(drop=True)
    assert np.array_equal(compiled.prepare_frame(complete), pipe[:-1].transform(complete))


def test_a_compiled_step_that_differs_from_the_pipeline_is_not_used(monkeypatch):
    from mlcore.deployment import compiled as compiled_module

    pipe, schema = fitted(PrepRecipe(), estimator_for("defaults"))
    real = compiled_module._float_step

    def off_by_a_little(step):
        fn = real(step)
        return lambda X: fn(X) + 1e-12

    monkeypatch.setattr(compiled_module, "_float_step", off_by_a_little)
    assert compile_preparation(pipe, schema) is None


def test_steps_it_does_not_know_keep_the_pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    train = mixed_table(200, seed=3)
    X, y = train[["x1", "count"]], train["target"]
    schema = build_schema(X, "target")
    custom = Pipeline([("columns", ColumnTransformer([("num", FunctionTransformer(np.log1p), ["count"]),
                                                      ("x", StandardScaler(), ["x1"])])),
                       ("model", LogisticRegression())]).fit(X, y)
    assert compile_preparation(custom, schema) is None
    no_prep = Pipeline([("model", LogisticRegression())]).fit(X, y)
    assert compile_preparation(no_prep, schema) is None
    assert compile_preparation(no_prep, None) is None


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_a_lightgbm_model_answered_from_its_booster_gives_the_models_own_predictions(task):
    from lightgbm import LGBMClassifier, LGBMRegressor

    from mlcore.deployment import direct_estimator_copy

    train = mixed_table(400, seed=1)
    X = train.drop(columns="target")
    if task == "regression":
        y, model = X["x1"] * 2 + X["count"] / 10, LGBMRegressor(n_estimators=30, verbose=-1, n_jobs=1)
    elif task == "multiclass":
        y, model = pd.Series(np.array(["a", "b", "c"])[X["count"].to_numpy() % 3]), LGBMClassifier(n_estimators=30,
                                                                                                   verbose=-1)
    else:
        y, model = train["target"], LGBMClassifier(n_estimators=30, verbose=-1)
    from sklearn.pipeline import Pipeline

    pipe = Pipeline([("prep", build_preprocessor(PrepRecipe(numeric_imputation="none"), X,
                                                 "regression" if task == "regression" else "classification")),
                     ("model", model)]).fit(X, y)
    schema = build_schema(X, "target")
    compiled = compile_preparation(pipe, schema)
    direct = direct_estimator_copy(pipe, compiled.probe)
    assert direct is not None and type(direct.steps[-1][1]).__name__.startswith("_Direct")
    assert pipe.steps[-1][1] is model  # the cached pipeline is untouched
    frame = check_frame(awkward_rows(), schema).frame
    pd.testing.assert_frame_equal(predict_frame(direct, frame, prepare=compiled.prepare_frame),
                                  predict_frame(pipe, frame))
    for i in range(5):
        one = frame.iloc[[i]].reset_index(drop=True)
        assert predict_prepared(direct, compiled.transform_frame(one))[0] == predict_frame(pipe, one)["prediction"].tolist()
    if task == "regression":
        assert np.array_equal(direct.predict(frame), pipe.predict(frame))  # through the pipeline's own preparation


def test_other_models_are_not_answered_from_a_booster():
    from mlcore.deployment import direct_estimator_copy

    pipe, schema = fitted(PrepRecipe(), estimator_for("defaults"))
    compiled = compile_preparation(pipe, schema)
    assert direct_estimator_copy(pipe, compiled.probe) is None
    assert direct_estimator_copy(pipe, None) is None
