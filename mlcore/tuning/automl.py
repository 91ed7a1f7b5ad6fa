"""AutoML under a time budget: a cheap-first search across model families, then an ensemble.

``run_automl`` cross-validates candidates from several families (LightGBM, XGBoost,
HistGradientBoosting, extra trees, random forest, linear) on fixed folds: first a warm-start
portfolio, cheapest first, then local moves around each family's best configuration, choosing
the family whose score is best more often. Boosters stop early on rows held back from each
fold's training rows. Every candidate keeps its fold models (a bagged model: no refit after the
search), and Caruana's greedy selection over the out-of-fold predictions builds a weighted
ensemble, kept only when it beats the best single candidate. The result is ONE fitted
scikit-learn estimator (preparation inside every member) that pickles, predicts and exports.

The time budget is a promise: the search stops at a deadline that leaves room for ensemble
selection, and every fit checks the clock (and the cancel flag) between boosting rounds and
tree chunks. Cancel keeps the best so far: the result comes back with ``cancelled=True``.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from mlcore import vocab
from mlcore.errors import DataValidationError, JobCancelled, MLWorkbenchError
from mlcore.jobs import JobContext
from mlcore.tuning._automl_ensemble import build_voting, caruana, fold_score_stats, score_predictions
from mlcore.tuning._automl_fit import PREP_OF, CandidateFit, Fold, OutOfTime, early_stopping_rows, fit_candidate
from mlcore.tuning._automl_space import FAMILY_LABELS, SPACES, describe, neighbour, portfolio

__all__ = ["AutoMLResult", "LeaderboardRow", "run_automl", "default_metric", "FAMILIES"]

FAMILIES = tuple(SPACES)
LARGE_ROWS = 200_000       # above this many rows: one holdout split and growing training samples
FIRST_SAMPLE = 20_000      # training rows of the first candidates on large data
KEEP_MODELS = 15           # fitted candidates kept for the ensemble (the rest are dropped to save memory)
PREP_FIT_ROWS = 100_000    # a fold's preparation is fitted on at most this many of its training rows


def default_metric(task: str, n_classes: int = 0) -> str:
    """ROC-AUC for binary, log loss for multiclass, R² for regression."""
    if task == "regression":
        return "r2"
    return "roc_auc" if n_classes <= 2 else "log_loss"


@dataclass
class LeaderboardRow:
    """One candidate: what it is, how it scored across folds, what it costs."""

    trial: int
    model: str
    family: str
    params: dict[str, Any]
    score: float
    score_std: float
    fit_seconds: float
    predict_ms_per_1k_rows: float
    rounds: list[int]
    train_rows: int
    elapsed: float
    status: str = "ok"         # ok | failed
    error: str | None = None
    ensemble_weight: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        from mlcore.tuning._cv import jsonable

        return jsonable(asdict(self))


@dataclass
class AutoMLResult:
    """The outcome of one AutoML run (whole, or partial when ``cancelled``)."""

    model: Any
    task: str
    metric: str
    classes: list[Any] | None
    leaderboard: list[LeaderboardRow]
    best_trial: int
    best_score: float
    final_score: float               # out-of-fold score of what ``model`` is (ensemble or best single)
    used_ensemble: bool
    ensemble: list[dict[str, Any]]   # [{trial, model, weight}]
    validation: str
    seconds: float
    time_budget: float
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)
    best_so_far: list[tuple[float, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from mlcore.tuning._cv import jsonable

        return jsonable({
            "task_type": self.task, "metric": self.metric, "classes": self.classes,
            "leaderboard": [r.to_dict() for r in self.leaderboard], "best_trial": self.best_trial,
            "best_score": self.best_score, "final_score": self.final_score, "used_ensemble": self.used_ensemble,
            "ensemble": self.ensemble, "validation": self.validation, "seconds": round(self.seconds, 3),
            "time_budget": self.time_budget, "cancelled": self.cancelled, "notes": list(self.notes),
            "best_so_far": [list(p) for p in self.best_so_far], "n_trials": len(self.leaderboard),
        })


@dataclass
class _Family:
    best: dict[str, Any] | None = None
    score: float = -math.inf
    step: float = 0.25
    misses: int = 0
    cost: float = 0.0          # seconds of its last fit (all folds)


class _Search:
    """The state of one run: folds, candidates with their fitted models, families, leaderboard."""

    def __init__(self, X: Any, y: np.ndarray, task: str, metric: str, n_classes: int, seed: int, n_jobs: int,
                 ctx: JobContext, t0: float, budget: float) -> None:
        self.X, self.y, self.task, self.metric = X, y, task, metric
        self.n_classes, self.seed, self.n_jobs, self.ctx = n_classes, seed, n_jobs, ctx
        self.t0, self.budget = t0, budget
        self.sign = 1.0 if vocab.higher_is_better(metric) else -1.0
        self.folds: list[Fold] = []
        self.y_oof = np.empty(0)
        self.bounds: list[tuple[int, int]] = []
        self.fits: dict[int, CandidateFit] = {}
        self.oof_scores: dict[int, float] = {}
        self.rows: list[LeaderboardRow] = []
        self.families: dict[str, _Family] = {}
        self.best_so_far: list[tuple[float, float]] = []
        self.rng = np.random.default_rng(seed)

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    # -- one candidate ------------------------------------------------------------------
    def run_trial(self, family: str, config: dict[str, Any], deadline: float, sample: np.ndarray | None) -> None:
        trial = len(self.rows)
        label = describe(family, config)
        try:
            fit = fit_candidate(family, config, self.folds, self.task, self.n_classes, self.seed, self.n_jobs,
                                self.ctx, deadline, rows=sample)
        except (OutOfTime, JobCancelled):
            raise
        except Exception as exc:  # noqa: BLE001 - one failing configuration must not end the search
            from mlcore.tuning._cv import error_text

            row = LeaderboardRow(trial, label, family, dict(config), math.nan, math.nan, 0.0, 0.0, [], 0,
                                 round(self.elapsed(), 3), status="failed", error=error_text(exc))
            self.rows.append(row)
            self.ctx.event("automl_trial", **row.to_dict())
            self.families.setdefault(family, _Family()).misses += 3
            return
        mean, std = fold_score_stats(fit.oof, self.y_oof, self.bounds, self.task, self.metric)
        oof_score = score_predictions(fit.oof, self.y_oof, self.task, self.metric)
        train_rows = int(np.mean([len(f.train) for f in self.folds])) if sample is None else int(len(sample))
        row = LeaderboardRow(trial, label, family, dict(config), mean, std, round(fit.fit_seconds, 4),
                             round(fit.predict_seconds * len(self.folds) * 1000.0 * 1000.0, 4), fit.rounds,
                             train_rows, round(self.elapsed(), 3))
        self.rows.append(row)
        self.fits[trial] = fit
        self.oof_scores[trial] = oof_score
        fam = self.families.setdefault(family, _Family())
        fam.cost = fit.fit_seconds
        if mean == mean and self.sign * mean > fam.score:
            fam.best, fam.score, fam.misses = dict(config), self.sign * mean, 0
        else:
            fam.misses += 1
            if fam.misses % 3 == 0:
                fam.step *= 0.7
        best = self.best_row()
        if best is not None and (not self.best_so_far or best.score != self.best_so_far[-1][1]):
            self.best_so_far.append((row.elapsed, best.score))
        self._drop_weak_models()
        self.ctx.event("automl_trial", **row.to_dict(), best_trial=None if best is None else best.trial,
                       best_score=None if best is None else best.score)
        self.ctx.progress(min(0.95, self.elapsed() / self.budget),
                          f"trial {trial + 1}: {FAMILY_LABELS[family]} {self.metric} {mean:.4f}")

    def best_row(self) -> LeaderboardRow | None:
        ok = [r for r in self.rows if r.status == "ok" and r.score == r.score]
        return max(ok, key=lambda r: (self.sign * r.score, -r.trial)) if ok else None

    def _drop_weak_models(self) -> None:
        if len(self.fits) <= KEEP_MODELS:
            return
        ranked = sorted(self.fits, key=lambda t: (-self.sign * self.oof_scores[t], t))
        for t in ranked[KEEP_MODELS:]:
            del self.fits[t]

    # -- what to try next -------------------------------------------------------------
    def next_local(self, allowed: set[str]) -> tuple[str, dict[str, Any]] | None:
        """A move around a family's best: the leading family most often, the others now and then."""
        ranked = sorted((f for f in self.families if f in allowed and self.families[f].best is not None),
                        key=lambda f: -self.families[f].score)
        if not ranked:
            return None
        u = self.rng.random()
        pick = ranked[0] if (u < 0.6 or len(ranked) == 1) else (
            ranked[1] if u < 0.85 or len(ranked) == 2 else ranked[int(self.rng.integers(2, len(ranked)))])
        fam = self.families[pick]
        assert fam.best is not None
        return pick, neighbour(pick, fam.best, fam.step, self.rng)


