"""ParamForm: a hyperparameter form generated from an algorithm's ParamSpecs."""

from __future__ import annotations

import math
from typing import Any, Iterable

from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QSpinBox, QWidget

INT_LIMIT = 2_000_000_000
NONE_TEXT = "None"


class ParamForm(QWidget):
    """One editor per ParamSpec: spin boxes with the spec's range, combos, check boxes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.editors: dict[str, QWidget] = {}
        self._specs: dict[str, Any] = {}

    def set_specs(self, specs: Iterable[Any], values: dict[str, Any] | None = None) -> None:
        """Rebuild the form for ``specs``; ``values`` (e.g. remembered ones) override defaults."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self.editors.clear()
        self._specs = {s.name: s for s in specs}
        for spec in self._specs.values():
            editor = _editor_for(spec)
            editor.setToolTip(_tooltip(spec))
            editor.setObjectName(f"param_{spec.name}")
            label = QLabel(spec.name.replace("_", " "))
            label.setToolTip(editor.toolTip())
            self._layout.addRow(label, editor)
            self.editors[spec.name] = editor
        if not self._specs:
            self._layout.addRow(QLabel("This algorithm has no hyperparameters to set."))
        if values:
            self.set_values(values)

    def values(self) -> dict[str, Any]:
        """The current value of every parameter, typed as its spec says."""
        return {name: _read(self._specs[name], editor) for name, editor in self.editors.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.editors:
                _write(self._specs[name], self.editors[name], value)

    def reset(self) -> None:
        self.set_values({s.name: s.default for s in self._specs.values()})


def _tooltip(spec: Any) -> str:
    parts = [spec.help or spec.name]
    if spec.kind in ("int", "float") and (spec.low is not None or spec.high is not None):
        parts.append(f"range {spec.low} … {spec.high}" + (" (log scale)" if getattr(spec, "log", False) else ""))
    parts.append(f"default {spec.default!r}")
    return "\n".join(parts)


def _nullable(spec: Any) -> bool:
    return spec.default is None or bool(getattr(spec, "nullable", False))


def _editor_for(spec: Any) -> QWidget:
    if spec.kind == "int":
        box = QSpinBox()
        low = int(spec.low) if spec.low is not None else 0
        high = int(spec.high) if spec.high is not None else INT_LIMIT
        if _nullable(spec):
            # one step below the range stands for "None" (e.g. unlimited depth)
            box.setRange(low - 1, high)
            box.setSpecialValueText(NONE_TEXT)
        else:
            box.setRange(min(low, int(spec.default)), max(high, int(spec.default)))
        box.setSingleStep(max(1, (high - low) // 100) if high < INT_LIMIT else 1)
        box.setMinimumWidth(110)
        _write(spec, box, spec.default)
        return box
    if spec.kind == "float":
        box = QDoubleSpinBox()
        low = float(spec.low) if spec.low is not None else 0.0
        high = float(spec.high) if spec.high is not None else 1e9
        decimals = 2 if low == 0 else max(2, min(8, int(-math.floor(math.log10(abs(low)))) + 2))
        if spec.default is not None and spec.default != 0:
            decimals = max(decimals, min(8, int(-math.floor(math.log10(abs(float(spec.default))))) + 2))
        box.setDecimals(decimals)
        if _nullable(spec):
            step = 10 ** -decimals
            box.setRange(low - step, high)
            box.setSpecialValueText(NONE_TEXT)
        else:
            box.setRange(min(low, float(spec.default)), max(high, float(spec.default)))
        if getattr(spec, "log", False):
            box.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        else:
            box.setSingleStep((high - low) / 100 if high < 1e9 else 0.1)
        box.setMinimumWidth(110)
        _write(spec, box, spec.default)
        return box
    if spec.kind == "choice":
        box = QComboBox()
        choices = list(spec.choices or ())
        if _nullable(spec) and None not in choices:
            choices.insert(0, None)
        for choice in choices:
            box.addItem(NONE_TEXT if choice is None else str(choice), choice)
        _write(spec, box, spec.default)
        return box
    if spec.kind == "bool":
        box = QCheckBox()
        _write(spec, box, spec.default)
        return box
    raise ValueError(f"unknown parameter kind {spec.kind!r} for {spec.name}")


def _read(spec: Any, editor: QWidget) -> Any:
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        if editor.specialValueText() and editor.value() == editor.minimum():
            return None
        return int(editor.value()) if spec.kind == "int" else float(editor.value())
    if isinstance(editor, QComboBox):
        return editor.currentData()
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    return None


def _write(spec: Any, editor: QWidget, value: Any) -> None:
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        editor.setValue(editor.minimum() if value is None else value)
    elif isinstance(editor, QComboBox):
        index = editor.findData(value)
        if index < 0:
            index = editor.findText(str(value))
        if index >= 0:
            editor.setCurrentIndex(index)
    elif isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
