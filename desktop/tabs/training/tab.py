"""TrainingTab: the Train, Compare, Tune and Auto views."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.services import Services
from desktop.tabs.training.train_view import TrainView


class TrainingTab(QWidget):
    """Holds the training views in inner tabs."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.views = QTabWidget()
        self.train_view = TrainView(services)
        self.views.addTab(self.train_view, "Train")
        from desktop.tabs.training.compare_view import CompareView
        from desktop.tabs.training.tune_view import TuneView

        self.compare_view = CompareView(services, self.train_view)
        self.add_view(self.compare_view, "Compare")
        self.tune_view = TuneView(services, self.train_view)
        self.add_view(self.tune_view, "Tune")
        from desktop.tabs.training.auto_view import AutoView

        self.auto_view = AutoView(services)
        self.add_view(self.auto_view, "Auto")
        layout = QVBoxLayout(self)
        layout.addWidget(self.views)

    def add_view(self, widget: QWidget, label: str) -> None:
        """Add a view (Compare, Tune ...) next to Train."""
        self.views.addTab(widget, label)

    def choose_dataset(self, dataset_id: str) -> None:
        self.train_view.choose_dataset(dataset_id)

    def shutdown(self) -> None:
        for i in range(self.views.count()):
            view = self.views.widget(i)
            if hasattr(view, "shutdown"):
                view.shutdown()
