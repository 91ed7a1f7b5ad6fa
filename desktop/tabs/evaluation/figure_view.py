"""FigureView: a plot chooser over an embedded matplotlib canvas; figures come built from a worker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

FIGURE_TITLES = {
    "confusion_matrix": "Confusion matrix",
    "confusion_matrix_normalized": "Confusion matrix (normalised)",
    "roc": "ROC curve",
    "precision_recall": "Precision-recall curve",
    "calibration": "Calibration curve",
    "feature_importance": "Feature importance",
    "residuals": "Residuals",
    "predicted_vs_actual": "Predicted vs actual",
    "loss_curves": "Loss curves",
}


class FigureView(QWidget):
    """Shows one matplotlib Figure at a time; asks its owner to build the kind the user picks.

    ``request_figure(kind)`` is the owner's hook: it builds the figure in a worker and hands it
    back through :meth:`show_figure` (on the UI thread, where the canvas draws it).
    """

    sig_kind_requested = Signal(str)
    sig_figure_shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind_combo = QComboBox()
        self.kind_combo.setMinimumWidth(220)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.save_button = QPushButton("Save as PNG…")
        self.save_button.setEnabled(False)
        self.status = QLabel("Evaluate a model to see its plots.")
        self.status.setObjectName("hint")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        top = QHBoxLayout()
        top.addWidget(QLabel("Plot"))
        top.addWidget(self.kind_combo, 1)
        top.addWidget(self.save_button)
        self.canvas_box = QVBoxLayout()
        self.canvas_box.setContentsMargins(0, 0, 0, 0)
        self.canvas_box.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(self.canvas_box, 1)
        self.canvas: Any = None
        self.figure: Any = None
        self.kind: str | None = None
        self._cache: dict[str, Any] = {}

    # -- owner API -------------------------------------------------------------------------
    def set_kinds(self, kinds: list[str], first: str | None = None, figure: Any = None) -> None:
        """New evaluation: these kinds are offered; ``figure`` (of kind ``first``) is drawn at once."""
        self._cache.clear()
        if first is not None and figure is not None:
            self._cache[first] = figure
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        for kind in kinds:
            self.kind_combo.addItem(FIGURE_TITLES.get(kind, kind.replace("_", " ")), kind)
        index = self.kind_combo.findData(first) if first else -1
        self.kind_combo.setCurrentIndex(max(index, 0) if kinds else -1)
        self.kind_combo.blockSignals(False)
        if first is not None and figure is not None:
            self.show_figure(first, figure)
        elif kinds:
            self._on_kind_changed()
        else:
            self.clear("No plots for this evaluation.")

    def clear(self, message: str = "") -> None:
        self._drop_canvas()
        self.figure, self.kind = None, None
        self.status.setText(message)
        self.status.show()
        self.save_button.setEnabled(False)

    def choose(self, kind: str) -> None:
        index = self.kind_combo.findData(kind)
        if index >= 0:
            self.kind_combo.setCurrentIndex(index)

    def kinds(self) -> list[str]:
        return [self.kind_combo.itemData(i) for i in range(self.kind_combo.count())]

    def show_figure(self, kind: str, figure: Any) -> None:
        """Draw a built figure (UI thread only)."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        self._cache[kind] = figure
        if self.kind_combo.currentData() != kind:
            return  # the user moved on while it was being built
        self._drop_canvas()
        self.canvas = FigureCanvasQTAgg(figure)
        self.canvas.setMinimumSize(200, 160)
        self.canvas_box.addWidget(self.canvas, 1)
        self.status.hide()
        self.figure, self.kind = figure, kind
        self.canvas.draw_idle()
        self.save_button.setEnabled(True)
        self.sig_figure_shown.emit(kind)

    def save_png(self, path: str, dpi: int = 150) -> None:
        if self.figure is None:
            return
        self.figure.savefig(path, dpi=dpi, bbox_inches="tight")

    # -- internals ---------------------------------------------------------------------------
    def _on_kind_changed(self, _index: int = 0) -> None:
        kind = self.kind_combo.currentData()
        if not kind:
            return
        if kind in self._cache:
            self.show_figure(kind, self._cache[kind])
            return
        self.status.setText(f"Drawing {self.kind_combo.currentText().lower()}…")
        self.sig_kind_requested.emit(kind)

    def _drop_canvas(self) -> None:
        if self.canvas is not None:
            self.canvas_box.removeWidget(self.canvas)
            self.canvas.setParent(None)
            self.canvas.deleteLater()
            self.canvas = None
