"""The whole flow through the widgets only, over a real Workspace.

sample dataset → train → evaluate → deploy → promote → predict a file → export ONNX; and an A/B
flow: create a test, predict with a user-id column, record outcomes, analyse, promote the winner.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
from PySide6.QtCore import QPoint, Qt

from test_evaluation_tab import shared_template


def _click(qtbot, button):
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _choose(qtbot, radio):
    """Click a radio button on its indicator (the middle of a wide one is not part of it)."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked(), radio.text()


def _wait_idle(qtbot, window, timeout=30000):
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=timeout)


def _cell(table, row, header):
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    return table.item(row, headers.index(header)).text()


def test_sample_train_evaluate_deploy_promote_predict_export(qtbot, make_window, workspace, tmp_path, monkeypatch):
    window = make_window(workspace)
    dialogs = "desktop.tabs.registry.files"

    # 1. a sample dataset, from the File menu
    window.samples_menu.aboutToShow.emit()  # the menu lists the samples when it opens
    action = next(a for a in window.samples_menu.actions() if a.text().startswith("Breast cancer"))
    with qtbot.waitSignal(window.datasets_tab.sig_dataset_loaded, timeout=30000):
        action.trigger()
    dataset = workspace.list_datasets()[0]
    assert (dataset.rows, dataset.target_column) == (569, "diagnosis")

    # 2. train a small, fast model
    window.select_tab("training")
    view = window.training_tab.train_view
    _wait_idle(qtbot, window)
    assert view.task_combo.currentText() == "classification"
    view.algorithm_combo.setCurrentIndex(view.algorithm_combo.findData("logistic"))
    with qtbot.waitSignal(view.sig_training_ended, timeout=60000) as ended:
        _click(qtbot, view.start_button)
    assert ended.args == ["completed"], window.errors_seen
    job = workspace.list_jobs()[0]

    # 3. evaluate it
    window.select_tab("evaluation")
    evaluation = window.evaluation_tab
    evaluation.source_combo.setCurrentIndex(evaluation.source_combo.findData(job.id))
    evaluation.boot_spin.setValue(200)
    with qtbot.waitSignal(evaluation.sig_evaluated, timeout=30000) as evaluated:
        _click(qtbot, evaluation.evaluate_button)
    accuracy = evaluated.args[0].result.metrics["accuracy"]
    assert accuracy == job.results["evaluation"]["test"]["metrics"]["accuracy"]
    assert evaluation.metrics_table.item(0, 0).text() == "accuracy"
    assert evaluation.metrics_table.item(0, 1).text() == f"{accuracy:.4f}"
    assert evaluation.figure_view.canvas is not None

    # 4. deploy through the dialog, 5. promote with the button
    window.select_tab("registry")
    registry = window.registry_tab
    versions = registry.versions
    _click(qtbot, versions.deploy_button)
    dialog = versions.deploy_dialog
    assert dialog.job_combo.currentData() == job.id
    dialog.name_edit.setCurrentText("cancer")
    dialog.description_edit.setPlainText("logistic regression from the GUI test")
    with qtbot.waitSignal(versions.sig_deployed, timeout=30000) as deployed:
        _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    model = deployed.args[0]
    assert (model.name, model.version, model.status) == ("cancer", "1.0.0", "staged")
    assert versions.table.item(0, 4).text() == "staged"
    _click(qtbot, versions.promote_button)
    assert versions.table.item(0, 4).text() == "production"
    assert workspace.production_model("cancer").id == model.id

    # 6. predict a file with the production version of the name, save the result
    new_rows = tmp_path / "new_rows.csv"
    workspace.load_frame(dataset.id).drop(columns=["diagnosis"]).sample(50, random_state=3).to_csv(new_rows, index=False)
    registry.show_view("predict")
    predict = registry.predict
    monkeypatch.setattr(f"{dialogs}.ask_open_file", lambda *a: str(new_rows))
    _click(qtbot, predict.browse_button)
    _choose(qtbot, predict.production_radio)
    assert predict.mode() == "production"
    assert predict.name_combo.currentText() == "cancer"
    with qtbot.waitSignal(predict.sig_predicted, timeout=30000) as predicted:
        _click(qtbot, predict.predict_button)
    assert predicted.args[0]["rows"] == 50 and predicted.args[0]["model_name"] == "cancer"
    assert predict.preview_model.rowCount() == 50
    out = tmp_path / "predictions.csv"
    monkeypatch.setattr(f"{dialogs}.ask_save_file", lambda *a: str(out))
    with qtbot.waitSignal(predict.sig_saved, timeout=30000):
        _click(qtbot, predict.save_button)
    written = pd.read_csv(out)
    assert len(written) == 50 and set(written["prediction"]) <= {"benign", "malignant"}

    # 7. export ONNX, with the parity result shown
    registry.show_view("export")
    export = registry.export
    assert export.version_combo.currentData() == model.id
    for fmt, check in export.format_checks.items():
        check.setChecked(fmt == "onnx")
    folder = tmp_path / "exported"
    monkeypatch.setattr(f"{dialogs}.ask_folder", lambda *a: str(folder))
    _click(qtbot, export.browse_button)
    with qtbot.waitSignal(export.sig_exported, timeout=60000) as exported:
        _click(qtbot, export.export_button)
    onnx = exported.args[0][0]
    assert onnx["ok"] and (folder / "cancer-1.0.0.onnx").exists()
    assert "label agreement 100.0%" in export.parity_label.text()
    _wait_idle(qtbot, window)
    assert window.errors_seen == []


