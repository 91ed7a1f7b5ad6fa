"""PreparationTab: clean (preview or save), select features, scaling/encoding, split, recipe."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QLineEdit, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from desktop.plots import BarChart
from desktop.services import Services
from desktop.tabs.preparation import choices
from desktop.widgets.dataset_picker import DatasetPicker

NO_TIME_COLUMN = "(none — random split)"


def _combo(items: list[str], key: str, services: Services) -> QComboBox:
    combo = QComboBox()
    combo.addItems(items)
    saved = services.recall(key)
    if saved in items:
        combo.setCurrentText(saved)
    combo.currentTextChanged.connect(lambda text: services.remember(key, text))
    return combo


def _spin(low: float, high: float, value: float, step: float, decimals: int = 2) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setValue(value)
    return spin


class PreparationTab(QWidget):
    """Each action runs its Workspace call in a worker and shows the counts it returns."""

    sig_cleaned = Signal(object)  # a CleanResult
    sig_features_selected = Signal(dict)
    sig_split_done = Signal(dict)
    sig_recipe_saved = Signal(str)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self._workers: list[Any] = []
        self.picker = DatasetPicker(services)
        self.picker.sig_changed.connect(self._on_picker_changed)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self._build_source())
        left.addWidget(self._build_cleaning())
        left.addWidget(self._build_split())
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self._build_selection(), 1)
        right.addWidget(self._build_recipe())
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        inner = QWidget()
        inner.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self._on_picker_changed(self.picker.dataset_id() or "", self.picker.target() or "")

    # -- building ------------------------------------------------------------------------------
    def _build_source(self) -> QGroupBox:
        box = QGroupBox("Data")
        layout = QVBoxLayout(box)
        layout.addWidget(self.picker)
        self.cancel_button = QPushButton("Cancel running preparation")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        layout.addWidget(self.cancel_button)
        return box

    def _start(self, title: str, fn: Any, on_finished: Any, result_label: QLabel) -> None:
        """Start one preparation job; the Cancel button follows the running ones."""
        worker = self.services.jobs.start(title, fn, on_finished=on_finished,
                                          on_failed=lambda e: result_label.setText("Failed."),
                                          on_cancelled=lambda: result_label.setText("Cancelled."),
                                          on_done=self._update_cancel)
        self._workers.append(worker)
        self._update_cancel()

    def _update_cancel(self) -> None:
        self._workers = [w for w in self._workers if w.status in ("pending", "running", "cancelling")]
        self.cancel_button.setEnabled(any(w.status == "running" for w in self._workers))

    def cancel(self) -> None:
        """Cancel the running cleaning / feature ranking / split jobs of this tab."""
        for worker in self._workers:
            worker.cancel()
        self._update_cancel()

    def _build_cleaning(self) -> QGroupBox:
        s = self.services
        box = QGroupBox("Cleaning")
        form = QFormLayout(box)
        self.missing_combo = _combo(choices.MISSING_STRATEGIES, "prep/missing", s)
        self.outlier_combo = _combo(choices.OUTLIER_METHODS, "prep/outliers", s)
        self.threshold_spin = _spin(0.5, 10.0, float(s.recall("prep/threshold", 3.0, float)), 0.1, 1)
        self.threshold_spin.valueChanged.connect(lambda v: s.remember("prep/threshold", v))
        self.outlier_combo.currentTextChanged.connect(lambda t: self.threshold_spin.setEnabled(t != "none"))
        self.threshold_spin.setEnabled(self.outlier_combo.currentText() != "none")
        self.clean_name = QLineEdit()
        self.clean_name.setPlaceholderText("name of the cleaned dataset (optional)")
        self.clean_preview_button = QPushButton("Preview")
        self.clean_preview_button.clicked.connect(lambda: self.run_clean(save=False))
        self.clean_save_button = QPushButton("Save as new dataset")
        self.clean_save_button.clicked.connect(lambda: self.run_clean(save=True))
        self.clean_result = QLabel("Rows before → after: —")
        self.clean_result.setObjectName("result")
        buttons = QHBoxLayout()
        buttons.addWidget(self.clean_preview_button)
        buttons.addWidget(self.clean_save_button)
        form.addRow("Missing values", self.missing_combo)
        form.addRow("Outliers", self.outlier_combo)
        form.addRow("Outlier threshold", self.threshold_spin)
        form.addRow("New name", self.clean_name)
        form.addRow(buttons)
        form.addRow(self.clean_result)
        return box

    def _build_selection(self) -> QGroupBox:
        s = self.services
        box = QGroupBox("Feature selection")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.selection_combo = _combo(choices.SELECTION_METHODS, "prep/selection", s)
        self.n_features_spin = QSpinBox()
        self.n_features_spin.setRange(1, 10_000)
        self.n_features_spin.setValue(int(s.recall("prep/n_features", 10, int)))
        self.n_features_spin.valueChanged.connect(lambda v: s.remember("prep/n_features", v))
        self.use_selection = QCheckBox("use in recipe")
        self.use_selection.setChecked(bool(s.recall("prep/use_selection", False, bool)))
        self.use_selection.toggled.connect(lambda v: s.remember("prep/use_selection", v))
        self.select_button = QPushButton("Rank features")
        self.select_button.clicked.connect(self.run_selection)
        row.addWidget(QLabel("Method"))
        row.addWidget(self.selection_combo)
        row.addWidget(QLabel("Keep"))
        row.addWidget(self.n_features_spin)
        row.addWidget(self.use_selection)
        row.addStretch(1)
        row.addWidget(self.select_button)
        layout.addLayout(row)
        self.importance_chart = BarChart("Feature importance", horizontal=True)
        self.importance_chart.setMinimumHeight(200)
        layout.addWidget(self.importance_chart, 1)
        self.selection_result = QLabel("Selected: —")
        self.selection_result.setWordWrap(True)
        self.selection_result.setObjectName("result")
        layout.addWidget(self.selection_result)
        return box

    def _build_split(self) -> QGroupBox:
        s = self.services
        box = QGroupBox("Split")
        form = QFormLayout(box)
        self.test_spin = _spin(0.05, 0.6, float(s.recall("prep/test_size", 0.2, float)), 0.05)
        self.val_spin = _spin(0.0, 0.5, float(s.recall("prep/validation_size", 0.1, float)), 0.05)
        self.test_spin.valueChanged.connect(lambda v: s.remember("prep/test_size", v))
        self.val_spin.valueChanged.connect(lambda v: s.remember("prep/validation_size", v))
        self.stratify_check = QCheckBox("stratify by the target (classification)")
        self.stratify_check.setChecked(bool(s.recall("prep/stratify", True, bool)))
        self.stratify_check.toggled.connect(lambda v: s.remember("prep/stratify", v))
        self.time_combo = QComboBox()
        self.split_button = QPushButton("Compute split")
        self.split_button.clicked.connect(self.run_split)
        self.split_result = QLabel("Train / validation / test: —")
        self.split_result.setObjectName("result")
        form.addRow("Test size", self.test_spin)
        form.addRow("Validation size", self.val_spin)
        form.addRow(self.stratify_check)
        form.addRow("Time column", self.time_combo)
        form.addRow(self.split_button)
        form.addRow(self.split_result)
        return box

    def _build_recipe(self) -> QGroupBox:
        s = self.services
        box = QGroupBox("Pipeline steps and recipe")
        grid = QGridLayout(box)
        self.scaling_combo = _combo(choices.SCALINGS, "prep/scaling", s)
        self.encoding_combo = _combo(choices.ENCODINGS, "prep/encoding", s)
        self.num_impute_combo = _combo(choices.NUMERIC_IMPUTATIONS, "prep/num_impute", s)
        self.cat_impute_combo = _combo(choices.CATEGORICAL_IMPUTATIONS, "prep/cat_impute", s)
        self.class_weight_combo = _combo(choices.CLASS_WEIGHTS, "prep/class_weight", s)
        self.outlier_action_combo = _combo(choices.OUTLIER_ACTIONS, "prep/outlier_action", s)
        self.drop_ids_check = QCheckBox("drop ID-like columns")
        self.drop_ids_check.setChecked(bool(s.recall("prep/drop_ids", True, bool)))
        self.drop_ids_check.toggled.connect(lambda v: s.remember("prep/drop_ids", v))
        self.recipe_name = QLineEdit(str(s.recall("prep/recipe_name", "") or ""))
        self.recipe_name.setPlaceholderText("recipe name, e.g. flowers-standard")
        self.save_recipe_button = QPushButton("Save recipe")
        self.save_recipe_button.clicked.connect(self.save_recipe)
        self.recipe_result = QLabel("")
        self.recipe_result.setObjectName("result")
        pairs = [("Scaling", self.scaling_combo), ("Encoding", self.encoding_combo),
                 ("Numeric imputation", self.num_impute_combo), ("Categorical imputation", self.cat_impute_combo),
                 ("Class weight", self.class_weight_combo), ("Outlier action", self.outlier_action_combo)]
        for i, (label, widget) in enumerate(pairs):
            grid.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            grid.addWidget(widget, i // 2, (i % 2) * 2 + 1)
        row = len(pairs) // 2
        grid.addWidget(self.drop_ids_check, row, 0, 1, 2)
        grid.addWidget(self.recipe_name, row + 1, 0, 1, 3)
        grid.addWidget(self.save_recipe_button, row + 1, 3)
        grid.addWidget(self.recipe_result, row + 2, 0, 1, 4)
        return box

    # -- actions -----------------------------------------------------------------------------
    def choose_dataset(self, dataset_id: str) -> None:
        self.picker.choose(dataset_id)

    def _on_picker_changed(self, dataset_id: str, target: str) -> None:
        info = self.picker.info()
        self.time_combo.clear()
        self.time_combo.addItem(NO_TIME_COLUMN)
        if info is not None:
            self.time_combo.addItems([c for c in info.column_names if c != target])
            n_inputs = max(1, len(info.column_names) - 1)
            self.n_features_spin.setMaximum(n_inputs)
        enabled = bool(dataset_id)
        for w in (self.clean_preview_button, self.clean_save_button, self.select_button, self.split_button,
                  self.save_recipe_button):
            w.setEnabled(enabled)

    def run_clean(self, save: bool) -> None:
        dataset_id = self.picker.dataset_id()
        if not dataset_id:
            return
        kwargs = dict(missing_strategy=self.missing_combo.currentText(), outlier_method=self.outlier_combo.currentText(),
                      outlier_threshold=self.threshold_spin.value(), save=save,
                      name=self.clean_name.text().strip() or None)
        self.clean_result.setText("Cleaning…")
        self._start("Cleaning" if not save else "Cleaning and saving",
                    lambda ctx: self.ws.clean(dataset_id, ctx=ctx, **kwargs),
                    self._on_cleaned, self.clean_result)

    def _on_cleaned(self, result: Any) -> None:
        before, after = result.get("original_rows"), result.get("cleaned_rows")
        text = f"Rows before → after: {before:,} → {after:,}  ({before - after:,} removed)"
        new_id = result.get("cleaned_dataset_id")
        if new_id:
            text += "  · saved as a new dataset"
            self.services.events.sig_datasets_changed.emit()
            self.picker.choose(new_id)
        self.clean_result.setText(text)
        self.sig_cleaned.emit(result)

    def run_selection(self) -> None:
        dataset_id, target = self.picker.dataset_id(), self.picker.target()
        if not dataset_id or not target:
            return
        method, n = self.selection_combo.currentText(), self.n_features_spin.value()
        self.selection_result.setText("Ranking features…")
        self._start(f"Feature selection ({method})",
                    lambda ctx: self.ws.select_features(dataset_id, target, method, n, ctx=ctx),
                    self._on_selected, self.selection_result)

    def _on_selected(self, result: dict) -> None:
        ranking = sorted(result.get("feature_importance") or [], key=lambda r: -float(r["score"]))[:30]
        self.importance_chart.set_bars([r["feature"] for r in ranking], [float(r["score"]) for r in ranking],
                                       title=f"Feature importance ({self.selection_combo.currentText()})")
        selected = result.get("selected_features") or []
        self.selection_result.setText(f"Selected {len(selected)}: " + ", ".join(map(str, selected)))
        self.sig_features_selected.emit(result)

    def run_split(self) -> None:
        dataset_id, target = self.picker.dataset_id(), self.picker.target()
        if not dataset_id or not target:
            return
        time_col = self.time_combo.currentText()
        kwargs = dict(test_size=self.test_spin.value(), validation_size=self.val_spin.value(),
                      stratify=self.stratify_check.isChecked(),
                      time_column=None if time_col == NO_TIME_COLUMN else time_col)
        self.split_result.setText("Splitting…")
        self._start("Split", lambda ctx: self.ws.split(dataset_id, target, **kwargs),
                    self._on_split, self.split_result)

    def _on_split(self, result: dict) -> None:
        self.split_result.setText(
            f"Train / validation / test: {result['train_samples']:,} / {result['validation_samples']:,} / "
            f"{result['test_samples']:,}")
        self.sig_split_done.emit(result)

    def recipe(self) -> dict[str, Any]:
        """The recipe the current choices describe (keys as Workspace.save_recipe expects)."""
        use_selection = self.use_selection.isChecked()
        class_weight = self.class_weight_combo.currentText()
        return {
            "numeric_imputation": self.num_impute_combo.currentText(),
            "categorical_imputation": self.cat_impute_combo.currentText(),
            "encoding": self.encoding_combo.currentText(),
            "scaling": self.scaling_combo.currentText(),
            "feature_selection": self.selection_combo.currentText() if use_selection else None,
            "n_features": self.n_features_spin.value() if use_selection else None,
            "outlier_method": self.outlier_combo.currentText(),
            "outlier_threshold": self.threshold_spin.value(),
            "outlier_action": self.outlier_action_combo.currentText(),
            "drop_id_columns": self.drop_ids_check.isChecked(),
            "drop_columns": [],
            "class_weight": None if class_weight == "none" else class_weight,
        }

    def save_recipe(self) -> None:
        name = self.recipe_name.text().strip()
        if not name:
            self.recipe_result.setText("Give the recipe a name first.")
            return
        self.services.remember("prep/recipe_name", name)
        try:
            self.ws.save_recipe(name, self.recipe())
        except Exception as exc:  # noqa: BLE001 - the one error handler decides what to show
            self.services.errors.handle(exc)
            return
        self.recipe_result.setText(f"Saved recipe '{name}' — choose it in the Training tab.")
        self.services.events.sig_recipes_changed.emit()
        self.sig_recipe_saved.emit(name)

    def shutdown(self) -> None:
        pass
