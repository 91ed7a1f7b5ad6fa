"""Bootstrap intervals: they bracket the estimate, narrow with data, and match sklearn per resample."""

import time

import numpy as np
import pytest

from mlcore.errors import ConfigError, JobCancelled
from mlcore.evaluation import bootstrap_intervals, classification_metrics, regression_metrics
from mlcore.evaluation._bootstrap import _classification_fns, _regression_fns, resample_counts
from mlcore.jobs import RecordingContext


def _binary_data(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1)
    return y, (score >= 0.5).astype(int), np.column_stack([1 - score, score])


def _width(iv):
    return iv[1] - iv[0]


def test_interval_contains_point_estimate_and_narrows_with_rows():
    widths = {}
    for n in (200, 3000):
        y, pred, proba = _binary_data(n)
        point = classification_metrics(y, pred, proba, classes=[0, 1])
        iv = bootstrap_intervals("classification", y, pred, proba, classes=[0, 1], n_boot=400)
        for name in ("accuracy", "f1", "roc_auc", "log_loss", "mcc"):
            lo, hi = iv[name]
            assert lo <= point[name] <= hi, name
        widths[n] = _width(iv["accuracy"])
    assert widths[3000] < widths[200] / 2


def test_regression_interval_contains_estimate_and_narrows():
    rng = np.random.default_rng(3)
    widths = []
    for n in (100, 2000):
        y = rng.normal(10, 3, n)
        pred = y + rng.normal(0, 1, n)
        point = regression_metrics(y, pred)
        iv = bootstrap_intervals("regression", y, pred, n_boot=400,
                                 metrics=("r2", "rmse", "mae", "mape", "explained_variance", "median_absolute_error"))
        for name, (lo, hi) in iv.items():
            assert lo <= point[name] <= hi, name
        widths.append(_width(iv["rmse"]))
    assert widths[1] < widths[0] / 2


def test_seed_makes_intervals_reproducible():
    y, pred, proba = _binary_data(300)
    a = bootstrap_intervals("classification", y, pred, proba, classes=[0, 1], n_boot=200, seed=5)
    b = bootstrap_intervals("classification", y, pred, proba, classes=[0, 1], n_boot=200, seed=5)
    assert a == b


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_vectorised_classification_formulas_equal_sklearn_on_each_resample(kind):
    rng = np.random.default_rng(1)
    n = 120
    if kind == "binary":
        classes = ["neg", "pos"]
        y = rng.choice(classes, n)
        proba = rng.dirichlet([1, 1], n)
    else:
        classes = ["a", "b", "c"]
        y = rng.choice(classes, n)
        proba = rng.dirichlet([1, 1, 1], n)
    pred = np.array(classes)[proba.argmax(axis=1)]
    flipped = rng.random(n) < 0.1  # some predictions that disagree with the argmax
    pred[flipped] = classes[0]
    names = ("accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_weighted",
             "mcc", "log_loss", "roc_auc") + (("precision", "recall", "f1") if kind == "binary" else ())
    fns = _classification_fns(y, pred, proba, classes, names)
    counts = resample_counts(n, 5, np.random.default_rng(2))
    for row in counts:
        idx = np.repeat(np.arange(n), row.astype(int))
        ref = classification_metrics(y[idx], pred[idx], proba[idx], classes=classes)
        for name in names:
            assert fns[name](row[None, :])[0] == pytest.approx(ref[name], abs=1e-9), name


def test_vectorised_regression_formulas_equal_sklearn_on_each_resample():
    rng = np.random.default_rng(4)
    n = 80
    y = rng.normal(5, 2, n)
    y[:5] = 0.0
    pred = y + rng.normal(0, 1, n)
    fns = _regression_fns(y, pred)
    for row in resample_counts(n, 5, np.random.default_rng(0)):
        idx = np.repeat(np.arange(n), row.astype(int))
        ref = regression_metrics(y[idx], pred[idx])
        for name in fns:
            assert fns[name](row[None, :])[0] == pytest.approx(ref[name], rel=1e-9), name


def test_bootstrap_is_fast_for_1000_rows_and_1000_resamples():
    y, pred, proba = _binary_data(1000)
    t = time.perf_counter()
    bootstrap_intervals("classification", y, pred, proba, classes=[0, 1], n_boot=1000,
                        metrics=("accuracy", "f1", "roc_auc"))
    rng = np.random.default_rng(0)
    yr = rng.normal(size=1000)
    bootstrap_intervals("regression", yr, yr + rng.normal(size=1000), n_boot=1000, metrics=("r2", "rmse", "mae"))
    # the target is < 1 s; allow headroom for a busy shared test machine
    assert time.perf_counter() - t < 4.0


def test_bootstrap_reports_progress_and_can_be_cancelled():
    y, pred, proba = _binary_data(2000)
    ctx = RecordingContext()
    bootstrap_intervals("classification", y, pred, proba, classes=[0, 1], n_boot=300, ctx=ctx)
    assert ctx.progress_events[-1][0] == pytest.approx(1.0)
    stop = RecordingContext(cancel_when=lambda c: len(c.progress_events) >= 1)
    with pytest.raises(JobCancelled):
        bootstrap_intervals("classification", y, pred, proba, classes=[0, 1], n_boot=20000, ctx=stop)


def test_unknown_metric_and_bad_level_are_config_errors():
    y, pred, proba = _binary_data(50)
    with pytest.raises(ConfigError, match="r2"):
        bootstrap_intervals("classification", y, pred, metrics=("r2",))
    with pytest.raises(ConfigError, match="level"):
        bootstrap_intervals("classification", y, pred, level=1.5)


def test_probability_metric_without_probabilities_has_no_interval():
    y, pred, _ = _binary_data(50)
    iv = bootstrap_intervals("classification", y, pred, n_boot=50, metrics=("accuracy", "roc_auc"))
    assert iv["roc_auc"] == (None, None)
    assert iv["accuracy"][0] is not None
