"""DeployDialog: register a completed job as a model version (name, version, description, tags, promote)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget,
)

from desktop.tabs.registry.common import headline_text


class DeployDialog(QDialog):
    """Collects the deploy request; the panel runs it in a worker once accepted."""

    def __init__(self, jobs: list[Any], existing_names: list[str], parent: QWidget | None = None,
                 job_id: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Deploy a trained model")
        self.setMinimumWidth(460)
        self.job_combo = QComboBox()
        for job in jobs:
            algorithm = (job.config or {}).get("algorithm", job.kind)
            metrics = (((job.results or {}).get("evaluation") or {}).get("test") or {}).get("metrics", {})
            self.job_combo.addItem(f"{job.id[:8]} · {algorithm} · {headline_text(metrics)}", job.id)
        if job_id and self.job_combo.findData(job_id) >= 0:
            self.job_combo.setCurrentIndex(self.job_combo.findData(job_id))
        self.name_edit = QComboBox()
        self.name_edit.setEditable(True)
        self.name_edit.addItems(existing_names)
        self.name_edit.setCurrentText(existing_names[0] if existing_names else "")
        self.name_edit.lineEdit().setPlaceholderText("letters, digits, - and _ (e.g. churn-model)")
        self.version_edit = QLineEdit()
        self.version_edit.setPlaceholderText("automatic (next version)")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setFixedHeight(60)
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText("comma-separated, e.g. baseline, q3")
        self.promote_check = QCheckBox("promote to production right away")
        form = QFormLayout(self)
        form.addRow("Job", self.job_combo)
        form.addRow("Model name", self.name_edit)
        form.addRow("Version", self.version_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Tags", self.tags_edit)
        form.addRow("", self.promote_check)
        hint = QLabel("A version already in production is archived when another is promoted.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        form.addRow(hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Deploy")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    def request(self) -> dict[str, Any]:
        """The arguments of ``Workspace.deploy``."""
        tags = [t.strip() for t in self.tags_edit.text().split(",") if t.strip()]
        return {
            "job_id": self.job_combo.currentData(),
            "model_name": self.name_edit.currentText().strip(),
            "version": self.version_edit.text().strip() or None,
            "description": self.description_edit.toPlainText().strip() or None,
            "tags": tags,
            "promote_to_production": self.promote_check.isChecked(),
        }
