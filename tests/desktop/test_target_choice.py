"""The target the forms start with: the saved one, a marked suggestion, or an empty highlighted choice."""

from __future__ import annotations

import pandas as pd

from desktop.widgets.dataset_picker import CHOOSE_TARGET, SUGGESTED_NOTE


def _wait_idle(qtbot, window, timeout=30000):
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=timeout)


def _import(qtbot, window, path):
    with qtbot.waitSignal(window.datasets_tab.sig_dataset_loaded, timeout=30000):
        window.datasets_tab.import_file(path)
    _wait_idle(qtbot, window)


def _pickers(window):
    training = window.training_tab
    return {"training": training.train_view.picker, "preparation": window.preparation_tab.picker,
            "compare": training.compare_view.data.picker, "tune": training.tune_view.data.picker}


def test_a_churn_file_suggests_churn_never_the_last_column(qtbot, make_window, workspace, tmp_path):
    path = tmp_path / "telco.csv"
    pd.DataFrame({"customer_id": [f"c{i}" for i in range(40)], "tenure": range(40),
                  "churn": ["yes", "no"] * 20, "total_charges": [float(i) * 3.5 for i in range(40)]}).to_csv(path, index=False)
    window = make_window(workspace)
    _import(qtbot, window, path)
    for name, picker in _pickers(window).items():
        assert picker.target() == "churn", name
        assert picker.target_choice == "suggested" and picker.target_note.text() == SUGGESTED_NOTE, name
    assert window.datasets_tab.target_combo.currentText() == "churn"
    assert window.datasets_tab.target_label.text() == "Target column (suggested):"
    view = window.training_tab.train_view
    qtbot.waitUntil(lambda: view.task_combo.currentText() == "classification", timeout=30000)


def test_no_target_like_column_leaves_an_empty_highlighted_choice(qtbot, make_window, workspace, tmp_path):
    path = tmp_path / "diamonds.csv"
    pd.DataFrame({"carat": [0.2, 0.3, 0.4] * 10, "cut": ["Ideal", "Good", "Fair"] * 10,
                  "price": range(30)}).to_csv(path, index=False)
    window = make_window(workspace)
    _import(qtbot, window, path)
    view = window.training_tab.train_view
    for name, picker in _pickers(window).items():
        assert picker.target() is None and picker.target_combo.currentIndex() == -1, name
        assert picker.target_combo.placeholderText() == CHOOSE_TARGET, name
        assert "border" in picker.target_combo.styleSheet(), name
    assert window.datasets_tab.target_combo.currentIndex() == -1  # not the first column
    assert not view.start_button.isEnabled()
    assert view.start_training() is None

    # "Use as target" in the Datasets tab reaches every form at once
    window.datasets_tab.target_combo.setCurrentText("price")
    with qtbot.waitSignal(window.datasets_tab.sig_target_set, timeout=30000):  # the profile is recomputed in a worker
        window.datasets_tab.set_target("price")
    for name, picker in _pickers(window).items():
        assert picker.target() == "price" and picker.target_choice == "saved", name
        assert picker.target_combo.styleSheet() == "" and not picker.target_note.isVisibleTo(picker), name
    # Start waits for the task of the new target: the shown task may still be the old one
    assert not view.start_button.isEnabled()
    assert not window.training_tab.compare_view.start_button.isEnabled()
    qtbot.waitUntil(lambda: view.start_button.isEnabled(), timeout=30000)
    assert view.task_combo.currentText() == "regression"
    qtbot.waitUntil(lambda: window.training_tab.compare_view.start_button.isEnabled(), timeout=30000)


def test_use_as_target_replaces_a_suggestion_in_every_form(qtbot, make_window, workspace, tmp_path):
    path = tmp_path / "telco.csv"
    pd.DataFrame({"tenure": range(20), "churn": ["yes", "no"] * 10, "plan": ["a", "b", "c", "d"] * 5}).to_csv(path, index=False)
    window = make_window(workspace)
    _import(qtbot, window, path)
    with qtbot.waitSignal(window.datasets_tab.sig_target_set, timeout=30000):  # the profile is recomputed in a worker
        window.datasets_tab.set_target("plan")
    for name, picker in _pickers(window).items():
        assert picker.target() == "plan", name
    _wait_idle(qtbot, window)


