"""Monitored fitting: one history record per iteration, real losses, early stopping, learning curves."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris, make_classification

from mlcore.errors import ConfigError
from mlcore.jobs import RecordingContext
from mlcore.models import get_algorithm
from mlcore.training.monitor import MonitoredFit, fit_monitored

ITERATIVE = ["xgboost", "lightgbm", "gradient_boosting", "adaboost", "random_forest"]


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    order = np.random.default_rng(1).permutation(len(y))
    X, labels = X[order], labels[order]
    return X[:105], labels[:105], X[105:], labels[105:]


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:330], y[:330], X[330:], y[330:]


def _log_loss(y, proba, classes):
    idx = np.searchsorted(classes, y)
    return float(-np.mean(np.log(np.clip(proba[np.arange(len(y)), idx], 1e-15, 1))))


def _check_events(fit: MonitoredFit, ctx: RecordingContext) -> None:
    """The context got exactly one loss/metric event per split per history record, same values."""
    loss, metric = fit.summary["loss_name"], fit.summary["metric_name"]
    assert [r["val_loss"] for r in fit.history] == ctx.metric_values(loss, "validation")
    assert [r["train_loss"] for r in fit.history] == ctx.metric_values(loss, "train")
    assert [r["val_metric"] for r in fit.history] == ctx.metric_values(metric, "validation")
    steps = [m.step for m in ctx.metrics if m.name == loss and m.split == "validation"]
    assert steps == [r["iteration"] for r in fit.history]
    assert ctx.progress_events[-1][0] == 1.0


@pytest.mark.parametrize("name", ITERATIVE)
def test_classification_history_has_one_record_per_iteration(name, iris):
    X, y, Xv, yv = iris
    n = 24
    ctx = RecordingContext()
    fit = fit_monitored(get_algorithm(name, "classification"), {"n_estimators": n}, X, y, Xv, yv, ctx, seed=3)
    assert fit.mode == "iterations"
    if name == "random_forest":  # warm-start chunks: the iteration counts trees
        assert fit.history[-1]["iteration"] == n and len(fit.history) >= 2
    elif name == "adaboost":  # AdaBoost stops by itself once a stage is perfect
        assert 1 <= len(fit.history) == len(fit.estimator.estimators_) <= n
        assert "_boost" not in vars(fit.estimator)  # the per-round hook is gone
    else:
        assert [r["iteration"] for r in fit.history] == list(range(1, n + 1))
    _check_events(fit, ctx)
    assert fit.summary["loss_name"] == "log_loss" and fit.summary["metric_name"] == "accuracy"
    assert fit.summary["n_iterations"] == fit.history[-1]["iteration"]
    assert fit.summary["stopped_early"] is False and fit.summary["cancelled"] is False
    # the last record is the returned model's real validation loss and accuracy
    proba = fit.estimator.predict_proba(Xv)
    classes = np.asarray(fit.estimator.classes_)
    assert list(classes) == ["setosa", "versicolor", "virginica"]
    assert fit.history[-1]["val_loss"] == pytest.approx(_log_loss(yv, proba, classes), rel=2e-3, abs=1e-4)
    assert fit.history[-1]["val_metric"] == pytest.approx(np.mean(fit.estimator.predict(Xv) == yv), abs=1e-9)
    assert fit.history[-1]["val_metric"] > 0.8
    assert all(r["elapsed"] >= 0 for r in fit.history)


@pytest.mark.parametrize("name", ITERATIVE)
def test_regression_history_reports_rmse_and_r2(name, diabetes):
    X, y, Xv, yv = diabetes
    ctx = RecordingContext()
    fit = fit_monitored(get_algorithm(name, "regression"), {"n_estimators": 20}, X, y, Xv, yv, ctx, seed=3)
    _check_events(fit, ctx)
    assert fit.summary["loss_name"] == "rmse" and fit.summary["metric_name"] == "r2"
    pred = fit.estimator.predict(Xv)
    rmse = float(np.sqrt(np.mean((pred - yv) ** 2)))
    assert fit.history[-1]["val_loss"] == pytest.approx(rmse, rel=1e-4)
    assert fit.history[-1]["val_metric"] == pytest.approx(1 - rmse**2 / np.var(yv), rel=1e-3)
    assert fit.history[-1]["val_metric"] > 0.2


@pytest.fixture(scope="module")
def noisy():
    """Tiny noisy data where validation loss rises once the model starts memorising noise."""
    X, y = make_classification(160, 8, n_informative=2, flip_y=0.35, random_state=0)
    return X[:100], y[:100], X[100:], y[100:]


@pytest.mark.parametrize("name,params", [
    ("xgboost", {"n_estimators": 300, "learning_rate": 0.5, "max_depth": 6}),
    ("lightgbm", {"n_estimators": 300, "learning_rate": 0.5, "min_child_samples": 2}),
    ("gradient_boosting", {"n_estimators": 300, "learning_rate": 0.5, "max_depth": 5}),
    ("adaboost", {"n_estimators": 300, "learning_rate": 1.0, "max_depth": 3}),
    ("random_forest", {"n_estimators": 300, "max_depth": None}),
])
def test_early_stopping_keeps_the_best_iteration(name, params, noisy):
    X, y, Xv, yv = noisy
    ctx = RecordingContext()
    fit = fit_monitored(get_algorithm(name, "classification"), params, X, y, Xv, yv, ctx,
                        early_stopping=True, patience=5, seed=0)
    s = fit.summary
    assert s["stopped_early"] is True, [round(r["val_loss"], 3) for r in fit.history]
    assert s["best_iteration"] < s["n_iterations"] < params["n_estimators"]
    losses = [r["val_loss"] for r in fit.history]
    best = fit.history[int(np.argmin(losses))]
    assert s["best_iteration"] == best["iteration"]
    # patience: exactly `patience` records after the best one
    assert len(fit.history) - 1 - int(np.argmin(losses)) == 5
    # the returned model is the best iteration's model, and holds nothing after it
    rounds = {"xgboost": lambda e: e.estimator_.get_booster().num_boosted_rounds(),
              "lightgbm": lambda e: e.booster_.current_iteration(),
              "gradient_boosting": lambda e: e.estimators_.shape[0],
              "adaboost": lambda e: len(e.estimators_),
              "random_forest": lambda e: len(e.estimators_)}[name]
    assert rounds(fit.estimator) == s["best_iteration"]
    proba = fit.estimator.predict_proba(Xv)
    assert _log_loss(yv, proba, np.asarray(fit.estimator.classes_)) == pytest.approx(best["val_loss"], rel=2e-3)


@pytest.mark.parametrize("name", ["logistic", "knn", "svm", "naive_bayes", "decision_tree", "voting"])
def test_non_iterative_models_stream_a_learning_curve(name, iris):
    X, y, Xv, yv = iris
    params = {"estimators": ["decision_tree", "naive_bayes"]} if name == "voting" else {}
    ctx = RecordingContext()
    fit = fit_monitored(get_algorithm(name, "classification"), params, X, y, Xv, yv, ctx, seed=0)
    assert fit.mode == "learning_curve" and fit.summary["mode"] == "learning_curve"
    sizes = [r["train_size"] for r in fit.history]
    assert sizes == sorted(sizes) and sizes[-1] == len(y) and len(sizes) == 5
    _check_events(fit, ctx)
    assert fit.history[-1]["val_metric"] == pytest.approx(np.mean(fit.estimator.predict(Xv) == yv))
    assert any("learning curve 5/5" in m for _, m in ctx.progress_events)


def test_learning_curve_for_regression_and_a_hard_voting_classifier(diabetes, iris):
    X, y, Xv, yv = diabetes
    fit = fit_monitored(get_algorithm("ridge", "regression"), {}, X, y, Xv, yv, seed=0)
    assert fit.summary["loss_name"] == "rmse" and len(fit.history) == 5
    assert fit.history[-1]["val_metric"] > 0.3
    X, y, Xv, yv = iris
    hard = get_algorithm("voting", "classification")
    fit = fit_monitored(hard, {"estimators": ["decision_tree", "knn"], "voting": "hard"}, X, y, Xv, yv)
    assert fit.summary["loss_name"] == "error_rate"
    assert fit.history[-1]["val_loss"] == pytest.approx(1 - fit.history[-1]["val_metric"])


@pytest.mark.parametrize("name", ["xgboost", "random_forest", "lightgbm", "gradient_boosting", "svm"])
def test_same_seed_gives_identical_predictions(name, iris):
    X, y, Xv, yv = iris
    spec = get_algorithm(name, "classification")
    params = {} if name == "svm" else {"n_estimators": 15}
    a = fit_monitored(spec, params, X, y, Xv, yv, seed=11)
    b = fit_monitored(spec, params, X, y, Xv, yv, seed=11)
    assert np.array_equal(a.estimator.predict_proba(Xv), b.estimator.predict_proba(Xv))
    assert [r["val_loss"] for r in a.history] == [r["val_loss"] for r in b.history]


def test_monitored_forest_equals_a_plain_fit(iris):
    X, y, Xv, yv = iris
    spec = get_algorithm("random_forest", "classification")
    fit = fit_monitored(spec, {"n_estimators": 30}, X, y, Xv, yv, seed=4)
    plain = spec.build({"n_estimators": 30}, seed=4).fit(X, y)
    assert np.array_equal(fit.estimator.predict_proba(Xv), plain.predict_proba(Xv))
    assert fit.estimator.warm_start is False and fit.estimator.n_estimators == 30


def test_monitored_forest_records_the_running_average_of_its_first_trees(iris, diabetes):
    X, y, Xv, yv = iris
    fit = fit_monitored(get_algorithm("random_forest", "classification"), {"n_estimators": 25}, X, y, Xv, yv, seed=2)
    trees = fit.estimator.estimators_
    classes = np.asarray(fit.estimator.classes_)
    assert [r["n_trees"] for r in fit.history] == [r["iteration"] for r in fit.history]
    assert fit.history[-1]["n_trees"] == 25 and len(fit.history) >= 2
    for r in fit.history:  # trees summed in tree order, whichever finished first
        proba = sum(t.predict_proba(Xv) for t in trees[: r["n_trees"]]) / r["n_trees"]
        assert r["val_loss"] == pytest.approx(_log_loss(yv, proba, classes), rel=1e-12)
        assert r["val_metric"] == pytest.approx(np.mean(classes[np.argmax(proba, axis=1)] == yv))
    X, y, Xv, yv = diabetes
    reg = fit_monitored(get_algorithm("random_forest", "regression"), {"n_estimators": 12}, X, y, Xv, yv, seed=2)
    pred = reg.estimator.predict(Xv)
    assert reg.history[-1]["val_loss"] == pytest.approx(float(np.sqrt(np.mean((pred - yv) ** 2))), rel=1e-12)


def test_monitored_forest_holds_no_hooks_and_pickles(iris, noisy):
    import pickle

    spec = get_algorithm("random_forest", "classification")
    X, y, Xv, yv = iris
    grown = fit_monitored(spec, {"n_estimators": 10}, X, y, Xv, yv).estimator
    X, y, Xn, yn = noisy  # early stopping ends the fit before its last tree
    stopped = fit_monitored(spec, {"n_estimators": 300}, X, y, Xn, yn, early_stopping=True, patience=5).estimator
    assert len(stopped.estimators_) < 300 and stopped.n_estimators == len(stopped.estimators_)
    for est, Xv in ((grown, Xv), (stopped, Xn)):
        assert "_make_estimator" not in vars(est) and est.warm_start is False
        assert not any("_fit" in vars(tree) for tree in est.estimators_)
        restored = pickle.loads(pickle.dumps(est))
        assert np.array_equal(restored.predict_proba(Xv), est.predict_proba(Xv))


def test_fitted_estimator_holds_no_callbacks_and_pickles(iris):
    import pickle

    X, y, Xv, yv = iris
    fit = fit_monitored(get_algorithm("xgboost", "classification"), {"n_estimators": 10}, X, y, Xv, yv)
    assert fit.estimator.estimator_.callbacks is None
    assert fit.estimator.estimator_.eval_metric is None
    restored = pickle.loads(pickle.dumps(fit.estimator))
    assert list(restored.predict(Xv)) == list(fit.estimator.predict(Xv))


def test_plain_estimator_and_no_validation_rows(iris):
    from sklearn.ensemble import GradientBoostingClassifier

    X, y, _, _ = iris
    fit = fit_monitored(GradientBoostingClassifier(n_estimators=8), None, X, y, X[:0], y[:0])
    assert len(fit.history) == 8 and fit.history[0]["val_loss"] is None
    assert fit.history[-1]["train_loss"] < fit.history[0]["train_loss"]
    assert fit.summary["validation_rows"] == 0
    with pytest.raises(ConfigError, match="early stopping needs validation rows"):
        fit_monitored(GradientBoostingClassifier(), None, X, y, early_stopping=True)


def test_sample_weights_reach_the_model(diabetes):
    X, y, Xv, yv = diabetes
    spec = get_algorithm("xgboost", "regression")
    w = np.where(y > np.median(y), 10.0, 0.1)
    plain = fit_monitored(spec, {"n_estimators": 10}, X, y, Xv, yv).estimator.predict(Xv)
    weighted = fit_monitored(spec, {"n_estimators": 10}, X, y, Xv, yv, sample_weight=w).estimator.predict(Xv)
    assert weighted.mean() > plain.mean() + 5
    ctx = RecordingContext()
    fit_monitored(get_algorithm("knn", "regression"), {}, X, y, Xv, yv, ctx, sample_weight=w)
    assert any("sample weights" in m for m in ctx.logs)


def test_summary_records_the_threads_of_the_fit(iris):
    from mlcore.models import usable_cores

    X, y, Xv, yv = iris
    spec = get_algorithm("lightgbm", "classification")
    default = fit_monitored(spec, {"n_estimators": 10}, X, y, Xv, yv)
    one = fit_monitored(spec, {"n_estimators": 10}, X, y, Xv, yv, n_jobs=1)
    assert default.summary["n_jobs"] == usable_cores()
    assert one.summary["n_jobs"] == 1
    assert one.estimator.get_params()["n_jobs"] == 1


def test_hist_gradient_boosting_records_its_own_loss_every_iteration(iris, diabetes):
    X, y, Xv, yv = iris
    ctx = RecordingContext()
    fit = fit_monitored(get_algorithm("hist_gradient_boosting", "classification"), {"max_iter": 15}, X, y, Xv, yv,
                        ctx, seed=3)
    assert [r["iteration"] for r in fit.history] == list(range(1, 16))
    _check_events(fit, ctx)
    proba = fit.estimator.predict_proba(Xv)
    assert fit.history[-1]["val_loss"] == pytest.approx(_log_loss(yv, proba, np.asarray(fit.estimator.classes_)),
                                                        rel=1e-6)
    assert fit.history[-1]["val_metric"] == pytest.approx(np.mean(fit.estimator.predict(Xv) == yv), abs=1e-9)
    est = fit.estimator
    assert "_check_early_stopping_loss" not in vars(est) and est.early_stopping is False  # the hook is gone
    Xr, yr, Xrv, yrv = diabetes
    reg = fit_monitored(get_algorithm("hist_gradient_boosting", "regression"), {"max_iter": 20}, Xr, yr, Xrv, yrv)
    rmse = float(np.sqrt(np.mean((reg.estimator.predict(Xrv) - yrv) ** 2)))
    assert reg.history[-1]["val_loss"] == pytest.approx(rmse, rel=1e-6)


def test_hist_gradient_boosting_early_stopping_keeps_the_best_iteration(noisy):
    X, y, Xv, yv = noisy
    fit = fit_monitored(get_algorithm("hist_gradient_boosting", "classification"),
                        {"max_iter": 300, "learning_rate": 0.5, "min_samples_leaf": 2}, X, y, Xv, yv,
                        early_stopping=True, patience=5)
    s = fit.summary
    assert s["stopped_early"] is True and s["best_iteration"] < s["n_iterations"] < 300
    assert fit.estimator.n_iter_ == s["best_iteration"]
    best = min(fit.history, key=lambda r: r["val_loss"])
    proba = fit.estimator.predict_proba(Xv)
    assert _log_loss(yv, proba, np.asarray(fit.estimator.classes_)) == pytest.approx(best["val_loss"], rel=1e-6)


def test_hist_gradient_boosting_accuracy_from_raw_scores_reuses_its_buffers():
    from mlcore.training._hgb import accuracy_of

    rng = np.random.default_rng(0)
    y2 = (rng.random(1001) > 0.4).astype(float)  # scikit-learn's encoded labels are floats
    accuracy = accuracy_of(y2)
    for _ in range(2):  # a second call reuses the buffers and gives the same kind of answer
        raw = rng.normal(size=(1001, 1))
        assert accuracy(raw) == float(np.mean((raw[:, 0] > 0) == y2))
    y3 = rng.integers(0, 3, 999).astype(float)
    raw3 = rng.normal(size=(999, 3))
    assert accuracy_of(y3)(raw3) == float(np.mean(np.argmax(raw3, axis=1) == y3))
