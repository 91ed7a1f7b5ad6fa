"""Model comparison: ranking, corrected t-test p-values, failed rows, cancel, events."""

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

import mlcore.models
from mlcore.errors import ConfigError, JobCancelled
from mlcore.jobs import RecordingContext
from mlcore.tuning import compare_models, corrected_resampled_ttest


def test_corrected_ttest_matches_the_formula_and_is_more_conservative_than_the_paired_test():
    diffs = [0.02, 0.05, 0.01, 0.04, 0.03]
    t, p = corrected_resampled_ttest(diffs, n_train=80, n_test=20)
    var = np.var(diffs, ddof=1)
    t_expected = np.mean(diffs) / math.sqrt((1 / 5 + 20 / 80) * var)
    assert t == pytest.approx(t_expected)
    assert p == pytest.approx(2 * stats.t.sf(t_expected, 4))
    plain_p = stats.ttest_rel(np.array(diffs), np.zeros(5)).pvalue
    assert p > plain_p
    assert corrected_resampled_ttest([0.0, 0.0, 0.0], 80, 20) == (0.0, 1.0)
    assert corrected_resampled_ttest([0.1, 0.1, 0.1], 80, 20)[1] == 0.0
    assert all(math.isnan(v) for v in corrected_resampled_ttest([0.1], 80, 20))


def test_rows_are_sorted_with_mean_std_and_p_values_against_the_best(linear_cls):
    X, y = linear_cls
    ctx = RecordingContext()
    result = compare_models(X, y, "classification", ["decision_tree", "logistic", "naive_bayes"], cv=5, ctx=ctx)
    rows = result.rows
    assert [r["model"] for r in rows] == ["logistic", "naive_bayes", "decision_tree"]
    assert result.best_model == "logistic"
    scores = [r["mean_score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    best, _, tree = rows
    assert best["p_value"] == 1.0 and best["rank"] == 1
    assert best["mean_score"] == pytest.approx(np.mean(best["fold_scores"]))
    assert best["std_score"] == pytest.approx(np.std(best["fold_scores"], ddof=1))
    assert best["mean_score"] > 0.88 and tree["mean_score"] < 0.75
    assert tree["p_value"] < 0.05  # a clearly worse model
    # the p-value is the corrected test on the per-fold differences (same folds for every model)
    n = len(X)
    _, p = corrected_resampled_ttest(np.subtract(best["fold_scores"], tree["fold_scores"]), n * 0.8, n * 0.2)
    assert tree["p_value"] == pytest.approx(p)
    assert set(best["metrics"]) == {"accuracy", "roc_auc", "f1_macro", "balanced_accuracy", "log_loss"}
    assert 0.9 < best["metrics"]["roc_auc"] <= 1.0 and best["fit_time"] > 0
    # one event per model as it finishes, progress per fold
    assert [d["model"] for k, d in ctx.events if k == "compare_row"] == ["decision_tree", "logistic", "naive_bayes"]
    assert len(ctx.progress_events) >= 15 and ctx.progress_events[-1][0] == 1.0
    payload = result.to_dict()
    assert payload["comparison"][0]["model"] == "logistic" and "mean_score" in payload["comparison"][0]
    frame = result.to_frame()
    assert list(frame["model"]) == ["logistic", "naive_bayes", "decision_tree"]


def test_lower_is_better_metric_sorts_ascending(diabetes):
    X, y = diabetes
    result = compare_models(X.iloc[:200], y.iloc[:200], "regression", ["ridge", "decision_tree"], cv=3, metric="rmse")
    assert [r["model"] for r in result.rows] == ["ridge", "decision_tree"]
    assert result.rows[0]["mean_score"] < result.rows[1]["mean_score"]
    assert result.higher_is_better is False and "r2" in result.rows[0]["metrics"]


def test_a_model_that_fails_becomes_a_failed_row(linear_cls, monkeypatch):
    real = mlcore.models.get_algorithm

    def broken(v, *, seed, n_jobs, task):
        raise MemoryError("pretend the fit ran out of memory")

    def fake(name, task):
        spec = real(name, task)
        return replace(spec, factory=broken) if name == "knn" else spec

    monkeypatch.setattr(mlcore.models, "get_algorithm", fake)
    X, y = linear_cls
    result = compare_models(X, y, "classification", ["knn", "logistic"], cv=3)
    assert [r["status"] for r in result.rows] == ["ok", "failed"]
    failed = result.rows[1]
    assert failed["model"] == "knn" and "MemoryError" in failed["error"] and failed["mean_score"] is None
    assert result.rows[0]["p_value"] == 1.0


def test_scores_without_probabilities_leave_probability_metrics_undefined():
    from mlcore.tuning._metrics import classification_scores

    scores = classification_scores(np.array([0, 1, 1]), np.array([0, 1, 0]), None, None)
    assert scores["accuracy"] == pytest.approx(2 / 3)
    assert math.isnan(scores["roc_auc"]) and math.isnan(scores["log_loss"])


def test_cancel_keeps_the_finished_rows(linear_cls):
    X, y = linear_cls
    ctx = RecordingContext(cancel_when=lambda c: any(k == "compare_row" for k, _ in c.events))
    with pytest.raises(JobCancelled) as info:
        compare_models(X, y, "classification", ["naive_bayes", "logistic", "decision_tree"], cv=3, ctx=ctx)
    rows = info.value.partial_rows
    assert [r["model"] for r in rows] == ["naive_bayes"]
    assert rows[0]["status"] == "ok" and rows[0]["p_value"] == 1.0


def test_ensemble_names_are_compared_and_bad_names_refused(linear_cls):
    X, y = linear_cls
    result = compare_models(X.iloc[:200], y.iloc[:200], "classification", ["bagging", "naive_bayes"], cv=3)
    assert {r["model"] for r in result.rows} == {"bagging", "naive_bayes"}
    assert all(r["status"] == "ok" for r in result.rows)
    with pytest.raises(ConfigError, match="unknown classification algorithm 'nope'"):
        compare_models(X, y, "classification", ["logistic", "nope"], cv=3)
    with pytest.raises(ConfigError, match="metric 'r2' is not available"):
        compare_models(X, y, "classification", ["logistic"], metric="r2")


def test_fold_metrics_match_scikit_learn():
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, log_loss, roc_auc_score

    from mlcore.tuning._metrics import classification_scores

    rng = np.random.default_rng(0)
    for k in (2, 4):
        y = rng.integers(0, k, 200)
        y_pred = rng.integers(0, k, 200)
        proba = rng.dirichlet(np.ones(k), 200)
        s = classification_scores(y, y_pred, proba, np.arange(k))
        assert s["accuracy"] == pytest.approx(accuracy_score(y, y_pred))
        assert s["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, y_pred))
        assert s["f1_macro"] == pytest.approx(f1_score(y, y_pred, average="macro"))
        assert s["log_loss"] == pytest.approx(log_loss(y, proba, labels=np.arange(k)))
        expected_auc = roc_auc_score(y, proba[:, 1]) if k == 2 else roc_auc_score(y, proba, multi_class="ovr")
        assert s["roc_auc"] == pytest.approx(expected_auc)
