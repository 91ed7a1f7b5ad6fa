"""The main window over a real workspace in a temp folder: import → preview → prepare → train → cancel,
errors, close."""

from __future__ import annotations

import gc
import time
from collections import Counter

import pandas as pd
import pytest
from PySide6.QtCore import Qt, QTimer

from mlcore.errors import NotFoundError


def _wait_idle(qtbot, window, timeout=5000):
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=timeout)


# The heartbeat tests prove the work is off the UI thread: a fit or a parse on it stalls for
# seconds. The frame budget itself (16 ms p99) is measured by benchmarks/bench_ui.py, not
# asserted here, since a shared 2-core machine can pause any thread for ~100-200 ms.
UI_STALL_LIMIT_MS = 400


class Heartbeat:
    """A 10 ms timer on the UI thread; the largest gap between ticks is the worst stall."""

    def __init__(self, interval_ms: int = 10) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self) -> "Heartbeat":
        # collect earlier tests' garbage now, not as a full-generation pause in the middle
        gc.collect()
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()

    def max_gap_ms(self) -> float:
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:])]
        return 1000 * max(gaps) if gaps else float("inf")


@pytest.fixture(scope="module")
def warm_engine():
    """Fit once before a heartbeat test: a first import of scikit-learn's modules in a worker holds
    the GIL for a few hundred ms, a one-off cost the heartbeat does not measure."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = load_iris(return_X_y=True)
    GradientBoostingClassifier(n_estimators=2).fit(X, y)


def _choose_algorithm(view, name):
    index = view.algorithm_combo.findData(name)
    assert index >= 0, f"{name} not offered"
    view.algorithm_combo.setCurrentIndex(index)


def test_import_prepare_train_flow(qtbot, make_window, workspace):
    window = make_window(workspace)
    datasets = window.datasets_tab
    with qtbot.waitSignal(datasets.sig_dataset_loaded, timeout=30000):
        datasets.import_sample("iris")
    assert datasets.model.rowCount() == 150
    assert datasets.model.columnCount() == 5
    assert datasets.dataset_list.count() == 1
    assert "species (target)" == datasets.model.headerData(4, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal)
    # the column profile shows the selected column's statistics and a chart
    frame = workspace.load_frame(workspace.list_datasets()[0].id)
    datasets.profile.select_column("petal length (cm)")
    stats = {datasets.profile.stats.item(r, 0).text(): datasets.profile.stats.item(r, 1).text()
             for r in range(datasets.profile.stats.rowCount())}
    assert stats["count"] == "150" and float(stats["max"]) == frame["petal length (cm)"].max()
    assert sum(datasets.profile.chart.values) == 150
    datasets.profile.select_column("species")
    assert sorted(datasets.profile.chart.values) == [50, 50, 50]

    prep = window.preparation_tab
    _wait_idle(qtbot, window)
    assert prep.picker.target() == "species"
    prep.outlier_combo.setCurrentText("zscore")
    with qtbot.waitSignal(prep.sig_cleaned, timeout=30000) as cleaned:
        prep.run_clean(save=False)
    original, kept = cleaned.args[0]["original_rows"], cleaned.args[0]["cleaned_rows"]
    assert original == 150 and kept < 150
    assert f"150 → {kept}" in prep.clean_result.text()
    with qtbot.waitSignal(prep.sig_features_selected, timeout=30000):
        prep.run_selection()
    assert len(prep.importance_chart.values) == 4
    with qtbot.waitSignal(prep.sig_split_done, timeout=30000):
        prep.run_split()
    assert "105 / 15 / 30" in prep.split_result.text()
    prep.recipe_name.setText("iris-standard")
    with qtbot.waitSignal(prep.sig_recipe_saved, timeout=3000):
        prep.save_recipe()
    assert workspace.get_recipe("iris-standard").recipe["scaling"] == "standard"

    train = window.training_tab.train_view
    _wait_idle(qtbot, window)
    assert train.task_combo.currentText() == "classification"
    assert train.recipe_combo.findText("iris-standard") >= 0
    train.recipe_combo.setCurrentText("iris-standard")
    _choose_algorithm(train, "gradient_boosting")
    train.param_form.set_values({"n_estimators": 60})
    train.early_check.setChecked(False)
    with qtbot.waitSignal(train.sig_training_ended, timeout=60000) as ended:
        train.start_training()  # (the UI's heartbeat during real training: test_desktop_real)
    assert ended.args == ["completed"], window.errors_seen
    job = workspace.list_jobs(kind="train")[0]
    assert job.config["recipe"] == "iris-standard" and job.config["algorithm"] == "gradient_boosting"
    # one point per iteration, per metric and split, drawn from the buffers; losses in the loss plot
    assert train.metric_counts[("log_loss", "train")] == 60
    assert train.metric_counts[("log_loss", "validation")] == 60
    assert train.metric_counts[("accuracy", "validation")] == 60
    assert len(train.loss_plot.curves["train log_loss"]) == 60
    assert len(train.metric_plot.curves["validation accuracy"]) == 60
    assert "train accuracy" not in train.loss_plot.curves
    assert train.progress.value() == 1000
    # the clean job is recorded, but the Training tab lists the jobs that train
    assert [j.kind for j in workspace.list_jobs()] == ["train", "clean"]
    assert train.job_table.rowCount() == 1 and train.job_table.item(0, 3).text() == "completed"
    assert window.errors_seen == []


def test_cancel_a_long_training_within_a_second_ui_stays_responsive(qtbot, make_window, workspace, tmp_path,
                                                                  warm_engine):
    path = tmp_path / "flat.csv"
    pd.DataFrame({"x": [i % 7 + 0.5 * (i % 3) for i in range(100)], "y": ["no", "yes"] * 50}).to_csv(path, index=False)
    workspace.import_dataset(path, target="y")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    train = window.training_tab.train_view
    _choose_algorithm(train, "gradient_boosting")
    train.param_form.set_values({"n_estimators": 2000, "learning_rate": 0.001})
    train.early_check.setChecked(False)
    with Heartbeat() as beat:
        assert train.start_training() is not None, window.errors_seen
        qtbot.waitUntil(lambda: train.metric_counts[("log_loss", "train")] >= 100, timeout=30000)

        assert "1 running" in window.jobs_label.text()
        t0 = time.perf_counter()
        with qtbot.waitSignal(train.sig_training_ended, timeout=3000) as ended:
            train.cancel_button.click()
        took = time.perf_counter() - t0
    assert ended.args == ["cancelled"] and took < 1.0
    assert beat.max_gap_ms() < UI_STALL_LIMIT_MS
    assert 100 <= len(train.loss_plot.curves["train log_loss"]) < 2000
    assert train.start_button.isEnabled() and not train.cancel_button.isEnabled()
    assert window.jobs_label.text() == "No running jobs"
    assert workspace.list_jobs()[0].status == "cancelled"


def test_user_errors_show_their_message_unexpected_ones_are_logged(qtbot, make_window, workspace, monkeypatch):
    window = make_window(workspace)
    window.datasets_tab.import_sample("no-such-sample")
    qtbot.waitUntil(lambda: len(window.errors_seen) == 1, timeout=3000)
    title, text = window.errors_seen[0]
    assert title == "Cannot do that" and text.startswith("no sample dataset named 'no-such-sample'; available: iris")

    def broken(name, ctx=None):
        raise ZeroDivisionError("internal slip")

    monkeypatch.setattr(workspace, "import_sample", broken)
    window.datasets_tab.import_sample("iris")
    qtbot.waitUntil(lambda: len(window.errors_seen) == 2, timeout=3000)
    title, text = window.errors_seen[1]
    assert title == "Unexpected error" and "ZeroDivisionError" in text
    log = (workspace.home / "logs" / "desktop.log").read_text()
    assert "Traceback" in log and "internal slip" in log
    assert isinstance(NotFoundError("x"), Exception)


def test_import_file_asks_for_options_when_unsure_and_remembers_recent(qtbot, make_window, workspace, tmp_path):
    path = tmp_path / "semi.txt"
    path.write_text("a,b;c\n1,2;3\n4,5;6\n", encoding="utf-8")  # comma or semicolon: the reader is unsure
    window = make_window(workspace)
    tab = window.datasets_tab
    tab.import_file(path)
    qtbot.waitUntil(lambda: tab.options_dialog is not None and tab.options_dialog.isVisible(), timeout=3000)
    dialog = tab.options_dialog
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(";"))
    dialog.decimal.setCurrentIndex(dialog.decimal.findData(","))
    with qtbot.waitSignal(tab.sig_dataset_loaded, timeout=5000):
        dialog.accept()
    info = workspace.list_datasets()[-1]
    assert info.name == "semi" and info.column_names == ["a,b", "c"]
    assert tab.model.data(tab.model.index(0, 0)) == "1.2"
    assert window.services.recent_files()[0] == str(path)
    assert [a.text() for a in window.recent_menu.actions()] == [str(path)]


def test_delete_asks_and_set_target(qtbot, make_window, workspace):
    workspace.import_sample("iris")
    window = make_window(workspace)
    tab = window.datasets_tab
    qtbot.waitUntil(lambda: tab.model.rowCount() == 150, timeout=3000)
    with qtbot.waitSignal(tab.sig_target_set, timeout=30000):
        tab.set_target("petal width (cm)")
    assert workspace.list_datasets()[0].target_column == "petal width (cm)"
    assert window.preparation_tab.picker.info().target_column == "petal width (cm)"
    tab.delete_current()
    _wait_idle(qtbot, window)
    assert workspace.list_datasets() == []
    assert tab.dataset_list.count() == 0 and tab.model.rowCount() == 0


def test_close_while_training_cancels_and_waits(qtbot, make_window, workspace):
    workspace.import_sample("iris")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    train = window.training_tab.train_view
    _choose_algorithm(train, "gradient_boosting")
    train.param_form.set_values({"n_estimators": 5000, "learning_rate": 0.001})
    train.early_check.setChecked(False)
    worker = train.start_training()
    qtbot.waitUntil(lambda: worker.fraction > 0, timeout=3000)
    stopped: list[float] = []  # when the job's thread ended, stamped in that thread
    worker.finished.connect(lambda: stopped.append(time.perf_counter()), Qt.ConnectionType.DirectConnection)
    t0 = time.perf_counter()
    window.close()
    closed = time.perf_counter() - t0
    assert not worker.isRunning() and worker.status == "cancelled"
    # the job answers the cancel within a boosting round; close() then also collects every cycle of
    # this process on the UI thread (gc_guard), which grows with all a long test session made
    assert stopped and stopped[0] - t0 < 1.5, (stopped[0] - t0 if stopped else None, closed)
    assert closed < 10.0


def test_settings_keep_geometry_tab_and_choices(qtbot, make_window, workspace, qsettings):
    window = make_window(workspace)
    window.show()
    window.resize(1150, 640)
    qtbot.wait(20)
    window.select_tab("preparation")
    window.preparation_tab.missing_combo.setCurrentText("median")
    window.close()
    again = make_window(workspace)
    again.show()
    assert again.tabs.currentIndex() == 1
    assert again.size().height() == 640  # (the offscreen screen is 800 px wide: width is clamped)
    assert again.preparation_tab.missing_combo.currentText() == "median"


def test_train_with_fills_the_form_and_starts(qtbot, make_window, workspace):
    info = workspace.import_sample("iris")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    train = window.training_tab.train_view
    with qtbot.waitSignal(train.sig_training_ended, timeout=30000) as ended:
        assert train.train_with(info.id, "species", "random_forest", {"n_estimators": 15, "max_depth": 3})
    assert ended.args == ["completed"], window.errors_seen
    config = workspace.list_jobs()[0].config
    assert config["algorithm"] == "random_forest"
    assert (config["hyperparameters"]["n_estimators"], config["hyperparameters"]["max_depth"]) == (15, 3)
    assert train.metric_counts[("log_loss", "train")] > 0


def test_drag_and_drop_of_a_file_imports_it(qtbot, make_window, workspace, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    path = tmp_path / "dropped.csv"
    path.write_text("x,y\n1,a\n2,b\n3,a\n", encoding="utf-8")
    ignored = tmp_path / "notes.md"
    ignored.write_text("# not a table\n", encoding="utf-8")
    window = make_window(workspace)
    tab = window.datasets_tab
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)), QUrl.fromLocalFile(str(ignored))])
    enter = QDragEnterEvent(QPointF(5, 5).toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    tab.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(tab.sig_dataset_loaded, timeout=5000):
        tab.dropEvent(drop)
    assert [d.name for d in workspace.list_datasets()] == ["dropped.csv"]
    assert tab.model.rowCount() == 3


def test_preparation_job_can_be_cancelled(qtbot, make_window, workspace, monkeypatch):
    workspace.import_sample("iris")

    def slow_clean(dataset_id, ctx=None, **kwargs):
        while True:
            ctx.check_cancelled()
            time.sleep(0.002)

    monkeypatch.setattr(workspace, "clean", slow_clean)
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    prep = window.preparation_tab
    assert not prep.cancel_button.isEnabled()
    prep.run_clean(save=False)
    assert prep.cancel_button.isEnabled()
    t0 = time.perf_counter()
    prep.cancel_button.click()
    _wait_idle(qtbot, window, timeout=2000)
    assert time.perf_counter() - t0 < 1.0
    assert prep.clean_result.text() == "Cancelled."
    assert not prep.cancel_button.isEnabled()
