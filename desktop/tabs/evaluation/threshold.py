"""ThresholdPanel: a slider over the decision threshold of a binary classifier and its metrics."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from mlcore import vocab

STEPS = 100  # the slider moves in steps of 0.01


class ThresholdPanel(QWidget):
    """Precision, recall, F1 and accuracy of the positive class at the slider's threshold."""

    sig_use_threshold = Signal(float)
    sig_choose_best = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, STEPS - 1)
        self.slider.setValue(STEPS // 2)
        self.slider.setTickInterval(10)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.valueChanged.connect(self._update)
        self.value_label = QLabel("0.50")
        self.value_label.setObjectName("result")
        self.value_label.setMinimumWidth(36)
        self.positive_label = QLabel("")
        self.positive_label.setObjectName("hint")
        self.positive_label.setWordWrap(True)
        self.labels = {name: QLabel("—") for name in (*vocab.THRESHOLD_METRICS, "n_predicted_positive")}
        form = QFormLayout()
        form.addRow("Precision", self.labels["precision"])
        form.addRow("Recall", self.labels["recall"])
        form.addRow("F1", self.labels["f1"])
        form.addRow("Accuracy", self.labels["accuracy"])
        form.addRow("Predicted positive", self.labels["n_predicted_positive"])
        self.use_button = QPushButton("Use this threshold")
        self.use_button.setToolTip("Store it with the job or model version: later predictions use it")
        self.use_button.clicked.connect(lambda: self.sig_use_threshold.emit(self.threshold()))
        self.best_button = QPushButton("Best F1")
        self.best_button.setToolTip("Choose the threshold with the best F1 on the validation rows and store it")
        self.best_button.clicked.connect(self.sig_choose_best.emit)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_button)
        buttons.addWidget(self.best_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.positive_label)
        layout.addLayout(row)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self._y_true: Any = None
        self._proba: Any = None
        self._positive: Any = None
        self.current: dict[str, Any] = {}

    def set_data(self, y_true: Any, proba_pos: Any, positive_label: Any, threshold: float | None) -> None:
        """The rows to score (true labels, probability of the positive class) and the current threshold."""
        self._y_true = np.asarray(y_true)
        self._proba = np.asarray(proba_pos, dtype=float)
        self._positive = positive_label
        self.positive_label.setText(f"Positive class: {positive_label!s} — predicted when its probability ≥ threshold")
        self.slider.blockSignals(True)
        self.slider.setValue(int(round((threshold if threshold is not None else 0.5) * STEPS)))
        self.slider.blockSignals(False)
        self._update()

    def threshold(self) -> float:
        return self.slider.value() / STEPS

    def set_threshold(self, value: float) -> None:
        self.slider.setValue(int(round(value * STEPS)))

    def _update(self, _value: int = 0) -> None:
        from mlcore.evaluation import threshold_metrics

        t = self.threshold()
        self.value_label.setText(f"{t:.2f}")
        if self._proba is None:
            return
        self.current = threshold_metrics(self._y_true, self._proba, t, positive_label=self._positive)
        for name, label in self.labels.items():
            value = self.current.get(name)
            label.setText(str(value) if isinstance(value, int) else f"{value:.4f}")
