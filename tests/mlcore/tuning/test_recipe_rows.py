"""Compare and tune apply the recipe's row steps like Workspace.train: outlier rows, balanced weights."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import balanced_accuracy_score, r2_score
from sklearn.model_selection import KFold, StratifiedKFold

from mlcore.jobs import RecordingContext
from mlcore.models import get_algorithm
from mlcore.prep import PrepRecipe, balanced_sample_weight, outlier_row_mask
from mlcore.tuning import compare_models, tune
from mlcore.tuning._cv import model_factory

REMOVE = PrepRecipe(outlier_method="iqr", outlier_threshold=3.0, outlier_action="remove")
BALANCED = PrepRecipe(class_weight="balanced")


@pytest.fixture(scope="module")
def outlier_reg():
    """150 linear rows; the first 8 have a far-out feature and a wild target (they wreck a ridge fit)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + rng.normal(scale=0.3, size=150)
    X[:8, 0] = 40.0 + rng.normal(size=8)
    y[:8] = -200.0
    return pd.DataFrame(X, columns=["a", "b", "c"]), pd.Series(y, name="y")


@pytest.fixture(scope="module")
def imbalanced():
    """240 rows, about one in six positive."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(240, 4))
    y = (X[:, 0] + 0.8 * X[:, 1] + rng.normal(scale=0.8, size=240) > 1.4).astype(int)
    return pd.DataFrame(X, columns=["p", "q", "r", "s"]), pd.Series(y, name="y")


def _manual_cv(name, task, X, y, recipe, splitter, mask: bool, weights: bool, score):
    """Mean fold score: fit on the fold's (outlier-free) training rows, score all its held-out rows."""
    make = model_factory(get_algorithm(name, task), X, task, recipe, seed=0)
    y = np.asarray(y)
    scores, removed = [], []
    for tr, te in splitter.split(X, y):
        keep = outlier_row_mask(X.iloc[tr], "iqr", 3.0) if mask else np.ones(len(tr), bool)
        removed.append(int((~keep).sum()))
        tr = tr[keep]
        kw = {"model__sample_weight": balanced_sample_weight(y[tr])} if weights else {}
        model = make(None).fit(X.iloc[tr], y[tr], **kw)
        scores.append(score(y[te], model.predict(X.iloc[te])))
    return float(np.mean(scores)), removed


def test_compare_removes_outliers_from_each_folds_training_rows_only(outlier_reg):
    X, y = outlier_reg
    cv = KFold(3, shuffle=True, random_state=0)
    ctx = RecordingContext()
    result = compare_models(X, y, "regression", ["ridge"], cv=cv, recipe=REMOVE, ctx=ctx)
    expected, removed = _manual_cv("ridge", "regression", X, y, REMOVE, cv, True, False, r2_score)
    with_outliers, _ = _manual_cv("ridge", "regression", X, y, REMOVE, cv, False, False, r2_score)
    assert sum(removed) >= 8 and abs(expected - with_outliers) > 0.05  # the removal matters here
    assert result.rows[0]["mean_score"] == pytest.approx(expected, abs=1e-9)
    applied = result.preparation_applied
    assert applied["outlier_method"] == "iqr" and applied["removed_outlier_rows_per_fold"] == removed
    assert result.to_dict()["preparation_applied"]["removed_outlier_rows_per_fold"] == removed
    assert any("outlier rows (iqr" in n for n in result.notes) and any("outlier rows" in m for m in ctx.logs)
    # no recipe, or clipping instead of removal: every training row is used
    plain = compare_models(X, y, "regression", ["ridge"], cv=cv)
    assert plain.rows[0]["mean_score"] == pytest.approx(with_outliers, abs=1e-9) and not plain.notes
    clip = PrepRecipe(outlier_method="iqr", outlier_threshold=3.0, outlier_action="clip")
    assert compare_models(X, y, "regression", ["ridge"], cv=cv, recipe=clip).preparation_applied == {
        "outlier_method": "none", "class_weight": {}}


def test_tune_removes_outliers_in_each_fold_and_in_the_refit(outlier_reg):
    X, y = outlier_reg
    cv = KFold(3, shuffle=True, random_state=0)
    result = tune(X, y, "regression", "ridge", method="random", n_trials=2, cv=cv, recipe=REMOVE, seed=0)
    expected, removed = _manual_cv("ridge", "regression", X, y, REMOVE, cv, True, False, r2_score)
    assert result.trials[0]["value"] == pytest.approx(expected, abs=1e-9)  # trial 0: the defaults
    keep = outlier_row_mask(X, "iqr", 3.0)
    assert result.preparation_applied["removed_outlier_rows_per_fold"] == removed
    assert result.preparation_applied["removed_outlier_rows_refit"] == int((~keep).sum()) >= 8
    make = model_factory(get_algorithm("ridge", "regression"), X, "regression", REMOVE, seed=0)
    manual = make(result.best_params).fit(X[keep], y[keep])
    np.testing.assert_allclose(result.pipeline.predict(X), manual.predict(X), rtol=1e-9, atol=1e-9)
    assert result.to_dict()["preparation_applied"]["removed_outlier_rows_refit"] == int((~keep).sum())


