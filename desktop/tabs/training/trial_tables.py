"""The Tune view's tables: every trial as it finishes, and the best parameters so far."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

TRIAL_HEADERS = ["#", "Worker", "Value", "State", "Duration (s)", "Parameters"]
WORKER_COLUMN, PARAMS_COLUMN = 1, 5
STATE_BRUSHES = {"pruned": QBrush(QColor("#8a6d00")), "fail": QBrush(QColor("#c62828"))}
BEST_BRUSH = QBrush(QColor("#dcebd9"))


class _Table(QTableWidget):
    """A read-only, row-selecting table whose columns fit their contents."""

    def __init__(self, headers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(headers)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)


class TrialTable(_Table):
    """Trials are queued as they arrive and added in batches by ``flush`` (one relayout per batch).
    The Worker column shows once a trial names its worker (a tune with workers on one study)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(TRIAL_HEADERS, parent)
        self._pending: list[dict[str, Any]] = []
        self.setColumnHidden(WORKER_COLUMN, True)

    def clear_trials(self) -> None:
        self._pending.clear()
        self.setRowCount(0)
        self.setColumnHidden(WORKER_COLUMN, True)

    def queue(self, trial: dict[str, Any]) -> None:
        self._pending.append(trial)

    def flush(self) -> bool:
        """Add the queued trials; True when there were any."""
        rows, self._pending = self._pending, []
        if not rows:
            return False
        start = self.rowCount()
        self.setRowCount(start + len(rows))
        for i, t in enumerate(rows):
            state = str(t.get("state"))
            params = t.get("params") or {}
            shown = ", ".join(f"{k}={text(v, 4)}" for k, v in params.items())
            worker = t.get("worker")
            if worker is not None and self.isColumnHidden(WORKER_COLUMN):
                self.setColumnHidden(WORKER_COLUMN, False)
            cells = [str(t.get("number")), "" if worker is None else str(worker), num(t.get("value")), state,
                     num(t.get("duration"), 2), shown]
            for j, cell in enumerate(cells):
                item = QTableWidgetItem(cell)
                if j in (0, 1, 2, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if state in STATE_BRUSHES:
                    item.setForeground(STATE_BRUSHES[state])
                if j == PARAMS_COLUMN:
                    item.setToolTip(json.dumps(params, indent=1, default=str))
                self.setItem(start + i, j, item)
        self.scrollToBottom()
        return True

    def mark_best(self, number: Any) -> None:
        """Shade the row of trial ``number`` (and no other)."""
        for row in range(self.rowCount()):
            first = self.item(row, 0)
            brush = BEST_BRUSH if first is not None and first.text() == str(number) else QBrush()
            for col in range(self.columnCount()):
                item = self.item(row, col)
                if item is not None:
                    item.setBackground(brush)

    def add_errors(self, errors: dict[str, str]) -> None:
        """Put each failed trial's reason (by trial number) in front of its parameters."""
        for row in range(self.rowCount()):
            error = errors.get(self.item(row, 0).text())
            if error:
                cell = self.item(row, PARAMS_COLUMN)
                cell.setText(f"{error} — {cell.text()}")
                cell.setToolTip(f"{error}\n{cell.toolTip()}")


class BestParamsTable(_Table):
    """The best configuration so far: its score and trial first, then each parameter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(["Parameter", "Best value"], parent)

    def show_params(self, params: dict[str, Any], score: float | None = None, number: Any = None) -> None:
        extra = [] if score is None else [("(cv score)", num(score)), ("(trial)", str(number))]
        rows = extra + [(k, text(v)) for k, v in sorted(params.items())]
        self.setRowCount(len(rows))
        bold = QFont()
        bold.setBold(True)
        for row, (name, value) in enumerate(rows):
            key_item = QTableWidgetItem(name)
            if row < len(extra):
                key_item.setFont(bold)
            self.setItem(row, 0, key_item)
            self.setItem(row, 1, QTableWidgetItem(value))

    def shown(self) -> dict[str, str]:
        return {self.item(r, 0).text(): self.item(r, 1).text() for r in range(self.rowCount())}


def best_number(trials: list[dict[str, Any]], lower_is_better: bool) -> Any:
    """The number of the best complete trial (the earliest on ties), None without one."""
    done = [t for t in trials if t.get("state") == "complete" and t.get("value") is not None]
    if not done:
        return None
    sign = -1.0 if lower_is_better else 1.0
    return max(done, key=lambda t: (sign * t["value"], -t["number"]))["number"]


def num(value: Any, digits: int = 4) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return "—"
    return f"{value:.{digits}f}"


def text(value: Any, digits: int = 6) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)
