"""evaluate_pipeline, EvaluationResult, error analysis and feature importance on real pipelines."""

import json

import numpy as np
import pandas as pd
import pytest

from mlcore.errors import ConfigError, DataValidationError
from mlcore.evaluation import (
    evaluate_pipeline,
    feature_importance,
    prediction_examples,
    worst_predictions,
)
from mlcore.jobs import RecordingContext


def test_binary_pipeline_result_is_complete_and_json_able(binary_case):
    pipe, X, y = binary_case
    ctx = RecordingContext()
    r = evaluate_pipeline(pipe, X, y, "classification", n_boot=200, ctx=ctx)
    assert r.kind == "binary" and r.n_rows == len(X) and r.classes == ["benign", "malignant"]
    assert r.metrics["accuracy"] == pytest.approx((pipe.predict(X) == y.to_numpy()).mean())
    assert r.metrics["roc_auc"] > 0.95
    lo, hi = r.intervals["accuracy"]
    assert lo <= r.metrics["accuracy"] <= hi
    assert r.feature_names == list(X.columns)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["intervals"]["f1"] == list(r.intervals["f1"])
    assert sum(d["prediction_counts"].values()) == len(X)
    assert "y_true" not in d and ctx.progress_events[-1][0] == 1.0


def test_multiclass_and_regression_results(multiclass_case, regression_case):
    pipe, X, y = multiclass_case
    r = evaluate_pipeline(pipe, X, y, "classification", n_boot=100)
    assert r.kind == "multiclass" and r.threshold is None
    assert set(r.metrics["per_class"]) == {"setosa", "versicolor", "virginica"}
    assert "roc_auc" in r.intervals
    pipe, X, y = regression_case
    r = evaluate_pipeline(pipe, X, y, "regression", n_boot=100)
    assert r.kind == "regression"
    assert r.metrics["rmse"] == pytest.approx(np.sqrt(np.mean((pipe.predict(X) - y.to_numpy()) ** 2)))
    json.dumps(r.to_dict())


def test_empty_or_mismatched_rows_are_validation_errors(binary_case):
    pipe, X, y = binary_case
    with pytest.raises(DataValidationError, match="zero rows"):
        evaluate_pipeline(pipe, X.iloc[:0], y.iloc[:0], "classification")
    with pytest.raises(DataValidationError, match="rows"):
        evaluate_pipeline(pipe, X, y.iloc[:5], "classification")
    with pytest.raises(ConfigError, match="task"):
        evaluate_pipeline(pipe, X, y, "clustering")


def test_worst_predictions_sorted_by_log_loss_of_true_class(multiclass_case):
    pipe, X, y = multiclass_case
    proba = pipe.predict_proba(X)
    worst = worst_predictions(X, y, pipe.predict(X), proba, pipe.classes_, task="classification", n=5)
    assert len(worst) == 5
    assert list(worst.columns[: X.shape[1]]) == list(X.columns)
    assert worst["log_loss"].is_monotonic_decreasing
    codes = pd.Index(pipe.classes_).get_indexer(y)
    all_losses = -np.log(proba[np.arange(len(y)), codes])
    assert worst["log_loss"].iloc[0] == pytest.approx(all_losses.max())
    assert worst["p_actual"].iloc[0] == pytest.approx(np.exp(-all_losses.max()))


def test_worst_predictions_regression_by_absolute_error_and_name_clash():
    X = pd.DataFrame({"actual": [1, 2, 3], "b": [0, 0, 0]})
    worst = worst_predictions(X, [1.0, 2.0, 3.0], [1.5, 0.0, 3.1], task="regression", n=2)
    assert worst.index.tolist() == [1, 0]
    assert worst["abs_error"].tolist() == pytest.approx([2.0, 0.5])
    assert "actual_" in worst.columns and worst["actual"].tolist() == [2, 1]  # input column untouched


