"""Hyperparameter search: grid, random and Optuna TPE, all cross-validated on fixed folds.

All three methods run as an Optuna study (grid: the combinations enqueued in order; random:
RandomSampler; optuna: TPESampler with a MedianPruner for iterative models), so they share
storage, timeouts, cancellation and trial records. Trial 0 is always the catalog defaults, so
the best configuration is never worse than the defaults on the same folds. Each trial reports
the running mean of its fold scores after every fold; the pruner stops a trial whose running
mean falls below the median of earlier trials at the same fold. Cancel: the running trial is
abandoned at its next fold, the study stops, and JobCancelled carries ``partial_result``.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mlcore.errors import ConfigError, JobCancelled, MLWorkbenchError
from mlcore.jobs import JobContext
from mlcore.tuning._budget import TimeBudget
from mlcore.tuning._deadline import DeadlineFit
from mlcore.tuning._cv import (check_budget, check_cv, check_seed, cv_splits, error_text, jsonable, model_factory,
                              prepare_inputs, score_fold, take)
from mlcore.tuning._metrics import higher_is_better, is_better, resolve_metric
from mlcore.tuning._rows import RowPolicy, class_weight_note, fit_model, outlier_note
from mlcore.tuning._space import default_trial, grid_space, searchable, suggest
from mlcore.tuning._study import data_fingerprint, open_study
from mlcore.tuning._workers import (BEYOND_ATTR, CAP_KEY, CLOSED_KEY, DEADLINE_KEY, JOB_KEY, STOP_KEY, WORKER_ATTR,
                                    StudyStopContext, TrialFeed, WorkerPool, trial_record)

if TYPE_CHECKING:
    from mlcore.prep import PrepRecipe

__all__ = ["METHODS", "TuningResult", "study_labels", "tune", "grid_search", "random_search", "optuna_search"]

METHODS = ("optuna", "grid", "random")
_ALIASES = {"grid_search": "grid", "random_search": "random", "tpe": "optuna", "bayesian": "optuna"}


@dataclass
class TuningResult:
    """Best configuration (``best_params`` in catalog names), every trial, and the refitted model."""

    algorithm: str
    task: str
    method: str
    metric: str
    higher_is_better: bool
    best_params: dict[str, Any]
    best_score: float
    best_std: float
    best_trial: int
    trials: list[dict[str, Any]]
    study_name: str
    storage: str | None
    n_splits: int
    seconds: float
    pipeline: Any = None
    cancelled: bool = False
    # with a time budget: the perf_counter time by which the caller's evaluation must end (not saved)
    evaluation_deadline: float | None = None
    notes: list[str] = field(default_factory=list)
    preparation_applied: dict[str, Any] = field(default_factory=dict)

    def count(self, state: str) -> int:
        return sum(1 for t in self.trials if t["state"] == state)

    def history(self) -> list[dict[str, Any]]:
        """One record per trial (iteration = trial number, val_metric = its value, best_so_far)."""
        return [{"iteration": t["number"], "val_metric": t["value"], "best_so_far": t["best_so_far"],
                 "state": t["state"]} for t in self.trials]

    def to_dict(self) -> dict[str, Any]:
        return jsonable({
            "algorithm": self.algorithm, "task_type": self.task, "method": self.method, "metric": self.metric,
            "higher_is_better": self.higher_is_better, "best_params": self.best_params,
            "best_score": self.best_score, "best_std": self.best_std, "best_trial": self.best_trial,
            "trials": self.trials, "n_trials": len(self.trials), "n_complete": self.count("complete"),
            "n_pruned": self.count("pruned"), "n_failed": self.count("fail"), "study_name": self.study_name,
            "storage": self.storage, "cv": self.n_splits, "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled, "notes": list(self.notes), "preparation_applied": self.preparation_applied,
        })


def _method(method: str) -> str:
    m = _ALIASES.get(str(method).lower(), str(method).lower())
    if m not in METHODS:
        raise ConfigError(f"tuning method {method!r} is not valid; allowed: grid, random, optuna")
    return m


class _Search:
    """The objective and the per-trial callback of one study."""

    def __init__(self, spec, space, make, X, y, folds, task, metric, ctx, n_total, prune, timeout,
                 weighted: bool = False, budget: TimeBudget | None = None, worker: int | None = None,
                 cap: int | None = None, report: bool = True) -> None:
        self.spec, self.space, self.make, self.weighted = spec, space, make, weighted
        self.X, self.y, self.folds, self.task, self.metric = X, y, folds, task, metric
        self.ctx, self.n_total, self.prune, self.timeout = ctx, n_total, prune, timeout
        self.started = time.perf_counter()
        self.records: list[dict[str, Any]] = []
        self.best: float = math.nan
        self.budget = budget or TimeBudget(None, len(folds))
        self.out_of_time = False
        # on a shared study: this process's worker label, the whole study's trial cap, and whether
        # this process reports its own trials (not when a TrialFeed reports every worker's)
        self.worker, self.cap, self.report = worker, cap, report
        self.finished = lambda: len(self.records)  # trials done so far (a shared study: by every worker)
        self.closed: Callable[[], bool] = lambda: False  # a joined worker: the tuning process takes no more

    def fraction(self, trials_done: float) -> float:
        """Progress: by trials when their number is known, else by the time budget."""
        by_trials = trials_done / self.n_total if self.n_total else 0.0
        by_time = (time.perf_counter() - self.started) / self.timeout if self.timeout else 0.0
        return min(1.0, max(by_trials, by_time))

    def objective(self, trial: Any) -> float:
        import optuna

        if self.worker is not None:
            trial.set_user_attr(WORKER_ATTR, self.worker)
            if (self.cap is not None and trial.number >= self.cap) or self.closed():  # the study's budget is spent
                trial.set_user_attr(BEYOND_ATTR, True)
                trial.study.stop()
                return math.nan
        search_params = suggest(trial, self.space)
        trial.set_user_attr("search_params", jsonable(search_params))
        params = self.spec.params_from_search(search_params)
        scores: list[float] = []
        k = len(self.folds)
        for j, fold in enumerate(self.folds):
            self.ctx.check_cancelled()
            if (self.records or scores) and not self.budget.room_for_fold():
                # a fold that would not end before the refit must start: the trial ends here
                self.out_of_time = True
                if scores and self.best != self.best:  # nothing complete yet: keep the folds measured
                    trial.set_user_attr("folds_scored", len(scores))
                    trial.set_user_attr("std", float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0)
                    return float(np.mean(scores))
                trial.set_user_attr("error", "stopped: the time budget is kept for the refit")
                raise optuna.TrialPruned()
            self.ctx.progress(self.fraction(self.finished() + j / k), f"trial {trial.number}: fold {j + 1}/{k}")
            fold_start = time.perf_counter()
            stop = DeadlineFit(deadline) if (deadline := self.budget.fold_deadline()) is not None else None
            try:
                scored = score_fold(self.make, params, self.X, self.y, fold, self.task, self.weighted, stop)
                score = scored.scores[self.metric]
            except JobCancelled:
                if self.worker is not None:  # the study outlives this process: say why the trial failed
                    reason = getattr(self.ctx, "stop_reason", None) or "cancelled"
                    trial.set_user_attr("error", f"stopped: the study was {reason}")
                raise
            except MLWorkbenchError as exc:
                trial.set_user_attr("error", str(exc))
                return math.nan
            except Exception as exc:  # noqa: BLE001 - a configuration that cannot fit is a failed trial
                trial.set_user_attr("error", error_text(exc))
                return math.nan
            if score != score:
                trial.set_user_attr("error", f"{self.metric} could not be computed for this model")
                return math.nan
            if stop is not None and stop.hit:
                # a cut fold's seconds are a floor for what the full model costs: the refit estimate learns them
                self.budget.note_fold(time.perf_counter() - fold_start, scored.score_seconds, len(fold[1]))
                # the fold ran into the time kept for the refit and was cut short: with a complete
                # trial already, this one ends here; otherwise its (short) folds are all there is
                self.out_of_time = True
                if self.best == self.best:
                    trial.set_user_attr("error", "stopped: the time budget is kept for the refit")
                    raise optuna.TrialPruned()
                scores.append(score)
                trial.set_user_attr("folds_scored", len(scores))
                trial.set_user_attr("cut_short", True)
                trial.set_user_attr("std", float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0)
                return float(np.mean(scores))
            self.budget.note_fold(time.perf_counter() - fold_start, scored.score_seconds, len(fold[1]))
            scores.append(score)
            trial.set_user_attr("fold_scores", scores)
            trial.report(float(np.mean(scores)), j)
            if self.prune and j < k - 1 and trial.should_prune():
                raise optuna.TrialPruned()
        trial.set_user_attr("std", float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0)
        return float(np.mean(scores))

    def callback(self, study: Any, frozen: Any) -> None:
        if frozen.user_attrs.get(BEYOND_ATTR):
            return
        if frozen.state.name == "COMPLETE" and frozen.value is not None and \
                is_better(float(frozen.value), self.best, self.metric):
            self.best = float(frozen.value)
        record = trial_record(frozen, self.spec.params_from_search, self.best)
        state, duration = record["state"], record["duration"]
        if self.worker is None:
            del record["worker"]
        self.records.append(record)
        if self.report:
            self.ctx.event("trial", number=record["number"], value=record["value"], best=record["best_so_far"],
                           params=record["params"], state=state, duration=duration, error=record["error"],
                           **({} if self.worker is None else {"worker": self.worker}))
            if record["value"] is not None:
                self.ctx.metric(frozen.number, self.metric, record["value"], "trial")
            if record["best_so_far"] is not None:
                self.ctx.metric(frozen.number, self.metric, record["best_so_far"], "best")
            self.ctx.progress(self.fraction(len(self.records)), f"trial {frozen.number} {state}")
        if state == "complete" and duration is not None:
            self.budget.note_trial(duration)
        if self.ctx.cancel_requested:
            study.stop()
        elif not self.budget.room_for_trial():
            self.out_of_time = True  # another trial would push the refit past the budget
            study.stop()
        elif self.cap is not None and len(study.get_trials(deepcopy=False)) >= self.cap:
            study.stop()  # the other workers hold the rest of the budget


def tune(
    X: Any, y: Any, task: str | None, algorithm: str, method: str = "optuna", n_trials: int | None = 50,
    timeout: float | None = None, cv: Any = 5, metric: str | None = None, recipe: "PrepRecipe | None" = None,
    seed: int = 0, storage: str | None = None, study_name: str | None = None, pruning: bool = True,
    ctx: JobContext | None = None, cv_kind: str = "auto", groups: Any = None, n_jobs: int | None = None,
    prep: str = "recipe", grid: dict[str, list] | None = None, refit: bool = True,
    study_attrs: dict[str, Any] | None = None, workers: int | None = None, pool: WorkerPool | None = None,
    join_as: int | None = None, parent_pid: int | None = None, started: float | None = None,
    evaluate_rows: int | None = None,
) -> TuningResult:
    """Search ``algorithm``'s hyperparameters by cross-validation and refit the best on all rows.

    ``storage`` is an Optuna storage URL (None: in memory); ``n_trials`` caps the trials (for
    grid: the combinations, None = all) and ``timeout`` the seconds. Trials stream through
    ``ctx.event("trial", ...)``. Cancel raises JobCancelled with ``partial_result``. The recipe's
    row steps apply as in Workspace.train, per fold (outliers leave the fold's training rows only)
    and in the refit; ``notes`` and ``preparation_applied`` say what ran. A study is labelled with
    its algorithm, task, metric, direction, rows and ``study_attrs`` (e.g. dataset_id, dataset_hash);
    reusing ``study_name`` for a different search raises ConflictError, the same search continues.

    Workers on one study (``storage`` needed): ``workers=N`` makes this process worker 0 of a shared
    study whose ``n_trials``/``timeout`` are for the whole study; it creates the study and enqueues the
    defaults once, reports every worker's trials as they finish, waits for the worker processes in
    ``pool`` (started by the caller; a worker waits for the study, never creates it) and refits the
    best of all. ``join_as=i`` joins such a study as worker ``i`` (its budget and stop flag from the
    study; no refit; ``parent_pid``: stop when that process is gone). Worker ``i`` samples with seed
    ``seed + i``; the folds always use ``seed``.

    ``timeout`` covers the refit and, given ``evaluate_rows`` (rows the caller evaluates after the
    refit), that evaluation and the saving too; ``result.evaluation_deadline`` says when the evaluation
    must end. ``started``: the ``time.perf_counter()`` the budget counts from (default: this call).
    """
    import optuna

    from mlcore.models import get_algorithm

    ctx = ctx or JobContext()
    t_start = time.perf_counter() if started is None else float(started)
    method = _method(method)
    check_budget(n_trials, timeout)
    check_cv(cv)
    seed = check_seed(seed)
    X, y, task = prepare_inputs(X, y, task)
    metric = resolve_metric(metric, task)
    spec = get_algorithm(algorithm, task)
    folds = cv_splits(X, y, task, cv, cv_kind, seed, groups)
    make = model_factory(spec, X, task, recipe, seed, n_jobs, prep)
    rows_policy = RowPolicy.from_recipe(recipe, task)
    folds, removed = rows_policy.trim_folds(X, folds)
    how = rows_policy.class_weight_how(spec)
    weighted = rows_policy.weighted(spec)
    notes: list[str] = [n for n in (outlier_note(rows_policy, removed), class_weight_note(spec.name, how)) if n]
    for note in notes:
        ctx.log(note)
    applied = dict(rows_policy.describe(removed), class_weight=how)

    shared = workers is not None or join_as is not None
    if shared and storage is None:
        raise ConfigError("tuning workers share a study through a storage: give an Optuna storage URL")
    worker = None if not shared else (0 if join_as is None else int(join_as))
    sampler_seed = seed + (worker or 0)
    if method == "grid":
        space, combos = grid_space(spec, grid)
        if n_trials is not None and len(combos) > int(n_trials):
            notes.append(f"grid has {len(combos)} combinations; the first {int(n_trials)} were tried")
            combos = combos[: int(n_trials)]
        enqueued, total = combos, len(combos)
        sampler = optuna.samplers.RandomSampler(seed=sampler_seed)  # unused: every grid trial is enqueued
    else:
        space = searchable(spec.search_space)
        enqueued = [default_trial(spec, space)]
        total = int(n_trials) if n_trials is not None else (None if timeout else 50)
        if not space:
            notes.append(f"{spec.name} has no tunable parameters; only its defaults were scored")
            total = 1
        # constant_liar: a worker treats the others' running trials as bad, so it samples elsewhere
        sampler = (optuna.samplers.TPESampler(seed=sampler_seed, constant_liar=shared) if method == "optuna"
                   else optuna.samplers.RandomSampler(seed=sampler_seed))
    prune = bool(pruning and method == "optuna" and spec.abilities.iterative and len(folds) > 1)
    # one fold is a noisy estimate: with three or more folds, judge a trial after two of them,
    # and only once a few trials give a median worth comparing with
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=max(3, min(5, (total or 20) // 5)),
                                          n_warmup_steps=1 if len(folds) >= 3 else 0)
              if prune else optuna.pruners.NopPruner())
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # failed trials are reported in the records
    name = study_name or f"{spec.name}-{task}-{method}-{uuid.uuid4().hex[:8]}"
    if join_as is not None:  # a worker never creates the study: it waits for the tuning process to
        _wait_for_shared_study(storage, name, ctx)
    study = open_study(storage, name, sampler, pruner,
                       study_labels(spec.name, task, metric, X if storage is not None else None, y, study_attrs))
    feed: TrialFeed | None = None
    pool = pool if pool is not None else WorkerPool()
    cap, first = total, 0
    if join_as is not None:
        cap, timeout = _join_budget(study, name)
        t_start = time.perf_counter()  # what is left of the study's time counts from now
        # Optuna keeps no public handle on a study's storage and id
        ctx = StudyStopContext(ctx, study._storage, study._study_id, parent_pid=parent_pid)
        closed = _closed_flag(study)
    else:
        if shared:  # before any worker starts: the study's budget, owner and a clear stop flag
            # a study continued by name keeps its trials: this run's budget comes on top of them
            first = len(study.get_trials(deepcopy=False))
            cap = None if total is None else first + total
            study.set_user_attr(CAP_KEY, cap)
            study.set_user_attr(DEADLINE_KEY, None if timeout is None
                                else time.time() + float(timeout) - (time.perf_counter() - t_start))
            study.set_user_attr(JOB_KEY, (study_attrs or {}).get(JOB_KEY))
            study.set_user_attr(STOP_KEY, None)
            study.set_user_attr(CLOSED_KEY, None)
        for fixed in enqueued:  # once per study, whoever comes first
            study.enqueue_trial(fixed, skip_if_exists=shared)
    # the budget counts from ``started`` (default: the start of tune()) and includes the refit and the
    # evaluation that follows it; time spent preparing folds above is already spent
    budget = TimeBudget(timeout, len(folds), after_rows=evaluate_rows if join_as is None else None, started=t_start)
    search = _Search(spec, space, make, X, y, folds, task, metric, ctx, total, prune, timeout, weighted, budget,
                     worker=worker, cap=cap if shared else None, report=not (shared and join_as is None))
    if join_as is not None:
        search.closed = closed
    if shared and join_as is None:
        feed = TrialFeed(storage, name, spec.params_from_search, metric, ctx, cap, first=first)
        feed.start()
        search.finished = lambda: len(feed.records)
        ctx.log(f"{len(pool.handles) + 1} worker(s) on study {name}")

    def records() -> list[dict[str, Any]]:
        return sorted(feed.records, key=lambda r: r["number"]) if feed is not None else search.records

    def finish(cancelled: bool) -> TuningResult:
        done = [r for r in records() if r["state"] == "complete"]
        if not done:
            return TuningResult(spec.name, task, method, metric, higher_is_better(metric), {}, math.nan, math.nan,
                                -1, records(), name, storage, len(folds), time.perf_counter() - t_start,
                                cancelled=cancelled, notes=list(notes), preparation_applied=dict(applied))
        sign = 1.0 if higher_is_better(metric) else -1.0
        best = max(done, key=lambda r: sign * r["value"])
        return TuningResult(spec.name, task, method, metric, higher_is_better(metric), dict(best["params"]),
                            best["value"], best["std"] if best["std"] is not None else math.nan, best["number"],
                            records(), name, storage, len(folds), time.perf_counter() - t_start,
                            cancelled=cancelled, notes=list(notes), preparation_applied=dict(applied))

    def end_shared(reason: str) -> None:
        """Tell every worker the study is over, wait for this tune's own (bounded), read the last trials."""
        if not shared or join_as is not None:
            return
        try:
            study.set_user_attr(STOP_KEY, reason)
        finally:
            pool.stop(grace=10.0 if reason == "cancelled" else 0.0)
            feed.close()
            ctx.log(f"read every worker's trials from the study {feed.polls} times in {feed.poll_seconds:.2f} CPU s")
            for line in pool.failures():
                ctx.log(line)
                notes.append(line)
            if feed.running:
                notes.append(f"{feed.running} trial(s) still running (in a worker that joined from elsewhere, "
                             f"or one that stopped mid-trial) were left out")

    ctx.log(f"tuning {spec.name} ({method}, {len(folds)}-fold CV, metric {metric})"
            + ("" if worker is None else f" as worker {worker}"))
    try:
        ctx.check_cancelled()
        if (timeout is None or timeout > 0) and cap != 0:
            # the defaults are always scored (cut short if need be): a budget spent before the search
            # (loading a large dataset) still leaves a model, if a late one
            left = None if timeout is None else max(1e-3, timeout - (time.perf_counter() - t_start))
            study.optimize(search.objective, n_trials=None if shared else total, timeout=left,
                           callbacks=[search.callback], gc_after_trial=False, show_progress_bar=False)
        if shared and join_as is None:
            # from here no worker starts a trial, so the trials running now are the last ones to read
            study.set_user_attr(CLOSED_KEY, time.time())
            pool.wait(ctx, feed.done)  # the others finish the trials they hold; their last is within the cap
            _wait_for_running(feed, ctx, study.user_attrs.get(DEADLINE_KEY))  # workers that joined by hand
    except JobCancelled as exc:
        if join_as is not None and getattr(ctx, "stop_reason", None):  # the study ended: not an error here
            notes.append(f"stopped: the study was {ctx.stop_reason}")
            return finish(True)
        end_shared("cancelled")
        _attach_partial(exc, finish(True))
        raise
    except BaseException:
        end_shared("failed")
        raise
    if join_as is not None and ctx.cancel_requested:
        notes.append(f"stopped: the study was {getattr(ctx, 'stop_reason', None) or 'cancelled'}")
        return finish(True)
    end_shared("finished")
    result = finish(ctx.cancel_requested)
    if search.out_of_time:
        result.notes.append(f"stopped starting trials at {budget.elapsed():.1f} s of the {timeout:g} s budget to "
                            f"leave ~{budget.reserve():.1f} s for the refit and evaluation")
        short = [r["number"] for r in search.records if r.get("folds_scored")]
        if short:
            result.notes.append(f"trial {short[0]} was scored on fewer than {len(folds)} folds to stay in the budget")
    if result.cancelled:
        exc = JobCancelled("cancelled by the user")
        _attach_partial(exc, result)
        raise exc
    if join_as is not None:
        return result
    if result.best_trial < 0:
        errors = [r["error"] for r in result.trials if r.get("error")]
        reason = f"; first error: {errors[0]}" if errors else ""
        raise ConfigError(f"every trial of {spec.name} failed ({len(result.trials)} tried){reason}")
    if refit:
        ctx.progress(0.97, "refitting the best configuration on all rows")
        ctx.check_cancelled()
        keep = rows_policy.keep(X)
        if rows_policy.removes_outliers:
            result.preparation_applied["removed_outlier_rows_refit"] = int((~keep).sum())
            result.notes.append(f"the refit left out {int((~keep).sum())} outlier row(s) of {len(keep)}")
        # on a shared study ``n_jobs`` split the cores between workers; they are gone now: every core
        refit_make = model_factory(spec, X, task, recipe, seed, None, prep) if shared else make
        stop = DeadlineFit(deadline) if (deadline := budget.refit_deadline()) is not None else None
        result.pipeline = fit_model(refit_make(result.best_params), take(X, np.flatnonzero(keep)), y[keep], weighted,
                                    stop)
        if stop is not None and stop.hit:
            result.notes.append(f"the refit stopped at {stop.note()} at {budget.elapsed():.1f} s to end within the "
                                f"{timeout:g} s budget (the cross-validated score is for the full model)")
    result.evaluation_deadline = budget.evaluation_deadline()
    result.seconds = time.perf_counter() - t_start
    ctx.progress(1.0, f"best {metric} {result.best_score:.4f} (trial {result.best_trial})")
    return result


def _wait_for_running(feed: TrialFeed, ctx: JobContext, deadline: float | None, grace: float = 10.0) -> None:
    """Until no trial of the study runs (a worker that joined by hand may still hold one), at most until
    the study's deadline (or now, without one) plus ``grace`` seconds."""
    end = max(time.time(), deadline or 0.0) + grace
    feed.poll()
    while feed.running and time.time() < end:
        ctx.check_cancelled()
        time.sleep(0.2)
        feed.poll()


def _wait_for_shared_study(storage: str, name: str, ctx: JobContext, limit: float = 60.0) -> None:
    """Until study ``name`` exists with its workers' budget written (the tuning process writes it right
    after creating the study); ConflictError after ``limit`` s."""
    import optuna

    from mlcore.errors import ConflictError
    from mlcore.tuning._study import _in_storage

    end = time.monotonic() + limit
    while True:
        ctx.check_cancelled()
        try:
            study = _in_storage(storage, lambda: optuna.load_study(study_name=name, storage=storage))
            if CAP_KEY in study.user_attrs:
                return
        except KeyError:
            pass
        except ConfigError:  # e.g. the tuning process is creating a new storage's tables right now
            if time.monotonic() > end:
                raise
        if time.monotonic() > end:
            raise ConflictError(f"Optuna study {name!r} was not started for workers (start it with "
                                f"`mlcore tune --workers N`); nothing to join")
        time.sleep(0.5)


def _closed_flag(study: Any) -> Callable[[], bool]:
    """Whether the tuning process has closed ``study`` to new trials (one storage read per call)."""
    storage, study_id = study._storage, study._study_id  # Optuna keeps no public handle on them

    def closed() -> bool:
        try:
            attrs = storage.get_study_user_attrs(study_id)
        except Exception:  # noqa: BLE001 - a busy storage: the trial runs, the tuning process waits for it
            return False
        return bool(attrs.get(CLOSED_KEY) or attrs.get(STOP_KEY))

    return closed


def _join_budget(study: Any, name: str) -> tuple[int | None, float | None]:
    """A joined worker's share of the study: its trial cap and the seconds left to its deadline."""
    from mlcore.errors import ConflictError

    attrs = study.user_attrs
    if CAP_KEY not in attrs:
        raise ConflictError(f"Optuna study {name!r} was not started for workers (start it with "
                            f"`mlcore tune --workers N`); nothing to join")
    if attrs.get(STOP_KEY) or attrs.get(CLOSED_KEY):  # it ended while this worker started: nothing left to do
        return 0, 0.0
    deadline = attrs.get(DEADLINE_KEY)
    return attrs.get(CAP_KEY), None if deadline is None else max(0.0, float(deadline) - time.time())


def study_labels(algorithm: str, task: str, metric: str, X: Any = None, y: Any = None,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The user attributes a tune study carries (``X``/``y`` given: with a fingerprint of the rows)."""
    labels = {"algorithm": algorithm, "task": task, "metric": metric,
              "direction": "maximize" if higher_is_better(metric) else "minimize",
              "data_hash": data_fingerprint(X, y) if X is not None else None}
    labels.update({k: v for k, v in (extra or {}).items() if v is not None})
    return labels


def _attach_partial(exc: JobCancelled, result: TuningResult) -> None:
    exc.partial_result = result  # type: ignore[attr-defined]
    exc.partial_history = result.history()  # type: ignore[attr-defined]


def grid_search(X: Any, y: Any, task: str | None, algorithm: str, grid: dict[str, list] | None = None,
                n_trials: int | None = None, **kwargs: Any) -> TuningResult:
    """Every combination of the catalog grid (or ``grid``: ``{"model__param": [values]}``)."""
    return tune(X, y, task, algorithm, method="grid", n_trials=n_trials, grid=grid, **kwargs)


def random_search(X: Any, y: Any, task: str | None, algorithm: str, n_trials: int = 50, **kwargs: Any) -> TuningResult:
    """``n_trials`` configurations sampled uniformly (log-uniformly where marked) from the search space."""
    return tune(X, y, task, algorithm, method="random", n_trials=n_trials, **kwargs)


def optuna_search(X: Any, y: Any, task: str | None, algorithm: str, n_trials: int = 50, **kwargs: Any) -> TuningResult:
    """Optuna TPE (seeded) with median pruning for iterative models."""
    return tune(X, y, task, algorithm, method="optuna", n_trials=n_trials, **kwargs)
