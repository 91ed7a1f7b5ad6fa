"""PredictPanel: predict a file (chosen or dropped) with a version, a production model or an A/B test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
    QPushButton, QRadioButton, QSplitter, QTableView, QVBoxLayout, QWidget,
)

from desktop.widgets.job_panel import job_progress_bar, start_and_cancel
from desktop.services import Services
from desktop.tabs.registry import files
from desktop.tabs.registry.common import fill_version_combo
from desktop.widgets.frame_model import DataFrameModel
from desktop.workers import JobWorker

READABLE = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")
MODES = ("version", "production", "ab")


class PredictPanel(QWidget):
    """Runs ``Workspace.predict_file`` in a worker and shows warnings and a preview."""

    sig_predicted = Signal(object)  # the result dict
    sig_saved = Signal(str)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.worker: JobWorker | None = None
        self.result: dict[str, Any] | None = None
        self.setAcceptDrops(True)

        source = QGroupBox("Input file")
        source_layout = QVBoxLayout(source)
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("choose a file or drop it here")
        self.file_edit.setAcceptDrops(False)  # a dropped file goes to the panel, not into the text
        self.file_edit.editingFinished.connect(lambda: self._read_columns(self.file_edit.text()))
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(lambda: self.choose_file())
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(self.browse_button)
        hint = QLabel("CSV, TSV, Excel or Parquet; drag a file onto this panel.")
        hint.setObjectName("hint")
        source_layout.addLayout(row)
        source_layout.addWidget(hint)

        model = QGroupBox("Predict with")
        form = QFormLayout(model)
        self.mode_group = QButtonGroup(self)
        self.version_radio = QRadioButton("Model version")
        self.production_radio = QRadioButton("Production version of")
        self.ab_radio = QRadioButton("A/B test")
        for i, radio in enumerate((self.version_radio, self.production_radio, self.ab_radio)):
            self.mode_group.addButton(radio, i)
        self.version_radio.setChecked(True)
        self.version_combo = QComboBox()
        self.name_combo = QComboBox()
        self.ab_combo = QComboBox()
        self.user_combo = QComboBox()
        self.user_combo.setEditable(True)
        self.user_combo.setToolTip("The column that identifies a user: the same user always gets the same arm")
        form.addRow(self.version_radio, self.version_combo)
        form.addRow(self.production_radio, self.name_combo)
        form.addRow(self.ab_radio, self.ab_combo)
        form.addRow("User-id column", self.user_combo)
        self.mode_group.idToggled.connect(lambda *_: self._update_enabled())

        self.predict_button, self.cancel_button = start_and_cancel("Predict", self.predict, self.cancel)
        self.progress = job_progress_bar()
        run_row = QHBoxLayout()
        run_row.addWidget(self.predict_button, 1)
        run_row.addWidget(self.cancel_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(source)
        left_layout.addWidget(model)
        left_layout.addLayout(run_row)
        left_layout.addWidget(self.progress)
        left_layout.addStretch(1)
        left.setMinimumWidth(360)
        left.setMaximumWidth(460)

        self.summary = QLabel("No prediction yet.")
        self.summary.setObjectName("result")
        self.summary.setWordWrap(True)
        self.warnings_list = QListWidget()
        self.warnings_list.setMaximumHeight(150)
        self.preview_model = DataFrameModel()
        self.preview_view = QTableView()
        self.preview_view.setModel(self.preview_model)
        self.preview_view.setAlternatingRowColors(True)
        self.save_button = QPushButton("Save result as…")
        self.save_button.setToolTip("CSV, Excel or Parquet, by the file's extension")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(lambda: self.save_result())
        warnings_title = QLabel("Warnings")
        warnings_title.setObjectName("sectionTitle")
        preview_title = QLabel("Preview of the result (first rows)")
        preview_title.setObjectName("sectionTitle")
        save_row = QHBoxLayout()
        save_row.addWidget(preview_title, 1)
        save_row.addWidget(self.save_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(warnings_title)
        right_layout.addWidget(self.warnings_list)
        right_layout.addLayout(save_row)
        right_layout.addWidget(self.preview_view, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.refresh()

    # -- lists -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        versions = [v for v in (self.services.guarded(self.ws.list_models) or []) if v.status != "archived"]
        fill_version_combo(self.version_combo, versions)
        keep_name = self.name_combo.currentText()
        names = sorted({v.name for v in versions if v.status == "production"})
        self.name_combo.clear()
        self.name_combo.addItems(names)
        if keep_name in names:
            self.name_combo.setCurrentText(keep_name)
        keep_ab = self.ab_combo.currentText()
        tests = [t.name for t in (self.services.guarded(self.ws.list_ab_tests) or []) if t.status == "running"]
        self.ab_combo.clear()
        self.ab_combo.addItems(tests)
        if keep_ab in tests:
            self.ab_combo.setCurrentText(keep_ab)
        self._update_enabled()

    def mode(self) -> str:
        return MODES[max(self.mode_group.checkedId(), 0)]

    def set_mode(self, mode: str) -> None:
        (self.version_radio, self.production_radio, self.ab_radio)[MODES.index(mode)].setChecked(True)

    def _update_enabled(self) -> None:
        mode = self.mode()
        self.version_combo.setEnabled(mode == "version")
        self.name_combo.setEnabled(mode == "production")
        self.ab_combo.setEnabled(mode == "ab")
        self.user_combo.setEnabled(mode == "ab")
        chosen = {"version": self.version_combo, "production": self.name_combo, "ab": self.ab_combo}[mode]
        self.predict_button.setEnabled(self.worker is None and chosen.count() > 0)

    # -- the file --------------------------------------------------------------------------------
    def choose_file(self, path: str | None = None) -> None:
        if path is None:
            path = files.ask_open_file(self, "File to predict", str(self.ws.home))
            if not path:
                return
        self.file_edit.setText(str(path))
        self._read_columns(str(path))

    def _read_columns(self, path: str) -> None:
        """Offer the file's columns as user-id columns (read in a worker)."""
        if not path or not Path(path).is_file():
            return

        def columns(ctx: Any) -> list[str]:
            from mlcore.data import read_table

            return [str(c) for c in read_table(Path(path)).frame.columns]

        self.services.jobs.start(f"Reading {Path(path).name}", columns, on_finished=self._fill_user_columns)

    def _fill_user_columns(self, columns: list[str]) -> None:
        keep = self.user_combo.currentText()
        self.user_combo.clear()
        self.user_combo.addItem("")
        self.user_combo.addItems(columns)
        guess = keep if keep in columns else next((c for c in columns if c.lower() in ("user_id", "userid", "user",
                                                                                       "customer_id", "id")), "")
        self.user_combo.setCurrentText(guess)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if _dropped_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = _dropped_files(event)
        if paths:
            event.acceptProposedAction()
            self.choose_file(paths[0])

    # -- predicting ------------------------------------------------------------------------------
    def predict(self) -> JobWorker | None:
        path = self.file_edit.text().strip()
        if self.worker is not None or not path:
            return None
        mode = self.mode()
        kwargs: dict[str, Any] = {}
        if mode == "version":
            kwargs["model_id"] = self.version_combo.currentData()
        elif mode == "production":
            kwargs["name"] = self.name_combo.currentText()
        else:
            kwargs["ab_test_name"] = self.ab_combo.currentText()
            kwargs["user_column"] = self.user_combo.currentText().strip() or None
        ws = self.ws
        self.progress.setValue(0)
        self.summary.setText(f"Predicting {Path(path).name}…")
        self.worker = self.services.jobs.start(f"Predicting {Path(path).name}",
                                               lambda ctx: ws.predict_file(path, ctx=ctx, **kwargs),
                                               on_finished=self._on_predicted, on_done=self._on_done)
        self.worker.sig_progress.connect(lambda f, m: self.progress.setValue(int(f * 1000)))
        self.predict_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        return self.worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _on_done(self) -> None:
        worker, self.worker = self.worker, None
        self.cancel_button.setEnabled(False)
        self._update_enabled()
        if worker is not None and worker.status == "cancelled":
            self.summary.setText("Prediction cancelled.")
        elif worker is not None and worker.status == "failed":
            self.summary.setText("Prediction failed.")

    def _on_predicted(self, result: dict[str, Any]) -> None:
        self.result = result
        self.progress.setValue(1000)
        if result.get("ab_test"):
            arms = result.get("arms") or {}
            text = (f"{result['rows']:,} rows predicted by A/B test {result['ab_test']}: "
                    f"{arms.get('A', 0)} by arm A, {arms.get('B', 0)} by arm B.")
        else:
            text = f"{result['rows']:,} rows predicted by {result['model_name']} {result['version']}."
        self.summary.setText(text)
        self.warnings_list.clear()
        for line in warning_lines(result):
            self.warnings_list.addItem(line)
        if self.warnings_list.count() == 0:
            self.warnings_list.addItem("No warnings: the columns match the model's schema and nothing drifted.")
        frame = result.get("frame")
        self.preview_model.set_frame(outputs_first(frame.head(500) if frame is not None else result.get("preview")))
        self.save_button.setEnabled(frame is not None)
        self.sig_predicted.emit(result)

    def save_result(self, path: str | None = None) -> JobWorker | None:
        """Write the whole result; CSV, Excel or Parquet by the extension (asks when ``path`` is None)."""
        if self.result is None or self.result.get("frame") is None:
            return None
        if path is None:
            stem = Path(self.file_edit.text() or "predictions").stem
            path = files.ask_save_file(self, "Save predictions", str(self.ws.home / f"{stem}_predictions.csv"))
            if not path:
                return None
        frame = self.result["frame"]

        def write(ctx: Any) -> str:
            from mlcore.deployment import write_output

            return str(write_output(frame, path))

        return self.services.jobs.start(f"Saving {Path(path).name}", write, on_finished=self._on_saved)

    def _on_saved(self, path: str) -> None:
        self.summary.setText(self.summary.text().split(" Saved to ")[0] + f" Saved to {path}.")
        self.sig_saved.emit(path)


def warning_lines(result: dict[str, Any]) -> list[str]:
    """Every warning of a prediction (extra columns, unseen categories, missing values, drift), each once."""
    lines: list[str] = []
    for warning in result.get("warnings") or []:
        if str(warning) not in lines:
            lines.append(str(warning))
    drifted = [d for d in result.get("drift") or [] if d.get("drifted")]
    if drifted:
        lines.insert(0, f"drift: {len(drifted)} feature(s) differ from the training data: "
                        + ", ".join(str(d["feature"]) for d in drifted[:6]) + ("…" if len(drifted) > 6 else ""))
    return lines


def _dropped_files(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile().lower().endswith(READABLE)]


def outputs_first(frame: Any) -> Any:
    """The preview shows what was predicted first: prediction, probabilities, then the input columns."""
    if frame is None:
        return None
    front = [c for c in frame.columns if c == "prediction" or str(c).startswith("proba_")]
    front += [c for c in ("model_version",) if c in frame.columns]  # which A/B arm's version answered
    return frame[front + [c for c in frame.columns if c not in front]]
