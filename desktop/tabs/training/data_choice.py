"""DataChoice: dataset, target, recipe and (detected) task — the data box of Compare and Tune."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel

from desktop.widgets.dataset_picker import DatasetPicker
from mlcore import vocab

NO_RECIPE = "(no recipe)"
TASKS = list(vocab.TASKS)
TASK_METRICS = {task: list(names) for task, names in vocab.SELECTION_METRICS.items()}


class DataChoice(QGroupBox):
    """Emits ``sig_task_changed(task)`` when the task is chosen or detected from the target."""

    sig_task_changed = Signal(str)
    sig_ready_changed = Signal(bool)  # whether a dataset and target are chosen

    def __init__(self, services: Any, title: str = "Data") -> None:
        super().__init__(title)
        self.services = services
        self._detect_token = 0
        self._ready = False
        self.sig_ready_changed.connect(self._remember_ready)
        self.picker = DatasetPicker(services)
        self.picker.sig_changed.connect(self._on_picker_changed)
        self.recipe_combo = QComboBox()
        self.recipe_combo.setToolTip("A preparation recipe saved in the Preparation tab (applied inside every fold)")
        self.task_combo = QComboBox()
        self.task_combo.addItems(TASKS)
        self.task_combo.currentTextChanged.connect(self.sig_task_changed.emit)
        self.task_note = QLabel("")
        self.task_note.setObjectName("hint")
        form = QFormLayout(self)
        form.addRow(self.picker)
        form.addRow("Recipe", self.recipe_combo)
        form.addRow("Task", self.task_combo)
        form.addRow("", self.task_note)
        services.events.sig_recipes_changed.connect(self.refresh_recipes)
        services.events.sig_dataset_chosen.connect(self.choose_dataset)
        self.refresh_recipes()

    # -- values -------------------------------------------------------------------------------
    def dataset_id(self) -> str | None:
        return self.picker.dataset_id()

    def target(self) -> str | None:
        return self.picker.target()

    def is_ready(self) -> bool:
        """A dataset and target are chosen and the task detection for them has ended."""
        return self._ready

    def _remember_ready(self, ready: bool) -> None:
        self._ready = ready

    def task(self) -> str:
        return self.task_combo.currentText()

    def recipe(self) -> str | None:
        text = self.recipe_combo.currentText()
        return None if not text or text == NO_RECIPE else text

    def rows(self) -> int:
        info = self.picker.info()
        return int(getattr(info, "rows", 0) or 0)

    # -- changes ------------------------------------------------------------------------------
    def choose_dataset(self, dataset_id: str) -> None:
        if dataset_id and self.isEnabled():
            self.picker.choose(dataset_id)

    def refresh_recipes(self) -> None:
        keep = self.recipe_combo.currentText()
        recipes = self.services.guarded(self.services.workspace.list_recipes) or []
        self.recipe_combo.clear()
        self.recipe_combo.addItem(NO_RECIPE)
        self.recipe_combo.addItems([r.name for r in recipes])
        if keep:
            self.recipe_combo.setCurrentText(keep)

    def start_detection(self) -> None:
        """Detect the task of the chosen target in a worker (reading one column can take a while)."""
        self._on_picker_changed(self.dataset_id() or "", self.target() or "")

    def _on_picker_changed(self, dataset_id: str, target: str) -> None:
        self._detect_token += 1
        # not ready while the task is detected: the task shown may still be the last target's
        self.sig_ready_changed.emit(False)
        if not (dataset_id and target):
            self.task_note.setText("")
            return
        token = self._detect_token
        self.task_note.setText("detecting the task…")
        tasks = self.services.tasks  # detected once per dataset, shared with the other views
        self.services.jobs.start("Detecting the task", lambda ctx: tasks.detect(dataset_id, target),
                                 on_finished=lambda task: self._on_task_detected(token, task),
                                 on_failed=lambda e: self._on_task_detection_failed(token, e), light=True)

    def _on_task_detection_failed(self, token: int, error: BaseException) -> None:
        if token != self._detect_token:
            return
        self.task_note.setText(f"task not detected ({error}); choose it")
        self.sig_ready_changed.emit(True)

    def _on_task_detected(self, token: int, task: str) -> None:
        if token != self._detect_token:
            return
        self.task_note.setText(f"detected: {task}")
        self.task_combo.setCurrentText(task)
        self.sig_ready_changed.emit(True)


def lower_is_better(metric: str) -> bool:
    return not vocab.higher_is_better(metric)
