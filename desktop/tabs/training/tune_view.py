"""TuneView: search one algorithm's hyperparameters; trial values and the best so far, live."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QPushButton,
    QSpinBox, QSplitter, QVBoxLayout, QWidget,
)

from desktop.tabs.training.job_view import JobViewMixin
from desktop.widgets.job_panel import (form_beside_results, job_progress_bar, progress_over_results,
                                       start_and_cancel, button_row)
from desktop.plots import LivePlot
from desktop.services import Services
from desktop.tabs.training.data_choice import TASK_METRICS, DataChoice, lower_is_better
from desktop.tabs.training.handoff import send_to_train_view
from desktop.tabs.training.trial_tables import BestParamsTable, TrialTable, best_number, num
from desktop.workers import JobWorker
from mlcore import vocab

METHODS = [("optuna", "Optuna (TPE)"), ("random", "Random search"), ("grid", "Grid search")]
HEADLINE_METRICS = vocab.HEADLINE_METRICS
COMPLETE, PRUNED, BEST = "complete trials", "pruned trials", "best so far"


class TuneView(JobViewMixin, QWidget):
    """The Tune view of the Training tab; ``trials`` holds the finished trials in order."""

    sig_trial = Signal(dict)
    sig_tune_ended = Signal(str)  # completed | failed | cancelled

    def __init__(self, services: Services, train_view: Any = None) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.train_view = train_view
        self.worker: JobWorker | None = None
        self.trials: list[dict[str, Any]] = []
        self.best_params: dict[str, Any] = {}
        self.job: Any = None
        self._run: dict[str, Any] = {}

        form = QWidget()
        form_layout = QVBoxLayout(form)
        form_layout.addWidget(self._build_data())
        form_layout.addWidget(self._build_search())
        form_layout.addStretch(1)
        form_beside_results(self, form, self._buttons, self._build_results())

        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._update_time_label)
        # trial rows join the table at the plot's pace, not one relayout per event
        self._table_timer = QTimer(self)
        self._table_timer.setInterval(100)
        self._table_timer.timeout.connect(self._flush_rows)
        self.data.sig_task_changed.connect(self._fill_algorithms)
        self.data.sig_ready_changed.connect(lambda ready: self.start_button.setEnabled(ready and self.worker is None))
        self.data.picker.sig_changed.connect(self._on_data_changed)
        self._fill_algorithms(self.data.task())
        self.data.start_detection()

    # -- building ------------------------------------------------------------------------------
    def _build_data(self) -> QWidget:
        self.data = DataChoice(self.services)
        return self.data

    def _build_search(self) -> QWidget:
        s = self.services
        box = QGroupBox("Search")
        form = QFormLayout(box)
        self.algorithm_combo = QComboBox()
        self.method_combo = QComboBox()
        for key, label in METHODS:
            self.method_combo.addItem(label, key)
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(s.recall("tune/method", "optuna"))))
        self.trials_spin = QSpinBox()
        self.trials_spin.setRange(1, 10000)
        self.trials_spin.setValue(int(s.recall("tune/n_trials", 30, int)))
        self.trials_spin.setToolTip("Trials to run (grid: at most this many combinations)")
        self.timeout_spin = QDoubleSpinBox()
        self.timeout_spin.setRange(0, 86400)
        self.timeout_spin.setDecimals(0)
        self.timeout_spin.setSuffix(" s")
        self.timeout_spin.setSpecialValueText("none")
        self.timeout_spin.setValue(float(s.recall("tune/timeout", 0, float)))
        self.timeout_spin.setToolTip("Stop starting new trials after this many seconds (none: no limit)")
        self.cv_spin = QSpinBox()
        self.cv_spin.setRange(2, 20)
        self.cv_spin.setValue(int(s.recall("tune/cv", 5, int)))
        self.metric_combo = QComboBox()
        self.pruning_check = QCheckBox("stop unpromising trials early")
        self.pruning_check.setToolTip("Median pruning after each fold (Optuna, iterative models)")
        self.pruning_check.setChecked(bool(s.recall("tune/pruning", True, bool)))
        self.method_combo.currentIndexChanged.connect(
            lambda _i: self.pruning_check.setEnabled(self.method_combo.currentData() == "optuna"))
        self.pruning_check.setEnabled(self.method_combo.currentData() == "optuna")
        self.test_spin = QDoubleSpinBox()
        self.test_spin.setRange(0.05, 0.6)
        self.test_spin.setSingleStep(0.05)
        self.test_spin.setValue(float(s.recall("tune/test_size", 0.2, float)))
        self.test_spin.setToolTip("Rows held out for the final evaluation of the best configuration")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setValue(int(s.recall("tune/seed", 42, int)))
        self.workers_spin = QSpinBox()
        self.workers_spin.setRange(1, 64)
        self.workers_spin.setValue(int(s.recall("tune/workers", 1, int)))
        self.workers_spin.setToolTip("Processes searching one shared study (trials and timeout are for all of "
                                     "them); with 2 or more, `mlcore worker --job ID` can join from another "
                                     "machine")
        form.addRow("Algorithm", self.algorithm_combo)
        form.addRow("Method", self.method_combo)
        form.addRow("Trials", self.trials_spin)
        form.addRow("Timeout", self.timeout_spin)
        form.addRow("CV folds", self.cv_spin)
        form.addRow("Metric", self.metric_combo)
        form.addRow("Pruning", self.pruning_check)
        form.addRow("Test size", self.test_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Workers", self.workers_spin)

        self.start_button, self.cancel_button = start_and_cancel("Start tuning", self.start_tune, self.cancel_tune)
        self._buttons = button_row(self.start_button, self.cancel_button)
        return box

    def _build_results(self) -> QWidget:
        self.progress = job_progress_bar()
        self.time_label = QLabel("Not running")
        self.time_label.setObjectName("hint")
        self.plot = LivePlot("Trial scores", "score", x_label="trial")
        self.plot.setMinimumHeight(200)
        self.trial_table = TrialTable()
        self.best_table = BestParamsTable()
        self.result_label = QLabel("")
        self.result_label.setObjectName("result")
        self.result_label.setWordWrap(True)
        self.train_best_button = QPushButton("Train best")
        self.train_best_button.setToolTip("Train this algorithm with the best parameters in the Train view")
        self.train_best_button.setEnabled(False)
        self.train_best_button.clicked.connect(self.train_best)

        best_box = QWidget()
        best_layout = QVBoxLayout(best_box)
        best_layout.setContentsMargins(0, 0, 0, 0)
        best_title = QLabel("Best parameters")
        best_title.setObjectName("sectionTitle")
        best_layout.addWidget(best_title)
        best_layout.addWidget(self.best_table, 1)
        best_layout.addWidget(self.train_best_button)
        trials_box = QWidget()
        trials_layout = QVBoxLayout(trials_box)
        trials_layout.setContentsMargins(0, 0, 0, 0)
        trials_title = QLabel("Trials")
        trials_title.setObjectName("sectionTitle")
        trials_layout.addWidget(trials_title)
        trials_layout.addWidget(self.trial_table, 1)
        tables = QSplitter(Qt.Orientation.Horizontal)
        tables.addWidget(trials_box)
        tables.addWidget(best_box)
        tables.setStretchFactor(0, 3)
        tables.setStretchFactor(1, 2)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.result_label)
        lower_layout.addWidget(tables, 1)
        return progress_over_results(self.progress, self.time_label, self.plot, lower)

    # -- choices -------------------------------------------------------------------------------
    def _fill_algorithms(self, task: str) -> None:
        specs = self.services.guarded(self.ws.list_algorithms, task) or []
        wanted = self.services.recall(f"tune/algorithm/{task}") or self.algorithm_combo.currentData() \
            or "random_forest"
        self.algorithm_combo.clear()
        for spec in specs:
            self.algorithm_combo.addItem(spec.label, spec.name)
        self.algorithm_combo.setCurrentIndex(max(0, self.algorithm_combo.findData(wanted)))
        keep = self.metric_combo.currentText()
        self.metric_combo.clear()
        self.metric_combo.addItems(TASK_METRICS.get(task, []))
        if keep in TASK_METRICS.get(task, []):
            self.metric_combo.setCurrentText(keep)

    def choose_algorithm(self, name: str) -> bool:
        index = self.algorithm_combo.findData(name)
        if index >= 0:
            self.algorithm_combo.setCurrentIndex(index)
        return index >= 0

    def config(self) -> dict[str, Any]:
        """The tune request the form describes (the seed's /models/tune body)."""
        timeout = self.timeout_spin.value()
        return {"dataset_id": self.data.dataset_id(), "target_column": self.data.target(),
                "task_type": self.data.task(), "algorithm": self.algorithm_combo.currentData(),
                "tuning_method": self.method_combo.currentData(), "n_trials": self.trials_spin.value(),
                "timeout": float(timeout) if timeout > 0 else None, "cv": self.cv_spin.value(),
                "metric": self.metric_combo.currentText() or None, "recipe": self.data.recipe(),
                "test_size": self.test_spin.value(), "seed": self.seed_spin.value(),
                "pruning": self.pruning_check.isChecked(),
                "workers": self.workers_spin.value() if self.workers_spin.value() > 1 else None}

    # -- running -------------------------------------------------------------------------------
    def start_tune(self) -> JobWorker | None:
        config = self.config()
        if self.worker is not None or not config["dataset_id"] or not config["target_column"] \
                or not config["algorithm"]:
            return None
        s = self.services
        s.remember(f"tune/algorithm/{config['task_type']}", config["algorithm"])
        for key in ("n_trials", "cv", "pruning", "test_size", "seed"):
            s.remember(f"tune/{key}", config[key])
        s.remember("tune/workers", config["workers"] or 1)
        s.remember("tune/method", config["tuning_method"])
        s.remember("tune/timeout", config["timeout"] or 0)
        self._run = config
        self.trials, self.best_params, self.job = [], {}, None
        self.trial_table.clear_trials()
        self.best_table.show_params({})
        metric = config["metric"] or TASK_METRICS[config["task_type"]][0]
        direction = "lower is better" if lower_is_better(metric) else "higher is better"
        self.plot.reset(title=f"Trial {metric} ({config['cv']}-fold CV mean, {direction})")
        self.plot.set_y_label(metric)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        legend = self.plot.getPlotItem().legend
        if legend is not None:  # away from where the best scores gather
            legend.setOffset((-10, 10) if lower_is_better(metric) else (-10, -10))
        self._style_curves()
        self.result_label.setText(f"Tuning {self.algorithm_combo.currentText()} ({config['tuning_method']})…")
        return self._start_job(f"Tuning {self.algorithm_combo.currentText()}",
                               lambda ctx: self.ws.tune(ctx=ctx, **config))

    def _on_data_changed(self, dataset_id: str, _target: str) -> None:
        """Trials of another dataset must not sit beside this form: clear them."""
        if self.worker is None and self._run.get("dataset_id") not in (None, dataset_id):
            self._run, self.trials, self.best_params, self.job = {}, [], {}, None
            self.trial_table.clear_trials()
            self.best_table.show_params({})
            self.plot.reset()
            self.result_label.setText("")
            self.progress.setValue(0)

    def cancel_tune(self) -> None:
        self._cancel_job("Cancelling after the running trial…")

    def _style_curves(self) -> None:
        complete = self.plot.curve(COMPLETE)
        complete.item.setPen(None)
        complete.item.setSymbol("o")
        complete.item.setSymbolSize(7)
        complete.item.setSymbolBrush("#1f77b4")
        complete.item.setSymbolPen(None)
        pruned = self.plot.curve(PRUNED)
        pruned.item.setPen(None)
        pruned.item.setSymbol("x")
        pruned.item.setSymbolSize(7)
        pruned.item.setSymbolBrush("#9aa0a6")
        pruned.item.setSymbolPen("#9aa0a6")
        best = self.plot.curve(BEST)
        best.item.setPen({"color": "#ff7f0e", "width": 2})

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.data.is_ready())
        self.cancel_button.setEnabled(running)
        self.data.setEnabled(not running)
        self.train_best_button.setEnabled(not running and bool(self.best_params or self._has_default_best()))
        if running:
            self._clock.start()
            self._table_timer.start()
        else:
            self._clock.stop()
            self._table_timer.stop()
            self._flush_rows()
            self.plot.redraw_if_dirty()

    def _has_default_best(self) -> bool:
        return any(t.get("state") == "complete" for t in self.trials)

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind != "trial":
            return
        trial = dict(data)
        self.trials.append(trial)
        self.trial_table.queue(trial)
        number, value, best = trial.get("number", len(self.trials) - 1), trial.get("value"), trial.get("best")
        if value is not None:
            self.plot.add_point(COMPLETE if trial.get("state") == "complete" else PRUNED, number, value)
        if best is not None:
            self.plot.add_point(BEST, number, best)
        if trial.get("state") == "complete" and value is not None and best is not None and value == best:
            self.best_params = dict(trial.get("params") or {})
            self.best_table.show_params(self.best_params, best, number)
        self.sig_trial.emit(trial)

    def _flush_rows(self) -> None:
        if self.trial_table.flush():
            self._mark_best_row()

    def _mark_best_row(self) -> None:
        number = _best_trial(self.job)
        if number is None:
            number = best_number(self.trials, lower_is_better(self._metric()))
        self.trial_table.mark_best(number)

    def _metric(self) -> str:
        return str(self._run.get("metric") or TASK_METRICS.get(self._run.get("task_type", ""), ["score"])[0])

    def _on_finished(self, job: Any) -> None:
        self.job = job
        results = job.results or {}
        self.best_params = dict(results.get("best_params") or self.best_params)
        self._flush_rows()
        # the reason a trial failed is only in the job's records
        self.trial_table.add_errors({str(t.get("number")): t.get("error") for t in results.get("trials") or []
                                     if t.get("error")})
        best_trial = _best_trial(job)
        self.best_table.show_params(self.best_params, results.get("best_score"), best_trial)
        self._mark_best_row()
        evaluation = results.get("evaluation") or {}
        test = evaluation.get("test", evaluation) if isinstance(evaluation, dict) else {}
        metrics = test.get("metrics", test) if isinstance(test, dict) else {}
        shown = ", ".join(f"{k} {metrics[k]:.4f}" for k in HEADLINE_METRICS
                          if isinstance(metrics.get(k), (int, float)) and not isinstance(metrics.get(k), bool))
        summary = results.get("training_summary") or {}
        best_score = results.get("best_score")
        self.result_label.setText(
            f"Best CV {results.get('metric')} {num(best_score)} at trial "
            f"{best_trial} of {summary.get('n_trials', len(self.trials))} "
            f"({summary.get('n_pruned', 0)} pruned, {summary.get('n_failed', 0)} failed). "
            + (f"Refitted on the training rows — test: {shown}. " if shown else "")
            + f"Job {str(job.id)[:8]} can be deployed from the Registry tab.")

    def _on_done(self) -> None:
        self.sig_tune_ended.emit(self._end_job(f"Cancelled; the {len(self.trials)} finished trials are kept."))

    # -- hand-off --------------------------------------------------------------------------------
    def train_best(self) -> Any:
        """Train the algorithm with the best parameters in the Train view (switching to it)."""
        if not self._run or not (self.best_params or self._has_default_best()):
            return None
        ok = send_to_train_view(self.train_view, self.services, self._run["dataset_id"], self._run["target_column"],
                                self._run["task_type"], self._run["algorithm"], params=self.best_params,
                                recipe=self._run.get("recipe"))
        if not ok:
            self.result_label.setText("The Train view is busy with a training run; try again when it has ended.")
            return None
        return self.train_view.start_training()

    def shutdown(self) -> None:
        self._clock.stop()
        self._table_timer.stop()
        self.plot.stop()


def _best_trial(job: Any) -> Any:
    """The number of the best trial of a finished tune job (None before it finished)."""
    results = (job.results or {}) if job is not None else {}
    summary = results.get("training_summary") or {}
    return summary.get("best_trial", results.get("best_trial"))