def _make_folds(X: Any, y: np.ndarray, task: str, seed: int, ctx: JobContext) -> tuple[list[Fold], str]:
    from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

    n = len(y)
    if n > LARGE_ROWS:
        strat = y if task == "classification" else None
        tr, va = train_test_split(np.arange(n), test_size=min(0.2, 100_000 / n), random_state=seed, stratify=strat)
        return [Fold(np.sort(tr), np.sort(va))], f"holdout ({len(va)} rows)"
    k = 5 if n <= 20_000 else 3
    if task == "classification":
        smallest = int(np.bincount(y).min())
        if smallest < 2:
            raise DataValidationError("a class has a single row: AutoML needs at least 2 rows of every class "
                                      "to score models on rows they did not see")
        k = min(k, smallest)
        splitter = StratifiedKFold(k, shuffle=True, random_state=seed)
    else:
        splitter = KFold(k, shuffle=True, random_state=seed)
    return [Fold(np.asarray(tr), np.asarray(va)) for tr, va in splitter.split(np.zeros(n), y)], f"{k}-fold CV"


def _prepare_folds(search: _Search, recipe: Any, families: set[str]) -> None:
    """Fit each fold's preparations on its training rows only and prepare its matrices once."""
    from mlcore.prep import PrepRecipe, build_preprocessor, native_categorical_mask
    from mlcore.tuning._cv import take

    kinds = {PREP_OF.get(f, "tree") for f in families}
    # trees: no scaling, missing numbers left for the trees to route (they learn where a gap goes), many-level
    # text keeps its identity (ordinal codes), a missing text value is a level of its own, and dates keep
    # their place on the time line
    tree = PrepRecipe(scaling="none", numeric_imputation="none", high_cardinality_encoding="ordinal",
                      categorical_imputation="constant",
                      datetime_parts=["days", "year", "month", "day", "weekday", "hour"])
    recipes = {"tree": recipe or tree, "linear": recipe or PrepRecipe(datetime_parts=["days", "month", "weekday"])}
    X, y = search.X, search.y
    for i, fold in enumerate(search.folds):
        search.ctx.check_cancelled()
        X_tr = take(X, fold.train)
        X_va = take(X, fold.valid)
        fit_rows = X_tr if len(X_tr) <= PREP_FIT_ROWS else X_tr.sample(PREP_FIT_ROWS, random_state=search.seed)
        for kind in sorted(kinds):
            prep = build_preprocessor(recipes[kind], fit_rows, search.task, seed=search.seed)
            prep.fit(fit_rows, y[fit_rows.index.to_numpy()])
            dtype = np.float32 if X_tr.size > 5_000_000 else np.float64
            fold.preps[kind] = prep
            fold.X_train[kind] = np.asarray(prep.transform(X_tr), dtype=dtype)
            fold.X_valid[kind] = np.asarray(prep.transform(X_va), dtype=dtype)
        if "tree" in fold.preps:
            fold.categorical = native_categorical_mask(fold.preps["tree"])
        fold.y_train, fold.y_valid = y[fold.train], y[fold.valid]
        fold.es_rows = early_stopping_rows(fold.y_train, search.task, search.seed + i)
        del X_tr, X_va
    search.y_oof = np.concatenate([f.y_valid for f in search.folds])
    ends = np.cumsum([len(f.valid) for f in search.folds])
    search.bounds = [(int(a), int(b)) for a, b in zip(np.concatenate([[0], ends[:-1]]), ends)]


