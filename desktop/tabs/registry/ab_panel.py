"""ABPanel: create A/B tests, watch live counts per arm, record outcomes, analyse, stop, promote the winner."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider, QSplitter,
    QVBoxLayout, QWidget,
)

from desktop.services import Services
from desktop.tabs.registry import files
from desktop.tabs.registry.common import DANGER_STYLE, fill_version_combo, fmt_interval, fmt_number, make_table, set_row, when
from desktop.workers import JobWorker

TEST_HEADERS = ["Test", "Model A", "Model B", "Split A/B", "Status", "Predictions A", "Predictions B", "Winner",
                "Created"]
REFRESH_MS = 2000


class ABPanel(QWidget):
    """A/B tests of two model versions; counts refresh on a timer while the panel is visible."""

    sig_tests_changed = Signal()
    sig_analysed = Signal(object)  # the analysis dict
    sig_outcomes_recorded = Signal(object)
    sig_models_changed = Signal()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.tests: list[Any] = []
        self.analysis: dict[str, Any] | None = None
        self._labels: dict[str, str] = {}
        self._versions: list[Any] = []

        create = QGroupBox("New A/B test")
        form = QFormLayout(create)
        self.a_combo = QComboBox()
        self.a_combo.currentIndexChanged.connect(lambda _i: self._pair_b())
        self.b_combo = QComboBox()
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. churn-v1-vs-v2")
        self.split_slider = QSlider(Qt.Orientation.Horizontal)
        self.split_slider.setRange(5, 95)
        self.split_slider.setSingleStep(5)
        self.split_slider.setPageStep(10)
        self.split_slider.setValue(50)
        self.split_label = QLabel()
        self.split_slider.valueChanged.connect(self._on_split)
        self._on_split(50)
        split_row = QHBoxLayout()
        split_row.addWidget(self.split_slider, 1)
        split_row.addWidget(self.split_label)
        self.create_button = QPushButton("Create test")
        self.create_button.setObjectName("primary")
        self.create_button.clicked.connect(self.create_test)
        form.addRow("Model A", self.a_combo)
        form.addRow("Model B", self.b_combo)
        form.addRow("Name", self.name_edit)
        form.addRow("Users to A", split_row)
        form.addRow(self.create_button)

        actions = QGroupBox("Selected test")
        actions_layout = QVBoxLayout(actions)
        self.outcomes_button = QPushButton("Record outcomes from a file…")
        self.outcomes_button.setToolTip("A table with an 'outcome' column and a 'user_id' or 'prediction_id' column")
        self.outcomes_button.clicked.connect(lambda: self.record_outcomes())
        self.analyse_button = QPushButton("Analyse")
        self.analyse_button.clicked.connect(self.analyse)
        self.stop_button = QPushButton("Stop test")
        self.stop_button.setStyleSheet(DANGER_STYLE)
        self.stop_button.clicked.connect(self.stop_test)
        self.force_combo = QComboBox()
        self.force_combo.addItem("the winner", None)
        self.force_combo.addItem("arm A", "A")
        self.force_combo.addItem("arm B", "B")
        self.promote_button = QPushButton("Promote")
        self.promote_button.clicked.connect(self.promote_winner)
        promote_row = QHBoxLayout()
        promote_row.addWidget(self.promote_button)
        promote_row.addWidget(self.force_combo, 1)
        for button in (self.outcomes_button, self.analyse_button, self.stop_button):
            actions_layout.addWidget(button)
        actions_layout.addLayout(promote_row)
        self.action_note = QLabel("")
        self.action_note.setObjectName("hint")
        self.action_note.setWordWrap(True)
        actions_layout.addWidget(self.action_note)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(create)
        left_layout.addWidget(actions)
        left_layout.addStretch(1)
        left.setMinimumWidth(330)
        left.setMaximumWidth(420)

        self.table = make_table(TEST_HEADERS)
        self.table.setSelectionMode(self.table.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.analysis_title = QLabel("Analysis")
        self.analysis_title.setObjectName("sectionTitle")
        self.srm_label = QLabel("")
        self.srm_label.setWordWrap(True)
        self.verdict_label = QLabel("Choose a test and press Analyse.")
        self.verdict_label.setObjectName("result")
        self.verdict_label.setWordWrap(True)
        self.analysis_table = make_table(["Arm", "Predictions", "Outcomes", "Value", "95% interval"])
        self.stats_table = make_table(["Statistic", "Value"])
        right = QSplitter(Qt.Orientation.Vertical)
        tests_box = QWidget()
        tests_layout = QVBoxLayout(tests_box)
        tests_layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("A/B tests (counts refresh every 2 s)")
        title.setObjectName("sectionTitle")
        tests_layout.addWidget(title)
        tests_layout.addWidget(self.table)
        analysis_box = QWidget()
        analysis_layout = QVBoxLayout(analysis_box)
        analysis_layout.setContentsMargins(0, 0, 0, 0)
        analysis_layout.addWidget(self.analysis_title)
        analysis_layout.addWidget(self.verdict_label)
        analysis_layout.addWidget(self.srm_label)
        tables = QHBoxLayout()
        tables.addWidget(self.analysis_table, 3)
        tables.addWidget(self.stats_table, 2)
        analysis_layout.addLayout(tables, 1)
        right.addWidget(tests_box)
        right.addWidget(analysis_box)
        right.setSizes([260, 360])

        layout = QHBoxLayout(self)
        layout.addWidget(left)
        layout.addWidget(right, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.refresh_models()
        self.refresh()

    # -- lists -------------------------------------------------------------------------------------
    def refresh_models(self) -> None:
        versions = [v for v in (self.services.guarded(self.ws.list_models) or []) if v.status != "archived"]
        self._labels = {v.id: f"{v.name} {v.version}" for v in (self.services.guarded(self.ws.list_models) or [])}
        self._versions = versions
        fill_version_combo(self.a_combo, versions)
        fill_version_combo(self.b_combo, versions)
        self._pair_b()
        self.create_button.setEnabled(len(versions) >= 2)

    def _pair_b(self) -> None:
        """Offer as B another version of A's model (the usual comparison), when B is not one already."""
        a = next((v for v in self._versions if v.id == self.a_combo.currentData()), None)
        b = next((v for v in self._versions if v.id == self.b_combo.currentData()), None)
        if a is None or (b is not None and b.id != a.id and b.name == a.name):
            return
        partner = next((v for v in self._versions if v.name == a.name and v.id != a.id), None)
        partner = partner or next((v for v in self._versions if v.id != a.id), None)
        if partner is not None:
            self.b_combo.setCurrentIndex(self.b_combo.findData(partner.id))

    def refresh(self) -> None:
        """Re-read the tests and their counts per arm."""
        keep = self.selected_name()
        self.tests = self.services.guarded(self.ws.list_ab_tests) or []
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.tests))
        for row, t in enumerate(self.tests):
            counts = t.counts or {}
            set_row(self.table, row, [t.name, self._labels.get(t.model_a_id, t.model_a_id[:8]),
                                      self._labels.get(t.model_b_id, t.model_b_id[:8]),
                                      f"{t.split_ratio:.0%} / {1 - t.split_ratio:.0%}", t.status,
                                      int(counts.get("A", 0)), int(counts.get("B", 0)), t.winner or "—",
                                      when(t.created_at)])
            if t.name == keep:
                self.table.selectRow(row)
        if keep is None and self.tests:
            self.table.selectRow(len(self.tests) - 1)
        self.table.blockSignals(False)
        self._on_selection()

    def counts(self, name: str) -> dict[str, int]:
        for t in self.tests:
            if t.name == name:
                return {"A": int(t.counts.get("A", 0)), "B": int(t.counts.get("B", 0))}
        return {"A": 0, "B": 0}

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.tests):
            return None
        return self.tests[rows[0].row()].name

    def select_test(self, name: str) -> None:
        for row, t in enumerate(self.tests):
            if t.name == name:
                self.table.selectRow(row)

    def _selected(self) -> Any:
        name = self.selected_name()
        return next((t for t in self.tests if t.name == name), None)

    def _on_selection(self) -> None:
        test = self._selected()
        running = test is not None and test.status == "running"
        self.outcomes_button.setEnabled(test is not None)
        self.analyse_button.setEnabled(test is not None)
        self.stop_button.setEnabled(running)
        self.promote_button.setEnabled(test is not None and test.winner is None)

    def _on_split(self, value: int) -> None:
        self.split_label.setText(f"A {value}% / B {100 - value}%")

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh_models()
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        super().hideEvent(event)
        self.timer.stop()

    # -- actions -----------------------------------------------------------------------------------
    def create_test(self) -> Any:
        a, b = self.a_combo.currentData(), self.b_combo.currentData()
        name = self.name_edit.text().strip()
        ratio = self.split_slider.value() / 100
        info = self.services.guarded(self.ws.create_ab_test, a, b, name, ratio)
        if info is not None:
            self.name_edit.clear()
            self.refresh()
            self.select_test(info.name)
            self.action_note.setText(f"Created {info.name}: {ratio:.0%} of users see A.")
            self.sig_tests_changed.emit()
        return info

    def record_outcomes(self, path: str | None = None) -> JobWorker | None:
        name = self.selected_name()
        if name is None:
            return None
        if path is None:
            path = files.ask_open_file(self, f"Outcomes for {name}", str(self.ws.home))
            if not path:
                return None
        ws = self.ws
        return self.services.jobs.start(f"Recording outcomes for {name}",
                                        lambda ctx: ws.record_outcomes_file(name, path),
                                        on_finished=self._on_outcomes)

    def _on_outcomes(self, result: dict[str, Any]) -> None:
        self.action_note.setText(f"{result['rows']} outcome rows read; {result['matched_predictions']} "
                                 "predictions matched.")
        self.sig_outcomes_recorded.emit(result)
        self.analyse()

    def analyse(self) -> JobWorker | None:
        name = self.selected_name()
        if name is None:
            return None
        ws = self.ws
        return self.services.jobs.start(f"Analysing {name}", lambda ctx: ws.analyse_ab_test(name),
                                        on_finished=self.show_analysis)

    def show_analysis(self, result: dict[str, Any]) -> None:
        self.analysis = result
        self.analysis_title.setText(f"Analysis of {result.get('test_name', '')}")
        stats = result.get("stats") or {}
        rows = result.get("rows") or {}
        outcomes = result.get("outcomes") or {}
        self.analysis_table.setRowCount(2)
        for i, arm in enumerate(("A", "B")):
            value = result.get(f"value_{arm.lower()}")
            model = self._labels.get(result.get(f"model_{arm.lower()}_id", ""), "")
            set_row(self.analysis_table, i, [f"{arm}  {model}".strip(), rows.get(arm, 0), outcomes.get(arm, 0),
                                             fmt_number(value), fmt_interval(stats.get(f"ci_{arm.lower()}"))])
        p_value, lift = result.get("p_value"), result.get("lift")
        stat_rows = [("test", result.get("test") or "—"), ("metric", result.get("metric") or "—"),
                     ("p-value", fmt_number(p_value)), ("lift (B vs A)", "—" if lift is None else f"{lift:+.1%}"),
                     ("difference B − A", fmt_number(stats.get("diff"))),
                     ("95% interval of difference", fmt_interval(stats.get("diff_ci"))),
                     ("significant (p < 0.05)", "yes" if result.get("significant") else "no"),
                     ("winner", result.get("winner") or "—")]
        self.stats_table.setRowCount(len(stat_rows))
        for i, row in enumerate(stat_rows):
            set_row(self.stats_table, i, list(row))
        srm = result.get("srm") or {}
        if srm.get("mismatch"):
            self.srm_label.setText(f"⚠ Sample ratio mismatch (p = {fmt_number(srm.get('p_value'))}): the arms' sizes "
                                   "do not fit the planned split, so the comparison may be biased.")
            self.srm_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        else:
            self.srm_label.setText(f"Sample ratio as planned (p = {fmt_number(srm.get('p_value'))}).")
            self.srm_label.setStyleSheet("color: #2e7d32;")
        if result.get("winner"):
            verdict = f"Winner: arm {result['winner']} (p = {fmt_number(p_value)}, lift {lift:+.1%})."
        elif p_value is not None:
            verdict = f"No significant difference yet (p = {fmt_number(p_value)})."
        else:
            verdict = result.get("note") or "No outcomes yet."
        if result.get("note") and result.get("p_value") is not None:
            verdict += f" Note: {result['note']}."
        self.verdict_label.setText(verdict)
        self.sig_analysed.emit(result)

    def stop_test(self) -> Any:
        name = self.selected_name()
        if name is None or not self.services.confirm(self, "Stop A/B test",
                                                     f"Stop {name}? It will no longer route predictions."):
            return None
        info = self.services.guarded(self.ws.stop_ab_test, name)
        self.refresh()
        return info

    def promote_winner(self) -> Any:
        name = self.selected_name()
        if name is None:
            return None
        arm = self.force_combo.currentData()
        what = f"arm {arm}" if arm else "the winning arm"
        if not self.services.confirm(self, "Promote", f"Stop {name} and promote {what} to production?", "Promote"):
            return None
        info = self.services.guarded(self.ws.promote_ab_winner, name, force_arm=arm)
        if info is not None:
            self.action_note.setText(f"{info.name} {info.version} is now in production.")
            self.sig_models_changed.emit()
        self.refresh()
        return info

    def shutdown(self) -> None:
        self.timer.stop()