def test_curves_of_another_dataset_are_cleared_when_a_new_file_is_imported(qtbot, make_window, workspace, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    pd.DataFrame({"x": range(30), "label": ["a", "b", "c"] * 10}).to_csv(first, index=False)
    pd.DataFrame({"z": range(30), "target": [1.5 * i for i in range(30)]}).to_csv(second, index=False)
    window = make_window(workspace)
    _import(qtbot, window, first)
    view = window.training_tab.train_view
    view._shown_dataset = view.picker.dataset_id()  # as after a run on the first file
    view.loss_plot.add_points("train log_loss", [1, 2, 3], [0.9, 0.6, 0.5])
    view.result_label.setText("Completed: test accuracy 0.91")
    view.progress.setValue(1000)
    _import(qtbot, window, second)
    assert view.picker.info().name == "second.csv"
    assert view.loss_plot.curves == {} and view.result_label.text() == "" and view.progress.value() == 0


def test_the_target_header_fits_after_use_as_target(qtbot, make_window, workspace, tmp_path):
    from PySide6.QtCore import Qt

    path = tmp_path / "hr.csv"
    pd.DataFrame({"a_rather_long_column_name_for_attrition": ["Yes", "No"] * 10, "x": range(20)}).to_csv(path, index=False)
    window = make_window(workspace)
    _import(qtbot, window, path)
    tab = window.datasets_tab
    with qtbot.waitSignal(tab.sig_target_set, timeout=30000):  # the profile is recomputed in a worker
        tab.set_target("x")
    header = tab.preview.horizontalHeader()
    title = tab.model.headerData(1, Qt.Orientation.Horizontal)
    assert title == "x (target)"
    assert tab.preview.columnWidth(1) >= header.fontMetrics().horizontalAdvance(title) + 16
    item = tab.profile.columns.item(0)
    assert item.toolTip() == item.text() and item.text().startswith("a_rather_long_column_name_for_attrition")


def test_use_as_target_reprofiles_in_a_worker_not_on_the_ui_thread(qtbot, make_window, workspace, tmp_path):
    import time

    import numpy as np
    from PySide6.QtCore import Qt

    rng = np.random.default_rng(0)
    rows = 1_000_000
    path = tmp_path / "big.parquet"
    pd.DataFrame({"a": rng.normal(size=rows), "b": rng.integers(0, 50, rows).astype(str),
                  "c": rng.normal(size=rows), "label": rng.integers(0, 2, rows)}).to_parquet(path)
    info = workspace.import_dataset(path, name="big", target="label")
    t0 = time.perf_counter()
    workspace.set_target(info.id, "label")  # what the tab used to do on the UI thread
    direct = time.perf_counter() - t0
    window = make_window(workspace)
    tab = window.datasets_tab
    qtbot.waitUntil(lambda: tab.current_dataset_id() == info.id and tab.model.rowCount() > 0, timeout=30000)
    _wait_idle(qtbot, window)
    with qtbot.waitSignal(tab.sig_target_set, timeout=60000) as saved:
        t0 = time.perf_counter()
        tab.set_target("c")
        call = time.perf_counter() - t0
        assert not tab.set_target_button.isEnabled()  # one change at a time
    print(f"set_target on {rows:,} rows: {direct:.3f} s in the service, {call * 1000:.1f} ms on the UI thread")
    assert call < direct / 3, (call, direct)  # the UI thread only started the work
    assert saved.args == [info.id]
    assert workspace.get_dataset(info.id).target_column == "c" and tab._info.target_column == "c"
    assert tab.model.headerData(2, Qt.Orientation.Horizontal) == "c (target)"
    _wait_idle(qtbot, window)
    assert tab.set_target_button.isEnabled()