UNSTOPPABLE = ("linear",)


def _cost_estimate(search: _Search, family: str) -> float:
    """Seconds a fit of ``family`` is expected to take (HGB borrows LightGBM's cost until it has its own)."""
    own = search.families.get(family)
    if own is not None and own.cost:
        return own.cost
    if family == "hist_gradient_boosting":
        proxy = search.families.get("lightgbm")
        return 1.5 * proxy.cost if proxy is not None else 0.0
    return 0.0


def _search(search: _Search, families: set[str], deadline: float, max_trials: int | None) -> bool:
    """Run trials until the deadline (or ``max_trials``); True when cancelled."""
    n_train = len(search.folds[0].train)
    large = len(search.folds) == 1 and n_train > FIRST_SAMPLE * 2
    sample_size = FIRST_SAMPLE if large else n_train
    rng_rows = np.random.default_rng(search.seed + 7)
    order = rng_rows.permutation(n_train)
    queue = [(f, c) for f, c in portfolio(search.task, n_train) if f in families]
    at_size = 0
    while max_trials is None or len(search.rows) < max_trials:
        now = time.perf_counter()
        if now >= deadline and (search.fits or now >= deadline + 0.25 * search.budget):
            break
        if large and not queue and at_size >= 4 and sample_size < n_train:
            best = search.best_row()
            cost = search.families[best.family].cost if best else 0.0
            if cost * 4 < 0.25 * (deadline - now):  # room to grow: re-run the leaders on 4x the rows
                sample_size = min(n_train, sample_size * 4)
                at_size = 0
                leaders = sorted((f for f in search.families if search.families[f].best is not None),
                                 key=lambda f: -search.families[f].score)[:3]
                queue = [(f, dict(search.families[f].best)) for f in leaders]  # type: ignore[arg-type]
        if queue:
            family, config = queue.pop(0)
        else:
            affordable = {f for f in families
                          if search.families.get(f, _Family()).cost < 0.5 * (deadline - now)}
            nxt = search.next_local(affordable)
            if nxt is None:
                break
            family, config = nxt
        if search.fits and family in UNSTOPPABLE and _cost_estimate(search, family) > (deadline - now):
            continue  # would overrun and cannot be stopped mid-fit
        sample = np.sort(order[:sample_size]) if sample_size < n_train else None
        # the first candidate always gets a chance, even on a budget too short for it, but never past the
        # promise (budget + 5 %, or + 2 s under 40 s), keeping half a second for what follows it
        promise = search.t0 + search.budget + max(0.05 * search.budget, 2.0 if search.budget < 40 else 0.0)
        limit = deadline if search.fits else max(deadline, min(now + 0.25 * search.budget + 1.0, promise - 0.5))
        try:
            search.run_trial(family, config, limit, sample)
        except OutOfTime:
            break
        except JobCancelled:
            return True
        at_size += 1
    return False


