"""The tuning time budget keeps room for the refit: decisions checked on a fake clock."""

from __future__ import annotations

import pytest

from mlcore.tuning._budget import (AFTER_REFIT_SHARE, BOOTSTRAP_MAX, BOOTSTRAP_SECONDS_PER_ROW, FIRST_FOLD_SHARE,
                                   REFIT_MARGIN, SAVE_SECONDS, TimeBudget)


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
    refit = 2.0 * 5 / 4 * REFIT_MARGIN  # the slowest fold, on every row
    assert budget.refit_estimate() == pytest.approx(refit)
    assert budget.reserve() == pytest.approx(refit * (1 + AFTER_REFIT_SHARE))  # no evaluation known: a share


def test_a_known_evaluation_is_reserved_by_its_rows_at_the_slowest_scoring_rate():
    clock = Clock()
    budget = TimeBudget(60, 4, clock, after_rows=10_000)
    budget.note_fold(2.0, score_seconds=0.1, scored_rows=1000)   # 1e-4 s per row
    budget.note_fold(2.0, score_seconds=0.3, scored_rows=1000)   # 3e-4 s per row: the slowest counts
    budget.note_fold(2.0, score_seconds=0.2, scored_rows=1000)
    predict = 2 * 3e-4 * 10_000  # predict_proba and predict
    boot = min(BOOTSTRAP_MAX, BOOTSTRAP_SECONDS_PER_ROW * 10_000)
    assert budget.after_estimate() == pytest.approx(predict + boot + SAVE_SECONDS)
    assert budget.reserve() == pytest.approx(2.0 * 4 / 3 * REFIT_MARGIN + predict + boot + SAVE_SECONDS)
    assert budget.refit_deadline() == pytest.approx(budget.started + 60 - (predict + boot + SAVE_SECONDS))
    assert budget.evaluation_deadline() == pytest.approx(budget.started + 60 - SAVE_SECONDS)
    huge = TimeBudget(60, 4, clock, after_rows=10_000_000)
    assert huge.bootstrap_share() == BOOTSTRAP_MAX  # the bootstrap stops at its deadline: its share is capped


def test_the_budget_counts_from_when_the_user_asked():
    clock = Clock()
    budget = TimeBudget(20, 3, clock, started=clock.now - 5.0)  # loading the data took 5 s
    assert budget.elapsed() == pytest.approx(5.0) and budget.left() == pytest.approx(15.0)
    assert budget.fold_deadline() == pytest.approx(clock.now - 5.0 + 20 * FIRST_FOLD_SHARE)


def test_no_trial_starts_that_would_push_the_refit_past_the_budget():
    clock = Clock()
    budget = TimeBudget(60, 5, clock)
    for _ in range(5):
        budget.note_fold(2.0)
    budget.note_trial(10.0)
    reserve = budget.reserve()  # the refit + the evaluation's share
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
    refit = 4.0 * REFIT_MARGIN
    assert budget.fold_deadline() == pytest.approx(budget.started + 20 - refit * (1 + AFTER_REFIT_SHARE))
    assert budget.refit_deadline() == pytest.approx(budget.started + 20 - refit * AFTER_REFIT_SHARE)


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
    assert past.hit and trees == 1 and past.rounds == 1 and past.asked == 200
    assert model.predict(X).shape == (300,)
    import pickle

    assert pickle.loads(pickle.dumps(model)).predict(X).tolist() == model.predict(X).tolist()  # nothing local kept
    later = DeadlineFit(time.perf_counter() + 600)
    fit_model(model, X, y, True, later)
    trees = booster.booster_.num_trees() if library == "lightgbm" else booster.get_booster().num_boosted_rounds()
    assert not later.hit and trees == 200


@pytest.mark.parametrize("name", ["random_forest", "extra_trees", "hist_gradient_boosting", "gradient_boosting"])
def test_forests_and_sklearn_boosting_stop_growing_at_the_deadline(name):
    import pickle

    import numpy as np
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from mlcore.tuning._deadline import DeadlineFit
    from mlcore.tuning._rows import fit_model

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 4)), rng.integers(0, 2, 400)
    from sklearn import ensemble

    cls, grow, asked = {
        "random_forest": (ensemble.RandomForestClassifier, "n_estimators", 50),
        "extra_trees": (ensemble.ExtraTreesClassifier, "n_estimators", 50),
        "hist_gradient_boosting": (ensemble.HistGradientBoostingClassifier, "max_iter", 50),
        "gradient_boosting": (ensemble.GradientBoostingClassifier, "n_estimators", 50),
    }[name]
    extra = {"early_stopping": False} if name == "hist_gradient_boosting" else {}

    def fitted_rounds(est) -> int:
        return est.n_iter_ if name == "hist_gradient_boosting" else (
            est.n_estimators_ if name == "gradient_boosting" else len(est.estimators_))

    clock = Clock()
    ticks = iter(range(10_000))
    tick = lambda: float(next(ticks))  # noqa: E731 - one clock tick per deadline check
    model = Pipeline([("scale", StandardScaler()), ("model", cls(**{grow: asked}, random_state=0, **extra))])
    stop = DeadlineFit(2.5, clock=tick)  # passes on the third check
    fit_model(model, X, y, True, stop)
    est = model.steps[-1][1]
    assert stop.hit and stop.asked == asked
    assert 0 < fitted_rounds(est) < asked and stop.rounds == fitted_rounds(est)
    assert est.get_params()["warm_start"] is False  # the saved model refits from scratch
    assert pickle.loads(pickle.dumps(model)).predict(X).tolist() == model.predict(X).tolist()

    if name != "gradient_boosting":  # grown in chunks: the saved settings say what the model has
        assert est.get_params()[grow] == stop.rounds

    clock.now = 0.0
    full = DeadlineFit(1e9, clock=clock)
    model = Pipeline([("scale", StandardScaler()), ("model", cls(**{grow: asked}, random_state=0, **extra))])
    fit_model(model, X, y, False, full)
    assert not full.hit and fitted_rounds(model.steps[-1][1]) == asked
    assert model.steps[-1][1].get_params()[grow] == asked
    if name in ("random_forest", "extra_trees"):  # grown in chunks, the same forest as one fit
        whole = cls(n_estimators=asked, random_state=0).fit(StandardScaler().fit_transform(X), y)
        assert model.predict_proba(X).tolist() == whole.predict_proba(StandardScaler().fit_transform(X)).tolist()


def test_the_bootstrap_stops_at_its_deadline_with_a_minimum_of_resamples():
    import time

    import numpy as np

    from mlcore.evaluation import evaluate_predictions
    from mlcore.evaluation._bootstrap import MIN_RESAMPLES

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    proba = np.clip(y * 0.3 + rng.uniform(0, 0.7, 2000), 0, 1)
    p = np.column_stack([1 - proba, proba])
    passed = evaluate_predictions("classification", y, (proba > 0.5).astype(int), p, [0, 1], n_boot=200,
                                  deadline=time.perf_counter() - 1)
    assert passed.meta["bootstrap_resamples"] == MIN_RESAMPLES
    low, high = passed.intervals["roc_auc"]
    assert low < passed.metrics["roc_auc"] < high
    later = evaluate_predictions("classification", y, (proba > 0.5).astype(int), p, [0, 1], n_boot=200,
                                 deadline=time.perf_counter() + 600)
    assert later.meta["bootstrap_resamples"] == 200
