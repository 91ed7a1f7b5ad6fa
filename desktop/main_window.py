"""MainWindow: the tabs, menus, status bar with running jobs, and a safe close."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QProgressBar, QPushButton,
    QTabWidget, QWidget,
)

from desktop.gc_guard import UiThreadGarbageCollector
from desktop.errors import ErrorHandler, log_path_for
from desktop.services import Services, WorkspaceEvents
from desktop.tabs.placeholder import PlaceholderTab
from desktop.workers import JobManager

TAB_NAMES = ("datasets", "preparation", "training", "evaluation", "registry")
TAB_LABELS = ("Datasets", "Preparation", "Training", "Evaluation", "Registry")
APP_TITLE = "ML Workbench"


class MainWindow(QMainWindow):
    """The application window over one Workspace."""

    def __init__(self, workspace: Any, settings: QSettings | None = None, lazy_tabs: bool = False) -> None:
        """``lazy_tabs``: the caller shows the window first, then calls ``ensure_tabs`` (pandas, pyqtgraph)."""
        super().__init__()
        # cyclic garbage (old widgets) must be collected on this thread, never in a worker
        self._gc = UiThreadGarbageCollector.shared()
        self._gc.acquire()
        self._gc_released = False
        self.workspace = workspace
        self.setWindowTitle(f"{APP_TITLE} — {workspace.home}")
        self.errors = ErrorHandler(log_path_for(workspace.home), self)
        self.jobs = JobManager(self.errors.handle, self)
        self.services = Services(
            workspace=workspace, jobs=self.jobs, errors=self.errors,
            settings=settings if settings is not None else QSettings(), events=WorkspaceEvents(self),
        )
        self._quitting = False
        self._tabs_built = False
        self._pending_tab: int | None = None

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for label in TAB_LABELS:
            loading = PlaceholderTab(label, "Loading…")
            self.tabs.addTab(loading, label)
        self.setCentralWidget(self.tabs)

        self._build_menus()
        self._build_status_bar()
        self.jobs.sig_jobs_changed.connect(self._update_status)
        self.services.events.sig_recent_files_changed.connect(self._fill_recent_menu)
        self.services.events.sig_dataset_chosen.connect(self._on_dataset_chosen)
        self._restore_state()
        if not lazy_tabs:
            self.ensure_tabs()

    def ensure_tabs(self) -> None:
        """Build the real tabs (once)."""
        if self._tabs_built:
            return
        self._tabs_built = True
        from desktop.tabs.datasets import DatasetsTab
        from desktop.tabs.evaluation import EvaluationTab
        from desktop.tabs.preparation import PreparationTab
        from desktop.tabs.registry import RegistryTab
        from desktop.tabs.training import TrainingTab

        current = self._pending_tab if self._pending_tab is not None else self.tabs.currentIndex()
        self.datasets_tab = DatasetsTab(self.services)
        self.preparation_tab = PreparationTab(self.services)
        self.training_tab = TrainingTab(self.services)
        self.evaluation_tab = EvaluationTab(self.services)
        self.registry_tab = RegistryTab(self.services)
        widgets = [self.datasets_tab, self.preparation_tab, self.training_tab, self.evaluation_tab, self.registry_tab]
        self.tabs.setUpdatesEnabled(False)
        for i, (widget, label) in enumerate(zip(widgets, TAB_LABELS)):
            old = self.tabs.widget(i)
            self.tabs.removeTab(i)
            self.tabs.insertTab(i, widget, label)
            old.deleteLater()
        self.tabs.setCurrentIndex(current)
        self.tabs.setUpdatesEnabled(True)
        # a dataset may have been chosen while the tabs were being built
        self._on_dataset_chosen(self.datasets_tab.current_dataset_id() or "")

    # -- public -----------------------------------------------------------------------------
    def tab(self, name: str) -> QWidget:
        """The tab called ``name`` (one of TAB_NAMES)."""
        return self.tabs.widget(TAB_NAMES.index(name.lower()))

    def select_tab(self, name: str) -> None:
        index = TAB_NAMES.index(name.lower())
        self._pending_tab = index
        self.tabs.setCurrentIndex(index)

    # -- menus -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.import_action = QAction("&Import…", self, shortcut=QKeySequence.StandardKey.Open)
        self.import_action.triggered.connect(lambda: self._datasets().choose_file())
        file_menu.addAction(self.import_action)
        import_options = QAction("Import with &options…", self)
        import_options.triggered.connect(lambda: self._datasets().choose_file(ask_options=True))
        file_menu.addAction(import_options)
        self.samples_menu = file_menu.addMenu("&Sample datasets")
        # filled when opened: listing the samples imports the data package (pandas)
        self.samples_menu.aboutToShow.connect(self._fill_samples_menu)
        self.recent_menu = file_menu.addMenu("&Recent files")
        self._fill_recent_menu()
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About ML Workbench", self)
        about.triggered.connect(self._show_about)
        help_menu.addAction(about)

    def _fill_samples_menu(self) -> None:
        self.samples_menu.clear()
        for sample in self.services.guarded(self.workspace.list_samples) or []:
            action = self.samples_menu.addAction(f"{sample.title} ({sample.rows} rows, {sample.task})")
            action.setToolTip(sample.description)
            action.triggered.connect(lambda _=False, n=sample.name: self._datasets().import_sample(n))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.services.recent_files()
        for path in files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self._datasets().import_file(p))
        self.recent_menu.setEnabled(bool(files))

    def _datasets(self) -> Any:
        self.ensure_tabs()
        return self.datasets_tab

    def _show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_TITLE}",
                          f"<b>{APP_TITLE}</b><p>Train, compare, tune, evaluate, version, A/B-test and "
                          f"export machine-learning models on tabular files.</p><p>Workspace: {self.workspace.home}</p>")

    # -- status bar --------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.connection_label = QLabel(connection_text(self.workspace.connection))
        self.connection_label.setToolTip(connection_tooltip(self.workspace.connection))
        self.connection_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(self.connection_label, 1)
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.jobs_label = QLabel("No running jobs")
        self.jobs_progress = QProgressBar()
        self.jobs_progress.setMaximumWidth(160)
        self.jobs_progress.setRange(0, 1000)
        self.jobs_progress.setTextVisible(False)
        self.cancel_all_button = QPushButton("Cancel all")
        self.cancel_all_button.clicked.connect(self.jobs.cancel_all)
        layout.addWidget(self.jobs_label)
        layout.addWidget(self.jobs_progress)
        layout.addWidget(self.cancel_all_button)
        bar.addPermanentWidget(box)
        self._update_status()

    def _update_status(self) -> None:
        running = self.jobs.running()
        if not running:
            self.jobs_label.setText("No running jobs")
        else:
            parts = [f"{w.title} {w.fraction * 100:.0f}%" + (" (cancelling)" if w.status == "cancelling" else "")
                     for w in running[:3]]
            more = f" +{len(running) - 3} more" if len(running) > 3 else ""
            self.jobs_label.setText(f"{len(running)} running: " + ", ".join(parts) + more)
            self.jobs_progress.setValue(int(min(w.fraction for w in running) * 1000))
        self.jobs_progress.setVisible(bool(running))
        self.cancel_all_button.setVisible(bool(running))

    def _on_dataset_chosen(self, dataset_id: str) -> None:
        if not dataset_id or not hasattr(self, "training_tab"):
            return  # the tabs are still being built; ensure_tabs passes the choice on
        self.preparation_tab.choose_dataset(dataset_id)
        # one tab per event: the training views rebuild their forms, together they stalled the window
        QTimer.singleShot(0, lambda: not self._quitting and self.training_tab.choose_dataset(dataset_id))

    # -- state and closing -------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.services.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        tab = self.services.recall("window/tab", 0, int)
        if 0 <= tab < self.tabs.count():
            self.tabs.setCurrentIndex(tab)

    def close_without_asking(self) -> None:
        """Close, cancelling running jobs without the question (scripted runs)."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        # a thread that already ended but whose result is still queued needs no question
        running = [w for w in self.jobs.running() if not w.isFinished()]
        if running and not self._quitting:
            names = ", ".join(w.title for w in running)
            if not self.services.confirm(self, "Quit ML Workbench",
                                         f"A job is running ({names}).\nCancel it and quit?"):
                event.ignore()
                return
        self._quitting = True
        self.jobs_label.setText("Cancelling running jobs…")
        QApplication.processEvents()
        self.jobs.shutdown(timeout_ms=30000)
        # deliver the workers' last queued signals while the widgets still exist
        QApplication.processEvents()
        self.services.settings.setValue("window/geometry", self.saveGeometry())
        self.services.settings.setValue("window/tab", self.tabs.currentIndex())
        self.services.settings.sync()
        if self._tabs_built:
            for tab in (self.datasets_tab, self.preparation_tab, self.training_tab, self.evaluation_tab,
                        self.registry_tab):
                tab.shutdown()
        self.errors.close_dialogs()
        event.accept()
        if not self._gc_released:
            self._gc_released = True
            self._gc.release()


def connection_text(conn: Any) -> str:
    """The status bar's word on where the work is kept: this home, or a shared database and store."""
    if conn.sources.get("db") == "default" and conn.sources.get("store") == "default":
        return f"Local workspace · {conn.home}"
    return f"Shared: {conn.describe()}"


def connection_tooltip(conn: Any) -> str:
    facts = conn.to_dict()
    return (f"Database: {facts['db_url']} ({conn.sources.get('db')})\n"
            f"Artifact store: {facts['store_url']} ({conn.sources.get('store')})\n"
            f"Local cache: {facts['cache_dir']}\nHome: {facts['home']}\n"
            "Set with: mlcore workspace connect --db URL --store URL")
