"""Evaluation tab over a real Workspace: metrics with intervals, plots, worst rows, threshold, report."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytest.importorskip("matplotlib")


def build_template(home) -> dict[str, str]:
    """A workspace with a binary classifier (job + two versions) and a regression job; ids returned."""
    from mlcore.workspace import Workspace

    with Workspace(home) as ws:
        bc = ws.import_sample("breast_cancer")
        job = ws.train({"dataset_id": bc.id, "algorithm": "logistic", "seed": 0})
        v1 = ws.deploy(job.id, "bc", promote_to_production=True)
        v2 = ws.deploy(job.id, "bc", version="1.1.0", description="same job, second version", tags=["b"])
        diabetes = ws.import_sample("diabetes")
        reg = ws.train({"dataset_id": diabetes.id, "algorithm": "ridge", "seed": 0})
        return {"bc": bc.id, "job": job.id, "v1": v1.id, "v2": v2.id, "diabetes": diabetes.id, "reg": reg.id}


_TEMPLATE: dict[str, tuple] = {}


def shared_template(tmp_path_factory) -> tuple:
    """The template workspace, built once per test session (the registry tests use it too)."""
    if "template" not in _TEMPLATE:
        home = tmp_path_factory.mktemp("desktop-template") / "ws"
        _TEMPLATE["template"] = (home, build_template(home))
    return _TEMPLATE["template"]


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    return shared_template(tmp_path_factory)


@pytest.fixture
def prepared(template, tmp_path):
    """A fresh copy of the template workspace (each test may change it)."""
    from mlcore.workspace import Workspace

    src, ids = template
    home = tmp_path / "ws"
    shutil.copytree(src, home)
    ws = Workspace(home)
    yield ws, ids
    ws.close()


def _evaluate(qtbot, tab, key, split="test", n_boot=200):
    assert tab.choose_source(key)
    tab.split_combo.setCurrentText(split)
    tab.boot_spin.setValue(n_boot)
    with qtbot.waitSignal(tab.sig_evaluated, timeout=30000) as evaluated:
        qtbot.mouseClick(tab.evaluate_button, Qt.MouseButton.LeftButton)
    return evaluated.args[0]


def _table(table) -> dict[str, list[str]]:
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, table.columnCount())]
            for r in range(table.rowCount())}


def test_evaluation_of_a_binary_job(qtbot, make_window, prepared, tmp_path):
    ws, ids = prepared
    window = make_window(ws)
    tab = window.evaluation_tab
    bundle = _evaluate(qtbot, tab, ids["job"])
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=10000)
    expected = ws.evaluate(ids["job"], n_boot=50, importance=False).result.metrics
    rows = _table(tab.metrics_table)
    assert rows["accuracy"][0] == f"{expected['accuracy']:.4f}"
    assert rows["roc_auc"][0] == f"{expected['roc_auc']:.4f}"
    low, high = bundle.result.intervals["accuracy"]
    assert low <= expected["accuracy"] <= high
    assert rows["accuracy"][1] == f"{low:.4f} – {high:.4f}"
    assert rows["rows"][0] == "114"
    assert tab.metrics_table.item(0, 0).text() in bundle.result.headline

    # the first figure was built in the worker and drawn in an embedded canvas
    view = tab.figure_view
    assert view.kinds() == bundle.figure_kinds()
    assert {"confusion_matrix", "roc", "precision_recall", "calibration"} <= set(view.kinds())
    assert view.canvas is not None and view.canvas.figure is view.figure
    with qtbot.waitSignal(view.sig_figure_shown, timeout=10000) as shown:
        view.choose("roc")
    assert shown.args == ["roc"] and view.kind == "roc"
    assert "ROC" in view.figure.axes[0].get_title() or view.figure.axes[0].get_xlabel()
    png = tmp_path / "roc.png"
    assert tab.save_plot(str(png)) == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # worst predictions: the rows with the largest log loss first
    assert tab.worst_model.rowCount() == len(bundle.worst) == 20
    losses = bundle.worst["log_loss"].to_numpy()
    assert np.all(np.diff(losses) <= 1e-12)

    # the threshold slider recomputes precision/recall/F1 of the positive class
    assert tab.threshold_group.isVisibleTo(tab)
    panel = tab.threshold_panel
    panel.set_threshold(0.3)
    y = bundle.result.y_true == bundle.result.classes[1]
    pred = bundle.result.proba[:, 1] >= 0.3
    tp = int((y & pred).sum())
    assert panel.labels["precision"].text() == f"{tp / pred.sum():.4f}"
    assert panel.labels["recall"].text() == f"{tp / y.sum():.4f}"
    assert panel.labels["n_predicted_positive"].text() == str(int(pred.sum()))
    with qtbot.waitSignal(tab.sig_threshold_stored, timeout=3000):
        qtbot.mouseClick(panel.use_button, Qt.MouseButton.LeftButton)
    assert ws.get_job(ids["job"]).results["threshold"] == pytest.approx(0.3)

    # the HTML report is written in a worker
    report = tmp_path / "report.html"
    with qtbot.waitSignal(tab.sig_report_written, timeout=30000):
        tab.export_report(str(report))
    text = report.read_text(encoding="utf-8")
    assert "<html" in text.lower() and "accuracy" in text
    assert window.errors_seen == []


def test_export_report_button_asks_for_the_file(qtbot, make_window, prepared, tmp_path, monkeypatch):
    ws, ids = prepared
    window = make_window(ws)
    tab = window.evaluation_tab
    _evaluate(qtbot, tab, ids["v1"], split="train", n_boot=0)
    assert "train rows" in tab.summary.text()
    assert _table(tab.metrics_table)["rows"][0] == str(len(ws.job_split(ids["job"])["train"]))
    target = tmp_path / "asked.html"
    monkeypatch.setattr("desktop.tabs.registry.files.ask_save_file", lambda *a: str(target))
    with qtbot.waitSignal(tab.sig_report_written, timeout=30000):
        qtbot.mouseClick(tab.report_button, Qt.MouseButton.LeftButton)
    assert target.exists()


def test_regression_shows_residual_plots_and_no_threshold(qtbot, make_window, prepared):
    ws, ids = prepared
    window = make_window(ws)
    tab = window.evaluation_tab
    bundle = _evaluate(qtbot, tab, ids["reg"])
    rows = _table(tab.metrics_table)
    assert rows["r2"][0] == f"{bundle.result.metrics['r2']:.4f}"
    assert "–" in rows["rmse"][1]
    assert {"residuals", "predicted_vs_actual"} <= set(tab.figure_view.kinds())
    assert "roc" not in tab.figure_view.kinds()
    assert not tab.threshold_group.isVisibleTo(tab)
    other = "predicted_vs_actual" if tab.figure_view.kind == "residuals" else "residuals"
    with qtbot.waitSignal(tab.figure_view.sig_figure_shown, timeout=10000):
        tab.figure_view.choose(other)
    assert tab.figure_view.kind == other and tab.figure_view.figure.axes


def test_evaluating_on_a_dataset_without_the_target_shows_the_error(qtbot, make_window, prepared):
    ws, ids = prepared
    window = make_window(ws)
    tab = window.evaluation_tab
    tab.choose_source(ids["job"])
    tab.dataset_combo.setCurrentIndex(tab.dataset_combo.findData(ids["diabetes"]))
    assert not tab.split_combo.isEnabled()
    worker = tab.start_evaluation()
    qtbot.waitUntil(lambda: worker.status == "failed", timeout=30000)
    qtbot.waitUntil(lambda: tab.worker is None, timeout=3000)
    assert window.errors_seen and "diagnosis" in window.errors_seen[-1][1]
    assert tab.summary.text() == "Evaluation failed."
    assert tab.evaluate_button.isEnabled()


def test_a_cancelled_evaluation_leaves_the_tab_usable(qtbot, make_window, prepared):
    ws, ids = prepared
    window = make_window(ws)
    tab = window.evaluation_tab
    tab.choose_source(ids["job"])
    tab.boot_spin.setValue(10000)
    worker = tab.start_evaluation()
    assert tab.cancel_button.isEnabled() and not tab.evaluate_button.isEnabled()
    qtbot.mouseClick(tab.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.worker is None, timeout=3000)
    assert worker.status == "cancelled"
    assert tab.summary.text() == "Evaluation cancelled."
    assert tab.bundle is None and tab.metrics_table.rowCount() == 0
    assert tab.evaluate_button.isEnabled() and not tab.cancel_button.isEnabled()


def test_progress_reaches_100_only_when_shown_and_results_of_another_source_are_cleared(qtbot, make_window, prepared):
    ws, ids = prepared
    window = make_window(ws)
    tab = window.evaluation_tab
    assert tab.choose_source(ids["job"])
    tab.boot_spin.setValue(50)
    seen = []
    worker = tab.start_evaluation()
    worker.sig_progress.connect(lambda f, m: seen.append(tab.progress.value()))  # after the tab's own slot
    with qtbot.waitSignal(tab.sig_evaluated, timeout=30000):
        pass
    assert seen and max(seen) <= 900  # the figure and tables were still to come
    assert tab.progress.value() == 1000
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=10000)
    assert tab.summary.minimumHeight() >= 3 * tab.summary.fontMetrics().lineSpacing()  # no jump as it grows

    assert tab.metrics_table.rowCount() > 0
    assert tab.choose_source(ids["reg"])  # another job: the binary job's results go
    assert tab.metrics_table.rowCount() == 0 and tab.bundle is None and tab.summary.text() == ""
    assert not tab.report_button.isEnabled() and not tab.threshold_group.isVisibleTo(tab)
    # a long entry clipped in the closed combo is whole in its tooltip and its list
    assert tab.source_combo.toolTip() == tab.source_combo.currentText()
    view = tab.source_combo.view()
    assert view.minimumWidth() >= view.sizeHintForColumn(0)