def _finish(search: _Search, folds_used: list[Fold], classes: np.ndarray, feature_names: list[str],
            ensemble_deadline: float) -> tuple[Any, float, bool, list[dict[str, Any]]]:
    """The final estimator: Caruana's ensemble when it beats the best single candidate, else the best."""
    from sklearn.pipeline import Pipeline

    ranked = sorted(search.fits, key=lambda t: (-search.sign * search.oof_scores[t], t))
    best = ranked[0]
    best_score = search.oof_scores[best]
    picks: dict[int, int] = {best: 1}
    final_score = best_score
    if len(ranked) > 1 and time.perf_counter() < ensemble_deadline:
        preds = [search.fits[t].oof for t in ranked]
        t_one = time.perf_counter()
        score_predictions(preds[0], search.y_oof, search.task, search.metric)
        per_round = max(1e-4, time.perf_counter() - t_one) * len(preds)
        if per_round * 2 < ensemble_deadline - time.perf_counter():
            # the deadline is checked every round: a slow metric or a busy machine ends the selection early
            chosen, score = caruana(preds, search.y_oof, search.task, search.metric, 40,
                                    deadline=ensemble_deadline - per_round)
            if search.sign * score > search.sign * best_score + 1e-9 and len(chosen) > 1:
                picks = {ranked[j]: n for j, n in chosen.items()}
                final_score = score
    total = sum(picks.values())
    members = []
    ensemble = []
    for trial in sorted(picks):
        fit = search.fits[trial]
        row = search.rows[trial]
        weight = picks[trial] / total
        row.ensemble_weight = round(weight, 4)
        ensemble.append({"trial": trial, "model": row.model, "weight": round(weight, 4)})
        kind = PREP_OF.get(row.family, "tree")
        for i, (fold, est) in enumerate(zip(folds_used, fit.models)):
            members.append((f"t{trial}_f{i}", Pipeline([("prep", fold.preps[kind]), ("model", est)]),
                            weight / len(fit.models)))
    model = build_voting(members, search.task, classes, feature_names)
    return model, final_score, len(picks) > 1, ensemble


def _import_libraries(families: tuple[str, ...]) -> None:
    import importlib

    from mlcore.tuning._automl_space import FAMILY_MODULES

    for name in sorted({FAMILY_MODULES[f] for f in families}):
        importlib.import_module(name)


