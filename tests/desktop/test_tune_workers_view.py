"""The Tune view with workers on one study: a Workers spin box, every worker's trials live with a Worker column."""

from __future__ import annotations

import os

import psutil
import pytest

SHOT = os.environ.get("MLWB_SHOT_DIR")  # set to save a screenshot of the view while workers run


def _column(table, column):
    return [table.item(r, column).text() for r in range(table.rowCount())]


def _worker_processes():
    return [p for p in psutil.Process().children(recursive=True) if "worker" in " ".join(p.cmdline())]


def test_tune_view_shows_every_workers_trials_live_and_cancel_stops_them(qtbot, make_window, workspace):
    from desktop.tabs.training.trial_tables import TRIAL_HEADERS, WORKER_COLUMN

    workspace.import_sample("breast_cancer")
    window = make_window(workspace)
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=30000)
    view = window.training_tab.tune_view
    assert view.choose_algorithm("random_forest")
    view.method_combo.setCurrentIndex(view.method_combo.findData("random"))
    view.trials_spin.setValue(300)
    view.cv_spin.setValue(3)
    view.workers_spin.setValue(2)
    assert view.config()["workers"] == 2
    assert view.trial_table.isColumnHidden(WORKER_COLUMN)
    view.start_tune()
    # the window polls nothing itself: the tuning job streams the other process's trials as trial events
    qtbot.waitUntil(lambda: any(t.get("worker") == 1 for t in view.trials) and
                    any(t.get("worker") == 0 for t in view.trials), timeout=120000)
    qtbot.wait(300)  # the table's 100 ms batch timer
    assert TRIAL_HEADERS[WORKER_COLUMN] == "Worker" and not view.trial_table.isColumnHidden(WORKER_COLUMN)
    assert {"0", "1"} <= set(_column(view.trial_table, WORKER_COLUMN))
    if SHOT:
        window.resize(1400, 900)
        window.tabs.setCurrentWidget(window.training_tab)
        window.training_tab.views.setCurrentWidget(view)
        qtbot.waitUntil(lambda: len(view.trials) >= 6, timeout=60000)
        qtbot.wait(200)
        window.grab().save(os.path.join(SHOT, "tune_workers.png"))
    with qtbot.waitSignal(view.sig_tune_ended, timeout=60000) as ended:
        view.cancel_button.click()
    assert ended.args == ["cancelled"], window.errors_seen
    assert _worker_processes() == []
    assert view.trial_table.rowCount() == len(view.trials) == len({t["number"] for t in view.trials})
    assert window.errors_seen == []


@pytest.mark.parametrize("value, expected", [(1, None), (3, 3)])
def test_workers_spin_box_goes_into_the_tune_request(qtbot, make_window, workspace, value, expected):
    window = make_window(workspace)
    view = window.training_tab.tune_view
    view.workers_spin.setValue(value)
    assert view.config()["workers"] == expected
