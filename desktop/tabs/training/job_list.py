"""JobTable: the workspace's jobs with their status, newest first."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from mlcore import vocab

STATUS_COLORS = {
    "completed": "#2e7d32", "running": "#1565c0", "pending": "#6d6d6d", "failed": "#c62828",
    "cancelled": "#ef6c00", "interrupted": "#8e24aa",
}
HEADERS = ["Job", "Kind", "Algorithm", "Status", "Started", "Duration", "Result"]


class JobTable(QTableWidget):
    """A small table (jobs are few); refreshed from ``Workspace.list_jobs``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.jobs: list[Any] = []

    def show_jobs(self, jobs: list[Any]) -> None:
        self.jobs = sorted(jobs, key=lambda j: str(j.created_at), reverse=True)
        self.setRowCount(len(self.jobs))
        for row, job in enumerate(self.jobs):
            config = job.config or {}
            cells = [str(job.id)[:8], str(job.kind), str(config.get("algorithm", "—")), str(job.status),
                     _time(job.started_at or job.created_at), _duration(job.started_at, job.completed_at),
                     _headline(job)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setForeground(QBrush(QColor(STATUS_COLORS.get(job.status, "#333"))))
                if col == 6 and job.error:
                    item.setToolTip(str(job.error))
                self.setItem(row, col, item)

    def status_of(self, job_id: str) -> str | None:
        for job in self.jobs:
            if job.id == job_id:
                return job.status
        return None


def _parse(value: Any) -> _dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value
    try:
        return _dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _time(value: Any) -> str:
    moment = _parse(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _duration(start: Any, end: Any) -> str:
    a, b = _parse(start), _parse(end)
    if a is None or b is None:
        return "—"
    return f"{(b - a).total_seconds():.1f} s"


def test_metrics(job: Any) -> dict[str, float]:
    """The job's headline metrics on the test rows (numbers only)."""
    evaluation = (job.results or {}).get("evaluation") or {}
    if isinstance(evaluation.get("test"), dict):
        evaluation = evaluation["test"]
    metrics = evaluation.get("metrics", evaluation)
    if not isinstance(metrics, dict):
        return {}
    return {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _headline(job: Any) -> str:
    if job.error:
        return str(job.error).splitlines()[0][:80]
    metrics = test_metrics(job)
    for key in vocab.HEADLINE_METRICS:
        if key in metrics:
            return f"test {key} {metrics[key]:.4g}"
    return ""


def job_summary(job: Any) -> str:
    """One line about a finished job: its test metrics and how training went."""
    parts = [f"{k} {v:.4g}" for k, v in test_metrics(job).items()][:8]
    summary = (job.results or {}).get("training_summary") or {}
    extra = []
    for key in ("iterations", "n_iterations", "best_iteration", "stopped_early", "fit_seconds"):
        if key in summary:
            value = summary[key]
            extra.append(f"{key.replace('_', ' ').replace('n iterations', 'iterations')}: "
                         + (f"{value:.2f}" if isinstance(value, float) else str(value)))
    text = f"Job {str(job.id)[:8]} {job.status}. "
    if parts:
        text += "Test metrics: " + ", ".join(parts) + ". "
    if extra:
        text += " · ".join(extra)
    return text
