"""CVBarChart: cross-validated mean scores as bars with ± std error bars, the best one highlighted."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

BAR_COLOR = "#9db7d5"
BEST_COLOR = "#2f6fb3"
LABEL_LIMIT = 14


class CVBarChart(pg.PlotWidget):
    """One bar per model (mean of the CV folds) with a ± std whisker and its value above it."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setTitle(title, color="#333", size="10pt")
        self.showGrid(x=False, y=True, alpha=0.2)
        self.getAxis("left").setStyle(maxTickLevel=0)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getAxis("left").enableAutoSIPrefix(False)
        self.getAxis("bottom").setHeight(44)  # room for labels on two lines
        self._items: list[pg.GraphicsObject] = []
        self.labels: list[str] = []
        self.means: list[float] = []
        self.stds: list[float] = []

    def bar_count(self) -> int:
        return len(self.means)

    def clear_bars(self) -> None:
        for item in self._items:
            self.removeItem(item)
        self._items.clear()
        self.labels, self.means, self.stds = [], [], []
        self.getAxis("bottom").setTicks([[]])

    def set_bars(self, labels: Sequence[str], means: Sequence[float], stds: Sequence[float],
                 best: int | None = 0, y_label: str | None = None, title: str | None = None) -> None:
        """Draw the bars in the given order; ``best`` (an index) is drawn darker."""
        self.clear_bars()
        if title is not None:
            self.setTitle(title, color="#333", size="10pt")
        if y_label is not None:
            self.setLabel("left", y_label)
        self.labels = [str(x) for x in labels]
        self.means = [float(v) for v in means]
        self.stds = [0.0 if s is None or s != s else float(s) for s in stds]
        if not self.means:
            return
        x = np.arange(len(self.means), dtype=float)
        heights = np.asarray(self.means)
        errors = np.asarray(self.stds)
        brushes = [BEST_COLOR if i == best else BAR_COLOR for i in range(len(x))]
        bars = pg.BarGraphItem(x=x, height=heights, width=0.6, brushes=brushes, pen=pg.mkPen("#5a7fa8"))
        whiskers = pg.ErrorBarItem(x=x, y=heights, top=errors, bottom=errors, beam=0.2,
                                   pen=pg.mkPen("#333", width=1.5))
        self._items = [bars, whiskers]
        for xi, mean, std in zip(x, heights, errors):
            text = pg.TextItem(f"{mean:.3f}", color="#222", anchor=(0.5, 1.0 if mean >= 0 else 0.0))
            text.setPos(xi, mean + std if mean >= 0 else mean - std)
            self._items.append(text)
        for item in self._items:
            self.addItem(item)
        self.getAxis("bottom").setTicks([[(i, _wrap(t)) for i, t in enumerate(self.labels)]])
        low = float(min(0.0, np.min(heights - errors)))
        high = float(max(0.0, np.max(heights + errors)))
        pad = (high - low) * 0.12 or 0.1
        self.setXRange(-0.6, len(x) - 0.4, padding=0)
        self.setYRange(low - (pad if low < 0 else 0.0), high + pad, padding=0)


def _wrap(text: str, limit: int = LABEL_LIMIT) -> str:
    """A long label on two lines, split at the space nearest its middle (each line shortened)."""
    if len(text) <= limit or " " not in text:
        return _short(text, limit)
    middle = len(text) / 2
    cut = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - middle))
    return _short(text[:cut], limit) + "\n" + _short(text[cut + 1:], limit)


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
