"""AutoView: the best model in one click — a live leaderboard and the best score against elapsed time."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget,
)

from desktop.plots import LivePlot
from desktop.services import Services
from desktop.tabs.training.data_choice import TASK_METRICS, DataChoice
from desktop.tabs.training.job_view import JobViewMixin
from desktop.tabs.training.trial_tables import _Table
from desktop.widgets.job_panel import (form_beside_results, job_progress_bar, progress_over_results,
                                       start_and_cancel, button_row)
from desktop.workers import JobWorker
from mlcore import vocab

DEFAULT_METRIC = "default (ROC-AUC / log loss / R²)"
LEADERBOARD_HEADERS = ["#", "Model", "Family", "CV score", "± std", "Fit (s)", "Predict (ms/1k rows)",
                       "Ensemble weight"]
BEST, TRIALS = "best so far", "candidates"
BEST_BRUSH = QBrush(QColor("#dcebd9"))


class LeaderboardTable(_Table):
    """Candidates queued as they arrive and added in batches by ``flush``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(LEADERBOARD_HEADERS, parent)
        self._pending: list[dict[str, Any]] = []

    def clear_rows(self) -> None:
        self._pending.clear()
        self.setRowCount(0)

    def queue(self, row: dict[str, Any]) -> None:
        self._pending.append(row)

    def flush(self) -> bool:
        rows, self._pending = self._pending, []
        for r in rows:
            i = self.rowCount()
            self.insertRow(i)
            failed = r.get("status") != "ok"
            values = [r.get("trial"), r.get("model"), r.get("family"),
                      "failed" if failed else _num(r.get("score")), _num(r.get("score_std")),
                      _num(r.get("fit_seconds"), 2), _num(r.get("predict_ms_per_1k_rows"), 1),
                      _num(r.get("ensemble_weight"), 2) if r.get("ensemble_weight") else ""]
            for j, v in enumerate(values):
                item = QTableWidgetItem("" if v is None else str(v))
                if failed and r.get("error"):
                    item.setToolTip(str(r["error"]))
                self.setItem(i, j, item)
        return bool(rows)

    def set_weights(self, weights: dict[int, float]) -> None:
        """Show the final ensemble weights and shade the members."""
        for i in range(self.rowCount()):
            trial = int(self.item(i, 0).text())
            w = weights.get(trial)
            self.setItem(i, 7, QTableWidgetItem(_num(w, 2) if w else ""))
            for j in range(self.columnCount()):
                item = self.item(i, j)
                if item is not None:
                    item.setBackground(BEST_BRUSH if w else QBrush())


def _num(value: Any, digits: int = 4) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "—"


