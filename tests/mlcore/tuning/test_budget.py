"""The tuning time budget keeps room for the refit: decisions checked on a fake clock."""

from __future__ import annotations

import pytest

from mlcore.tuning._budget import AFTER_REFIT_SHARE, FIRST_FOLD_SHARE, TimeBudget


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_refit_estimate_scales_a_fold_to_every_row_and_reserves_the_evaluation():
    clock = Clock()
    budget = TimeBudget(60, 5, clock)
    assert budget.reserve() == 0.0  # nothing learned yet
    for seconds in (1.0, 2.0, 2.0):
        budget.note_fold(seconds)
    assert budget.refit_estimate() == pytest.approx(2.0 * 5 / 4)  # the slowest fold, on every row
    assert budget.reserve() == pytest.approx(2.5 * (1 + AFTER_REFIT_SHARE))


def test_no_trial_starts_that_would_push_the_refit_past_the_budget():
    clock = Clock()
    budget = TimeBudget(60, 5, clock)
    for _ in range(5):
        budget.note_fold(2.0)
    budget.note_trial(10.0)
    reserve = budget.reserve()  # 2.5 s refit + the evaluation's share
    clock.now += 60 - 10 - reserve  # exactly one trial and the refit left
    assert budget.room_for_trial() is True
    clock.now += 0.01
    assert budget.room_for_trial() is False
    assert budget.room_for_fold() is True  # a running trial may still finish a fold
    clock.now = budget.started + 60 - reserve - 1.99
    assert budget.room_for_fold() is False


def test_without_a_time_limit_everything_may_start():
    clock = Clock()
    budget = TimeBudget(None, 3, clock)
    budget.note_fold(1e6)
    clock.now += 1e9
    assert budget.room_for_trial() and budget.room_for_fold()
    assert budget.fold_deadline() is None and budget.refit_deadline() is None


def test_deadlines_leave_the_refit_and_the_evaluation_their_time():
    clock = Clock()
    budget = TimeBudget(20, 4, clock)
    assert budget.fold_deadline() == budget.started + 20 * FIRST_FOLD_SHARE  # nothing learned yet
    budget.note_fold(3.0)
    assert budget.fold_deadline() == pytest.approx(budget.started + 20 - 4.0 * (1 + AFTER_REFIT_SHARE))
    assert budget.refit_deadline() == pytest.approx(budget.started + 20 - 4.0 * AFTER_REFIT_SHARE)


@pytest.mark.parametrize("library", ["lightgbm", "xgboost"])
def test_a_booster_stops_adding_trees_at_the_deadline(library):
    import time

    import numpy as np
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from mlcore.tuning._deadline import DeadlineFit
    from mlcore.tuning._rows import fit_model

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 4)), rng.integers(0, 2, 300)
    if library == "lightgbm":
        from lightgbm import LGBMClassifier as Model
    else:
        from xgboost import XGBClassifier as Model
    model = Pipeline([("scale", StandardScaler()), ("model", Model(n_estimators=200, n_jobs=1, verbose=-1)
                                                    if library == "lightgbm" else Model(n_estimators=200, n_jobs=1))])
    past = DeadlineFit(time.perf_counter() - 1)
    fit_model(model, X, y, False, past)
    booster = model.steps[-1][1]
    trees = booster.booster_.num_trees() if library == "lightgbm" else booster.get_booster().num_boosted_rounds()
    assert past.hit and trees == 1
    assert model.predict(X).shape == (300,)
    import pickle

    assert pickle.loads(pickle.dumps(model)).predict(X).tolist() == model.predict(X).tolist()  # nothing local kept
    later = DeadlineFit(time.perf_counter() + 600)
    fit_model(model, X, y, True, later)
    trees = booster.booster_.num_trees() if library == "lightgbm" else booster.get_booster().num_boosted_rounds()
    assert not later.hit and trees == 200
