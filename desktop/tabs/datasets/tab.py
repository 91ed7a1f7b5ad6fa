"""DatasetsTab: import (dialog, drag-and-drop, samples), list, preview, profile, target, delete."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QListWidget, QListWidgetItem, QMenu,
    QPushButton, QSplitter, QTableView, QToolButton, QVBoxLayout, QWidget,
)

from desktop.services import Services
from desktop.tabs.datasets.import_dialog import ImportOptionsDialog
from desktop.tabs.datasets.profile import HISTOGRAM_SAMPLE, ColumnProfile
from desktop.widgets.dataset_picker import fill_target_combo
from desktop.widgets.pages_model import PagesModel
from mlcore.errors import ConflictError

FILE_FILTER = "Tables (*.csv *.tsv *.txt *.xlsx *.xls *.parquet);;All files (*)"
IMPORTABLE = {".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet", ".pq"}


class PreviewTable(QTableView):
    """The preview table; ``sig_painted(seconds)`` after each paint, with its length (benchmarks use it)."""

    sig_painted = Signal(float)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        t0 = time.perf_counter()
        super().paintEvent(event)
        self.sig_painted.emit(time.perf_counter() - t0)


class DatasetsTab(QWidget):
    """Everything about datasets; long calls (sniff, import, load) run in workers."""

    sig_preview_shown = Signal(str)  # the first rows of this dataset id are in the preview
    sig_dataset_loaded = Signal(str)  # ... and the profile has its sample of rows for the charts
    sig_imported = Signal(str)
    sig_target_set = Signal(str)  # the target of this dataset id is saved and its profile recomputed

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.options_dialog: ImportOptionsDialog | None = None
        self._info: Any = None
        self._sample: pd.DataFrame | None = None  # random rows of the shown dataset, for the charts
        self.setAcceptDrops(True)

        # left: the list and the actions
        self.dataset_list = QListWidget()
        self.dataset_list.currentItemChanged.connect(self._on_dataset_list_current)
        self.import_button = QPushButton("Import file…")
        self.import_button.clicked.connect(lambda: self.choose_file())
        self.samples_button = QToolButton()
        self.samples_button.setText("Sample datasets")
        self.samples_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.samples_menu = QMenu(self)
        self.samples_menu.aboutToShow.connect(self._fill_samples_menu)
        self.samples_button.setMenu(self.samples_menu)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("danger")
        self.delete_button.clicked.connect(self.delete_current)
        hint = QLabel("Drop a CSV, TSV, TXT, Excel or Parquet file anywhere here to import it.")
        hint.setWordWrap(True)
        hint.setObjectName("hint")
        left = QVBoxLayout()
        title = QLabel("Datasets")
        title.setObjectName("sectionTitle")
        left.addWidget(title)
        left.addWidget(self.dataset_list, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.samples_button)
        left.addLayout(buttons)
        left.addWidget(self.delete_button)
        left.addWidget(hint)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setMaximumWidth(300)
        left_box.setMinimumWidth(200)

        # right: header, target, preview, profile
        self.header = QLabel("No dataset selected")
        self.header.setObjectName("datasetHeader")
        self.header.setWordWrap(True)
        self.header.setMinimumWidth(120)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.target_combo = QComboBox()
        self.target_combo.setMinimumWidth(140)
        self.set_target_button = QPushButton("Use as target")
        self.set_target_button.clicked.connect(lambda: self.set_target(self.target_combo.currentText()))
        target_row = QHBoxLayout()
        target_row.addWidget(self.header, 1)
        self.target_label = QLabel("Target column:")
        target_row.addWidget(self.target_label)
        target_row.addWidget(self.target_combo)
        target_row.addWidget(self.set_target_button)

        # rows are paged in from the Parquet file as the view scrolls: never the whole frame
        self.model = PagesModel()
        self.model.sig_opened.connect(self._on_model_opened)
        self.model.sig_sample.connect(self._on_model_sample)
        self.model.sig_failed.connect(self._on_model_failed)
        self.preview = PreviewTable()
        self.preview.setModel(self.model)
        self.preview.setAlternatingRowColors(True)
        self.preview.setWordWrap(False)
        vh = self.preview.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # per-row sizing would visit every row
        vh.setDefaultSectionSize(22)
        self.preview.horizontalHeader().setDefaultSectionSize(120)
        self.preview.horizontalHeader().sectionClicked.connect(self._on_preview_header_clicked)
        self.profile = ColumnProfile()

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.preview)
        splitter.addWidget(self.profile)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        right = QVBoxLayout()
        right.addLayout(target_row)
        right.addWidget(splitter, 1)

        layout = QHBoxLayout(self)
        layout.addWidget(left_box)
        layout.addLayout(right, 1)

        self.services.events.sig_datasets_changed.connect(self.refresh)
        self.refresh()

    # -- list ----------------------------------------------------------------------------------
    def refresh(self, select_id: str | None = None) -> None:
        """Reload the dataset list, keeping (or moving to) a selection."""
        keep = select_id or self.current_dataset_id()
        datasets = self.services.guarded(self.ws.list_datasets) or []
        self.dataset_list.blockSignals(True)
        self.dataset_list.clear()
        for info in datasets:
            item = QListWidgetItem(f"{info.name}\n{info.rows:,} rows × {info.columns} columns")
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setToolTip(f"id {info.id}\ncreated {info.created_at}\ntarget: {info.target_column or '—'}")
            self.dataset_list.addItem(item)
        ids = [d.id for d in datasets]
        target = keep if keep in ids else (ids[-1] if ids else None)
        if target is not None:
            self.dataset_list.setCurrentRow(ids.index(target))
        self.dataset_list.blockSignals(False)
        shown = self._info.id if self._info is not None else None
        if target != shown or target is None:
            self._show_dataset(target)
        self.delete_button.setEnabled(bool(ids))

    def current_dataset_id(self) -> str | None:
        item = self.dataset_list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def select_dataset(self, dataset_id: str) -> None:
        self.refresh(select_id=dataset_id)

    def _on_dataset_list_current(self, item: QListWidgetItem | None, _previous: Any) -> None:
        self._show_dataset(None if item is None else item.data(Qt.ItemDataRole.UserRole))

    def _show_dataset(self, dataset_id: str | None) -> None:
        self._sample = None
        if dataset_id is None:
            self.model.open(None)
            self._info = None
            self.header.setText("No dataset selected — import a file or a sample dataset")
            self.target_combo.clear()
            self.profile.show_dataset(None, None)
            return
        # first: the reader thread opens the file (footer, first page) while the rest is drawn
        self.model.open(lambda: self.ws.open_pages(dataset_id))
        info = self.services.guarded(self.ws.get_dataset, dataset_id)
        if info is None:
            return
        self._info = info
        self._show_info(info)
        self.profile.show_dataset(info, None)

    def _show_info(self, info: Any) -> None:
        lineage = f" · derived from {info.parent_id[:8]}" if info.parent_id else ""
        self.header.setText(f"<b>{info.name}</b> — {info.rows:,} rows × {info.columns} columns{lineage}")
        how = fill_target_combo(self.target_combo, info)  # saved, else a suggestion, else empty
        self.target_label.setText({"suggested": "Target column (suggested):",
                                   "empty": "Target column (none yet):"}.get(how, "Target column:"))
        self.model.set_highlight_column(info.target_column)

    def _on_model_opened(self) -> None:
        if self._info is None:
            return
        self.model.set_highlight_column(self._info.target_column)
        self._fit_column_widths()
        self.sig_preview_shown.emit(self._info.id)
        self.model.request_sample(HISTOGRAM_SAMPLE)  # after the pages the view asks for
        self._tell_other_tabs()

    def _on_model_failed(self, error: Exception) -> None:
        self.services.errors.handle(error)
        self._tell_other_tabs()

    def _tell_other_tabs(self) -> None:
        """The other tabs follow the shown dataset, once its first rows are painted (their forms are slow)."""
        shown = self._info.id if self._info is not None else None
        if shown is not None:
            QTimer.singleShot(0, lambda: shown == self.current_dataset_id()
                              and self.services.events.sig_dataset_chosen.emit(shown))

    def _on_model_sample(self, sample: pd.DataFrame) -> None:
        if self._info is None:
            return
        self._sample = sample
        self.profile.show_dataset(self._info, sample)
        self.sig_dataset_loaded.emit(self._info.id)

    def _fit_column_widths(self, sample_rows: int = 20) -> None:
        """Size columns to their header and first rows (never to every row of a big frame)."""
        metrics = self.preview.fontMetrics()
        header = self.preview.horizontalHeader().fontMetrics()  # the header's own font, e.g. "churn (target)"
        rows = min(sample_rows, self.model.rowCount())
        for col in range(self.model.columnCount()):
            title = header.horizontalAdvance(str(self.model.headerData(col, Qt.Orientation.Horizontal)))
            texts = [self.model.data(self.model.index(r, col)) or "" for r in range(rows)]
            width = max([title + 8] + [metrics.horizontalAdvance(t) for t in texts]) + 28
            self.preview.setColumnWidth(col, max(70, min(width, 280)))

    def _on_preview_header_clicked(self, section: int) -> None:
        if self._info is not None and 0 <= section < len(self._info.column_names):
            self.profile.select_column(self._info.column_names[section])

    # -- import --------------------------------------------------------------------------------
    def choose_file(self, ask_options: bool = False) -> None:
        start = self.services.recall("datasets/last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Import a table", start, FILE_FILTER)
        if path:
            self.services.remember("datasets/last_dir", str(Path(path).parent))
            self.import_file(path, ask_options=ask_options)

    def import_file(self, path: str | Path, ask_options: bool = False) -> None:
        """Sniff the file in a worker; ask for options when unsure (or asked), then import."""
        path = Path(path)
        self.services.jobs.start(
            f"Reading {path.name}", lambda ctx: self.ws.inspect_file(path),
            on_finished=lambda sniff: self._on_sniffed(path, sniff, ask_options), light=True,
        )

    def _on_sniffed(self, path: Path, sniff: Any, ask_options: bool) -> None:
        if not (ask_options or sniff.unsure):
            self._start_import(path, {}, None, None)
            return
        dialog = ImportOptionsDialog(path, sniff, self)
        dialog.refresh_button.clicked.connect(lambda: self._refresh_options_preview(dialog))
        dialog.accepted.connect(lambda: self._start_import(path, dialog.options(), dialog.dataset_name(),
                                                           dialog.target_column()))
        self.options_dialog = dialog
        dialog.open()

    def _refresh_options_preview(self, dialog: ImportOptionsDialog) -> None:
        options = dialog.options()
        self.services.jobs.start(f"Reading {dialog.path.name}",
                                 lambda ctx: self.ws.inspect_file(dialog.path, **options),
                                 on_finished=dialog.show_sniff, light=True)

    def _start_import(self, path: Path, options: dict, name: str | None, target: str | None) -> None:
        self.services.add_recent_file(str(path))
        self.services.jobs.start(
            f"Importing {path.name}",
            lambda ctx: self.ws.import_dataset(path, name=name, target=target, ctx=ctx, **options),
            on_finished=self._on_imported,
        )

    def import_sample(self, name: str) -> None:
        self.services.jobs.start(f"Importing sample {name}", lambda ctx: self.ws.import_sample(name, ctx=ctx),
                                 on_finished=self._on_imported)

    def _on_imported(self, info: Any) -> None:
        self.refresh(select_id=info.id)
        self.services.events.sig_datasets_changed.emit()
        self.sig_imported.emit(info.id)

    def _fill_samples_menu(self) -> None:
        self.samples_menu.clear()
        for sample in self.services.guarded(self.ws.list_samples) or []:
            action = self.samples_menu.addAction(f"{sample.title} — {sample.rows} rows, {sample.task}")
            action.setToolTip(sample.description)
            action.triggered.connect(lambda _=False, n=sample.name: self.import_sample(n))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if _dropped_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for path in _dropped_files(event):
            self.import_file(path)
        event.acceptProposedAction()

    # -- target and delete ---------------------------------------------------------------------
    def set_target(self, column: str) -> None:
        """Save ``column`` as the shown dataset's target; the profile is recomputed in a worker (it reads
        every row), then ``sig_target_set`` tells the other tabs."""
        dataset_id = self.current_dataset_id()
        if dataset_id is None or not column:
            return
        self.set_target_button.setEnabled(False)
        name = self._info.name if self._info is not None else "the dataset"
        self.services.jobs.start(f"Setting the target of {name}", lambda ctx: self.ws.set_target(dataset_id, column),
                                 on_finished=lambda info: self._on_target_saved(dataset_id, info),
                                 on_done=lambda: self.set_target_button.setEnabled(True), light=True)

    def _on_target_saved(self, dataset_id: str, info: Any) -> None:
        if dataset_id == self.current_dataset_id():  # else the user moved on: the list shows it when chosen
            self._info = info
            self._show_info(info)
            if self.model.rowCount():
                self._fit_column_widths()  # the header now reads "<column> (target)"
            self.profile.show_dataset(info, self._sample)
        self.services.events.sig_datasets_changed.emit()
        self.sig_target_set.emit(dataset_id)

    def delete_current(self) -> None:
        dataset_id = self.current_dataset_id()
        if dataset_id is None or self._info is None:
            return
        name = self._info.name
        if not self.services.confirm(self, "Delete dataset", f"Delete the dataset '{name}'?\nIts data file is removed."):
            return
        try:
            self.ws.delete_dataset(dataset_id)
        except ConflictError as exc:
            if not self.services.confirm(self, "Dataset in use", f"{exc}\n\nDelete it anyway?"):
                return
            try:
                self.ws.delete_dataset(dataset_id, force=True)
            except Exception as exc2:  # noqa: BLE001 - the one error handler decides
                self.services.errors.handle(exc2)
                return
        except Exception as exc:  # noqa: BLE001
            self.services.errors.handle(exc)
            return
        self._info = None
        self.refresh()
        self.services.events.sig_datasets_changed.emit()

    def shutdown(self) -> None:
        self.model.shutdown()
        self.profile.chart.clear_bars()


def _dropped_files(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls()
            if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in IMPORTABLE]
