"""DatasetPicker: a dataset combo and its target-column combo, kept in sync with the workspace.

The target is the dataset's saved target; without one, a column named like a target is
offered marked as a suggestion; without that, the combo stays empty and highlighted, asking
for the column to predict. Never the first or last column silently.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from mlcore.data import suggest_target_for

CHOOSE_TARGET = "choose the column to predict"
SUGGESTED_NOTE = "suggested from the column name: check it, or choose another"
EMPTY_NOTE = "no column is named like a target: pick the one the model should predict"
# an empty target choice is highlighted so the user sees what the form is waiting for
NEEDS_CHOICE_STYLE = "QComboBox { border: 2px solid #d08a1c; border-radius: 3px; }"


def fill_target_combo(combo: QComboBox, info: Any, keep: str | None = None) -> str:
    """Fill ``combo`` with the columns of ``info`` and choose its target.

    Returns how the choice was made: ``"kept"`` (``keep``), ``"saved"`` (the dataset's
    target), ``"suggested"`` (a well-named column) or ``"empty"`` (nothing chosen, the combo
    highlighted with "choose the column to predict").
    """
    combo.blockSignals(True)
    combo.clear()
    combo.setPlaceholderText(CHOOSE_TARGET)
    how = "empty"
    if info is not None:
        columns = list(info.column_names)
        combo.addItems(columns)
        if keep and keep in columns:
            choice, how = keep, "kept"
        elif info.target_column and info.target_column in columns:
            choice, how = info.target_column, "saved"
        else:
            choice = suggest_target_for(info)
            how = "suggested" if choice else "empty"
        combo.setCurrentIndex(columns.index(choice) if choice else -1)
    set_style_sheet(combo, NEEDS_CHOICE_STYLE if info is not None and how == "empty" else "")
    combo.setToolTip(SUGGESTED_NOTE if how == "suggested" else (CHOOSE_TARGET if how == "empty" else ""))
    combo.blockSignals(False)
    return how


def set_style_sheet(widget: QWidget, sheet: str) -> None:
    """Set a widget's style sheet only when it changes: each call re-polishes it (~5 ms on a loaded machine)."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


class DatasetPicker(QWidget):
    """Emits ``sig_changed(dataset_id, target)`` when either choice changes."""

    sig_changed = Signal(str, str)

    def __init__(self, services: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.dataset_combo = QComboBox()
        self.dataset_combo.setMinimumWidth(220)
        self.target_combo = QComboBox()
        self.target_note = QLabel("")
        self.target_note.setObjectName("hint")
        self.target_note.setWordWrap(True)
        self.target_note.hide()
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Dataset", self.dataset_combo)
        layout.addRow("Target", self.target_combo)
        layout.addRow("", self.target_note)
        self._infos: dict[str, Any] = {}
        self._saved_targets: dict[str, str | None] = {}
        self.target_choice = "empty"  # kept | saved | suggested | empty | user
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_changed)
        self.target_combo.currentIndexChanged.connect(self._on_target_combo_changed)
        services.events.sig_datasets_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the dataset list, keeping the current choice when it still exists."""
        keep = self.dataset_id()
        old_saved = self._saved_targets.get(keep or "", "")
        datasets = self.services.guarded(self.services.workspace.list_datasets) or []
        self._infos = {d.id: d for d in datasets}
        self._saved_targets = {d.id: d.target_column for d in datasets}
        self.dataset_combo.blockSignals(True)
        self.dataset_combo.clear()
        for info in datasets:
            self.dataset_combo.addItem(f"{info.name}  ({info.rows:,} rows)", info.id)
        index = self.dataset_combo.findData(keep) if keep else -1
        self.dataset_combo.setCurrentIndex(index if index >= 0 else self.dataset_combo.count() - 1)
        self.dataset_combo.blockSignals(False)
        # a target saved meanwhile ("Use as target" in the Datasets tab) replaces the shown one
        saved_changed = old_saved != "" and old_saved != self._saved_targets.get(keep or "", "")
        same = self.dataset_id() == keep and not saved_changed
        self._fill_targets(keep_target=self.target() if same else None)

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
        how = fill_target_combo(self.target_combo, self.info(), keep_target)
        if how == "kept":
            how = self.target_choice if self.target_choice in ("suggested", "user") else "saved"
        self._set_choice(how)
        self._emit()

    def _on_target_combo_changed(self, _index: int) -> None:
        self._set_choice("user" if self.target() else "empty")
        self._emit()

    def _set_choice(self, how: str) -> None:
        self.target_choice = how
        empty = how == "empty" and self.info() is not None
        set_style_sheet(self.target_combo, NEEDS_CHOICE_STYLE if empty else "")
        note = {"suggested": SUGGESTED_NOTE, "empty": EMPTY_NOTE if empty else ""}.get(how, "")
        self.target_note.setText(note)
        self.target_note.setVisible(bool(note))

    def _emit(self) -> None:
        self.sig_changed.emit(self.dataset_id() or "", self.target() or "")
