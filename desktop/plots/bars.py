"""Static bar charts and histograms (profiles, feature importance) with pyqtgraph."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

BAR_COLOR = "#4c78a8"


class BarChart(pg.PlotWidget):
    """Vertical bars with category labels, or a histogram over numeric bin edges."""

    def __init__(self, title: str = "", parent: QWidget | None = None, horizontal: bool = False) -> None:
        super().__init__(parent=parent, background="w")
        self.horizontal = horizontal
        self.setTitle(title, color="#333", size="10pt")
        self.showGrid(x=True, y=True, alpha=0.2)
        for axis in ("left", "bottom"):
            self.getAxis(axis).setStyle(maxTickLevel=0)
        self.setMenuEnabled(False)
        self._item: pg.BarGraphItem | None = None
        self._errors: pg.ErrorBarItem | None = None
        self.values: list[float] = []
        self.labels: list[str] = []

    def clear_bars(self) -> None:
        if self._item is not None:
            self.removeItem(self._item)
            self._item = None
        if self._errors is not None:
            self.removeItem(self._errors)
            self._errors = None
        self.values, self.labels = [], []

    def set_bars(self, labels: Sequence[str], values: Sequence[float], title: str | None = None,
                 errors: Sequence[float] | None = None) -> None:
        """One bar per label (± ``errors`` when given); labels go on the category axis."""
        self.clear_bars()
        if title is not None:
            self.setTitle(title, color="#333", size="10pt")
        self.labels = [str(x) for x in labels]
        self.values = [float(v) for v in values]
        pos = np.arange(len(self.values))
        ticks = [[(i, _short(t)) for i, t in enumerate(self.labels)]]
        if self.horizontal:
            # first item at the top
            ypos = pos[::-1]
            self._item = pg.BarGraphItem(x0=0, y=ypos, height=0.7, width=self.values, brush=BAR_COLOR)
            self.getAxis("left").setTicks([[(len(pos) - 1 - i, _short(t, 22)) for i, t in enumerate(self.labels)]])
            self.getAxis("bottom").setTicks(None)
        else:
            self._item = pg.BarGraphItem(x=pos, height=self.values, width=0.7, brush=BAR_COLOR)
            self.getAxis("bottom").setTicks(ticks)
            self.getAxis("left").setTicks(None)
        self.addItem(self._item)
        if errors is not None and len(errors) == len(self.values) and not self.horizontal:
            err = np.nan_to_num(np.asarray(errors, dtype=float))
            self._errors = pg.ErrorBarItem(x=pos, y=np.asarray(self.values), top=err, bottom=err, beam=0.25,
                                           pen=pg.mkPen("#333", width=1.5))
            self.addItem(self._errors)
        self.autoRange()

    def set_histogram(self, values: np.ndarray, bins: int = 30, title: str | None = None) -> None:
        """A histogram of finite ``values``."""
        self.clear_bars()
        if title is not None:
            self.setTitle(title, color="#333", size="10pt")
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return
        counts, edges = np.histogram(finite, bins=bins)
        self.values = counts.astype(float).tolist()
        self.labels = [f"{a:.3g}–{b:.3g}" for a, b in zip(edges[:-1], edges[1:])]
        self.getAxis("bottom").setTicks(None)
        self.getAxis("left").setTicks(None)
        self._item = pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush=BAR_COLOR, pen=pg.mkPen("w"))
        self.addItem(self._item)
        self.autoRange()


def _short(text: str, limit: int = 12) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