def test_balanced_class_weight_becomes_sample_weights_per_fold_for_estimators_without_class_weight(imbalanced):
    X, y = imbalanced
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ctx = RecordingContext()
    result = compare_models(X, y, "classification", ["gradient_boosting"], cv=cv, recipe=BALANCED,
                            metric="balanced_accuracy", ctx=ctx)
    weighted, _ = _manual_cv("gradient_boosting", "classification", X, y, BALANCED, cv, False, True,
                             balanced_accuracy_score)
    unweighted, _ = _manual_cv("gradient_boosting", "classification", X, y, BALANCED, cv, False, False,
                               balanced_accuracy_score)
    assert weighted != pytest.approx(unweighted, abs=1e-6)  # the weights change the fits
    row = result.rows[0]
    assert row["mean_score"] == pytest.approx(weighted, abs=1e-9)
    assert row["class_weight"] == "balanced sample weights"
    assert result.preparation_applied["class_weight"] == {"gradient_boosting": "balanced sample weights"}
    assert any("gradient_boosting: class_weight='balanced' applied as balanced sample weights" in n
               for n in result.notes)
    assert any("balanced sample weights" in m for m in ctx.logs)


def test_tune_weights_every_fold_and_the_refit(imbalanced):
    X, y = imbalanced
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    result = tune(X, y, "classification", "gradient_boosting", method="random", n_trials=1, cv=cv,
                  recipe=BALANCED, metric="balanced_accuracy", seed=0)
    weighted, _ = _manual_cv("gradient_boosting", "classification", X, y, BALANCED, cv, False, True,
                             balanced_accuracy_score)
    assert result.trials[0]["value"] == pytest.approx(weighted, abs=1e-9)
    assert result.preparation_applied["class_weight"] == "balanced sample weights"
    make = model_factory(get_algorithm("gradient_boosting", "classification"), X, "classification", BALANCED, seed=0)
    manual = make(None).fit(X, y, model__sample_weight=balanced_sample_weight(y))
    np.testing.assert_allclose(result.pipeline.predict_proba(X), manual.predict_proba(X), atol=1e-12)


def test_estimators_without_sample_weight_ignore_balanced_with_a_note(imbalanced):
    X, y = imbalanced
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ctx = RecordingContext()
    result = compare_models(X, y, "classification", ["knn", "logistic"], cv=cv, recipe=BALANCED, ctx=ctx)
    assert all(r["status"] == "ok" for r in result.rows)
    by_name = {r["model"]: r for r in result.rows}
    assert by_name["knn"]["class_weight"].startswith("ignored")
    assert by_name["logistic"]["class_weight"] == "estimator class_weight='balanced'"
    assert any("knn: class_weight='balanced' ignored" in m for m in ctx.logs)
    plain = compare_models(X, y, "classification", ["knn"], cv=cv)
    assert by_name["knn"]["mean_score"] == pytest.approx(plain.rows[0]["mean_score"])
    tuned = tune(X, y, "classification", "knn", method="random", n_trials=1, cv=cv, recipe=BALANCED)
    assert tuned.preparation_applied["class_weight"].startswith("ignored") and tuned.pipeline is not None


def test_workspace_tune_records_the_outliers_left_out_of_the_refit(workspace, tmp_path, outlier_reg):
    X, y = outlier_reg
    path = tmp_path / "reg.csv"
    X.assign(y=y).to_csv(path, index=False)
    ds = workspace.import_dataset(path, name="reg", target="y")
    workspace.save_recipe("rm", {"outlier_method": "iqr", "outlier_threshold": 3.0, "outlier_action": "remove"})
    job = workspace.tune(ds.id, algorithm="ridge", tuning_method="random", n_trials=1, cv=3, recipe="rm",
                         storage="sqlite://")
    summary = job.results["training_summary"]
    assert summary["removed_outlier_rows"] >= 1
    assert summary["rows"]["train"] == 120 - summary["removed_outlier_rows"]
    assert summary["preparation_applied"]["outlier_method"] == "iqr"
    out = workspace.compare(ds.id, models=["ridge"], cv=3, recipe="rm")
    assert sum(out["preparation_applied"]["removed_outlier_rows_per_fold"]) >= 8
