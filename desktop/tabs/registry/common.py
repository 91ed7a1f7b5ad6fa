"""Shared pieces of the registry panels: status colours, headline metrics, version combos."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem

from mlcore import vocab

STATUS_COLORS = {"production": "#2e7d32", "staged": "#1565c0", "training": "#6d6d6d", "archived": "#9e9e9e"}
STATUS_BACKGROUNDS = {"production": "#e3f2e5", "staged": "#e3edf9", "training": "#f0f0f0", "archived": "#f5f5f5"}
# the application's #danger style stays red when disabled; this one greys out
DANGER_STYLE = "QPushButton { color: #b3261e; } QPushButton:disabled { color: #9aa0a6; }"
HEADLINE_KEYS = vocab.HEADLINE_METRICS


def headline_metric(metrics: dict[str, Any] | None) -> tuple[str, float] | None:
    """The first headline metric present in ``metrics`` as (name, value)."""
    for key in HEADLINE_KEYS:
        value = (metrics or {}).get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return key, float(value)
    return None


def headline_text(metrics: dict[str, Any] | None) -> str:
    """'accuracy 0.8123', or at a chosen threshold 'accuracy 0.8123 at 0.352 (0.5: 0.7913)'."""
    found = headline_metric(metrics)
    if not found:
        return "—"
    text = f"{found[0]} {found[1]:.4f}"
    before = ((metrics or {}).get("at_default_threshold") or {}).get(found[0])
    threshold = (metrics or {}).get("threshold")
    if isinstance(before, (int, float)) and isinstance(threshold, (int, float)):
        text += f" at {threshold:.3g} (0.5: {before:.4f})"
    return text


def when(value: Any) -> str:
    """A datetime (or ISO text) as 'YYYY-MM-DD HH:MM'."""
    if value is None:
        return "—"
    if not isinstance(value, _dt.datetime):
        try:
            value = _dt.datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    return value.strftime("%Y-%m-%d %H:%M")


def version_label(info: Any) -> str:
    return f"{info.name} {info.version} ({info.status})"


def fill_version_combo(combo: QComboBox, versions: list[Any], keep: str | None = None) -> None:
    """Put model versions (data: id) into ``combo``, keeping the current choice when it still exists."""
    keep = keep if keep is not None else combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for info in versions:
        combo.addItem(version_label(info), info.id)
    index = combo.findData(keep) if keep else -1
    combo.setCurrentIndex(index if index >= 0 else (0 if versions else -1))
    combo.blockSignals(False)


def make_table(headers: list[str], stretch_last: bool = True) -> QTableWidget:
    """A read-only, row-selecting table with these headers."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch_last)
    return table


def set_row(table: QTableWidget, row: int, cells: list[Any]) -> None:
    for col, value in enumerate(cells):
        item = QTableWidgetItem("—" if value is None else str(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(row, col, item)


def color_status(item: QTableWidgetItem, status: str) -> None:
    item.setForeground(QBrush(QColor(STATUS_COLORS.get(status, "#333"))))
    item.setBackground(QBrush(QColor(STATUS_BACKGROUNDS.get(status, "#ffffff"))))
    font = QFont(item.font())
    font.setBold(status == "production")
    item.setFont(font)


def fmt_number(value: Any, digits: int = 4) -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value:
            return "—"
        return f"{value:.{digits}g}" if abs(value) >= 1e4 or (value != 0 and abs(value) < 1e-3) else f"{value:.{digits}f}"
    return str(value)


def fmt_interval(ci: Any, digits: int = 4) -> str:
    if not ci or len(ci) != 2 or ci[0] is None or ci[1] is None:
        return "—"
    return f"{fmt_number(ci[0], digits)} – {fmt_number(ci[1], digits)}"
