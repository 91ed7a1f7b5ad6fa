"""What every tab is given: the workspace, the job manager, the error handler, the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.errors import ErrorHandler
from desktop.task_cache import TaskCache
from desktop.workers import JobManager

MAX_RECENT = 8


class WorkspaceEvents(QObject):
    """Tells the tabs that shared state changed, so each refreshes what it shows."""

    sig_datasets_changed = Signal()
    sig_recipes_changed = Signal()
    sig_jobs_changed = Signal()
    sig_recent_files_changed = Signal()
    sig_dataset_chosen = Signal(str)  # a dataset id, chosen in one tab for the others


@dataclass
class Services:
    """Passed to each tab's constructor; no module-level state anywhere."""

    workspace: Any
    jobs: JobManager
    errors: ErrorHandler
    settings: QSettings
    events: WorkspaceEvents
    tasks: TaskCache = field(default=None)  # type: ignore[assignment]  # built from the workspace

    def __post_init__(self) -> None:
        if self.tasks is None:
            self.tasks = TaskCache(self.workspace)

    def guarded(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a quick Workspace method on the UI thread; errors go to the error handler."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the one error handler decides what to show
            self.errors.handle(exc)
            return None

    def confirm(self, parent: QWidget | None, title: str, text: str, action: str | None = None) -> bool:
        """Ask before doing something; with ``action`` its button is the default, so Enter does it."""
        if action is None:
            return ask_yes_no(parent, title, text)
        return ask_yes_no(parent, title, text, action)

    # -- remembered choices ----------------------------------------------------------------
    def remember(self, key: str, value: Any) -> None:
        self.settings.setValue(key, value)

    def recall(self, key: str, default: Any = None, kind: type | None = None) -> Any:
        if kind is None:
            return self.settings.value(key, default)
        return self.settings.value(key, default, type=kind)

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent_file(self, path: str) -> None:
        files = [p for p in self.recent_files() if p != path]
        files.insert(0, path)
        self.settings.setValue("recent_files", files[:MAX_RECENT])
        self.events.sig_recent_files_changed.emit()


def ask_yes_no(parent: QWidget | None, title: str, text: str, action: str | None = None) -> bool:
    """Ask a yes/no question (tests replace this function)."""
    box = confirmation_box(parent, title, text, action)
    box.exec()
    return box.clickedButton() is box.defaultButton() if action else \
        box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes


def confirmation_box(parent: QWidget | None, title: str, text: str, action: str | None = None) -> QMessageBox:
    """Yes/No (No the default), or, with ``action``, a button named after it that Enter presses, and Cancel."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    if action:
        confirm = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(confirm)
    else:
        box.addButton(QMessageBox.StandardButton.Yes)
        box.setDefaultButton(box.addButton(QMessageBox.StandardButton.No))
    return box