def test_ab_flow_through_the_widgets(qtbot, make_window, tmp_path_factory, tmp_path, monkeypatch):
    from mlcore.workspace import Workspace

    src, ids = shared_template(tmp_path_factory)
    shutil.copytree(src, tmp_path / "ws")
    workspace = Workspace(tmp_path / "ws")
    try:
        _ab_flow(qtbot, make_window(workspace), workspace, ids, tmp_path, monkeypatch)
    finally:
        workspace.close()


def _ab_flow(qtbot, window, workspace, ids, tmp_path, monkeypatch):
    dialogs = "desktop.tabs.registry.files"
    window.select_tab("registry")
    registry = window.registry_tab
    registry.show_view("ab")
    ab = registry.ab

    # create the test: 1.0.0 against 1.1.0, 40% of the users to A
    ab.a_combo.setCurrentIndex(ab.a_combo.findData(ids["v1"]))
    ab.b_combo.setCurrentIndex(ab.b_combo.findData(ids["v2"]))
    ab.name_edit.setText("bc-test")
    ab.split_slider.setValue(40)
    _click(qtbot, ab.create_button)
    assert ab.table.item(0, 0).text() == "bc-test" and _cell(ab.table, 0, "Split A/B") == "40% / 60%"

    # predict a file through the test, users by their id column; the counts follow
    users = tmp_path / "users.csv"
    frame = workspace.load_frame(ids["bc"]).drop(columns=["diagnosis"]).head(300).copy()
    frame.insert(0, "customer_id", [f"c{i}" for i in range(300)])
    frame.to_csv(users, index=False)
    registry.show_view("predict")
    predict = registry.predict
    monkeypatch.setattr(f"{dialogs}.ask_open_file", lambda *a: str(users))
    _click(qtbot, predict.browse_button)
    qtbot.waitUntil(lambda: predict.user_combo.findText("customer_id") >= 0, timeout=10000)
    _choose(qtbot, predict.ab_radio)
    assert predict.ab_combo.currentText() == "bc-test"
    predict.user_combo.setCurrentText("customer_id")
    with qtbot.waitSignal(predict.sig_predicted, timeout=30000) as predicted:
        _click(qtbot, predict.predict_button)
    arms = predicted.args[0]["arms"]
    assert arms["A"] + arms["B"] == 300 and 80 < arms["A"] < 160
    assert "arm A" in predict.summary.text()
    registry.show_view("ab")
    assert _cell(ab.table, 0, "Predictions A") == str(arms["A"])
    assert _cell(ab.table, 0, "Predictions B") == str(arms["B"])

    # outcomes from a file: arm B does better
    result = predict.result["frame"]
    rng = np.random.default_rng(1)
    success = np.where(result["arm"] == "A", rng.random(300) < 0.3, rng.random(300) < 0.7).astype(int)
    outcomes = tmp_path / "outcomes.csv"
    pd.DataFrame({"user_id": result["customer_id"], "outcome": success}).to_csv(outcomes, index=False)
    monkeypatch.setattr(f"{dialogs}.ask_open_file", lambda *a: str(outcomes))
    with qtbot.waitSignal(ab.sig_analysed, timeout=30000) as analysed:
        _click(qtbot, ab.outcomes_button)
    analysis = analysed.args[0]
    assert analysis["winner"] == "B" and analysis["lift"] > 0
    assert analysis["rows"] == arms and not analysis["srm"]["mismatch"]
    assert "Winner: arm B" in ab.verdict_label.text()
    stats = {ab.stats_table.item(r, 0).text(): ab.stats_table.item(r, 1).text() for r in range(ab.stats_table.rowCount())}
    assert float(stats["p-value"]) == float(f"{analysis['p_value']:.4g}")

    # promote the winner: the test stops, version 1.1.0 becomes production
    _click(qtbot, ab.promote_button)
    assert workspace.get_ab_test("bc-test").status == "stopped" and workspace.get_ab_test("bc-test").winner == "B"
    assert workspace.production_model("bc").id == ids["v2"]
    registry.show_view("versions")
    versions = registry.versions
    assert {versions.table.item(r, 1).text(): versions.table.item(r, 4).text()
            for r in range(versions.table.rowCount())} == {"1.1.0": "production", "1.0.0": "archived"}
    history = versions.history_table
    assert history.item(0, 1).text() == "1.1.0" and history.item(0, 4).text() == "winner of A/B test bc-test"
    _wait_idle(qtbot, window)
    assert window.errors_seen == []