class AutoView(JobViewMixin, QWidget):
    """The Auto view of the Training tab; ``rows`` holds the leaderboard rows in arrival order."""

    sig_row = Signal(dict)
    sig_auto_ended = Signal(str)  # completed | failed | cancelled
    sig_deployed = Signal(object)  # ModelVersionInfo

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.worker: JobWorker | None = None
        self.rows: list[dict[str, Any]] = []
        self.job: Any = None
        self._run: dict[str, Any] = {}

        form = QWidget()
        form_layout = QVBoxLayout(form)
        self.data = DataChoice(services)
        form_layout.addWidget(self.data)
        form_layout.addWidget(self._build_settings())
        form_layout.addStretch(1)
        form_beside_results(self, form, self._buttons, self._build_results())

        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._update_time_label)
        self._table_timer = QTimer(self)
        self._table_timer.setInterval(100)
        self._table_timer.timeout.connect(self.table.flush)
        self.data.sig_task_changed.connect(self._fill_metrics)
        self.data.sig_ready_changed.connect(lambda ready: self.start_button.setEnabled(ready and self.worker is None))
        self._fill_metrics(self.data.task())
        self.data.start_detection()

    # -- building ------------------------------------------------------------------------------
    def _build_settings(self) -> QWidget:
        s = self.services
        box = QGroupBox("AutoML")
        form = QFormLayout(box)
        self.budget_spin = QSpinBox()
        self.budget_spin.setRange(5, 86400)
        self.budget_spin.setSuffix(" s")
        self.budget_spin.setValue(int(s.recall("auto/time_budget", 60, int)))
        self.budget_spin.setToolTip("The whole job — search, ensemble and test evaluation — ends within this time")
        self.metric_combo = QComboBox()
        self.test_spin = QDoubleSpinBox()
        self.test_spin.setRange(0.05, 0.6)
        self.test_spin.setSingleStep(0.05)
        self.test_spin.setValue(float(s.recall("auto/test_size", 0.2, float)))
        self.test_spin.setToolTip("Rows held out to evaluate the final model")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setValue(int(s.recall("auto/seed", 42, int)))
        form.addRow("Time budget", self.budget_spin)
        form.addRow("Metric", self.metric_combo)
        form.addRow("Test size", self.test_spin)
        form.addRow("Seed", self.seed_spin)
        hint = QLabel("Searches LightGBM, XGBoost, HistGradientBoosting, extra trees, random forest and linear "
                      "models, cheapest first, then builds an ensemble when it beats the best single model.")
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        form.addRow(hint)
        self.start_button, self.cancel_button = start_and_cancel("Start AutoML", self.start_auto, self.cancel_auto)
        self._buttons = button_row(self.start_button, self.cancel_button)
        return box

    def _build_results(self) -> QWidget:
        self.progress = job_progress_bar()
        self.time_label = QLabel("Not running")
        self.time_label.setObjectName("hint")
        self.plot = LivePlot("Best score so far", "score", x_label="elapsed (s)", legend_at_bottom=True)
        self.plot.setMinimumHeight(200)
        self.table = LeaderboardTable()
        self.result_label = QLabel("")
        self.result_label.setObjectName("result")
        self.result_label.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("model name")
        self.deploy_button = QPushButton("Deploy best")
        self.deploy_button.setToolTip("Register the final model (ensemble or best single) as a model version")
        self.deploy_button.clicked.connect(self.deploy_best)
        self.evaluate_button = QPushButton("Evaluate best")
        self.evaluate_button.setToolTip("Open the final model on its test rows in the Evaluation tab")
        self.evaluate_button.clicked.connect(self.evaluate_best)
        for b in (self.deploy_button, self.evaluate_button):
            b.setEnabled(False)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Name"))
        actions.addWidget(self.name_edit, 1)
        actions.addWidget(self.deploy_button)
        actions.addWidget(self.evaluate_button)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Leaderboard")
        title.setObjectName("sectionTitle")
        lower_layout.addWidget(self.result_label)
        lower_layout.addWidget(title)
        lower_layout.addWidget(self.table, 1)
        lower_layout.addLayout(actions)
        return progress_over_results(self.progress, self.time_label, self.plot, lower)

    def _fill_metrics(self, task: str) -> None:
        keep = self.metric_combo.currentText()
        self.metric_combo.clear()
        self.metric_combo.addItem(DEFAULT_METRIC)
        self.metric_combo.addItems(TASK_METRICS.get(task, []))
        if keep and self.metric_combo.findText(keep) >= 0:
            self.metric_combo.setCurrentText(keep)

    def config(self) -> dict[str, Any]:
        """The automl request the form describes (Workspace.automl's arguments)."""
        metric = self.metric_combo.currentText()
        return {"dataset_id": self.data.dataset_id(), "target_column": self.data.target(),
                "task_type": self.data.task(), "time_budget": self.budget_spin.value(),
                "metric": None if metric in ("", DEFAULT_METRIC) else metric, "recipe": self.data.recipe(),
                "test_size": self.test_spin.value(), "seed": self.seed_spin.value()}

    # -- running -------------------------------------------------------------------------------
    def start_auto(self) -> JobWorker | None:
        config = self.config()
        if self.worker is not None or not config["dataset_id"] or not config["target_column"]:
            return None
        s = self.services
        s.remember("auto/time_budget", config["time_budget"])
        s.remember("auto/test_size", config["test_size"])
        s.remember("auto/seed", config["seed"])
        self._run = config
        self.rows, self.job = [], None
        self.table.clear_rows()
        self.plot.reset(title=f"Best CV score so far (budget {config['time_budget']} s)")
        self.plot.set_y_label(config["metric"] or "score")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.curve(TRIALS, points=True)
        self.plot.curve(BEST).item.setPen({"color": "#ff7f0e", "width": 2})
        self.result_label.setText(f"Searching for {config['time_budget']} s…")
        return self._start_job("AutoML", lambda ctx: self.ws.automl(ctx=ctx, **config))

    def cancel_auto(self) -> None:
        self._cancel_job("Stopping; the best model so far is kept…")

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and bool(self.data.dataset_id() and self.data.target()))
        self.cancel_button.setEnabled(running)
        self.data.setEnabled(not running)
        done = not running and self.job is not None and self.job.status == "completed"
        self.deploy_button.setEnabled(done)
        self.evaluate_button.setEnabled(done)
        if running:
            self._clock.start()
            self._table_timer.start()
        else:
            self._clock.stop()
            self._table_timer.stop()
            self.table.flush()
            self.plot.redraw_if_dirty()

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "automl_ensemble":
            self.table.flush()
            self.table.set_weights({int(e["trial"]): float(e["weight"]) for e in data.get("ensemble") or []})
            return
        if kind != "automl_trial":
            return
        row = dict(data)
        self.rows.append(row)
        self.table.queue(row)
        elapsed = float(row.get("elapsed") or 0.0)
        if row.get("status") == "ok" and row.get("score") is not None:
            self.plot.add_point(TRIALS, elapsed, float(row["score"]))
        if row.get("best_score") is not None:
            self.plot.add_point(BEST, elapsed, float(row["best_score"]))
        self.sig_row.emit(row)

    def _on_finished(self, job: Any) -> None:
        self.job = job
        results = job.results or {}
        auto = results.get("automl") or {}
        summary = results.get("training_summary") or {}
        self.table.flush()
        self.table.set_weights({int(e["trial"]): float(e["weight"]) for e in auto.get("ensemble") or []})
        test = ((results.get("evaluation") or {}).get("test") or {}).get("metrics") or {}
        metric = auto.get("metric", "")
        shown = ", ".join(f"{k} {test[k]:.4f}" for k in vocab.HEADLINE_METRICS
                          if isinstance(test.get(k), (int, float)))
        what = (f"an ensemble of {len(auto.get('ensemble') or [])} candidates" if auto.get("used_ensemble")
                else summary.get("best_model", "the best candidate"))
        stopped = " Stopped early by you; the best so far is kept." if summary.get("stopped_by_user") else ""
        self.result_label.setText(
            f"{len(auto.get('leaderboard') or [])} candidates in {summary.get('seconds', 0):.1f} s "
            f"({auto.get('validation')}). Final model: {what}, {metric} {_num(auto.get('final_score'))} "
            f"out of fold" + (f"; test: {shown}." if shown else ".") + stopped)
        if not self.name_edit.text():
            info = self.services.guarded(self.ws.get_dataset, self._run.get("dataset_id"))
            self.name_edit.setText(f"{getattr(info, 'name', 'model')}-auto")

    def _on_done(self) -> None:
        self.sig_auto_ended.emit(self._end_job("Cancelled before any model was scored."))

    # -- the best model --------------------------------------------------------------------------
    def deploy_best(self) -> JobWorker | None:
        if self.job is None or self.job.status != "completed":
            return None
        name = self.name_edit.text().strip() or "automl"
        job_id = self.job.id
        return self.services.jobs.start(f"Deploying {name}", lambda ctx: self.ws.deploy(job_id, name),
                                        on_finished=self._on_deployed)

    def _on_deployed(self, info: Any) -> None:
        self.result_label.setText(self.result_label.text() + f" Deployed as {info.name} {info.version} (staged).")
        self.services.events.sig_jobs_changed.emit()
        self.sig_deployed.emit(info)

    def evaluate_best(self) -> bool:
        """Show the final model in the Evaluation tab (when the window has one)."""
        window = self.window()
        if self.job is None or not hasattr(window, "tab"):
            return False
        evaluation = window.tab("evaluation")
        window.select_tab("evaluation")
        return bool(evaluation.choose_source(self.job.id))

    def shutdown(self) -> None:
        self._clock.stop()
        self._table_timer.stop()
        self.plot.stop()
