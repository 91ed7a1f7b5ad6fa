"""ExportPanel: export a version as joblib, skops, ONNX (with the parity check) and a model card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from desktop.widgets.job_panel import job_progress_bar
from desktop.services import Services
from desktop.tabs.registry import files
from desktop.tabs.registry.common import fill_version_combo, make_table, set_row
from desktop.workers import JobWorker
from mlcore.errors import MLWorkbenchError

FORMATS = (("joblib", "joblib bundle (pipeline + metadata)"), ("skops", "skops (safe to load, audited types)"),
           ("onnx", "ONNX (checked against the pipeline)"), ("card", "model card (Markdown)"))


class ExportPanel(QWidget):
    """Exports the chosen formats one after another in a worker; shows each file and the ONNX parity."""

    sig_exported = Signal(object)  # list of result dicts

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.ws = services.workspace
        self.results: list[dict[str, Any]] = []
        self.worker: JobWorker | None = None

        box = QGroupBox("Export a model version")
        form = QFormLayout(box)
        self.version_combo = QComboBox()
        self.format_checks = {fmt: QCheckBox(label) for fmt, label in FORMATS}
        self.format_checks["onnx"].setChecked(True)
        self.format_checks["card"].setChecked(True)
        formats = QVBoxLayout()
        for check in self.format_checks.values():
            formats.addWidget(check)
        self.folder_edit = QLineEdit(str(services.recall("export/folder", str(self.ws.home / "exports"))))
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.export)
        self.progress = job_progress_bar()
        form.addRow("Version", self.version_combo)
        form.addRow("Formats", formats)
        form.addRow("Folder", folder_row)
        form.addRow(self.export_button)
        form.addRow(self.progress)
        box.setMaximumWidth(560)

        self.parity_label = QLabel("ONNX parity: not checked yet.")
        self.parity_label.setWordWrap(True)
        self.table = make_table(["Format", "File", "Result"])
        title = QLabel("Exported files")
        title.setObjectName("sectionTitle")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(box, 1)
        top.addStretch(0)
        layout.addLayout(top)
        layout.addWidget(self.parity_label)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        fill_version_combo(self.version_combo, self.services.guarded(self.ws.list_models) or [])
        self.export_button.setEnabled(self.version_combo.count() > 0 and self.worker is None)

    def choose_folder(self) -> None:
        folder = files.ask_folder(self, "Export to folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def formats(self) -> list[str]:
        return [fmt for fmt, check in self.format_checks.items() if check.isChecked()]

    def export(self) -> JobWorker | None:
        key, formats, folder = self.version_combo.currentData(), self.formats(), self.folder_edit.text().strip()
        if not key or not formats or not folder or self.worker is not None:
            return None
        self.services.remember("export/folder", folder)
        ws = self.ws

        def job(ctx: Any) -> list[dict[str, Any]]:
            out = []
            for i, fmt in enumerate(formats):
                ctx.check_cancelled()
                sub = ctx.sub(i / len(formats), (i + 1) / len(formats))
                try:
                    out.append(ws.export_model(key, fmt, Path(folder), ctx=sub))
                except MLWorkbenchError as exc:  # one format failing does not stop the others
                    out.append({"format": fmt, "status": "failed", "error": exc})
            return out

        self.progress.setValue(0)
        self.parity_label.setText("Exporting…")
        self.worker = self.services.jobs.start(f"Exporting {self.version_combo.currentText()}", job,
                                               on_finished=self._on_exported, on_done=self._on_done)
        self.worker.sig_progress.connect(lambda f, m: self.progress.setValue(int(f * 1000)))
        self.export_button.setEnabled(False)
        return self.worker

    def _on_done(self) -> None:
        worker, self.worker = self.worker, None
        self.export_button.setEnabled(self.version_combo.count() > 0)
        if worker is not None and worker.status != "completed":
            self.parity_label.setText(f"Export {worker.status}.")
            self.progress.setValue(0)

    def _on_exported(self, results: list[dict[str, Any]]) -> None:
        self.results = results
        self.progress.setValue(1000)
        self.table.setRowCount(len(results))
        for i, r in enumerate(results):
            set_row(self.table, i, [r["format"], r.get("path", "—"), _result_text(r)])
            if r.get("error") is not None:
                self.table.item(i, 2).setToolTip(str(r["error"]))
        failed = [r for r in results if r.get("error") is not None]
        onnx = next((r for r in results if r["format"] == "onnx"), None)
        if onnx is not None and onnx.get("error") is not None:
            self.parity_label.setText(f"ONNX export failed: {onnx['error']}")
            self.parity_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        elif onnx is None:
            self.parity_label.setText("ONNX parity: not exported this time.")
            self.parity_label.setStyleSheet("")
        else:
            self.parity_label.setText(parity_text(onnx))
            ok = bool(onnx.get("ok"))
            self.parity_label.setStyleSheet(f"color: {'#2e7d32' if ok else '#b3261e'}; font-weight: bold;")
        if failed:
            self.services.errors.handle(failed[0]["error"])
        self.sig_exported.emit(results)


def parity_text(r: dict[str, Any]) -> str:
    """The ONNX parity check in one sentence."""
    parts = [f"ONNX parity on {r.get('rows_checked', '?')} rows: "]
    if r.get("label_agreement") is not None:
        parts.append(f"label agreement {r['label_agreement']:.1%}")
    if r.get("max_proba_diff") is not None:
        parts.append(f", max probability difference {r['max_proba_diff']:.2e}")
    if r.get("max_abs_diff") is not None:
        parts.append(f", max absolute difference {r['max_abs_diff']:.2e}")
    parts.append(" — OK." if r.get("ok") else " — NOT equivalent.")
    if r.get("warning"):
        parts.append(f" {r['warning']}")
    return "".join(parts)


def _result_text(r: dict[str, Any]) -> str:
    if r.get("error") is not None:
        return f"failed: {r['error']}"
    if r["format"] == "onnx":
        return "parity OK" if r.get("ok") else "parity NOT OK"
    return "written"
