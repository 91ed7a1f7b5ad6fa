"""VersionsPanel: the versions table, deploy, stage changes with confirmation, history, comparison."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter, QVBoxLayout, QWidget,
)

from desktop.services import Services
from desktop.tabs.registry.common import (
    DANGER_STYLE, color_status, fmt_interval, fmt_number, headline_text, make_table, set_row, when,
)
from desktop.tabs.registry.deploy_dialog import DeployDialog
from desktop.workers import JobWorker

VERSION_HEADERS = ["Name", "Version", "Algorithm", "Task", "Status", "Headline metric", "Created", "Tags"]
HISTORY_HEADERS = ["When", "Version", "From", "To", "Reason"]


class VersionsPanel(QWidget):
    """Every model version; the buttons act on the selected row(s)."""

    sig_models_changed = Signal()
    sig_deployed = Signal(object)  # ModelVersionInfo
    sig_compared = Signal(object)  # list of rows

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.versions: list[Any] = []
        self.deploy_dialog: DeployDialog | None = None
        self.compare_rows: list[dict[str, Any]] = []

        self.table = make_table(VERSION_HEADERS)
        self.table.setSelectionMode(self.table.SelectionMode.ExtendedSelection)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.deploy_button = QPushButton("Deploy a job…")
        self.deploy_button.setObjectName("primary")
        self.deploy_button.clicked.connect(self.open_deploy_dialog)
        self.promote_button = QPushButton("Promote")
        self.demote_button = QPushButton("Demote")
        self.archive_button = QPushButton("Archive")
        self.rollback_button = QPushButton("Roll back…")
        self.archive_button.setStyleSheet(DANGER_STYLE)
        self.promote_button.clicked.connect(lambda: self.change_stage("promote"))
        self.demote_button.clicked.connect(lambda: self.change_stage("demote"))
        self.archive_button.clicked.connect(lambda: self.change_stage("archive"))
        self.rollback_button.clicked.connect(self.rollback)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("reason (optional, kept in the history)")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        for button in (self.deploy_button, self.promote_button, self.demote_button, self.archive_button,
                       self.rollback_button):
            buttons.addWidget(button)
        buttons.addWidget(self.reason_edit, 1)
        buttons.addWidget(self.refresh_button)

        self.history_title = QLabel("Transition history")
        self.history_title.setObjectName("sectionTitle")
        self.history_table = make_table(HISTORY_HEADERS)
        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_layout.addWidget(self.history_title)
        history_layout.addWidget(self.history_table)

        compare = QWidget()
        compare_layout = QVBoxLayout(compare)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Compare the selected versions on a dataset")
        title.setObjectName("sectionTitle")
        self.compare_dataset = QComboBox()
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.compare)
        row = QHBoxLayout()
        row.addWidget(self.compare_dataset, 1)
        row.addWidget(self.compare_button)
        self.compare_table = make_table(["Version", "Status", "Rows", "ms/row"])
        compare_layout.addWidget(title)
        compare_layout.addLayout(row)
        compare_layout.addWidget(self.compare_table)

        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(history)
        lower.addWidget(compare)
        lower.setSizes([500, 600])
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(buttons)
        upper_layout.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setSizes([320, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        services.events.sig_datasets_changed.connect(self.refresh_datasets)
        self.refresh()
        self.refresh_datasets()

    # -- lists ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        keep = {v.id for v in self.selected()}
        self.versions = self.services.guarded(self.ws.list_models) or []
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.versions))
        for row, info in enumerate(self.versions):
            set_row(self.table, row, [info.name, info.version, info.algorithm, info.task_type, info.status,
                                      headline_text(info.metrics),
                                      when(info.created_at), ", ".join(info.tags or [])])
            color_status(self.table.item(row, 4), info.status)
            self.table.item(row, 0).setToolTip(f"id {info.id}\n{info.description or ''}".strip())
            if info.id in keep:
                self.table.selectRow(row)
        if not keep and self.versions:
            self.table.selectRow(0)
        self.table.blockSignals(False)
        self._on_selection()

    def refresh_datasets(self) -> None:
        keep = self.compare_dataset.currentData()
        self.compare_dataset.clear()
        for info in self.services.guarded(self.ws.list_datasets) or []:
            self.compare_dataset.addItem(f"{info.name} ({info.rows:,} rows)", info.id)
        index = self.compare_dataset.findData(keep) if keep else -1
        if index >= 0:
            self.compare_dataset.setCurrentIndex(index)

    def selected(self) -> list[Any]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.versions[r] for r in rows if r < len(self.versions)]

    def select_version(self, version_id: str, add: bool = False) -> None:
        """Select the row of a version (and keep other selected rows when ``add``)."""
        for row, info in enumerate(self.versions):
            if info.id == version_id:
                if add:
                    model = self.table.selectionModel()
                    model.select(self.table.model().index(row, 0),
                                 model.SelectionFlag.Select | model.SelectionFlag.Rows)
                else:
                    self.table.selectRow(row)
                return

    def _on_selection(self) -> None:
        chosen = self.selected()
        one = chosen[0] if len(chosen) == 1 else None
        self.promote_button.setEnabled(one is not None and one.status != "production")
        self.demote_button.setEnabled(one is not None and one.status in ("production", "staged"))
        self.archive_button.setEnabled(one is not None and one.status != "archived")
        self.rollback_button.setEnabled(one is not None)
        self.compare_button.setEnabled(bool(chosen) and self.compare_dataset.count() > 0)
        if chosen:
            self._choose_compare_dataset(chosen)
            self.show_history(chosen[0].name)

    def _choose_compare_dataset(self, chosen: list[Any]) -> None:
        """Compare on the versions' own dataset by default (the first one's when they differ)."""
        for info in chosen:
            index = self.compare_dataset.findData(getattr(info, "dataset_id", None))
            if index >= 0:
                self.compare_dataset.setCurrentIndex(index)
                return

    def show_history(self, name: str) -> None:
        transitions = self.services.guarded(self.ws.history, name) or []
        self.history_title.setText(f"Transition history of {name}")
        self.history_table.setRowCount(len(transitions))
        for row, t in enumerate(reversed(transitions)):
            set_row(self.history_table, row, [when(t.created_at), t.version, t.from_status or "—", t.to_status,
                                              t.reason or ""])
            color_status(self.history_table.item(row, 3), t.to_status)
            self.history_table.item(row, 4).setToolTip(t.reason or "")

    # -- deploy --------------------------------------------------------------------------------
    def open_deploy_dialog(self, job_id: str | None = None) -> DeployDialog:
        """Open the deploy dialog (non-blocking); accepting it starts the deploy worker."""
        jobs = [j for j in (self.services.guarded(self.ws.list_jobs) or []) if j.status == "completed"
                and j.artifact_path]  # jobs that left a trained model
        jobs.sort(key=lambda j: str(j.created_at), reverse=True)
        names = sorted({v.name for v in self.versions})
        dialog = DeployDialog(jobs, names, self, job_id=job_id or None)
        dialog.accepted.connect(lambda: self.deploy(**dialog.request()))
        self.deploy_dialog = dialog
        dialog.open()
        return dialog

    def deploy(self, **request: Any) -> JobWorker | None:
        if not request.get("job_id"):
            return None
        ws = self.ws
        return self.services.jobs.start(f"Deploying {request.get('model_name')}", lambda ctx: ws.deploy(**request),
                                        on_finished=self._on_deployed)

    def _on_deployed(self, info: Any) -> None:
        self.refresh()
        self.select_version(info.id)
        self.sig_models_changed.emit()
        self.sig_deployed.emit(info)

    # -- stages --------------------------------------------------------------------------------
    def change_stage(self, action: str) -> Any:
        """promote | demote | archive the selected version, after a confirmation."""
        chosen = self.selected()
        if len(chosen) != 1:
            return None
        info = chosen[0]
        texts = {
            "promote": f"Make {info.name} {info.version} the production version of {info.name}?\n"
                       "The current production version (if any) is archived.",
            "demote": f"Demote {info.name} {info.version} ({info.status})?",
            "archive": f"Archive {info.name} {info.version}? It will no longer serve predictions.",
        }
        if not self.services.confirm(self, f"{action.capitalize()} model version", texts[action], action.capitalize()):
            return None
        reason = self.reason_edit.text().strip() or None
        result = self.services.guarded(getattr(self.ws, action), info.id, reason=reason)
        self._after_stage_change(result)
        return result

    def rollback(self) -> Any:
        """Make the selected version production again (or, on the production one, the previous one)."""
        chosen = self.selected()
        if len(chosen) != 1:
            return None
        info = chosen[0]
        to_version = None if info.status == "production" else info.version
        target = "the previous production version" if to_version is None else f"version {to_version}"
        if not self.services.confirm(self, "Roll back", f"Roll {info.name} back to {target}?", "Roll back"):
            return None
        reason = self.reason_edit.text().strip() or None
        result = self.services.guarded(self.ws.rollback, info.name, to_version=to_version, reason=reason)
        self._after_stage_change(result)
        return result

    def _after_stage_change(self, result: Any) -> None:
        if result is None:
            return
        self.reason_edit.clear()
        self.refresh()
        self.select_version(result.id)
        self.show_history(result.name)
        self.sig_models_changed.emit()

    # -- compare -------------------------------------------------------------------------------
    def compare(self) -> JobWorker | None:
        keys = [v.id for v in self.selected()]
        dataset_id = self.compare_dataset.currentData()
        if not keys or not dataset_id:
            return None
        ws = self.ws
        self.compare_button.setEnabled(False)
        return self.services.jobs.start(f"Comparing {len(keys)} versions",
                                        lambda ctx: ws.compare_versions(keys, dataset_id, ctx=ctx),
                                        on_finished=self._on_compared,
                                        on_done=lambda: self.compare_button.setEnabled(bool(self.selected())))

    def _on_compared(self, rows: list[dict[str, Any]]) -> None:
        self.compare_rows = rows
        names: list[str] = []
        for r in rows:
            for key, value in r["metrics"].items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in names \
                        and key != "n_rows":
                    names.append(key)
        names = names[:8]
        headers = ["Version", "Status", "Rows", "ms/row"] + names
        self.compare_table.setColumnCount(len(headers))
        self.compare_table.setHorizontalHeaderLabels(headers)
        self.compare_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [f"{r['name']} {r['version']}", r["status"], r["rows"], f"{r['latency_ms_per_row']:.3f}"]
            for name in names:
                ci = (r.get("confidence_intervals") or {}).get(name)
                text = fmt_number(r["metrics"].get(name))
                cells.append(text + (f"  [{fmt_interval(ci)}]" if ci else ""))
            set_row(self.compare_table, i, cells)
            color_status(self.compare_table.item(i, 1), r["status"])
        self.sig_compared.emit(rows)


