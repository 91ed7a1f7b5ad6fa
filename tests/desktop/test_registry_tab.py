"""Registry tab over a real Workspace: versions, deploy, stages, history, compare, A/B, predict, export."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from desktop.tabs.registry.common import STATUS_COLORS
from test_evaluation_tab import shared_template


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory):
    return shared_template(tmp_path_factory)


@pytest.fixture
def prepared(registry_template, tmp_path):
    from mlcore.workspace import Workspace

    src, ids = registry_template
    home = tmp_path / "ws"
    shutil.copytree(src, home)
    ws = Workspace(home)
    yield ws, ids
    ws.close()


def _click(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def _new_rows(ws, ids, path, n=80, with_user=True):
    frame = ws.load_frame(ids["bc"]).drop(columns=["diagnosis"]).head(n).copy()
    if with_user:
        frame.insert(0, "user_id", [f"u{i:03d}" for i in range(n)])
    frame.to_csv(path, index=False)
    return frame


def test_versions_table_deploy_and_stage_changes(qtbot, make_window, prepared, monkeypatch):
    ws, ids = prepared
    window = make_window(ws)
    panel = window.registry_tab.versions
    rows = _rows(panel.table)
    assert [(r[0], r[1], r[4]) for r in rows] == [("bc", "1.1.0", "staged"), ("bc", "1.0.0", "production")]
    assert rows[1][2] == "logistic" and rows[1][5].startswith("accuracy 0.9")
    assert panel.table.item(1, 4).foreground().color().name() == STATUS_COLORS["production"]

    # deploy through the dialog: a new version, promoted at once
    _click(qtbot, panel.deploy_button)
    dialog = panel.deploy_dialog
    assert dialog.isVisible() and dialog.job_combo.count() == 2  # the completed jobs, newest first
    assert dialog.job_combo.currentData() == ids["reg"] and dialog.name_edit.currentText() == "bc"
    dialog.job_combo.setCurrentIndex(dialog.job_combo.findData(ids["job"]))
    dialog.name_edit.setCurrentText("bc")
    dialog.version_edit.setText("2.0.0")
    dialog.tags_edit.setText("gui, second")
    dialog.promote_check.setChecked(True)
    with qtbot.waitSignal(panel.sig_deployed, timeout=30000) as deployed:
        _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    info = deployed.args[0]
    assert (info.version, info.status, info.tags) == ("2.0.0", "production", ["gui", "second"])
    statuses = {(r[1]): r[4] for r in _rows(panel.table)}
    assert statuses == {"2.0.0": "production", "1.1.0": "staged", "1.0.0": "archived"}
    assert [v.id for v in panel.selected()] == [info.id]
    history = _rows(panel.history_table)
    assert history[0][1:4] == ["2.0.0", "staged", "production"]
    assert any(h[1] == "1.0.0" and h[3] == "archived" for h in history)

    # a "no" to the confirmation changes nothing
    monkeypatch.setattr("desktop.services.ask_yes_no", lambda *a: False)
    assert panel.change_stage("demote") is None
    assert ws.get_model(info.id).status == "production"
    monkeypatch.setattr("desktop.services.ask_yes_no", lambda *a: True)
    panel.reason_edit.setText("checking the demote button")
    _click(qtbot, panel.demote_button)
    assert ws.get_model(info.id).status == "staged"
    assert _rows(panel.history_table)[0][4] == "checking the demote button"

    # roll back to 1.0.0, then promote 1.1.0, then archive it
    panel.select_version(ids["v1"])
    _click(qtbot, panel.rollback_button)
    assert ws.production_model("bc").version == "1.0.0"
    panel.select_version(ids["v2"])
    _click(qtbot, panel.promote_button)
    assert ws.production_model("bc").version == "1.1.0"
    assert ws.get_model(ids["v1"]).status == "archived"
    _click(qtbot, panel.archive_button)
    assert ws.get_model(ids["v2"]).status == "archived"
    assert dict((r[1], r[4]) for r in _rows(panel.table))["1.1.0"] == "archived"
    assert window.errors_seen == []


def test_compare_selected_versions(qtbot, make_window, prepared):
    ws, ids = prepared
    window = make_window(ws)
    panel = window.registry_tab.versions
    panel.compare_dataset.setCurrentIndex(panel.compare_dataset.findData(ids["diabetes"]))  # unrelated
    panel.select_version(ids["v1"])
    panel.select_version(ids["v2"], add=True)
    assert {v.id for v in panel.selected()} == {ids["v1"], ids["v2"]}
    # the versions' own dataset is the default, whatever the list shows first or last
    assert panel.compare_dataset.currentData() == ids["bc"] == ws.get_model(ids["v1"]).dataset_id
    with qtbot.waitSignal(panel.sig_compared, timeout=30000) as compared:
        _click(qtbot, panel.compare_button)
    rows = compared.args[0]
    # on their own training data, versions are compared on their held-out test rows
    assert len(rows) == 2 and all(r["rows"] < 569 and r["rows_used"] == "held-out test rows" for r in rows)
    table = _rows(panel.compare_table)
    headers = [panel.compare_table.horizontalHeaderItem(c).text() for c in range(panel.compare_table.columnCount())]
    col = headers.index("accuracy")
    expected = ws.compare_versions([ids["v1"]], ids["bc"])[0]["metrics"]["accuracy"]
    assert all(r[col].startswith(f"{expected:.4f}") for r in table)
    assert "[" in table[0][col]  # the interval follows the value


def test_predict_panel_drop_warnings_preview_and_save(qtbot, make_window, prepared, tmp_path):
    ws, ids = prepared
    window = make_window(ws)
    panel = window.registry_tab.predict
    source = tmp_path / "new_rows.csv"
    frame = _new_rows(ws, ids, source, n=60)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(source))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    assert panel.file_edit.text() == str(source)
    qtbot.waitUntil(lambda: panel.user_combo.count() > 1, timeout=10000)
    assert panel.user_combo.currentText() == "user_id"

    panel.set_mode("production")
    assert panel.name_combo.currentText() == "bc"
    with qtbot.waitSignal(panel.sig_predicted, timeout=30000) as predicted:
        _click(qtbot, panel.predict_button)
    result = predicted.args[0]
    assert result["rows"] == 60 and result["version"] == "1.0.0"
    assert panel.preview_model.rowCount() == 60
    cols = list(panel.preview_model.frame.columns)
    # what was predicted comes first: prediction, the class probabilities, then the input columns
    assert cols[0] == "prediction" and all(c.startswith("proba_") for c in cols[1:3])
    assert cols[3:] == list(frame.columns)
    warnings = [panel.warnings_list.item(i).text() for i in range(panel.warnings_list.count())]
    assert any("user_id" in w and "not used by the model" in w for w in warnings)
    assert panel.progress.value() == 1000
    expected = ws.predict_file(source, name="bc")["frame"]["prediction"].tolist()
    assert panel.result["frame"]["prediction"].tolist() == expected

    for suffix in (".xlsx", ".parquet"):
        out = tmp_path / f"predictions{suffix}"
        with qtbot.waitSignal(panel.sig_saved, timeout=30000):
            panel.save_result(str(out))
        back = pd.read_excel(out) if suffix == ".xlsx" else pd.read_parquet(out)
        assert len(back) == 60 and back["prediction"].astype(str).tolist() == [str(v) for v in expected]


def test_ab_panel_create_count_outcomes_analyse_promote(qtbot, make_window, prepared, tmp_path, monkeypatch):
    ws, ids = prepared
    window = make_window(ws)
    ab = window.registry_tab.ab
    ab.a_combo.setCurrentIndex(ab.a_combo.findData(ids["v1"]))
    ab.b_combo.setCurrentIndex(ab.b_combo.findData(ids["v2"]))
    ab.name_edit.setText("bc-ab")
    ab.split_slider.setValue(30)
    assert ab.split_label.text() == "A 30% / B 70%"
    _click(qtbot, ab.create_button)
    assert _rows(ab.table)[0][:5] == ["bc-ab", "bc 1.0.0", "bc 1.1.0", "30% / 70%", "running"]

    source = tmp_path / "users.csv"
    _new_rows(ws, ids, source, n=400)
    result = ws.predict_file(source, ab_test_name="bc-ab", user_column="user_id")
    ab.refresh()
    assert ab.counts("bc-ab") == result["arms"]
    assert _rows(ab.table)[0][5:7] == [str(result["arms"]["A"]), str(result["arms"]["B"])]

    # outcomes: arm B converts far more often than arm A
    arms = result["frame"][["user_id", "arm"]]
    rng = np.random.default_rng(0)
    outcome = np.where(arms["arm"] == "B", rng.random(len(arms)) < 0.6, rng.random(len(arms)) < 0.2).astype(int)
    outcomes = tmp_path / "outcomes.csv"
    pd.DataFrame({"user_id": arms["user_id"], "outcome": outcome}).to_csv(outcomes, index=False)
    monkeypatch.setattr("desktop.tabs.registry.files.ask_open_file", lambda *a: str(outcomes))
    with qtbot.waitSignal(ab.sig_analysed, timeout=30000) as analysed:
        _click(qtbot, ab.outcomes_button)
    analysis = analysed.args[0]
    assert "400 outcome rows read; 400 predictions matched" in ab.action_note.text()
    assert analysis["winner"] == "B" and analysis["p_value"] < 0.001
    stats = dict((r[0], r[1]) for r in _rows(ab.stats_table))
    assert stats["winner"] == "B" and stats["test"] == "two_proportion_ztest"
    assert stats["lift (B vs A)"] == f"{analysis['lift']:+.1%}"
    arm_rows = _rows(ab.analysis_table)
    a_rate = outcome[arms["arm"].to_numpy() == "A"].mean()
    assert arm_rows[0][3] == f"{a_rate:.4f}" and "–" in arm_rows[0][4]
    assert "Winner: arm B" in ab.verdict_label.text()
    assert "as planned" in ab.srm_label.text()

    _click(qtbot, ab.promote_button)
    assert ws.production_model("bc").version == "1.1.0"
    assert _rows(ab.table)[0][4:8] == ["stopped", str(result["arms"]["A"]), str(result["arms"]["B"]), "B"]
    assert not ab.stop_button.isEnabled()
    assert window.errors_seen == []


def test_ab_sample_ratio_warning_and_stop(qtbot, make_window, prepared, tmp_path):
    ws, ids = prepared
    ws.create_ab_test(ids["v1"], ids["v2"], "skewed", 0.5)
    window = make_window(ws)
    ab = window.registry_tab.ab
    ab.refresh()
    ab.select_test("skewed")
    # every row comes from one user: all land in one arm, far from the planned 50/50
    source = tmp_path / "one_user.csv"
    frame = _new_rows(ws, ids, source, n=120)
    frame["user_id"] = "same-user"
    frame.to_csv(source, index=False)
    ws.predict_file(source, ab_test_name="skewed", user_column="user_id")
    with qtbot.waitSignal(ab.sig_analysed, timeout=30000):
        _click(qtbot, ab.analyse_button)
    assert "Sample ratio mismatch" in ab.srm_label.text()
    assert "no outcomes" in ab.verdict_label.text().lower()
    _click(qtbot, ab.stop_button)
    assert ws.get_ab_test("skewed").status == "stopped"


def test_export_panel_formats_and_onnx_parity(qtbot, make_window, prepared, tmp_path, monkeypatch):
    ws, ids = prepared
    window = make_window(ws)
    panel = window.registry_tab.export
    panel.version_combo.setCurrentIndex(panel.version_combo.findData(ids["v1"]))
    folder = tmp_path / "exports"
    monkeypatch.setattr("desktop.tabs.registry.files.ask_folder", lambda *a: str(folder))
    _click(qtbot, panel.browse_button)
    assert panel.folder_edit.text() == str(folder)
    for fmt, check in panel.format_checks.items():
        check.setChecked(fmt in ("joblib", "onnx", "card"))
    with qtbot.waitSignal(panel.sig_exported, timeout=60000) as exported:
        _click(qtbot, panel.export_button)
    results = exported.args[0]
    assert [r["format"] for r in results] == ["joblib", "onnx", "card"]
    for r in results:
        assert (folder / r["path"].split("/")[-1]).exists()
    onnx = results[1]
    assert onnx["ok"] and onnx["label_agreement"] == 1.0
    assert "label agreement 100.0%" in panel.parity_label.text() and "OK" in panel.parity_label.text()
    assert _rows(panel.table)[1][2] == "parity OK"
    card = (folder / "bc-1.0.0.md").read_text(encoding="utf-8")
    assert "bc" in card and "1.0.0" in card and "logistic" in card


def test_export_keeps_going_when_one_format_fails(qtbot, make_window, prepared, tmp_path, monkeypatch):
    from mlcore.errors import ConfigError

    ws, ids = prepared
    window = make_window(ws)
    panel = window.registry_tab.export
    real = ws.export_model

    def export_model(key, fmt, output, ctx=None):
        if fmt == "skops":
            raise ConfigError("skops cannot hold this model (test)")
        return real(key, fmt, output, ctx=ctx)

    monkeypatch.setattr(ws, "export_model", export_model)
    panel.version_combo.setCurrentIndex(panel.version_combo.findData(ids["v2"]))
    panel.folder_edit.setText(str(tmp_path / "out"))
    for fmt, check in panel.format_checks.items():
        check.setChecked(fmt in ("skops", "card"))
    with qtbot.waitSignal(panel.sig_exported, timeout=30000):
        _click(qtbot, panel.export_button)
    rows = _rows(panel.table)
    assert rows[0][0] == "skops" and rows[0][2] == "failed: skops cannot hold this model (test)"
    assert rows[1][0] == "card" and (tmp_path / "out" / "bc-1.1.0.md").exists()
    assert window.errors_seen[-1] == ("Cannot do that", "skops cannot hold this model (test)")
    assert panel.parity_label.text() == "ONNX parity: not exported this time."


def test_ab_panel_pairs_b_with_another_version_of_a(qtbot, make_window, prepared):
    ws, ids = prepared
    window = make_window(ws)
    ab = window.registry_tab.ab
    ab.a_combo.setCurrentIndex(ab.a_combo.findData(ids["v2"]))
    assert ab.b_combo.currentData() == ids["v1"]
    ab.a_combo.setCurrentIndex(ab.a_combo.findData(ids["v1"]))
    assert ab.b_combo.currentData() == ids["v2"]
    ab.name_edit.setText("bad name!")
    assert ab.create_test() is None
    assert window.errors_seen and "bad name!" in window.errors_seen[-1][1]


def test_the_confirmation_of_a_stage_change_confirms_on_enter(qtbot, make_window, prepared, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from desktop.services import confirmation_box

    ws, ids = prepared
    window = make_window(ws)
    asked = []
    monkeypatch.setattr("desktop.services.ask_yes_no", lambda *args: asked.append(args) or False)
    panel = window.registry_tab.versions
    panel.select_version(ids["v2"])
    assert panel.change_stage("promote") is None
    assert asked[-1][3] == "Promote"
    box = confirmation_box(None, "Promote model version", "Make it production?", "Promote")
    qtbot.addWidget(box)
    assert box.defaultButton().text() == "Promote"
    assert box.buttonRole(box.defaultButton()) == QMessageBox.ButtonRole.AcceptRole
    plain = confirmation_box(None, "Delete dataset", "Delete it?")
    qtbot.addWidget(plain)
    assert plain.standardButton(plain.defaultButton()) == QMessageBox.StandardButton.No


def test_versions_table_shows_metrics_at_the_chosen_threshold(qtbot, make_window, prepared, tmp_path):
    ws, ids = prepared
    at_half = ws.get_model("bc:1.0.0").metrics["accuracy"]
    info = ws.set_model_threshold("bc:1.0.0", 0.97)
    assert info.metrics["accuracy"] != at_half  # the fixture's threshold moves it
    window = make_window(ws)
    table = window.registry_tab.versions.table
    shown = {table.item(r, 1).text(): table.item(r, 5).text() for r in range(table.rowCount())}
    assert shown["1.0.0"] == f"accuracy {info.metrics['accuracy']:.4f} at 0.97 (0.5: {at_half:.4f})"
    assert " at " not in shown["1.1.0"]
    window.resize(1300, 800)
    window.registry_tab.versions.grab().save(str(tmp_path / "registry_threshold.png"))
