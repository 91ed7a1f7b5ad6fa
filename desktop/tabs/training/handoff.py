"""Hand a chosen configuration (from Compare or Tune) over to the Train view and show it."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtWidgets import QTabWidget, QWidget


def send_to_train_view(train_view: Any, services: Any, dataset_id: str, target: str, task: str,
                       algorithm: str, params: dict[str, Any] | None = None, recipe: str | None = None) -> bool:
    """Fill the Train view's widgets with this configuration and bring it to the front.

    The Train view restores the remembered algorithm and parameters whenever it refills its
    algorithm list (e.g. after its own task detection), so they are remembered first: the
    choice then survives that refill.
    """
    if train_view is None or getattr(train_view, "worker", None) is not None:
        return False
    services.remember(f"train/algorithm/{task}", algorithm)
    if params:
        services.remember(f"train/params/{algorithm}", json.dumps(params))
    picker = train_view.picker
    if picker.dataset_id() != dataset_id:
        picker.choose(dataset_id)
    if target and picker.target() != target:
        picker.target_combo.setCurrentText(target)
    if recipe is not None and train_view.recipe_combo.findText(recipe) >= 0:
        train_view.recipe_combo.setCurrentText(recipe)
    if train_view.task_combo.currentText() != task:
        train_view.task_combo.setCurrentText(task)  # refills the algorithms from the remembered choice
    index = train_view.algorithm_combo.findData(algorithm)
    if index >= 0:
        train_view.algorithm_combo.setCurrentIndex(index)
    if params:
        train_view.param_form.set_values(params)
    _show(train_view)
    return True


def _show(widget: QWidget) -> None:
    """Select the page holding ``widget`` in every QTabWidget above it."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QTabWidget):
            for i in range(parent.count()):
                page = parent.widget(i)
                if page is widget or page.isAncestorOf(widget):
                    parent.setCurrentIndex(i)
                    break
        parent = parent.parentWidget()
