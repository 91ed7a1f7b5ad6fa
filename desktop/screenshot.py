"""Render the main window to a PNG (for docs and checks), optionally mid-training."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mlcore.vocab import DEMO_MODELS as DEMO_ALGORITHMS


def render_screenshot(app: Any, window: Any, path: Path, demo_train: bool = False, timeout_s: float = 120.0) -> int:
    """Show ``window``, let it settle (and train when asked), save a PNG; 0 on success."""
    window.show()
    _settle(app, 1.0, until=lambda: not window.jobs.running())
    if demo_train and window.tabs.currentIndex() == 1:
        _run_demo_preparation(app, window)
    elif demo_train:
        window.select_tab("training")
        if not _start_demo_training(app, window):
            print("demo-train: no dataset or algorithm to train", flush=True)
        else:
            view = window.training_tab.train_view
            target = 0.4 * _demo_rounds(view)
            _settle(app, timeout_s, until=lambda: view.worker is None or (
                max((len(c) for c in view.loss_plot.curves.values()), default=0) >= target))
            _settle(app, 0.15)  # one more redraw tick of the plots
    pixmap = window.grab()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = pixmap.save(str(path), "PNG")
    window.close()
    return 0 if ok and path.stat().st_size > 0 else 1


def _run_demo_preparation(app: Any, window: Any) -> None:
    """Fill the Preparation tab with real results: cleaning counts, feature ranking, split."""
    prep = window.preparation_tab
    _settle(app, 30.0, until=lambda: not window.jobs.running())
    prep.outlier_combo.setCurrentText("iqr")
    prep.run_clean(save=False)
    prep.run_selection()
    prep.run_split()
    prep.recipe_name.setText("penguins-standard")
    _settle(app, 60.0, until=lambda: not window.jobs.running())
    _settle(app, 0.2)


def _start_demo_training(app: Any, window: Any) -> bool:
    view = window.training_tab.train_view
    _settle(app, 30.0, until=lambda: not window.jobs.running())  # task detection
    combo = view.algorithm_combo
    names = [combo.itemData(i) for i in range(combo.count())]
    choice = next((n for n in DEMO_ALGORITHMS if n in names), names[0] if names else None)
    if choice is None:
        return False
    combo.setCurrentIndex(names.index(choice))
    values = view.param_form.values()
    for key in ("n_estimators", "max_iter", "num_boost_round"):
        if key in values:
            view.param_form.set_values({key: 2000})
    if "learning_rate" in values:
        view.param_form.set_values({"learning_rate": 0.01})
    view.early_check.setChecked(False)
    return view.start_training() is not None


def _demo_rounds(view: Any) -> int:
    values = view.param_form.values()
    return int(next((values[k] for k in ("n_estimators", "max_iter") if k in values), 100))


def _settle(app: Any, seconds: float, until: Any = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if until is not None and until():
            app.processEvents()
            return
        time.sleep(0.01)
