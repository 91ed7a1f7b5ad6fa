"""RegistryTab: Versions, A/B tests, Predict, Export and Serve as inner tabs over one workspace."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.services import Services
from desktop.tabs.registry.ab_panel import ABPanel
from desktop.tabs.registry.export_panel import ExportPanel
from desktop.tabs.registry.predict_panel import PredictPanel
from desktop.tabs.registry.serve_panel import ServePanel
from desktop.tabs.registry.versions import VersionsPanel


class RegistryTab(QWidget):
    """The model registry and what is done with its versions."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.versions = VersionsPanel(services)
        self.ab = ABPanel(services)
        self.predict = PredictPanel(services)
        self.export = ExportPanel(services)
        self.serve = ServePanel(services)
        self.views = QTabWidget()
        self.views.addTab(self.versions, "Versions")
        self.views.addTab(self.ab, "A/B tests")
        self.views.addTab(self.predict, "Predict")
        self.views.addTab(self.export, "Export")
        self.views.addTab(self.serve, "Serve")
        layout = QVBoxLayout(self)
        layout.addWidget(self.views)
        # one panel's change refreshes the others' lists
        self.versions.sig_models_changed.connect(self.refresh_models)
        self.ab.sig_models_changed.connect(self.refresh_models)
        self.ab.sig_tests_changed.connect(self.predict.refresh)
        self.predict.sig_predicted.connect(lambda _r: self.ab.refresh())
        services.events.sig_jobs_changed.connect(self.refresh_models)

    def refresh_models(self) -> None:
        self.versions.refresh()
        self.ab.refresh_models()
        self.ab.refresh()
        self.predict.refresh()
        self.export.refresh()

    def show_view(self, name: str) -> None:
        """Show the inner tab called ``name`` (versions, ab, predict, export, serve)."""
        widget = {"versions": self.versions, "ab": self.ab, "predict": self.predict, "export": self.export,
                  "serve": self.serve}[name]
        self.views.setCurrentWidget(widget)

    def shutdown(self) -> None:
        self.ab.shutdown()
        self.serve.shutdown()
