"""Pieces every job view shares: Start/Cancel buttons, a progress bar, progress over results."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLayout, QProgressBar, QPushButton, QScrollArea, QSplitter, QVBoxLayout,
                               QWidget)


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


def form_beside_results(view: QWidget, form: QWidget, buttons: QLayout, results: QWidget,
                        width: tuple[int, int] = (340, 440)) -> None:
    """Lay ``view`` out as a scrolling form over its Start/Cancel buttons (always in view), beside ``results``."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(form)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    left = QWidget()
    left_layout = QVBoxLayout(left)
    left_layout.setContentsMargins(0, 0, 0, 0)
    left_layout.addWidget(scroll, 1)
    left_layout.addLayout(buttons)
    left.setMinimumWidth(width[0])
    left.setMaximumWidth(width[1])
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(left)
    splitter.addWidget(results)
    splitter.setStretchFactor(1, 1)
    layout = QVBoxLayout(view)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)


def start_and_cancel(start_text: str, on_start: Callable[[], Any],
                     on_cancel: Callable[[], Any]) -> tuple[QPushButton, QPushButton]:
    """The primary Start button of a job view and its Cancel button (enabled while running)."""
    start = QPushButton(start_text)
    start.setObjectName("primary")
    start.clicked.connect(on_start)
    cancel = QPushButton("Cancel")
    cancel.setEnabled(False)
    cancel.clicked.connect(on_cancel)
    return start, cancel


def button_row(start: QPushButton, cancel: QPushButton) -> QHBoxLayout:
    """A job view's Start (stretched) and Cancel buttons side by side, under its form."""
    row = QHBoxLayout()
    row.setContentsMargins(8, 4, 8, 4)
    row.addWidget(start, 1)
    row.addWidget(cancel)
    return row


def job_progress_bar() -> QProgressBar:
    """A progress bar in thousandths, the resolution of JobContext fractions as shown."""
    bar = QProgressBar()
    bar.setRange(0, 1000)
    bar.setValue(0)
    return bar
