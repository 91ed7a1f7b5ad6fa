"""The Auto view of the Training tab: the leaderboard and the best-so-far curve fill in live."""

from __future__ import annotations


# a fresh test process pays its first imports of lightgbm/xgboost/sklearn inside the budget; on the shared,
# loaded 2-core test machine that has cost up to ~4 s (the promise holds warm: see test_automl.py)
COLD_START = 5.0


def _wait_idle(qtbot, window, timeout=30000):
    qtbot.waitUntil(lambda: not window.jobs.running(), timeout=timeout)


def test_auto_view_fills_in_live_then_deploys_and_evaluates_the_best(qtbot, make_window, workspace):
    workspace.import_sample("iris")
    window = make_window(workspace)
    _wait_idle(qtbot, window)
    tab = window.training_tab
    view = tab.auto_view
    assert tab.views.tabText(tab.views.indexOf(view)) == "Auto"
    assert view.data.task() == "classification"
    view.budget_spin.setValue(8)
    seen = []  # (rows so far, points on the best curve, job still running) as each candidate arrives
    view.sig_row.connect(lambda row: seen.append((len(view.rows), len(view.plot.curve("best so far")),
                                                  view.worker is not None and view.worker.isRunning())))
    with qtbot.waitSignal(view.sig_auto_ended, timeout=60000) as ended:
        assert view.start_auto() is not None
    assert ended.args == ["completed"], window.errors_seen
    # rows arrived one by one while the job ran, and the curve grew with them
    assert len(seen) >= 2 and [n for n, _, _ in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][1] >= 1 and all(running for _, _, running in seen)
    assert view.table.rowCount() == len(view.rows) == len(view.job.results["automl"]["leaderboard"])
    weights = [view.table.item(r, 7).text() for r in range(view.table.rowCount())]
    assert any(w for w in weights)  # the final model's members are marked
    assert view.job.results["training_summary"]["seconds"] <= 8 * 1.05 + 2.0 + COLD_START
    assert "candidates in" in view.result_label.text()
    assert view.deploy_button.isEnabled() and view.evaluate_button.isEnabled()

    with qtbot.waitSignal(view.sig_deployed, timeout=30000) as deployed:
        view.deploy_button.click()
    info = deployed.args[0]
    assert info.algorithm == "automl" and info.name == "iris-auto"
    _wait_idle(qtbot, window)
    assert view.evaluate_best()
    assert window.tabs.currentWidget() is window.evaluation_tab
    assert window.errors_seen == []
