"""The import options dialog: delimiter, encoding, decimal, sheet, with a live preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QTableView, QVBoxLayout, QWidget,
)

from desktop.widgets.frame_model import DataFrameModel

DELIMITERS = [(",", "Comma  ,"), (";", "Semicolon  ;"), ("\t", "Tab"), ("|", "Pipe  |"), (" ", "Space")]
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"]
DECIMALS = [(".", "Point  ."), (",", "Comma  ,")]
NO_TARGET = "(choose later)"


class ImportOptionsDialog(QDialog):
    """Shows what detection found and lets the user correct it before importing."""

    def __init__(self, path: Path, sniff: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Import {self.path.name}")
        self.resize(760, 520)
        self._refresh_requested: Any = None

        self.name_edit = QLineEdit(self.path.stem)
        self.delimiter = _editable_combo(DELIMITERS)
        self.encoding = QComboBox()
        self.encoding.setEditable(True)
        self.encoding.addItems(ENCODINGS)
        self.decimal = _editable_combo(DECIMALS)
        self.sheet = QComboBox()
        self.target = QComboBox()
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setObjectName("notes")

        form = QFormLayout()
        form.addRow("Dataset name", self.name_edit)
        form.addRow("Delimiter", self.delimiter)
        form.addRow("Encoding", self.encoding)
        form.addRow("Decimal separator", self.decimal)
        form.addRow("Sheet", self.sheet)
        form.addRow("Target column", self.target)

        self.preview_model = DataFrameModel()
        self.preview = QTableView()
        self.preview.setModel(self.preview_model)
        self.refresh_button = QPushButton("Refresh preview")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.notes)
        row = QHBoxLayout()
        row.addWidget(QLabel("Preview (first rows)"))
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        layout.addWidget(self.preview, 1)
        layout.addWidget(buttons)
        self.show_sniff(sniff)

    def show_sniff(self, sniff: Any) -> None:
        """Fill the fields and preview from a FileSniff."""
        is_excel = str(sniff.format).lower() in ("xlsx", "xls", "excel")
        _select(self.delimiter, sniff.delimiter)
        if sniff.encoding:
            self.encoding.setCurrentText(str(sniff.encoding))
        _select(self.decimal, sniff.decimal)
        current_sheet = self.sheet.currentText()
        self.sheet.clear()
        self.sheet.addItems([str(s) for s in (sniff.sheets or [])])
        if current_sheet or getattr(sniff, "sheet", None):
            self.sheet.setCurrentText(current_sheet or str(sniff.sheet))  # the sheet the importer chose
        for w in (self.delimiter, self.encoding, self.decimal):
            w.setEnabled(not is_excel)
        self.sheet.setEnabled(is_excel and bool(sniff.sheets))
        preview = sniff.preview
        old_target = self.target.currentText()
        self.target.clear()
        self.target.addItem(NO_TARGET)
        if preview is not None:
            self.target.addItems([str(c) for c in preview.columns])
        if old_target:
            self.target.setCurrentText(old_target)
        self.preview_model.set_frame(preview)
        lines = [f"Detected format: {sniff.format}"]
        if sniff.unsure:
            lines.append("Detection is unsure — please check the options against the preview.")
        lines += [str(w) for w in (sniff.warnings or [])]
        self.notes.setText("\n".join(lines))

    def options(self) -> dict[str, Any]:
        """The keyword options for inspect_file/import_dataset."""
        if self.sheet.isEnabled():
            return {"sheet": self.sheet.currentText() or None}
        return {
            "sep": _value(self.delimiter),
            "encoding": self.encoding.currentText().strip() or None,
            "decimal": _value(self.decimal),
        }

    def dataset_name(self) -> str | None:
        return self.name_edit.text().strip() or None

    def target_column(self) -> str | None:
        text = self.target.currentText()
        return None if text in ("", NO_TARGET) else text


def _editable_combo(items: list[tuple[str, str]]) -> QComboBox:
    combo = QComboBox()
    for value, label in items:
        combo.addItem(label, value)
    return combo


def _select(combo: QComboBox, value: str | None) -> None:
    if value is None:
        return
    index = combo.findData(value)
    if index < 0:
        combo.addItem(repr(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def _value(combo: QComboBox) -> str | None:
    return combo.currentData() if combo.isEnabled() else None
