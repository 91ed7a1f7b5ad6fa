"""Column profile: dtype, missing values, statistics and a chart of one column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from desktop.plots import BarChart

# a histogram of a few hundred thousand values looks the same as one of ten million
HISTOGRAM_SAMPLE = 200_000
STAT_ORDER = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]


class ColumnProfile(QWidget):
    """Lists the columns; shows statistics and a histogram/bar chart of the selected one."""

    sig_column_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info: Any = None
        self._frame: pd.DataFrame | None = None
        self.columns = QListWidget()
        self.columns.setMaximumWidth(300)
        self.columns.setMinimumWidth(170)
        self.columns.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.columns.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.columns.currentItemChanged.connect(self._on_columns_current)
        self.title = QLabel("Select a column")
        self.title.setObjectName("sectionTitle")
        self.stats = QTableWidget(0, 2)
        self.stats.setHorizontalHeaderLabels(["Statistic", "Value"])
        self.stats.verticalHeader().setVisible(False)
        self.stats.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.stats.horizontalHeader().setStretchLastSection(True)
        self.stats.setMaximumWidth(250)
        self.stats.setMinimumWidth(170)
        self.stats.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.chart = BarChart()
        self.chart.setMinimumHeight(180)
        self.chart.setMinimumWidth(160)

        right = QVBoxLayout()
        right.addWidget(self.title)
        row = QHBoxLayout()
        row.addWidget(self.stats)
        row.addWidget(self.chart, 1)
        right.addLayout(row, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.columns, 1)
        layout.addLayout(right, 3)

    def show_dataset(self, info: Any, frame: pd.DataFrame | None) -> None:
        """Show the columns of ``info``; ``frame`` (its rows or a sample of them; None until read) feeds the chart."""
        self._info, self._frame = info, frame
        current = self.current_column()
        self.columns.blockSignals(True)
        self.columns.clear()
        if info is not None:
            for name in info.column_names:
                missing = int(info.missing_values.get(name, 0))
                text = f"{name} · {info.dtypes.get(name, '?')}" + (f" · {missing} missing" if missing else "")
                if name == info.target_column:
                    text = text + " · target"
                item = QListWidgetItem(text)
                item.setToolTip(text)  # a long name is elided in the list
                item.setData(Qt.ItemDataRole.UserRole, name)
                self.columns.addItem(item)
        self.columns.blockSignals(False)
        names = list(info.column_names) if info is not None else []
        if names:
            self.select_column(current if current in names else names[0])
        else:
            self.title.setText("No dataset selected")
            self.stats.setRowCount(0)
            self.chart.clear_bars()

    def current_column(self) -> str | None:
        item = self.columns.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def select_column(self, name: str) -> None:
        for i in range(self.columns.count()):
            if self.columns.item(i).data(Qt.ItemDataRole.UserRole) == name:
                if self.columns.currentRow() == i:
                    self._show_column(name)
                else:
                    self.columns.setCurrentRow(i)
                return

    def _on_columns_current(self, item: QListWidgetItem | None, _previous: Any) -> None:
        if item is not None:
            name = item.data(Qt.ItemDataRole.UserRole)
            self._show_column(name)
            self.sig_column_selected.emit(name)

    def _show_column(self, name: str) -> None:
        info = self._info
        dtype = info.dtypes.get(name, "?")
        missing = int(info.missing_values.get(name, 0))
        self.title.setText(f"<b>{name}</b> — {dtype}, {missing} missing of {info.rows}")
        profile = info.profile or {}
        numeric = (profile.get("numeric_stats") or {}).get(name)
        categorical = (profile.get("categorical_stats") or {}).get(name)
        rows: list[tuple[str, str]] = [("dtype", str(dtype)), ("missing", f"{missing} ({missing / max(info.rows, 1):.1%})")]
        if numeric:
            rows += [(k, _fmt(numeric[k])) for k in STAT_ORDER if k in numeric]
        elif categorical:
            rows.append(("distinct values", str(categorical.get("cardinality", "?"))))
            for value, count in (categorical.get("top_values") or [])[:8]:
                rows.append((f"= {value}", str(count)))
        self.stats.setRowCount(len(rows))
        for r, (k, v) in enumerate(rows):
            self.stats.setItem(r, 0, QTableWidgetItem(k))
            self.stats.setItem(r, 1, QTableWidgetItem(v))
        self._draw_chart(name, numeric, categorical)

    def _draw_chart(self, name: str, numeric: Any, categorical: Any) -> None:
        frame = self._frame
        if frame is not None and name in frame.columns:
            column, note = _sample(frame[name], self._info.rows)
            if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column) \
                    and column.nunique(dropna=True) > 12:
                values = column.to_numpy(dtype=float, na_value=np.nan)
                self.chart.set_histogram(values, bins=30, title=f"Histogram of {name}{note}")
                return
            counts = column.astype("str").value_counts(dropna=True).head(15)
            self.chart.set_bars(list(counts.index), list(counts.values), title=f"Most frequent values of {name}{note}")
            return
        if categorical and categorical.get("top_values"):
            top = categorical["top_values"][:15]
            self.chart.set_bars([t[0] for t in top], [t[1] for t in top], title=f"Most frequent values of {name}")
        else:
            self.chart.clear_bars()
            self.chart.setTitle(f"{name}: loading data…" if frame is None else name, color="#333", size="10pt")


def _sample(column: pd.Series, total_rows: int) -> tuple[pd.Series, str]:
    """At most HISTOGRAM_SAMPLE values of ``column`` (drawn at random) and a note when they are not all rows."""
    if len(column) > HISTOGRAM_SAMPLE:
        rows = np.random.default_rng(0).choice(len(column), HISTOGRAM_SAMPLE, replace=False)
        column = column.iloc[np.sort(rows)]
    return column, (f" (sample of {len(column):,} rows)" if len(column) < total_rows else "")


def _fmt(value: Any) -> str:
    try:
        return f"{float(value):.6g}"
    except (TypeError, ValueError):
        return str(value)
