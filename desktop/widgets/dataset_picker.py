"""DatasetPicker: a dataset combo and its target-column combo, kept in sync with the workspace."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QWidget


class DatasetPicker(QWidget):
    """Emits ``sig_changed(dataset_id, target)`` when either choice changes."""

    sig_changed = Signal(str, str)

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.dataset_combo = QComboBox()
        self.dataset_combo.setMinimumWidth(220)
        self.target_combo = QComboBox()
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Dataset", self.dataset_combo)
        layout.addRow("Target", self.target_combo)
        self._infos: dict[str, Any] = {}
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_changed)
        self.target_combo.currentIndexChanged.connect(lambda _i: self._emit())
        services.events.sig_datasets_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the dataset list, keeping the current choice when it still exists."""
        keep = self.dataset_id()
        datasets = self.services.guarded(self.services.workspace.list_datasets) or []
        self._infos = {d.id: d for d in datasets}
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.clear()
        for info in datasets:
            self.dataset_combo.addItem(f"{info.name}  ({info.rows:,} rows)", info.id)
        index = self.dataset_combo.findData(keep) if keep else -1
        self.dataset_combo.setCurrentIndex(index if index >= 0 else self.dataset_combo.count() - 1)
        self.dataset_combo.blockSignals(False)
        self._fill_targets(keep_target=self.target() if self.dataset_id() == keep else None)

    def choose(self, dataset_id: str) -> None:
        if dataset_id not in self._infos:
            self.refresh()
        index = self.dataset_combo.findData(dataset_id)
        if index >= 0:
            self.dataset_combo.setCurrentIndex(index)

    def dataset_id(self) -> str | None:
        return self.dataset_combo.currentData()

    def info(self) -> Any:
        return self._infos.get(self.dataset_id() or "")

    def target(self) -> str | None:
        return self.target_combo.currentText() or None

    def _on_dataset_combo_changed(self, _index: int) -> None:
        self._fill_targets()

    def _fill_targets(self, keep_target: str | None = None) -> None:
        info = self.info()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        if info is not None:
            self.target_combo.addItems(list(info.column_names))
            choice = keep_target or info.target_column
            if choice:
                self.target_combo.setCurrentText(choice)
            else:
                self.target_combo.setCurrentIndex(len(info.column_names) - 1)
        self.target_combo.blockSignals(False)
        self._emit()

    def _emit(self) -> None:
        self.sig_changed.emit(self.dataset_id() or "", self.target() or "")
