"""File and folder choosers of the Evaluation and Registry tabs (tests replace these functions)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

TABLE_FILTER = "Tables (*.csv *.tsv *.txt *.xlsx *.xls *.parquet);;All files (*)"
OUTPUT_FILTER = "CSV (*.csv);;Excel (*.xlsx);;Parquet (*.parquet)"
SUFFIX_OF_FILTER = {"CSV": ".csv", "Excel": ".xlsx", "Parquet": ".parquet", "PNG": ".png", "HTML": ".html"}


def ask_open_file(parent: QWidget | None, title: str, start: str = "", filters: str = TABLE_FILTER) -> str | None:
    """A file to read, or None when the user cancelled."""
    path, _ = QFileDialog.getOpenFileName(parent, title, start, filters)
    return path or None


def ask_save_file(parent: QWidget | None, title: str, start: str = "", filters: str = OUTPUT_FILTER) -> str | None:
    """A file to write (the chosen filter's suffix added when the name has none), or None."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, start, filters)
    if not path:
        return None
    if not Path(path).suffix:
        path += SUFFIX_OF_FILTER.get(chosen.split(" ")[0], "")
    return path


def ask_folder(parent: QWidget | None, title: str, start: str = "") -> str | None:
    """A folder, or None."""
    path = QFileDialog.getExistingDirectory(parent, title, start)
    return path or None