def run_automl(X: Any, y: Any, task: str | None = None, time_budget: float = 60.0, metric: str | None = None,
               seed: int = 0, recipe: Any = None, ctx: JobContext | None = None, *, n_jobs: int | None = None,
               families: list[str] | tuple[str, ...] | None = None, max_trials: int | None = None) -> AutoMLResult:
    """Search model families for ``time_budget`` seconds and return the best model (or ensemble).

    ``X`` a DataFrame of raw features (the preparation recipe goes inside the model), ``y`` the
    target. ``max_trials`` stops after that many candidates (a reproducible run for tests).
    """
    from mlcore.tuning._cv import check_seed, prepare_inputs
    from mlcore.tuning._metrics import resolve_metric

    t0 = time.perf_counter()
    ctx = ctx or JobContext()
    if isinstance(time_budget, bool) or not isinstance(time_budget, (int, float)) or not time_budget > 0:
        raise MLWorkbenchError(f"time_budget must be a positive number of seconds, got {time_budget!r}")
    seed = check_seed(seed)
    chosen = tuple(families or FAMILIES)
    bad = [f for f in chosen if f not in FAMILIES]
    if bad:
        raise MLWorkbenchError(f"unknown AutoML famil{'y' if len(bad) == 1 else 'ies'} {bad}; "
                               f"valid: {', '.join(FAMILIES)}")
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(np.asarray(X), columns=[f"x{i}" for i in range(np.asarray(X).shape[1])])
    X, y_raw, task = prepare_inputs(X, y, task)
    classes = None
    if task == "classification":
        classes, y_arr = np.unique(y_raw, return_inverse=True)
    else:
        y_arr = np.asarray(y_raw, dtype=float)
    n_classes = 0 if classes is None else len(classes)
    metric = resolve_metric(metric or default_metric(task, n_classes), task)
    budget = float(time_budget)
    workers = int(n_jobs) if n_jobs else 1  # threads fight on a busy 2-core machine: one per fit

    _import_libraries(chosen)  # a first import takes seconds on a busy machine: before any fit starts
    search = _Search(X, y_arr, task, metric, n_classes, seed, workers, ctx, t0, budget)
    folds, validation = _make_folds(X, y_arr, task, seed, ctx)
    search.folds = folds
    ctx.progress(0.0, f"preparing {len(folds)} fold(s)")
    try:
        _prepare_folds(search, recipe, set(chosen))
        cancelled = False
    except JobCancelled:
        cancelled = True
    # the ensemble and the final estimator need a few percent of the budget
    reserve = min(0.5 + 0.04 * budget, 0.2 * budget)
    if not cancelled:
        from threadpoolctl import threadpool_limits

        # OpenMP pools (HistGradientBoosting, BLAS) otherwise take every core and spin against each other
        with threadpool_limits(limits=workers):
            cancelled = _search(search, set(chosen), t0 + budget - reserve, max_trials)
    if not search.fits:
        if cancelled:
            raise JobCancelled("cancelled by the user before any model was scored")
        raise MLWorkbenchError(f"no model could be fitted within {budget:g} s"
                               + (f": {search.rows[-1].error}" if search.rows else "; raise the time budget"))
    model, final_score, used_ensemble, ensemble = _finish(
        search, folds, classes if classes is not None else np.empty(0), [str(c) for c in X.columns],
        t0 + budget - 0.3 * reserve)
    best = search.best_row()
    assert best is not None
    notes = [f"validation: {validation}; each candidate's final model averages its fold models (no refit)",
             "boosters stop early on 10 % of each fold's training rows; held-out rows are never used to fit"]
    if used_ensemble:
        notes.append(f"ensemble of {len(ensemble)} candidates (Caruana selection) scores {final_score:.4f} "
                     f"out of fold vs {search.oof_scores[best.trial]:.4f} for the best single one")
    if cancelled:
        notes.append(f"stopped by the user after {len(search.rows)} candidate(s); the best so far is kept")
    result = AutoMLResult(
        model=model, task=task, metric=metric,
        classes=None if classes is None else [c.item() if isinstance(c, np.generic) else c for c in classes],
        leaderboard=search.rows, best_trial=best.trial, best_score=best.score, final_score=final_score,
        used_ensemble=used_ensemble, ensemble=ensemble, validation=validation,
        seconds=time.perf_counter() - t0, time_budget=budget, cancelled=cancelled, notes=notes,
        best_so_far=search.best_so_far)
    ctx.event("automl_ensemble", ensemble=ensemble, used_ensemble=used_ensemble, final_score=final_score)
    ctx.progress(1.0, f"best {metric} {best.score:.4f}" + (" (ensemble)" if used_ensemble else ""))
    return result


automl_default_metric = default_metric  # the name the tuning package exports
