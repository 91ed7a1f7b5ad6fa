"""EvaluationTab: evaluate a job or model version and show what the evaluation found."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
    QSpinBox, QSplitter, QTableView, QVBoxLayout, QWidget,
)

from desktop.widgets.job_panel import job_progress_bar, start_and_cancel
from desktop.services import Services
from desktop.tabs.evaluation.figure_view import FigureView
from desktop.tabs.evaluation.metrics import metric_rows
from desktop.tabs.evaluation.threshold import ThresholdPanel
from desktop.tabs.registry import files
from desktop.tabs.registry.common import headline_text, make_table, set_row
from desktop.widgets.frame_model import DataFrameModel
from desktop.workers import JobWorker

SPLITS = ("test", "validation", "train", "all")
OWN_DATA = "(its own data)"


EVALUATED_SHARE = 900  # of 1000: the rest is drawing the first figure and filling the tables


class EvaluationTab(QWidget):
    """Pick a job or model version; evaluate it in a worker; show metrics, plots, errors, threshold."""

    sig_evaluated = Signal(object)  # EvaluationBundle
    sig_report_written = Signal(str)
    sig_threshold_stored = Signal(float)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.bundle: Any = None
        self.key: str | None = None
        self.worker: JobWorker | None = None
        self._figure_token = 0

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self._build_source())
        self.threshold_group = QGroupBox("Decision threshold")
        threshold_layout = QVBoxLayout(self.threshold_group)
        self.threshold_panel = ThresholdPanel()
        self.threshold_panel.sig_use_threshold.connect(self.use_threshold)
        self.threshold_panel.sig_choose_best.connect(self.choose_best_threshold)
        threshold_layout.addWidget(self.threshold_panel)
        self.threshold_group.setVisible(False)
        left_layout.addWidget(self.threshold_group)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)
        scroll.setMaximumWidth(480)

        self.metrics_table = make_table(["Metric", "Value", "95% interval"])
        self.figure_view = FigureView()
        self.figure_view.sig_kind_requested.connect(self.build_figure)
        self.figure_view.save_button.clicked.connect(lambda: self.save_plot())
        self.worst_model = DataFrameModel()
        self.worst_view = QTableView()
        self.worst_view.setModel(self.worst_model)
        self.worst_view.setAlternatingRowColors(True)
        self.worst_view.horizontalHeader().setDefaultSectionSize(110)

        metrics_box = _titled("Metrics", self.metrics_table)
        plots_box = _titled("Plots", self.figure_view)
        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(metrics_box)
        upper.addWidget(plots_box)
        upper.setStretchFactor(0, 2)
        upper.setStretchFactor(1, 3)
        upper.setSizes([360, 560])
        self.worst_title = QLabel("Worst predictions")
        self.worst_title.setObjectName("sectionTitle")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.worst_title)
        lower_layout.addWidget(self.worst_view)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(upper)
        right.addWidget(lower)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([480, 180])

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 900])  # room for "Job 1a2b3c4d · algorithm · test accuracy 0.91"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        services.events.sig_jobs_changed.connect(self.refresh_sources)
        services.events.sig_datasets_changed.connect(self.refresh_datasets)
        self.refresh_sources()
        self.refresh_datasets()

    def _build_source(self) -> QWidget:
        box = QGroupBox("Model to evaluate")
        form = QFormLayout(box)
        self.source_combo = QComboBox()
        self.source_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source_combo.setMinimumContentsLength(16)
        self.source_combo.setToolTip("A completed training job or a deployed model version")
        self.dataset_combo = QComboBox()
        self.dataset_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo.setMinimumContentsLength(16)
        self.dataset_combo.setToolTip("Another dataset with the same columns is evaluated on all its rows")
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_changed)
        self.source_combo.currentIndexChanged.connect(self._on_source_changed)
        self.split_combo = QComboBox()
        self.split_combo.addItems(SPLITS)
        self.split_combo.setCurrentText(str(self.services.recall("evaluate/split", "test")))
        self.boot_spin = QSpinBox()
        self.boot_spin.setRange(0, 10000)
        self.boot_spin.setSingleStep(100)
        self.boot_spin.setValue(int(self.services.recall("evaluate/n_boot", 1000, int)))
        self.boot_spin.setToolTip("Bootstrap resamples for the 95% intervals (0: no intervals)")
        self.evaluate_button, self.cancel_button = start_and_cancel("Evaluate", self.start_evaluation, self.cancel)
        self.progress = job_progress_bar()
        self.summary = QLabel("")
        self.summary.setObjectName("result")
        self.summary.setWordWrap(True)
        # room for three lines from the start: the form does not jump as the status text grows
        self.summary.setMinimumHeight(3 * self.summary.fontMetrics().lineSpacing() + 4)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.report_button = QPushButton("Export HTML report…")
        self.report_button.setEnabled(False)
        self.report_button.clicked.connect(lambda: self.export_report())
        buttons = QHBoxLayout()
        buttons.addWidget(self.evaluate_button, 1)
        buttons.addWidget(self.cancel_button)
        form.addRow("Job / version", self.source_combo)
        form.addRow("Dataset", self.dataset_combo)
        form.addRow("Split", self.split_combo)
        form.addRow("Bootstrap", self.boot_spin)
        form.addRow(buttons)
        form.addRow(self.progress)
        form.addRow(self.summary)
        form.addRow(self.report_button)
        return box

    # -- lists -----------------------------------------------------------------------------------
    def refresh_sources(self) -> None:
        """Completed jobs and model versions, newest first."""
        keep = self.source_combo.currentData()
        jobs = [j for j in (self.services.guarded(self.ws.list_jobs) or []) if j.status == "completed"
                and j.artifact_path]  # jobs that left a trained model
        models = self.services.guarded(self.ws.list_models) or []
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        for info in models:
            self.source_combo.addItem(f"Model {info.name} {info.version} ({info.status}) · {info.algorithm}", info.id)
        for job in sorted(jobs, key=lambda j: str(j.created_at), reverse=True):
            evaluation = (job.results or {}).get("evaluation") or {}
            metrics = (evaluation.get("test") or {}).get("metrics", {})
            algorithm = (job.config or {}).get("algorithm", job.kind)
            self.source_combo.addItem(f"Job {job.id[:8]} · {algorithm} · {headline_text(metrics)}", job.id)
        index = self.source_combo.findData(keep) if keep else -1
        if index < 0 and jobs and not models:
            index = 0
        self.source_combo.setCurrentIndex(index if index >= 0 else (0 if self.source_combo.count() else -1))
        self.source_combo.blockSignals(False)
        # the closed combo is narrow; its list shows every entry whole, the tooltip the chosen one
        view = self.source_combo.view()
        view.setMinimumWidth(view.sizeHintForColumn(0) + 24 if self.source_combo.count() else 0)
        self.source_combo.setToolTip(self.source_combo.currentText())
        self.evaluate_button.setEnabled(self.source_combo.count() > 0 and self.worker is None)

    def refresh_datasets(self) -> None:
        keep = self.dataset_combo.currentData()
        datasets = self.services.guarded(self.ws.list_datasets) or []
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.clear()
        self.dataset_combo.addItem(OWN_DATA, None)
        for info in datasets:
            self.dataset_combo.addItem(f"{info.name} ({info.rows:,} rows)", info.id)
        index = self.dataset_combo.findData(keep) if keep else 0
        self.dataset_combo.setCurrentIndex(max(index, 0))
        self.dataset_combo.blockSignals(False)
        self._on_dataset_changed()

    def choose_source(self, key: str) -> bool:
        """Select a job or version by id (refreshing the list when it is new)."""
        if self.source_combo.findData(key) < 0:
            self.refresh_sources()
        index = self.source_combo.findData(key)
        if index >= 0:
            self.source_combo.setCurrentIndex(index)
        return index >= 0

    def _on_source_changed(self, _index: int = 0) -> None:
        """Results of another job or version must not sit beside this form: clear them."""
        self.source_combo.setToolTip(self.source_combo.currentText() or "A completed training job or a deployed model version")
        if self.worker is None and self.bundle is not None and self.source_combo.currentData() != self.key:
            self.clear_results()

    def clear_results(self) -> None:
        self.bundle, self.key = None, None
        self.metrics_table.setRowCount(0)
        self.figure_view.clear("Evaluate to see the figures.")
        self.worst_model.set_frame(None)
        self.worst_title.setText("Worst predictions")
        self.threshold_group.setVisible(False)
        self.report_button.setEnabled(False)
        self.summary.setText("")
        self.progress.setValue(0)

    def _on_dataset_changed(self, _index: int = 0) -> None:
        own = self.dataset_combo.currentData() is None
        self.split_combo.setEnabled(own)
        if not own:
            self.split_combo.setToolTip("Another dataset: every row is evaluated")
        else:
            self.split_combo.setToolTip("Rows of the training dataset to evaluate on")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.worker is None:
            self.refresh_sources()

    # -- evaluating --------------------------------------------------------------------------------
    def start_evaluation(self) -> JobWorker | None:
        key = self.source_combo.currentData()
        if not key or self.worker is not None:
            return None
        dataset_id = self.dataset_combo.currentData()
        split = self.split_combo.currentText() if dataset_id is None else "all"
        n_boot = self.boot_spin.value()
        self.services.remember("evaluate/split", self.split_combo.currentText())
        self.services.remember("evaluate/n_boot", n_boot)
        ws = self.ws

        def job(ctx: Any) -> tuple[Any, str | None, Any]:
            bundle = ws.evaluate(key, dataset_id=dataset_id, split=split, n_boot=n_boot, ctx=ctx)
            kinds = bundle.figure_kinds()
            first = kinds[0] if kinds else None
            return bundle, first, bundle.figure(first) if first else None

        self.progress.setValue(0)
        self.summary.setText("Evaluating…")
        self.worker = self.services.jobs.start(
            f"Evaluating {self.source_combo.currentText().split(' · ')[0]}", job,
            on_finished=lambda result: self._on_evaluated(key, *result), on_done=self._on_done)
        # the evaluation reports 0..1, then the first figure is drawn: 100 % only once all is shown
        self.worker.sig_progress.connect(lambda f, m: self.progress.setValue(int(min(f, 1.0) * EVALUATED_SHARE)))
        self.evaluate_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        return self.worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)

    def _on_done(self) -> None:
        worker, self.worker = self.worker, None
        self.evaluate_button.setEnabled(self.source_combo.count() > 0)
        self.cancel_button.setEnabled(False)
        if worker is not None and worker.status == "cancelled":
            self.summary.setText("Evaluation cancelled.")
        elif worker is not None and worker.status == "failed":
            self.summary.setText("Evaluation failed.")

    def _on_evaluated(self, key: str, bundle: Any, first: str | None, figure: Any) -> None:
        self.bundle, self.key = bundle, key
        result = bundle.result
        self.progress.setValue(1000)
        src = bundle.source
        self.summary.setText(f"{src['name']}: {src['rows']:,} {src['split']} rows, {result.task}"
                             + (f", threshold {src['threshold']:.2f}" if src.get("threshold") is not None else ""))
        rows = metric_rows(result)
        self.metrics_table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            set_row(self.metrics_table, i, list(row))
        self.figure_view.set_kinds(bundle.figure_kinds(), first, figure)
        worst = worst_first(bundle.worst, bundle.X)
        self.worst_model.set_frame(worst)
        self.worst_title.setText(f"Worst predictions ({0 if worst is None else len(worst)} rows)")
        binary = bool(result.is_binary and result.proba is not None)
        self.threshold_group.setVisible(binary)
        if binary:
            self.threshold_panel.set_data(result.y_true, result.proba[:, 1], result.classes[1], result.threshold)
        self.report_button.setEnabled(True)
        self.sig_evaluated.emit(bundle)

    def build_figure(self, kind: str) -> None:
        """Build one figure in a worker; it is drawn on the UI thread when it arrives."""
        bundle = self.bundle
        if bundle is None:
            return
        self._figure_token += 1
        token = self._figure_token
        self.services.jobs.start(f"Drawing {kind.replace('_', ' ')}", lambda ctx: bundle.figure(kind),
                                 on_finished=lambda fig: self._on_figure(token, bundle, kind, fig))

    def _on_figure(self, token: int, bundle: Any, kind: str, figure: Any) -> None:
        if bundle is self.bundle:
            self.figure_view.show_figure(kind, figure)

    # -- actions -----------------------------------------------------------------------------------
    def save_plot(self, path: str | None = None) -> str | None:
        """Save the shown plot as PNG (asks for the file when ``path`` is None)."""
        if self.figure_view.figure is None:
            return None
        if path is None:
            start = str(self.ws.home / "reports" / f"{self.figure_view.kind}.png")
            path = files.ask_save_file(self, "Save plot", start, "PNG (*.png)")
            if not path:
                return None
        self.services.guarded(self.figure_view.save_png, path)
        return path

    def export_report(self, path: str | None = None) -> JobWorker | None:
        """Write the HTML report in a worker (asks for the file when ``path`` is None)."""
        bundle = self.bundle
        if bundle is None:
            return None
        if path is None:
            name = "".join(c if c.isalnum() or c in "-_." else "_" for c in bundle.source["name"])
            start = str(self.ws.home / "reports" / f"evaluation_{name}.html")
            path = files.ask_save_file(self, "Export HTML report", start, "HTML (*.html)")
            if not path:
                return None
        ws = self.ws
        self.summary.setText("Writing the report…")
        self.progress.setRange(0, 0)  # busy: writing has no fractions to report
        return self.services.jobs.start("Writing the evaluation report", lambda ctx: ws.write_report(bundle, path),
                                        on_finished=self._on_report_written, on_done=self._on_report_done)

    def _on_report_done(self) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)

    def _on_report_written(self, path: Any) -> None:
        self.summary.setText(f"Report written to {path}")
        self.sig_report_written.emit(str(path))

    def use_threshold(self, value: float) -> None:
        """Store the slider's threshold with the evaluated job or version."""
        if self.key is None:
            return
        try:
            self.ws.set_threshold(self.key, value)
        except Exception as exc:  # noqa: BLE001 - the one error handler shows it
            self.services.errors.handle(exc)
            return
        self.summary.setText(f"Decision threshold {value:.2f} stored; later predictions of this model use it.")
        self.sig_threshold_stored.emit(value)

    def choose_best_threshold(self) -> JobWorker | None:
        if self.key is None:
            return None
        key, ws = self.key, self.ws
        return self.services.jobs.start("Choosing a threshold", lambda ctx: ws.choose_threshold(key, "f1"),
                                        on_finished=self._on_best_threshold)

    def _on_best_threshold(self, choice: dict[str, Any]) -> None:
        value = float(choice["threshold"])
        self.threshold_panel.set_threshold(value)
        self.summary.setText(f"Threshold {value:.2f} (best F1 on the {choice.get('chosen_on', 'validation rows')}) "
                             "stored; later predictions use it.")
        self.sig_threshold_stored.emit(value)

    def shutdown(self) -> None:
        self.figure_view.clear()


def worst_first(worst: Any, X: Any) -> Any:
    """The worst rows with the row number, actual, predicted and error columns before the features."""
    if worst is None:
        return None
    features = set(X.columns) if X is not None else set()
    front = [c for c in worst.columns if c not in features]
    frame = worst[front + [c for c in worst.columns if c in features]]
    frame = frame.rename_axis("row").reset_index()
    return frame


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box

