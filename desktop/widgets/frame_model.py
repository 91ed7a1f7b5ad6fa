"""A read-only QAbstractTableModel over a pandas DataFrame that reads cells lazily.

Nothing is converted up front: the view asks for the cells it shows and the model fetches
blocks of rows of one column (cached, bounded), so a 10-million-row frame opens at once.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

BLOCK_ROWS = 512
MAX_BLOCKS = 256

_Index = QModelIndex | QPersistentModelIndex
MISSING_BRUSH = QBrush(QColor("#b0b0b0"))



def header_value(orientation: Qt.Orientation, role: int, section: int, name: str | None, dtype: Any,
                 highlight: str | None) -> Any:
    """A data table's header: column names (the target marked, the dtype as tooltip) and row numbers.

    ``name`` is None for a column past the table's end.
    """
    if orientation == Qt.Orientation.Horizontal:
        if name is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{name} (target)" if name == highlight else name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name} ({dtype})"
        return None
    if role == Qt.ItemDataRole.DisplayRole:
        return str(section)
    return None

class DataFrameModel(QAbstractTableModel):
    """Lazy, read-only table model; ``set_frame`` swaps the data."""

    def __init__(self, frame: pd.DataFrame | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame = frame if frame is not None else pd.DataFrame()
        self._blocks: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._numeric: list[bool] = []  # float columns: formatted to 6 significant digits
        self._right: list[bool] = []  # number columns: aligned right
        self._highlight: str | None = None
        self._index_columns()

    # -- data -----------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        self.beginResetModel()
        self._frame = frame if frame is not None else pd.DataFrame()
        self._blocks.clear()
        self._index_columns()
        self.endResetModel()

    def set_highlight_column(self, name: str | None) -> None:
        """Mark one column (the target) in the header."""
        self._highlight = name
        if self.columnCount():
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)

    def _index_columns(self) -> None:
        dtypes = list(self._frame.dtypes)
        self._numeric = [pd.api.types.is_float_dtype(dt) for dt in dtypes]
        self._right = [pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt) for dt in dtypes]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._frame.shape[1]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole or role == Qt.ItemDataRole.ToolTipRole:
            return format_value(self._value(index.row(), index.column()), self._numeric[index.column()])
        if role == Qt.ItemDataRole.ForegroundRole:
            if is_missing(self._value(index.row(), index.column())):
                return MISSING_BRUSH
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and self._right[index.column()]:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and section < self._frame.shape[1]:
            return header_value(orientation, role, section, str(self._frame.columns[section]),
                                self._frame.dtypes.iloc[section], self._highlight)
        return header_value(orientation, role, section, None, None, self._highlight)

    def value(self, row: int, column: int) -> Any:
        """The raw value at (row, column)."""
        return self._value(row, column)

    def _value(self, row: int, column: int) -> Any:
        block_no = row // BLOCK_ROWS
        key = (column, block_no)
        block = self._blocks.get(key)
        if block is None:
            start = block_no * BLOCK_ROWS
            block = self._frame.iloc[start:start + BLOCK_ROWS, column].to_numpy()
            self._blocks[key] = block
            if len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(key)
        return block[row - block_no * BLOCK_ROWS]


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(value: Any, is_float: bool) -> str:
    if is_missing(value):
        return "NaN"
    if is_float or isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    return str(value)
