"""End to end through the widgets over the real Workspace: sample → preview → prepare → train → cancel."""

from __future__ import annotations

import time
from collections import Counter

from test_desktop_flow import UI_STALL_LIMIT_MS, Heartbeat


def _wait_idle(qtbot, window, timeout=30000):
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=timeout)


def _choose_algorithm(view, name):
    index = view.algorithm_combo.findData(name)
    assert index >= 0, f"{name} not offered"
    view.algorithm_combo.setCurrentIndex(index)


def test_real_workspace_end_to_end(qtbot, make_window, workspace):
    window = make_window(workspace)
    datasets = window.datasets_tab
    with qtbot.waitSignal(datasets.sig_dataset_loaded, timeout=30000):
        datasets.import_sample("iris")
    assert datasets.model.rowCount() == 150
    info = workspace.list_datasets()[0]
    assert info.target_column == "species"
    assert datasets.model.data(datasets.model.index(0, 0)) == str(workspace.load_frame(info.id).iat[0, 0])

    prep = window.preparation_tab
    _wait_idle(qtbot, window)
    assert prep.picker.dataset_id() == info.id and prep.picker.target() == "species"
    prep.missing_combo.setCurrentText("median")
    prep.outlier_combo.setCurrentText("none")
    with qtbot.waitSignal(prep.sig_cleaned, timeout=30000) as cleaned:
        prep.run_clean(save=False)
    assert (cleaned.args[0]["original_rows"], cleaned.args[0]["cleaned_rows"]) == (150, 150)
    with qtbot.waitSignal(prep.sig_split_done, timeout=30000) as split:
        prep.run_split()
    counts = split.args[0]
    assert counts["train_samples"] + counts["validation_samples"] + counts["test_samples"] == 150
    assert counts["test_samples"] == 30
    prep.recipe_name.setText("iris-minmax")
    prep.scaling_combo.setCurrentText("minmax")
    with qtbot.waitSignal(prep.sig_recipe_saved, timeout=3000):
        prep.save_recipe()
    assert workspace.get_recipe("iris-minmax").recipe["scaling"] == "minmax"

    view = window.training_tab.train_view
    _wait_idle(qtbot, window)
    assert view.task_combo.currentText() == "classification"
    _choose_algorithm(view, "xgboost")
    view.param_form.set_values({"n_estimators": 40})
    view.early_check.setChecked(False)
    view.recipe_combo.setCurrentText("iris-minmax")
    with Heartbeat() as beat, qtbot.waitSignal(view.sig_training_ended, timeout=60000) as ended:
        view.start_training()
    assert ended.args == ["completed"], window.errors_seen
    job = workspace.list_jobs()[0]
    assert job.status == "completed" and job.config["recipe"] == "iris-minmax"
    # the plot received one point per iteration for each metric and split the job reported
    assert view.metric_counts[("log_loss", "train")] == 40
    for (name, split), n in view.metric_counts.items():
        plot = view.loss_plot if name.endswith("loss") else view.metric_plot
        assert len(plot.curves[f"{split} {name}"]) == n
    history = job.results["training_history"]
    assert len(history) >= 40
    assert view.job_table.item(0, 3).text() == "completed"
    assert "test accuracy" in view.job_table.item(0, 6).text()
    assert beat.max_gap_ms() < UI_STALL_LIMIT_MS, f"UI thread stalled {beat.max_gap_ms():.0f} ms"
    assert window.errors_seen == []


def test_real_long_training_cancels_within_a_second(qtbot, make_window, workspace):
    workspace.import_sample("breast_cancer")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    view = window.training_tab.train_view
    _choose_algorithm(view, "gradient_boosting")
    view.param_form.set_values({"n_estimators": 2000, "learning_rate": 0.01})
    view.early_check.setChecked(False)
    view.start_training()
    qtbot.waitUntil(lambda: view.metric_counts[("log_loss", "train")] >= 20, timeout=60000)
    t0 = time.perf_counter()
    with qtbot.waitSignal(view.sig_training_ended, timeout=3000) as ended:
        view.cancel_training()
    assert ended.args == ["cancelled"]
    assert time.perf_counter() - t0 < 1.0
    job = workspace.list_jobs()[0]
    assert job.status == "cancelled"
    assert Counter(s for (_, s) in view.metric_counts)["train"] > 0
