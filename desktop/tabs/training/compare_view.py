"""CompareView: cross-validate several algorithms, watch the bars fill in, read the p-values."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QListWidget,
    QListWidgetItem, QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget,
)

from mlcore import vocab
from desktop.tabs.training.job_view import JobViewMixin
from desktop.widgets.job_panel import button_row, job_progress_bar, progress_over_results, start_and_cancel
from desktop.plots.bar_chart_cv import CVBarChart
from desktop.services import Services
from desktop.tabs.training.data_choice import TASK_METRICS, DataChoice, lower_is_better
from desktop.tabs.training.handoff import send_to_train_view
from desktop.workers import JobWorker

HEADERS = ["Rank", "Model", "Mean", "± Std", "p vs best", "Fit time (s)", "Other metrics"]
BEST_BRUSH = QBrush(QColor("#dcebd9"))
FAILED_BRUSH = QBrush(QColor("#9aa0a6"))


class CompareView(JobViewMixin, QWidget):
    """The Compare view of the Training tab; ``rows`` holds the finished models, best first."""

    sig_row_added = Signal(dict)
    sig_compare_ended = Signal(str)  # completed | failed | cancelled

    def __init__(self, services: Services, train_view: Any = None) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.train_view = train_view
        self.worker: JobWorker | None = None
        self.rows: list[dict[str, Any]] = []
        self.result: dict[str, Any] | None = None
        self._run: dict[str, Any] = {}

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self._build_data())
        left_layout.addWidget(self._build_models(), 1)
        left_layout.addLayout(self._buttons)
        left.setMinimumWidth(340)
        left.setMaximumWidth(440)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self._build_results())
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._clock = QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._update_time_label)
        self.data.sig_task_changed.connect(self._fill_models)
        self.data.sig_ready_changed.connect(lambda ready: self.start_button.setEnabled(ready and self.worker is None))
        self.data.picker.sig_changed.connect(self._on_data_changed)
        self._fill_models(self.data.task())
        self.data.start_detection()

    # -- building ------------------------------------------------------------------------------
    def _build_data(self) -> QWidget:
        self.data = DataChoice(self.services)
        return self.data

    def _build_models(self) -> QWidget:
        box = QGroupBox("Models and scoring")
        layout = QVBoxLayout(box)
        self.model_list = QListWidget()
        self.model_list.setToolTip("Check the algorithms to cross-validate on the same folds")
        layout.addWidget(self.model_list, 1)
        form = QFormLayout()
        self.cv_spin = QSpinBox()
        self.cv_spin.setRange(2, 20)
        self.cv_spin.setValue(int(self.services.recall("compare/cv", 5, int)))
        self.metric_combo = QComboBox()
        self.metric_combo.setToolTip("The primary metric: bars, ranking and p-values use it")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_147_483_647)
        self.seed_spin.setValue(int(self.services.recall("compare/seed", 42, int)))
        form.addRow("CV folds", self.cv_spin)
        form.addRow("Metric", self.metric_combo)
        form.addRow("Seed", self.seed_spin)
        layout.addLayout(form)

        self.start_button, self.cancel_button = start_and_cancel("Start comparison", self.start_compare,
                                                                 self.cancel_compare)
        self._buttons = button_row(self.start_button, self.cancel_button)
        return box

    def _build_results(self) -> QWidget:
        self.progress = job_progress_bar()
        self.time_label = QLabel("Not running")
        self.time_label.setObjectName("hint")
        self.chart = CVBarChart("Cross-validated score (mean ± std)")
        self.chart.setMinimumHeight(220)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.result_label = QLabel("")
        self.result_label.setObjectName("result")
        self.result_label.setWordWrap(True)
        self.train_best_button = QPushButton("Train the best")
        self.train_best_button.setToolTip("Open the Train view with the selected (else the best) model chosen")
        self.train_best_button.setEnabled(False)
        self.train_best_button.clicked.connect(self.train_best)

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.result_label, 1)
        row.addWidget(self.train_best_button)
        lower_layout.addLayout(row)
        lower_layout.addWidget(self.table)
        return progress_over_results(self.progress, self.time_label, self.chart, lower)

    # -- choices -------------------------------------------------------------------------------
    def _fill_models(self, task: str) -> None:
        specs = self.services.guarded(self.ws.list_algorithms, task) or []
        wanted = self.services.recall(f"compare/models/{task}") or list(vocab.DEFAULT_MODELS.get(task, ()))
        if isinstance(wanted, str):
            wanted = [wanted]
        self.model_list.clear()
        for spec in specs:
            item = QListWidgetItem(spec.label)
            item.setData(Qt.ItemDataRole.UserRole, spec.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if spec.name in wanted else Qt.CheckState.Unchecked)
            item.setToolTip(spec.name)
            self.model_list.addItem(item)
        keep = self.metric_combo.currentText()
        self.metric_combo.clear()
        self.metric_combo.addItems(TASK_METRICS.get(task, []))
        if keep in TASK_METRICS.get(task, []):
            self.metric_combo.setCurrentText(keep)

    def checked_models(self) -> list[str]:
        items = (self.model_list.item(i) for i in range(self.model_list.count()))
        return [it.data(Qt.ItemDataRole.UserRole) for it in items if it.checkState() == Qt.CheckState.Checked]

    def set_checked_models(self, names: list[str]) -> None:
        for i in range(self.model_list.count()):
            item = self.model_list.item(i)
            wanted = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def config(self) -> dict[str, Any]:
        """The compare request the form describes (the seed's /models/compare body)."""
        return {"dataset_id": self.data.dataset_id(), "target_column": self.data.target(),
                "task_type": self.data.task(), "models": self.checked_models(), "cv": self.cv_spin.value(),
                "metric": self.metric_combo.currentText() or None, "recipe": self.data.recipe(),
                "seed": self.seed_spin.value()}

    # -- running -------------------------------------------------------------------------------
    def start_compare(self) -> JobWorker | None:
        config = self.config()
        if self.worker is not None or not config["dataset_id"] or not config["target_column"]:
            return None
        if not config["models"]:
            self.result_label.setText("Check at least one model to compare.")
            return None
        s = self.services
        s.remember(f"compare/models/{config['task_type']}", config["models"])
        s.remember("compare/cv", config["cv"])
        s.remember("compare/seed", config["seed"])
        self._run = dict(config, rows=self.data.rows())
        self.rows, self.result = [], None
        self._show_rows()
        self.result_label.setText(f"Comparing {len(config['models'])} models with {config['cv']}-fold CV…")
        return self._start_job(f"Comparing {len(config['models'])} models",
                               lambda ctx: self.ws.compare(ctx=ctx, **config))

    def _on_data_changed(self, dataset_id: str, _target: str) -> None:
        """Results of another dataset must not sit beside this form: clear them."""
        if self.worker is None and self._run.get("dataset_id") not in (None, dataset_id):
            self._run, self.rows, self.result = {}, [], None
            self._show_rows()
            self.result_label.setText("")
            self.progress.setValue(0)
            self.train_best_button.setEnabled(False)

    def cancel_compare(self) -> None:
        self._cancel_job("Cancelling…")

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.data.is_ready())
        self.cancel_button.setEnabled(running)
        self.data.setEnabled(not running)
        self.model_list.setEnabled(not running)
        self.train_best_button.setEnabled(not running and any(r["status"] == "ok" for r in self.rows))
        if running:
            self._clock.start()
        else:
            self._clock.stop()

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind != "compare_row":
            return
        self.rows = self._ranked(self.rows + [dict(data)])
        self._show_rows()
        self.sig_row_added.emit(dict(data))

    def _ranked(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows best first with p-values against the best so far (the engine's final ranking replaces them)."""
        from mlcore.tuning import rank_rows

        k = max(2, int(self._run.get("cv") or 5))
        n = max(k, int(self._run.get("rows") or 0))
        return rank_rows(rows, self._metric(), n * (k - 1) / k, n / k)

    def _metric(self) -> str:
        if self.result:
            return str(self.result.get("metric"))
        return str(self._run.get("metric") or TASK_METRICS.get(self._run.get("task_type", ""), ["score"])[0])

    def _on_finished(self, result: dict[str, Any]) -> None:
        self.result = result
        self.rows = [dict(r) for r in result.get("comparison") or []]
        self._show_rows()
        best = next((r for r in self.rows if r["status"] == "ok"), None)
        if best is None:
            self.result_label.setText("Every model failed; hover over a row for the reason.")
        else:
            self.result_label.setText(f"Best: {best['label']} — {result.get('metric')} {best['mean_score']:.4f} "
                                      f"± {best['std_score']:.4f}. A p-value under 0.05 means the gap to the best "
                                      "is larger than the fold noise.")

    def _on_done(self) -> None:
        self.sig_compare_ended.emit(self._end_job(f"Cancelled; the {len(self.rows)} finished models are kept."))

    # -- showing -------------------------------------------------------------------------------
    def _show_rows(self) -> None:
        metric = self._metric()
        ok = [r for r in self.rows if r["status"] == "ok"]
        direction = "lower is better" if lower_is_better(metric) else "higher is better"
        self.chart.set_bars([r["label"] for r in ok], [r["mean_score"] for r in ok], [r["std_score"] for r in ok],
                            best=0, y_label=metric, title=f"Cross-validated {metric} (mean ± std, {direction})")
        self.table.setRowCount(len(self.rows))
        bold = QFont()
        bold.setBold(True)
        for i, r in enumerate(self.rows):
            failed = r["status"] != "ok"
            others = ", ".join(f"{k} {v:.3f}" for k, v in (r.get("metrics") or {}).items()
                               if k != metric and isinstance(v, (int, float)) and v == v)
            cells = [str(r.get("rank") or "—"), r.get("label") or r["model"], _num(r.get("mean_score")),
                     _num(r.get("std_score")), _p(r.get("p_value")), _num(r.get("fit_time"), 3),
                     f"failed: {r.get('error')}" if failed else others]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if 2 <= j <= 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if failed:
                    item.setForeground(FAILED_BRUSH)
                    item.setToolTip(f"{r['model']} failed: {r.get('error')}")
                elif i == 0:
                    item.setBackground(BEST_BRUSH)
                    item.setFont(bold)
                    item.setToolTip("The best model")
                self.table.setItem(i, j, item)
        self.table.setHorizontalHeaderItem(2, QTableWidgetItem(f"Mean {metric}"))

    # -- hand-off --------------------------------------------------------------------------------
    def best_row(self) -> dict[str, Any] | None:
        """The selected row when it is a finished model, else the best one."""
        selected = self.table.currentRow()
        if 0 <= selected < len(self.rows) and self.rows[selected]["status"] == "ok" \
                and self.table.selectionModel().hasSelection():
            return self.rows[selected]
        return next((r for r in self.rows if r["status"] == "ok"), None)

    def train_best(self) -> bool:
        """Open the Train view with the best (or selected) model's algorithm chosen."""
        row = self.best_row()
        if row is None or not self._run:
            return False
        sent = send_to_train_view(self.train_view, self.services, self._run["dataset_id"], self._run["target_column"],
                                  self._run["task_type"], row["model"], recipe=self._run.get("recipe"))
        if not sent:
            self.result_label.setText("The Train view is busy with a training run; try again when it has ended.")
        return sent

    def shutdown(self) -> None:
        self._clock.stop()


def _num(value: Any, digits: int = 4) -> str:
    if value is None or not isinstance(value, (int, float)) or value != value:
        return "—"
    return f"{value:.{digits}f}"


def _p(value: Any) -> str:
    if value is None or value != value:
        return "—"
    return "1" if value >= 1.0 else (f"{value:.3f}" if value >= 0.001 else f"{value:.1e}")
