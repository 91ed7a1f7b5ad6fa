"""Compare and Tune views of the Training tab, over the real Workspace (small data, few models/trials)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_desktop_flow import UI_STALL_LIMIT_MS, Heartbeat


@pytest.fixture(scope="module", autouse=True)
def warm_engine():
    """Run the engine once before the heartbeat tests: a first-ever import of scikit-learn's
    modules in a worker holds the GIL for a few hundred ms, a one-off cost these tests do not measure."""
    from sklearn.datasets import load_iris

    from mlcore.tuning import compare_models, tune

    X, y = load_iris(return_X_y=True, as_frame=True)
    compare_models(X, y, "classification", ["knn", "logistic", "decision_tree"], cv=2)
    tune(X, y, "regression", "ridge", method="random", n_trials=1, cv=2, metric="rmse", refit=False)
    tune(X, y, "classification", "lightgbm", method="optuna", n_trials=1, cv=2, refit=False)


def _wait_idle(qtbot, window, timeout=30000):
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=timeout)


def _table_column(table, column):
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_compare_bars_fill_in_table_sorted_and_train_best(qtbot, make_window, workspace):
    workspace.import_sample("iris")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.compare_view
    assert window.training_tab.views.tabText(1) == "Compare"
    assert view.data.task() == "classification"
    view.set_checked_models(["knn", "logistic", "decision_tree"])
    assert view.checked_models() == ["logistic", "decision_tree", "knn"]  # catalog order
    view.cv_spin.setValue(3)
    bars_after_each_row = []
    view.sig_row_added.connect(lambda row: bars_after_each_row.append(view.chart.bar_count()))
    with Heartbeat() as beat, qtbot.waitSignal(view.sig_compare_ended, timeout=60000) as ended:
        assert view.start_compare() is not None
    assert ended.args == ["completed"], window.errors_seen
    # one bar more as each model finished
    assert bars_after_each_row == [1, 2, 3]
    assert view.result["metric"] == "accuracy" and view.result["cv"] == 3
    rows = view.rows
    assert [r["status"] for r in rows] == ["ok"] * 3
    means = [r["mean_score"] for r in rows]
    assert means == sorted(means, reverse=True)
    assert rows[0]["model"] == view.result["best_model"]
    assert rows[0]["p_value"] == 1.0 and all(0.0 <= r["p_value"] <= 1.0 for r in rows[1:])
    # the chart and the table show the same numbers, best first
    assert view.chart.bar_count() == 3
    np.testing.assert_allclose(view.chart.means, means)
    np.testing.assert_allclose(view.chart.stds, [r["std_score"] for r in rows])
    assert view.table.rowCount() == 3
    assert [float(t) for t in _table_column(view.table, 2)] == [round(m, 4) for m in means]
    assert _table_column(view.table, 4)[0] == "1"
    assert _table_column(view.table, 0) == ["1", "2", "3"]
    assert view.table.item(0, 1).font().bold() and not view.table.item(1, 1).font().bold()
    assert view.progress.value() == 1000
    assert beat.max_gap_ms() < UI_STALL_LIMIT_MS, f"UI thread stalled {beat.max_gap_ms():.0f} ms"

    # "Train the best" opens the Train view with that algorithm chosen
    assert view.train_best_button.isEnabled()
    view.train_best_button.click()
    train = window.training_tab.train_view
    assert window.training_tab.views.currentWidget() is train
    _wait_idle(qtbot, window)
    assert train.algorithm_combo.currentData() == rows[0]["model"]
    assert train.picker.target() == "species"
    assert window.errors_seen == []


def test_compare_failed_rows_are_grey_and_last(qtbot, make_window, workspace):
    workspace.import_sample("iris")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.compare_view
    view._run = {"cv": 3, "rows": 150, "metric": "accuracy", "task_type": "classification"}
    base = {"metric": "accuracy", "metrics": {"accuracy": 0.9, "f1_macro": 0.88}, "fit_time": 0.01, "error": None,
            "status": "ok", "p_value": None, "rank": None}
    view._on_event("compare_row", dict(base, model="a", label="A", mean_score=0.90, std_score=0.02,
                                       fold_scores=[0.88, 0.90, 0.92]))
    view._on_event("compare_row", {"model": "b", "label": "B", "status": "failed", "mean_score": None,
                                   "std_score": None, "fold_scores": [], "metrics": {}, "fit_time": None,
                                   "p_value": None, "rank": None, "error": "out of memory while fitting"})
    view._on_event("compare_row", dict(base, model="c", label="C", mean_score=0.96, std_score=0.01,
                                       fold_scores=[0.95, 0.96, 0.97]))
    assert [r["model"] for r in view.rows] == ["c", "a", "b"]
    assert view.chart.bar_count() == 2  # failed models get no bar
    assert view.rows[0]["p_value"] == 1.0 and 0.0 < view.rows[1]["p_value"] < 1.0
    failed = view.table.item(2, 1)
    assert "out of memory" in failed.toolTip()
    assert failed.foreground().color().name() == "#9aa0a6"
    assert "failed: out of memory" in view.table.item(2, 6).text()
    assert view.best_row()["model"] == "c"


def test_compare_cancel_keeps_finished_rows(qtbot, make_window, workspace):
    workspace.import_sample("breast_cancer")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.compare_view
    view.set_checked_models(["decision_tree", "random_forest", "gradient_boosting", "svm", "knn"])
    view.cv_spin.setValue(5)
    with qtbot.waitSignal(view.sig_row_added, timeout=60000):
        view.start_compare()
    with qtbot.waitSignal(view.sig_compare_ended, timeout=10000) as ended:
        started = time.monotonic()
        view.cancel_button.click()
    waited = time.monotonic() - started
    assert ended.args == ["cancelled"], window.errors_seen
    assert waited < 2.5, f"cancel took {waited:.2f} s"
    kept = len(view.rows)
    assert 1 <= kept < 5
    assert view.table.rowCount() == kept and view.chart.bar_count() == kept
    assert view.rows[0]["p_value"] == 1.0 and view.checked_models()[0] in {r["model"] for r in view.rows}
    assert "kept" in view.result_label.text()
    assert view.start_button.isEnabled() and not view.cancel_button.isEnabled()
    assert window.errors_seen == []


def _curve_y(view, name):
    curve = view.plot.curves.get(name)
    return [] if curve is None else list(curve.data()[1])


def test_tune_plots_every_trial_and_trains_best(qtbot, make_window, workspace):
    workspace.import_sample("iris")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.tune_view
    assert view.choose_algorithm("decision_tree")
    view.method_combo.setCurrentIndex(view.method_combo.findData("optuna"))
    view.trials_spin.setValue(8)
    view.cv_spin.setValue(3)
    with Heartbeat() as beat, qtbot.waitSignal(view.sig_tune_ended, timeout=90000) as ended:
        view.start_tune()
    assert ended.args == ["completed"], window.errors_seen
    job = view.job
    results = job.results
    assert len(view.trials) == len(results["trials"]) == 8
    valued = [t for t in view.trials if t["value"] is not None]
    # one plot point per trial with a value, and the best-so-far line never gets worse
    points = _curve_y(view, "complete trials") + _curve_y(view, "pruned trials")
    assert len(points) == len(valued)
    best = _curve_y(view, "best so far")
    assert len(best) == 8 and all(b >= a for a, b in zip(best, best[1:]))
    assert best[-1] == results["best_score"]
    assert view.trial_table.rowCount() == 8
    assert _table_column(view.trial_table, 0) == [str(t["number"]) for t in view.trials]
    # best parameters table: the job's best parameters
    assert view.best_params == results["best_params"]
    shown = {view.best_table.item(r, 0).text(): view.best_table.item(r, 1).text()
             for r in range(view.best_table.rowCount())}
    for name, value in results["best_params"].items():
        assert shown[name] == (f"{value:.6g}" if isinstance(value, float) else str(value))
    best_row = [r for r in range(8) if view.trial_table.item(r, 0).background().color().name() == "#dcebd9"]
    assert [view.trial_table.item(r, 0).text() for r in best_row] == [str(results["training_summary"]["best_trial"])]
    assert "deployed from the Registry" in view.result_label.text()
    assert beat.max_gap_ms() < UI_STALL_LIMIT_MS, f"UI thread stalled {beat.max_gap_ms():.0f} ms"

    # "Train best" trains the algorithm with those parameters in the Train view
    train = window.training_tab.train_view
    with qtbot.waitSignal(train.sig_training_ended, timeout=60000) as trained:
        assert view.train_best() is not None
    assert trained.args == ["completed"], window.errors_seen
    assert window.training_tab.views.currentWidget() is train
    train_job = [j for j in workspace.list_jobs() if j.kind == "train"][0]
    assert train_job.config["algorithm"] == "decision_tree"
    for name, value in results["best_params"].items():
        assert train_job.config["hyperparameters"][name] == value
    assert window.errors_seen == []


@pytest.mark.parametrize("method", ["random", "grid"])
def test_tune_regression_best_so_far_falls_for_rmse(qtbot, make_window, workspace, method):
    workspace.import_sample("diabetes")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.tune_view
    assert view.data.task() == "regression"
    assert view.choose_algorithm("ridge")
    view.method_combo.setCurrentIndex(view.method_combo.findData(method))
    view.metric_combo.setCurrentText("rmse")
    view.trials_spin.setValue(6)
    view.cv_spin.setValue(3)
    with qtbot.waitSignal(view.sig_tune_ended, timeout=60000) as ended:
        view.start_tune()
    assert ended.args == ["completed"], window.errors_seen
    results = view.job.results
    assert results["method"] == method and results["metric"] == "rmse"
    n = len(results["trials"])
    assert 1 < n <= 6 and len(view.trials) == n and view.trial_table.rowCount() == n
    best = _curve_y(view, "best so far")
    assert len(best) == n and all(b <= a for a, b in zip(best, best[1:]))  # lower is better
    assert best[-1] == results["best_score"] == min(t["value"] for t in view.trials if t["value"] is not None)


def test_tune_cancel_ends_after_running_trial(qtbot, make_window, workspace):
    workspace.import_sample("breast_cancer")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.tune_view
    assert view.choose_algorithm("random_forest")
    view.method_combo.setCurrentIndex(view.method_combo.findData("random"))
    view.trials_spin.setValue(500)
    view.cv_spin.setValue(5)
    seen = []
    view.sig_trial.connect(seen.append)
    view.start_tune()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=60000)
    with qtbot.waitSignal(view.sig_tune_ended, timeout=10000) as ended:
        started = time.monotonic()
        view.cancel_button.click()
    waited = time.monotonic() - started
    assert ended.args == ["cancelled"], window.errors_seen
    assert waited < 2.5, f"cancel took {waited:.2f} s"
    assert 2 <= len(view.trials) < 500
    assert view.trial_table.rowCount() == len(view.trials)
    valued = [t for t in view.trials if t["value"] is not None]
    assert len(_curve_y(view, "complete trials")) + len(_curve_y(view, "pruned trials")) == len(valued)
    assert view.best_table.rowCount() > 0 and view.train_best_button.isEnabled()
    assert view.trial_table.item(0, 0).data(Qt.ItemDataRole.DisplayRole) == "0"
    assert window.errors_seen == []


def test_compare_failure_reaches_the_error_handler(qtbot, make_window, workspace):
    workspace.import_sample("iris")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.compare_view
    view.data.picker.target_combo.setCurrentText("sepal length (cm)")  # a continuous target ...
    _wait_idle(qtbot, window)
    assert view.data.task() == "regression"
    view.data.task_combo.setCurrentText("classification")  # ... forced to classification
    view.set_checked_models(["logistic"])
    with qtbot.waitSignal(view.sig_compare_ended, timeout=30000) as ended:
        view.start_compare()
    assert ended.args == ["failed"]
    assert len(window.errors_seen) == 1 and "sepal length" in window.errors_seen[0][1]
    assert view.result_label.text().startswith("Failed:")
    assert view.start_button.isEnabled() and view.rows == []
