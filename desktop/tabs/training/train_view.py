"""TrainView: configure one training run, start/cancel it, watch its curves live."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton,
    QSpinBox, QSplitter, QVBoxLayout, QWidget,
)

from desktop.widgets.job_panel import (form_beside_results, job_progress_bar, progress_over_results,
                                       start_and_cancel, button_row)
from desktop.plots import LivePlot
from desktop.services import Services
from desktop.tabs.training.job_list import JobTable, job_summary
from desktop.tabs.training.param_form import ParamForm
from desktop.widgets.dataset_picker import DatasetPicker
from desktop.workers import JobWorker
from mlcore import vocab
from mlcore.jobs import MetricEvent
from mlcore.training import DEFAULT_ALGORITHM, DEFAULT_EARLY_STOPPING, DEFAULT_PATIENCE, DEFAULT_REFIT

NO_RECIPE = "(no recipe — choose below)"
TASKS = list(vocab.TASKS)
SCALINGS = ["default", *vocab.SCALINGS]  # default: the recipe's


class TrainView(QWidget):
    """The Train view of the Training tab."""

    sig_training_finished = Signal(object)  # JobInfo
    sig_training_ended = Signal(str)  # completed | failed | cancelled

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.worker: JobWorker | None = None
        self._job_listed = False
        self.metric_counts: Counter[tuple[str, str]] = Counter()
        self._detect_token = 0
        self._detecting = False
        self._shown_dataset: str | None = None  # the dataset of the curves on screen
        self._algorithms: dict[str, Any] = {}

        form_panel = self._build_form()
        form_beside_results(self, form_panel, self._buttons, self._build_monitor(), width=(400, 480))

        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._update_time_label)
        services.events.sig_recipes_changed.connect(self.refresh_recipes)
        services.events.sig_jobs_changed.connect(self.refresh_jobs)
        self.refresh_recipes()
        self.refresh_jobs()
        self._on_picker_changed(self.picker.dataset_id() or "", self.picker.target() or "")

    # -- building ------------------------------------------------------------------------------
    def _build_form(self) -> QWidget:
        s = self.services
        data = QGroupBox("Data")
        data_form = QFormLayout(data)
        self.picker = DatasetPicker(s)
        self.picker.sig_changed.connect(self._on_picker_changed)
        self.recipe_combo = QComboBox()
        self.task_combo = QComboBox()
        self.task_combo.addItems(TASKS)
        self.task_combo.currentTextChanged.connect(self._fill_algorithms)
        self.task_note = QLabel("")
        self.task_note.setObjectName("hint")
        data_form.addRow(self.picker)
        data_form.addRow("Recipe", self.recipe_combo)
        data_form.addRow("Task", self.task_combo)
        data_form.addRow("", self.task_note)

        algo = QGroupBox("Algorithm")
        algo_layout = QVBoxLayout(algo)
        self.algorithm_combo = QComboBox()
        self.algorithm_combo.currentIndexChanged.connect(self._on_algorithm_changed)
        self.param_form = ParamForm()
        reset = QPushButton("Reset to defaults")
        reset.clicked.connect(self.param_form.reset)
        algo_layout.addWidget(self.algorithm_combo)
        algo_layout.addWidget(self.param_form)
        algo_layout.addWidget(reset, 0, Qt.AlignmentFlag.AlignRight)

        run = QGroupBox("Training")
        run_form = QFormLayout(run)
        self.test_spin = _fraction_spin(float(s.recall("train/test_size", 0.2, float)), 0.05, 0.6)
        self.val_spin = _fraction_spin(float(s.recall("train/validation_size", 0.1, float)), 0.05, 0.5)
        self.scaling_combo = QComboBox()
        self.scaling_combo.addItems(SCALINGS)
        self.scaling_combo.setCurrentText(str(s.recall("train/scaling", "default")))
        self.scaling_combo.setToolTip("default: the recipe's scaling (standard without a recipe)")
        self.early_check = QCheckBox("stop when validation stops improving")
        self.early_check.setChecked(bool(s.recall("train/early_stopping", DEFAULT_EARLY_STOPPING, bool)))
        self.patience_spin = QSpinBox()
        self.patience_spin.setRange(1, 1000)
        self.patience_spin.setValue(int(s.recall("train/patience", DEFAULT_PATIENCE, int)))
        self.patience_spin.setToolTip("Rounds without improvement of the validation loss before stopping")
        self.early_check.toggled.connect(self.patience_spin.setEnabled)
        self.patience_spin.setEnabled(self.early_check.isChecked())
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setValue(int(s.recall("train/seed", 42, int)))
        run_form.addRow("Test size", self.test_spin)
        run_form.addRow("Validation size", self.val_spin)
        run_form.addRow("Scaling", self.scaling_combo)
        run_form.addRow("Early stopping", self.early_check)
        run_form.addRow("Patience", self.patience_spin)
        self.refit_check = QCheckBox("refit on train + validation rows")
        self.refit_check.setToolTip("After early stopping has chosen the rounds, fit again on the training and "
                                    "validation rows with those rounds scaled to the extra rows")
        self.refit_check.setChecked(bool(s.recall("train/refit", DEFAULT_REFIT, bool)))
        run_form.addRow("Refit", self.refit_check)
        run_form.addRow("Seed", self.seed_spin)
        self.dask_edit = QLineEdit(str(s.recall("train/dask", "", str)))
        self.dask_edit.setPlaceholderText("empty: in this process · local · tcp://host:8786")
        self.dask_edit.setToolTip("Train LightGBM or XGBoost on a Dask cluster, for partitioned datasets bigger "
                                  "than this machine's memory: 'local' starts a cluster for the job, an address "
                                  "joins a running one (the dask extra must be installed)")
        run_form.addRow("Dask cluster", self.dask_edit)

        self.start_button, self.cancel_button = start_and_cancel("Start training", self.start_training,
                                                                 self.cancel_training)
        self._buttons = button_row(self.start_button, self.cancel_button)

        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.addWidget(data)
        layout.addWidget(algo)
        layout.addWidget(run)
        layout.addStretch(1)
        return panel

    def _build_monitor(self) -> QWidget:
        self.progress = job_progress_bar()
        self.progress.setFormat("%p%")
        self.time_label = QLabel("Not running")
        self.time_label.setObjectName("hint")
        self.loss_plot = LivePlot("Loss per iteration", "loss")
        self.metric_plot = LivePlot("Metric per iteration", "metric", legend_at_bottom=True)
        self.result_label = QLabel("")
        self.result_label.setObjectName("result")
        self.result_label.setWordWrap(True)
        self.job_table = JobTable()

        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.metric_plot)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.result_label)
        jobs_title = QLabel("Jobs")
        jobs_title.setObjectName("sectionTitle")
        lower_layout.addWidget(jobs_title)
        lower_layout.addWidget(self.job_table)
        return progress_over_results(self.progress, self.time_label, plots, lower, stretch=(3, 2))

    # -- choices ---------------------------------------------------------------------------------
    def choose_dataset(self, dataset_id: str) -> None:
        if self.worker is None:
            self.picker.choose(dataset_id)

    def train_with(self, dataset_id: str, target: str, algorithm: str, params: dict[str, Any]) -> JobWorker | None:
        """Fill the form (dataset, target, algorithm, hyperparameters) and start training."""
        if self.worker is not None:
            return None
        self.picker.choose(dataset_id)
        if target:
            self.picker.target_combo.setCurrentText(target)
        index = self.algorithm_combo.findData(algorithm)
        if index >= 0:
            self.algorithm_combo.setCurrentIndex(index)
        self.param_form.set_values(params)
        return self.start_training()

    def refresh_recipes(self) -> None:
        keep = self.recipe_combo.currentText()
        recipes = self.services.guarded(self.ws.list_recipes) or []
        self.recipe_combo.clear()
        self.recipe_combo.addItem(NO_RECIPE)
        self.recipe_combo.addItems([r.name for r in recipes])
        if keep:
            self.recipe_combo.setCurrentText(keep)

    def refresh_jobs(self) -> None:
        jobs = self.services.guarded(self.ws.list_jobs) or []
        self.job_table.show_jobs([j for j in jobs if j.kind not in vocab.UTILITY_JOB_KINDS])

    def _on_picker_changed(self, dataset_id: str, target: str) -> None:
        if self.worker is None and self._shown_dataset is not None and dataset_id != self._shown_dataset:
            self.clear_results()  # curves of another dataset must not sit beside this form
        self._detect_token += 1
        self._detecting = bool(dataset_id and target)
        self._update_start_button()
        if not (dataset_id and target):
            self.task_note.setText("")
            self._fill_algorithms(self.task_combo.currentText())
            return
        token = self._detect_token
        self.task_note.setText("detecting the task…")  # Start waits: the shown task may be the last target's
        self.services.jobs.start("Detecting the task", lambda ctx: self.services.tasks.detect(dataset_id, target),
                                 on_finished=lambda task: self._on_task_detected(token, task),
                                 on_failed=lambda e: self._on_task_detection_failed(token, e), light=True)

    def clear_results(self) -> None:
        """Forget the shown run: curves, result line, progress."""
        self._shown_dataset = None
        self.loss_plot.reset()
        self.metric_plot.reset()
        self.metric_counts.clear()
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.result_label.setText("")
        self.time_label.setText("Not running")

    def _update_start_button(self) -> None:
        ready = bool(self.picker.dataset_id() and self.picker.target())
        self.start_button.setEnabled(ready and not self._detecting and self.worker is None)

    def _on_task_detection_failed(self, token: int, error: BaseException) -> None:
        if token != self._detect_token:
            return
        self._detecting = False
        self.task_note.setText(f"task not detected ({error}); choose it")
        self._update_start_button()

    def _on_task_detected(self, token: int, task: str) -> None:
        if token != self._detect_token:
            return
        self._detecting = False
        self._update_start_button()
        self.task_note.setText(f"detected from the target: {task}")
        if self.task_combo.currentText() == task:
            self._fill_algorithms(task)
        else:
            self.task_combo.setCurrentText(task)

    def _fill_algorithms(self, task: str) -> None:
        specs = self.services.guarded(self.ws.list_algorithms, task) or []
        self._algorithms = {a.name: a for a in specs}
        wanted = self.services.recall(f"train/algorithm/{task}") or self.algorithm_combo.currentData() \
            or DEFAULT_ALGORITHM
        self.algorithm_combo.blockSignals(True)
        self.algorithm_combo.clear()
        for spec in specs:
            self.algorithm_combo.addItem(spec.label, spec.name)
        index = self.algorithm_combo.findData(wanted)
        self.algorithm_combo.setCurrentIndex(max(index, 0))
        self.algorithm_combo.blockSignals(False)
        self._on_algorithm_changed()

    def _on_algorithm_changed(self, _index: int = 0) -> None:
        name = self.algorithm_combo.currentData()
        spec = self._algorithms.get(name)
        if spec is None:
            self.param_form.set_specs([])
            return
        saved = self.services.recall(f"train/params/{name}")
        values = _loads(saved)
        self.param_form.set_specs(spec.params, values)
        iterative = bool(getattr(getattr(spec, "abilities", None), "iterative", False))
        self.early_check.setEnabled(iterative)
        self.patience_spin.setEnabled(iterative and self.early_check.isChecked())

    # -- running ---------------------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """The train request the form describes (the seed's /models/train body)."""
        recipe = self.recipe_combo.currentText()
        return {
            "dataset_id": self.picker.dataset_id(),
            "target_column": self.picker.target(),
            "task_type": self.task_combo.currentText(),
            "algorithm": self.algorithm_combo.currentData(),
            "hyperparameters": self.param_form.values(),
            "test_size": self.test_spin.value(),
            "validation_size": self.val_spin.value(),
            "scaling_method": None if self.scaling_combo.currentText() == "default" else self.scaling_combo.currentText(),
            "feature_selection": None,
            "early_stopping": self.early_check.isChecked() and self.early_check.isEnabled(),
            "early_stopping_patience": self.patience_spin.value(), "refit": self.refit_check.isChecked(),
            "recipe": None if recipe == NO_RECIPE else recipe,
            "seed": self.seed_spin.value(),
        }

    def dask_address(self) -> str | None:
        """The Dask cluster of the form: None (train in this process), "local" or a scheduler address."""
        return self.dask_edit.text().strip() or None

    def start_training(self) -> JobWorker | None:
        if self.worker is not None:
            return None
        config = self.config()
        if not config["dataset_id"] or not config["target_column"] or not config["algorithm"]:
            return None
        self._remember(config)
        self._shown_dataset = config["dataset_id"]
        self.loss_plot.reset()
        self.metric_plot.reset()
        self.metric_counts.clear()
        self.progress.setValue(0)
        self.result_label.setText("")
        label = self.algorithm_combo.currentText()
        dask = self.dask_address()
        self.worker = self.services.jobs.start(
            f"Training {label}" + (f" on Dask ({dask})" if dask else ""),
            lambda ctx: self.ws.train(config, ctx=ctx, dask=dask),
            on_finished=self._on_training_finished, on_done=self._on_training_done,
        )
        self.worker.sig_metrics.connect(self._on_worker_metrics)
        self.worker.sig_progress.connect(self._on_worker_progress)
        self.worker.sig_log.connect(self._on_worker_log)
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._clock.start()
        # the job's row appears once the workspace has created it: at its first report
        self._job_listed = False
        return self.worker

    def cancel_training(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.time_label.setText("Cancelling…")

    def _on_worker_metrics(self, events: list[MetricEvent]) -> None:
        # group the batch per curve so each curve grows by one vectorised append
        grouped: dict[tuple[str, str, str], tuple[list[int], list[float]]] = {}
        for e in events:
            xs, ys = grouped.setdefault((e.name, e.split, e.kind), ([], []))
            xs.append(e.step)
            ys.append(e.value)
        for (name, split, kind), (xs, ys) in grouped.items():
            self.metric_counts[(name, split)] += len(xs)
            plot = self.loss_plot if kind == "loss" else self.metric_plot
            plot.add_points(f"{split} {name}", xs, ys)
            plot.set_y_label(name)

    def _on_worker_progress(self, fraction: float, message: str) -> None:
        if not self._job_listed:
            self._job_listed = True
            self.refresh_jobs()
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"%p%  {message}" if message else "%p%")

    def _on_worker_log(self, message: str) -> None:
        self.result_label.setText(message)

    def _update_time_label(self) -> None:
        if self.worker is None:
            return
        eta = self.worker.eta()
        eta_text = "—" if eta is None else f"{eta:.0f} s"
        self.time_label.setText(f"Elapsed {self.worker.elapsed():.1f} s · ETA {eta_text}")

    def _on_training_finished(self, job: Any) -> None:
        self.result_label.setText(job_summary(job))
        self.sig_training_finished.emit(job)

    def _on_training_done(self) -> None:
        worker, self.worker = self.worker, None
        self._clock.stop()
        self.loss_plot.redraw_if_dirty()
        self.metric_plot.redraw_if_dirty()
        status = worker.status if worker is not None else "completed"
        elapsed = worker.elapsed() if worker is not None else 0.0
        self.time_label.setText(f"{status.capitalize()} after {elapsed:.1f} s")
        if status == "cancelled":
            self.result_label.setText("Training cancelled.")
        elif status == "completed":
            self.progress.setValue(1000)
        self._update_start_button()
        self.cancel_button.setEnabled(False)
        self.refresh_jobs()
        self.services.events.sig_jobs_changed.emit()
        self.sig_training_ended.emit(status)

    def _remember(self, config: dict[str, Any]) -> None:
        s = self.services
        s.remember(f"train/algorithm/{config['task_type']}", config["algorithm"])
        s.remember(f"train/params/{config['algorithm']}", json.dumps(config["hyperparameters"]))
        s.remember("train/test_size", config["test_size"])
        s.remember("train/validation_size", config["validation_size"])
        s.remember("train/scaling", self.scaling_combo.currentText())
        s.remember("train/early_stopping", self.early_check.isChecked())
        s.remember("train/refit", self.refit_check.isChecked())
        s.remember("train/patience", config["early_stopping_patience"])
        s.remember("train/dask", self.dask_edit.text().strip())
        s.remember("train/seed", config["seed"])

    def shutdown(self) -> None:
        self._clock.stop()
        self.loss_plot.stop()
        self.metric_plot.stop()


def _fraction_spin(value: float, low: float, high: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(0.05)
    spin.setValue(value)
    return spin


def _loads(text: Any) -> dict[str, Any] | None:
    try:
        value = json.loads(text) if text else None
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
