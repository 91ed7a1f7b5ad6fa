"""PagesModel: a read-only table over a stored dataset that pages its rows in as the view scrolls.

The row count comes from the Parquet footer; the rows come a page (one row group, ~64k rows) at a
time from a reader thread, newest request first, into a small LRU of pages. A cell whose page is
not here yet shows "…" and asks for it; when the page arrives, its rows are repainted. So the
first paint of a 10-million-row dataset needs one page, and memory holds a few pages, never
the whole table. Cells are formatted 64 rows of one column at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from desktop.widgets.frame_model import MISSING_BRUSH, format_value, header_value, is_missing

BLOCK_ROWS = 64  # cells are formatted a block at a time: a screenful is one or two blocks per column
MAX_BLOCKS = 1024
MAX_PAGES = 4  # pages kept in memory (a page is one row group: a few MB)
MAX_WAITING = 4  # page requests kept waiting; older ones are dropped (the view has scrolled on)
LOADING = "…"
_ABSENT = object()  # a value whose page is still being read

_Index = QModelIndex | QPersistentModelIndex
_DISPLAY, _TOOLTIP = int(Qt.ItemDataRole.DisplayRole.value), int(Qt.ItemDataRole.ToolTipRole.value)
_FOREGROUND, _ALIGN = int(Qt.ItemDataRole.ForegroundRole.value), int(Qt.ItemDataRole.TextAlignmentRole.value)
_ROLES = frozenset({_DISPLAY, _TOOLTIP, _FOREGROUND, _ALIGN})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class _Bridge(QObject):
    """Lives in the UI thread; the reader thread emits through it (queued to the UI thread)."""

    sig_opened = Signal(int, object, object)  # token, (rows, columns, dtypes, page starts), first page
    sig_page = Signal(int, int, object)  # token, page, DataFrame
    sig_dropped = Signal(int, list)  # token, pages no longer wanted
    sig_sample = Signal(int, object)  # token, DataFrame
    sig_failed = Signal(int, object)  # token, exception


class _Reader(threading.Thread):
    """One thread that owns the open ParquetPages and serves page requests, newest first."""

    def __init__(self, bridge: _Bridge) -> None:
        super().__init__(name="preview-pages", daemon=True)
        self.bridge = bridge
        self._cond = threading.Condition()
        self._open: tuple[int, Callable[[], Any]] | None = None
        self._waiting: list[tuple[int, int]] = []  # (token, page), newest last
        self._sample: tuple[int, int] | None = None  # (token, rows)
        self._stopping = False
        self._pages: Any = None
        self._token = 0

    def open(self, token: int, opener: Callable[[], Any]) -> None:
        with self._cond:
            self._open, self._waiting, self._sample = (token, opener), [], None
            self._cond.notify()

    def want(self, token: int, page: int) -> None:
        with self._cond:
            self._waiting.append((token, page))
            if len(self._waiting) > MAX_WAITING:
                dropped, self._waiting = self._waiting[:-MAX_WAITING], self._waiting[-MAX_WAITING:]
                self.bridge.sig_dropped.emit(token, [p for _, p in dropped])
            self._cond.notify()

    def want_sample(self, token: int, rows: int) -> None:
        with self._cond:
            self._sample = (token, rows)
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()

    def run(self) -> None:
        while True:
            with self._cond:
                while not (self._stopping or self._open or self._waiting or self._sample):
                    self._cond.wait()
                if self._stopping:
                    break
                opening, self._open = self._open, None
                request = self._waiting.pop() if (opening is None and self._waiting) else None
                sample = None
                if opening is None and request is None:
                    sample, self._sample = self._sample, None
            try:
                if opening is not None:
                    self._do_open(*opening)
                elif request is not None:
                    token, page = request
                    if token == self._token and self._pages is not None:
                        self.bridge.sig_page.emit(token, page, self._pages.read_page(page))
                elif sample is not None:
                    token, rows = sample
                    if token == self._token and self._pages is not None:
                        self.bridge.sig_sample.emit(token, self._pages.sample(rows))
            except Exception as exc:  # noqa: BLE001 - the UI's one error handler shows it
                self.bridge.sig_failed.emit(self._token, exc)
        self._close_pages()

    def _do_open(self, token: int, opener: Callable[[], Any]) -> None:
        self._close_pages()
        self._token = token
        if opener is None:
            return
        self._pages = opener()
        pages = self._pages
        first = pages.read_page(0) if pages.page_count else pd.DataFrame(columns=pages.columns)
        self.bridge.sig_opened.emit(token, (pages.rows, list(pages.columns), first.dtypes, pages.page_starts), first)

    def _close_pages(self) -> None:
        if self._pages is not None:
            self._pages.close()
            self._pages = None


class PagesModel(QAbstractTableModel):
    """Lazy, read-only table model over ``ParquetPages``; ``open(opener)`` swaps the data."""

    sig_opened = Signal()  # the row count and the first page are here
    sig_page_loaded = Signal(int)
    sig_sample = Signal(object)  # a random sample of rows (for charts), when asked for
    sig_failed = Signal(object)
    ABSENT = _ABSENT

    def __init__(self, parent: Any = None, max_pages: int = MAX_PAGES) -> None:
        super().__init__(parent)
        self.max_pages = max_pages
        self._bridge = _Bridge()
        self._bridge.sig_opened.connect(self._on_reader_opened)
        self._bridge.sig_page.connect(self._on_reader_page)
        self._bridge.sig_dropped.connect(self._on_reader_dropped)
        self._bridge.sig_sample.connect(self._on_reader_sample)
        self._bridge.sig_failed.connect(self._on_reader_failed)
        self._reader: _Reader | None = None
        self._token = 0
        self._rows = 0
        self._columns: list[str] = []
        self._dtypes: list[Any] = []
        self._numeric: list[bool] = []
        self._right: list[bool] = []
        self._highlight: str | None = None
        self._page_starts: np.ndarray = np.zeros(0, dtype=np.int64)
        self._last_span = (0, 0, -1)
        self._pages: OrderedDict[int, pd.DataFrame] = OrderedDict()
        self._blocks: OrderedDict[tuple[int, int, int], tuple] = OrderedDict()
        self._pending: set[int] = set()
        self.pages_received: list[int] = []  # every page that arrived since the last open, in order

    # -- opening ---------------------------------------------------------------------------
    def open(self, opener: Callable[[], Any] | None) -> None:
        """Show the ParquetPages that ``opener()`` returns (called in the reader thread); None: nothing."""
        self._token += 1
        self._reset(0, [], [])
        if self._reader is None and opener is not None:
            self._reader = _Reader(self._bridge)
            self._reader.start()
        if self._reader is not None:
            self._reader.open(self._token, opener)

    def request_sample(self, rows: int) -> None:
        """Ask the reader for ``rows`` random rows; they come with ``sig_sample``."""
        if self._reader is not None and self._rows:
            self._reader.want_sample(self._token, rows)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        if self._reader is not None:
            self._reader.stop()
            self._reader.join(timeout_s)
            self._reader = None

    def _reset(self, rows: int, columns: list[str], dtypes: list[Any]) -> None:
        self.beginResetModel()
        self._rows, self._columns, self._dtypes = rows, columns, dtypes
        self._numeric = [pd.api.types.is_float_dtype(dt) for dt in dtypes]
        self._right = [pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt) for dt in dtypes]
        self._page_starts = np.zeros(0, dtype=np.int64)
        self._last_span = (0, 0, -1)  # (first row, end row, page) of the page found last
        self._pages.clear()
        self._blocks.clear()
        self._pending.clear()
        self.pages_received = []
        self.endResetModel()

    def _on_reader_opened(self, token: int, meta: tuple, first: pd.DataFrame) -> None:
        if token != self._token:
            return
        rows, columns, dtypes, starts = meta
        self._reset(rows, columns, list(dtypes))
        self._page_starts = np.asarray(starts, dtype=np.int64)
        self._last_span = (0, 0, -1)
        self._store_page(0, first)
        self.sig_opened.emit()

    # -- pages -------------------------------------------------------------------------------
    def is_loaded(self, row: int) -> bool:
        return bool(self._rows) and self._page_of(row) in self._pages

    def _page_of(self, row: int) -> int:
        lo, hi, page = self._last_span
        if lo <= row < hi:
            return page
        page = int(np.searchsorted(self._page_starts, row, side="right")) - 1
        end = int(self._page_starts[page + 1]) if page + 1 < len(self._page_starts) else self._rows
        self._last_span = (int(self._page_starts[page]), end, page)
        return page

    def _store_page(self, page: int, frame: pd.DataFrame) -> None:
        self._pending.discard(page)
        self._pages[page] = frame
        self.pages_received.append(page)
        while len(self._pages) > self.max_pages:
            old, _ = self._pages.popitem(last=False)
            for key in [k for k in self._blocks if k[0] == old]:
                del self._blocks[key]

    def _on_reader_page(self, token: int, page: int, frame: pd.DataFrame) -> None:
        if token != self._token:
            return
        self._store_page(page, frame)
        first = int(self._page_starts[page])
        last = min(first + len(frame), self._rows) - 1
        if self._columns and last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self._columns) - 1),
                                  [Qt.ItemDataRole.DisplayRole])
        self.sig_page_loaded.emit(page)

    def _on_reader_dropped(self, token: int, pages: list) -> None:
        if token == self._token:
            self._pending.difference_update(pages)

    def _on_reader_sample(self, token: int, frame: pd.DataFrame) -> None:
        if token == self._token:
            self.sig_sample.emit(frame)

    def _on_reader_failed(self, token: int, error: Exception) -> None:
        if token == self._token:
            self.sig_failed.emit(error)

    # -- Qt's model interface ----------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def set_highlight_column(self, name: str | None) -> None:
        """Mark one column (the target) in the header."""
        self._highlight = name
        if self._columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._columns) - 1)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and section < len(self._columns):
            return header_value(orientation, role, section, self._columns[section], self._dtypes[section],
                                self._highlight)
        return header_value(orientation, role, section, None, None, self._highlight)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Qt asks for a dozen roles per painted cell: the unused ones return before anything else
        if role not in _ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == _ALIGN:
            return _RIGHT if self._right[column] else None
        cell = self._cell(row, column)
        if role == _FOREGROUND:
            return MISSING_BRUSH if cell is not None and cell[2][cell[3]] else None
        return LOADING if cell is None else cell[1][cell[3]]

    def value(self, row: int, column: int) -> Any:
        """The raw value at (row, column); ``PagesModel.ABSENT`` (and a request) while its page is read."""
        cell = self._cell(row, column)
        return _ABSENT if cell is None else cell[0][cell[3]]

    def _cell(self, row: int, column: int) -> tuple[np.ndarray, list[str], np.ndarray, int] | None:
        """(values, texts, missing, position) of the 64-row block holding the cell; None while its page is read."""
        page = self._page_of(row)
        offset = row - int(self._page_starts[page])
        key = (page, column, offset // BLOCK_ROWS)
        block = self._blocks.get(key)
        if block is None:
            frame = self._pages.get(page)
            if frame is None:
                if page not in self._pending and self._reader is not None:
                    self._pending.add(page)
                    self._reader.want(self._token, page)
                return None
            self._pages.move_to_end(page)
            start = key[2] * BLOCK_ROWS
            values = frame.iloc[start:start + BLOCK_ROWS, column].to_numpy()
            missing = np.asarray(pd.isna(values), dtype=bool)
            numeric = self._numeric[column]
            texts = [format_value(v, numeric) for v in values]
            block = (values, texts, missing)
            self._blocks[key] = block
            if len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(key)
        return (*block, offset % BLOCK_ROWS)
