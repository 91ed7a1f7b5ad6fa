"""Live curves: points appended from job events, drawn by a ~30 Hz timer, never per event."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

REDRAW_INTERVAL_MS = 33
MAX_REDRAW_INTERVAL_MS = 500
# at most this share of the UI thread goes to repainting a plot (slow machines redraw less often)
PAINT_BUDGET = 0.25

# colour-blind friendly pair for train/validation, then more for extra series
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


class LiveCurve:
    """One pyqtgraph curve over preallocated x/y buffers that grow by doubling."""

    def __init__(self, plot: pg.PlotItem, name: str, color: str, capacity: int = 1024, points: bool = False) -> None:
        self.name = name
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self._n = 0
        self._drawn = 0
        if points:  # a scatter (e.g. tuning trials): markers, no line
            self.item = plot.plot(name=name, pen=None, symbol="o", symbolSize=6, symbolBrush=color, symbolPen=None)
        else:
            self.item = plot.plot(name=name, pen=pg.mkPen(color, width=1))
        self.item.setDownsampling(auto=True, method="peak")
        self.item.setClipToView(True)

    def __len__(self) -> int:
        return self._n

    @property
    def dirty(self) -> bool:
        return self._drawn != self._n

    def append(self, x: float, y: float) -> None:
        if self._n == len(self._x):
            self._grow()
        self._x[self._n] = x
        self._y[self._n] = y
        self._n += 1

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        need = self._n + len(xs)
        while need > len(self._x):
            self._grow()
        self._x[self._n:need] = xs
        self._y[self._n:need] = ys
        self._n = need

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Views (not copies) of the points so far."""
        return self._x[: self._n], self._y[: self._n]

    def redraw(self) -> None:
        x, y = self.data()
        self.item.setData(x, y)
        self._drawn = self._n

    def clear(self) -> None:
        self._n = 0
        self.redraw()

    def _grow(self) -> None:
        size = len(self._x) * 2
        self._x = np.resize(self._x, size)
        self._y = np.resize(self._y, size)


class LivePlot(pg.PlotWidget):
    """A plot of named live curves (e.g. 'train', 'validation') with a redraw timer."""

    def __init__(self, title: str = "", y_label: str = "", x_label: str = "iteration", parent: QWidget | None = None,
                 legend_at_bottom: bool = False) -> None:
        super().__init__(parent=parent, background="w")
        self.setTitle(title, color="#333", size="10pt")
        self.setLabel("left", y_label)
        self.setLabel("bottom", x_label)
        self.showGrid(x=True, y=True, alpha=0.25)
        # grid lines at minor ticks triple the cost of every repaint; major ones suffice
        for axis in ("left", "bottom"):
            self.getAxis(axis).setStyle(maxTickLevel=0)
            # a metric's values are shown as they are: never "log_loss (x0.001)" with ticks 350-550
            self.getAxis(axis).enableAutoSIPrefix(False)
            self.getAxis(axis).setSIPrefixEnableRanges(((0.0, 0.0),))  # this pyqtgraph rescales anyway
        # rising curves (accuracy, r2) end top right: their legend goes bottom right
        self.getPlotItem().addLegend(offset=(-10, -10) if legend_at_bottom else (-10, 10))
        self.setMouseEnabled(x=True, y=True)
        self.curves: dict[str, LiveCurve] = {}
        self.redraw_count = 0
        self.paint_ms = 0.0  # moving average of one repaint (wall clock)
        self.paint_cpu_ms = 0.0  # the same in CPU time of the UI thread (independent of machine load)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self.redraw_if_dirty)
        self._timer.start()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        started, cpu_started = time.perf_counter(), time.thread_time()
        super().paintEvent(event)
        cost_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.thread_time() - cpu_started) * 1000
        self.paint_cpu_ms = cpu_ms if self.paint_cpu_ms == 0 else 0.8 * self.paint_cpu_ms + 0.2 * cpu_ms
        self.paint_ms = cost_ms if self.paint_ms == 0 else 0.8 * self.paint_ms + 0.2 * cost_ms
        interval = int(min(MAX_REDRAW_INTERVAL_MS, max(REDRAW_INTERVAL_MS, self.paint_ms / PAINT_BUDGET)))
        if abs(interval - self._timer.interval()) > 5:
            self._timer.setInterval(interval)

    def curve(self, name: str, points: bool = False) -> LiveCurve:
        """The curve called ``name``, created on first use (``points``: markers instead of a line)."""
        if name not in self.curves:
            color = PALETTE[len(self.curves) % len(PALETTE)]
            self.curves[name] = LiveCurve(self.getPlotItem(), name, color, points=points)
        return self.curves[name]

    def add_point(self, name: str, x: float, y: float) -> None:
        self.curve(name).append(x, y)

    def add_points(self, name: str, xs: Any, ys: Any) -> None:
        """Append many points to one curve at once (a batch of job events)."""
        self.curve(name).extend(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))

    def redraw_if_dirty(self) -> None:
        dirty = [c for c in self.curves.values() if c.dirty]
        for c in dirty:
            c.redraw()
        if dirty:
            # settle the auto-range now: done inside the paint it schedules a second paint
            self.getPlotItem().getViewBox().updateAutoRange()
            self.redraw_count += 1

    def set_y_label(self, text: str) -> None:
        self.setLabel("left", text)

    def reset(self, title: str | None = None) -> None:
        """Remove every curve (a new job starts)."""
        for c in self.curves.values():
            self.getPlotItem().removeItem(c.item)
        legend = self.getPlotItem().legend
        if legend is not None:
            legend.clear()
        self.curves.clear()
        if title is not None:
            self.setTitle(title, color="#333", size="10pt")

    def stop(self) -> None:
        self._timer.stop()
