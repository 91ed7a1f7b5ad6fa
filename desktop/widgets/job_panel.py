"""The right-hand side every job view shares: a progress row over a plot/results splitter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QVBoxLayout, QWidget


def progress_over_results(progress: QWidget, time_label: QWidget, upper: QWidget, lower: QWidget,
                          stretch: tuple[int, int] = (1, 1)) -> QWidget:
    """Progress bar and elapsed/ETA label on top; ``upper`` and ``lower`` in a vertical splitter."""
    vertical = QSplitter(Qt.Orientation.Vertical)
    vertical.addWidget(upper)
    vertical.addWidget(lower)
    vertical.setStretchFactor(0, stretch[0])
    vertical.setStretchFactor(1, stretch[1])
    panel = QWidget()
    layout = QVBoxLayout(panel)
    row = QHBoxLayout()
    row.addWidget(progress, 1)
    row.addWidget(time_label)
    layout.addLayout(row)
    layout.addWidget(vertical, 1)
    return panel