def test_prediction_examples_split_correct_and_incorrect():
    X = pd.DataFrame({"f": range(6)})
    ex = prediction_examples(X, ["a", "a", "b", "b", "a", "b"], ["a", "b", "b", "a", "a", "b"], n=2)
    assert (ex["correct"]["actual"] == ex["correct"]["predicted"]).all() and len(ex["correct"]) == 2
    assert (ex["incorrect"]["actual"] != ex["incorrect"]["predicted"]).all()
    assert sorted(ex["incorrect"]["f"]) == [1, 3]
    reg = prediction_examples(X, [1.0, 2, 3, 4, 5, 6.5], [1.0, 2.5, 3, 1, 5.1, 6.6], n=1, task="regression")
    assert reg["incorrect"]["f"].tolist() == [3] and reg["correct"]["abs_error"].iloc[0] <= 1e-12


def _mixed_iris():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    X = X.copy()
    X["colour"] = pd.Series(np.where(X["sepal length (cm)"] > 5.8, "red", "blue"), dtype="str")
    return X, y


def _prep(X):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer([("num", StandardScaler(), list(X.columns[:4])), ("cat", OneHotEncoder(), ["colour"])])


def test_native_importance_traces_names_back_to_input_columns():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    X, y = _mixed_iris()
    pipe = Pipeline([("prep", _prep(X)), ("model", RandomForestClassifier(30, random_state=0))]).fit(X, y)
    imp = feature_importance(pipe, X, y)
    assert set(imp["source"]) == {"native"}
    assert imp["importance"].sum() == pytest.approx(1.0)
    assert imp["importance"].is_monotonic_decreasing
    assert set(imp["feature"]) == set(X.columns[:4]) | {"colour_red", "colour_blue"}
    assert imp.set_index("feature").loc["colour_red", "input_column"] == "colour"
    assert imp["feature"].iloc[0].startswith("petal")


def test_coefficients_importance_for_linear_model(binary_case):
    pipe, X, y = binary_case
    imp = feature_importance(pipe)
    assert set(imp["source"]) == {"coefficients"} and len(imp) == X.shape[1]
    coef = np.abs(pipe.named_steps["model"].coef_[0])
    assert imp["importance"].iloc[0] == pytest.approx(coef.max())
    assert imp["feature"].iloc[0] == X.columns[int(coef.argmax())]


def test_permutation_importance_on_raw_columns_for_knn():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import Pipeline

    X, y = _mixed_iris()
    pipe = Pipeline([("prep", _prep(X)), ("model", KNeighborsClassifier())]).fit(X, y)
    imp = feature_importance(pipe, X, y, n_repeats=3)
    assert set(imp["source"]) == {"permutation"}
    assert set(imp["feature"]) == set(X.columns)  # raw inputs, not encoded columns
    assert imp["feature"].iloc[0].startswith("petal") and imp["std"].notna().all()
    with pytest.raises(ConfigError, match="permutation"):
        feature_importance(pipe)


def test_missing_target_and_missing_columns_are_validation_errors(regression_case):
    pipe, X, y = regression_case
    y = y.copy()
    y.iloc[3] = np.nan
    with pytest.raises(DataValidationError, match="1 of .* rows have no target"):
        evaluate_pipeline(pipe, X, y, "regression", n_boot=0)
    with pytest.raises(DataValidationError, match="could not predict"):
        evaluate_pipeline(pipe, X.drop(columns=["bmi"]), y.fillna(0), "regression", n_boot=0)


def test_classifier_without_probabilities_still_evaluates():
    from sklearn.datasets import load_iris
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    X, y = load_iris(return_X_y=True, as_frame=True)
    pipe = Pipeline([("prep", StandardScaler()), ("model", SVC())]).fit(X, y)
    r = evaluate_pipeline(pipe, X, y, "classification", n_boot=50)
    assert r.proba is None and r.metrics["roc_auc"] is None and r.classes == [0, 1, 2]
    assert r.intervals["roc_auc"] == (None, None) and r.intervals["accuracy"][0] is not None
    from mlcore.evaluation import available_figure_kinds

    assert available_figure_kinds(r) == ["confusion_matrix", "confusion_matrix_normalized"]
