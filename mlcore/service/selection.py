"""SelectionService: compare models and tune hyperparameters, each as a job."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from mlcore import vocab
from mlcore.errors import ConfigError, ConflictError, DataValidationError
from mlcore.jobs import JobContext
from mlcore.jsonsafe import json_safe
from mlcore.registry import DatasetInfo, JobInfo, JobStore, hide_password
from mlcore.service.datasets import DatasetService
from mlcore.service.jobs import JobService
from mlcore.service.preparation import PreparationService
from mlcore.service.results import AutoMLResult, CompareResult, TuneResult
from mlcore.service.runner import JobRun, JobRunner

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.prep import PrepRecipe


def features_and_groups(frame: "pd.DataFrame", target: str, cv_kind: str,
                        group_column: str | None) -> tuple["pd.DataFrame", "pd.Series | None"]:
    """The feature columns and, for group CV, the group labels (a group column is never a feature)."""
    if cv_kind not in vocab.CV_KINDS:
        raise ConfigError(f"cross-validation kind {cv_kind!r} is not valid; allowed: {', '.join(vocab.CV_KINDS)}")
    if cv_kind == "group":
        if not group_column:
            raise ConfigError("Group cross-validation needs a group column (e.g. a customer id).")
        if group_column not in frame.columns or group_column == target:
            raise DataValidationError(f"No group column {group_column!r} among the features; columns are "
                                      f"{[c for c in frame.columns if c != target]}.")
        return frame.drop(columns=[target, group_column]), frame[group_column]
    return frame.drop(columns=[target]), None


@dataclass
class SelectionData:
    """What compare and tune work on: the dataset, its labelled rows, the task and the recipe."""

    info: DatasetInfo
    target: str
    frame: "pd.DataFrame"
    task: str
    prep: "PrepRecipe"


def _trial_partial(run: JobRun) -> dict[str, Any]:
    """A cancelled tune job's outcome, from the trials it reported."""
    trials = run.events_of("trial")
    best = next((t["best"] for t in reversed(trials) if t.get("best") is not None), None)
    best_params = next((t["params"] for t in trials if best is not None and t.get("value") == best), {})
    return json_safe({"trials": trials, "best_score": best, "best_params": best_params,
                      "training_history": [{"iteration": t["number"], "val_metric": t["value"],
                                            "best_so_far": t["best"], "state": t["state"]} for t in trials]})


class SelectionService:
    def __init__(self, datasets: DatasetService, preparation: PreparationService, jobs: JobService,
                 experiments: JobStore, runner: JobRunner, optuna_storage: str, home: Path | None = None,
                 db_url: str | None = None, store_url: str | None = None) -> None:
        self.datasets = datasets
        self.preparation = preparation
        self.jobs = jobs
        self.experiments = experiments
        self.runner = runner
        self.optuna_storage = optuna_storage
        self.home = home
        self.store_url = store_url  # handed to the worker processes too
        self.db_url = db_url  # handed to the worker processes a tune starts (they open the same registry)

    def selection_data(self, dataset_id: str, target_column: str | None, task_type: str | None,
                       recipe: str | None) -> SelectionData:
        from mlcore.models import detect_task, validate_target

        info = self.datasets.get_dataset(dataset_id)
        target = target_column or info.target_column
        if not target:
            raise ConfigError(f"No target column given and dataset {info.name!r} has none set.")
        frame = self.datasets.labelled_frame(info.id, target)
        if frame.empty:
            raise DataValidationError(f"Target column {target!r} of dataset {info.name!r} is empty.")
        if task_type not in (None, *vocab.TASKS):
            raise ConfigError(f"task_type must be 'classification' or 'regression', not {task_type!r}.")
        task = task_type or detect_task(frame[target])
        validate_target(frame[target], task, target)
        return SelectionData(info, target, frame, task, self.preparation.resolve_recipe(recipe))

    # -- compare --------------------------------------------------------------------
    def compare(self, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
                models: Sequence[str] | str | None = None, cv: int = 5,
                metric: str | None = None, recipe: str | None = None, seed: int = 42,
                ctx: JobContext | None = None, cv_kind: str = "auto",
                group_column: str | None = None) -> CompareResult:
        """Cross-validate several models as a "compare" job (seed: POST /models/compare).

        ``models`` None: the defaults of the detected task (``vocab.DEFAULT_MODELS``). ``cv_kind`` is
        auto | kfold | stratified | timeseries | group; ``group`` needs ``group_column``, whose
        values keep rows of one group in one fold (the column is not used as a feature).
        """
        from mlcore.tuning import check_cv, check_seed

        check_cv(cv, splitter_ok=False)
        seed = check_seed(seed)
        data = self.selection_data(dataset_id, target_column, task_type, recipe)
        if isinstance(models, str):
            models = [m.strip() for m in models.split(",") if m.strip()]
        names = list(vocab.DEFAULT_MODELS[data.task] if models is None else models)
        features, groups = features_and_groups(data.frame, data.target, cv_kind, group_column)
        config = {"dataset_id": data.info.id, "target_column": data.target, "task_type": data.task, "models": names,
                  "cv": cv, "cv_kind": cv_kind, "group_column": group_column, "metric": metric, "recipe": recipe,
                  "seed": seed, "resolved_preparation": data.prep.to_dict()}

        def body(run: JobRun) -> CompareResult:
            from mlcore.tuning import compare_models

            result = compare_models(features, data.frame[data.target], data.task, names, cv=cv, metric=metric,
                                    recipe=data.prep, seed=seed, ctx=run, cv_kind=cv_kind, groups=groups)
            return CompareResult(**dict(result.to_dict(), task_type=data.task))

        def partial(run: JobRun) -> dict[str, Any]:
            return {"comparison": run.events_of("compare_row"), "task_type": data.task, "metric": metric}

        return self.runner.run("compare", config, body, ctx=ctx, dataset=data.info, partial=partial)

    def recover_interrupted(self) -> int:
        """Interrupted tuning runs that recorded no trials get those their Optuna study holds; how many."""
        from mlcore.errors import ConfigError, NotFoundError
        from mlcore.models import get_algorithm
        from mlcore.tuning import study_trials

        n = 0
        for exp in self.experiments.list_experiments():
            if exp.status != "interrupted" or exp.trials or not exp.study_name or not exp.storage:
                continue
            # the recorded URL hides a password: only the workspace's own storage can be opened from it
            storage = self.optuna_storage if exp.storage == hide_password(self.optuna_storage) else exp.storage
            try:
                task = self.jobs.get_job(exp.job_id).config.get("task_type") if exp.job_id else None
                spec = get_algorithm(exp.algorithm, task) if task else None
                found = study_trials(storage, exp.study_name, spec.params_from_search if spec else None)
            except (ConfigError, NotFoundError, ValueError):
                continue  # a storage this machine cannot open: the run stays without trials
            if found and found["trials"]:
                self.experiments.update_experiment(exp.id, **json_safe(found))
                n += 1
        return n

    # -- tune -----------------------------------------------------------------------
    def tune(self, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
             algorithm: str = "random_forest", tuning_method: str = "optuna", n_trials: int | None = 50,
             timeout: float | None = None, cv: int = 5, metric: str | None = None, storage: str | None = None,
             recipe: str | None = None, test_size: float = 0.2, seed: int = 42, study_name: str | None = None,
             pruning: bool = True, ctx: JobContext | None = None, cv_kind: str = "auto",
             group_column: str | None = None, workers: int | None = None) -> JobInfo:
        """Tune one algorithm as a "tune" job (seed: POST /models/tune); blocks until done or cancelled.

        The test rows are split off first; the search cross-validates on the training rows; the best
        configuration is refitted on all training rows, evaluated on the test rows and saved like a
        training job's model, so ``deploy(job_id, ...)`` works on it.

        ``workers=N``: N processes on one shared study (this one and N-1 started here), one job and one
        experiment; ``n_trials``/``timeout`` are for the whole study; more workers may join with
        :meth:`join_tune` (``mlcore worker --job ID``) until it ends. None: one process, no joining.

        ``timeout`` counts from this call: loading, the search, the refit, the test evaluation and the
        saving fit in it (the notes say what was cut to stay inside).
        """
        t0 = time.perf_counter()
        from mlcore.models import get_algorithm
        from mlcore.prep import split_frame
        from mlcore.tuning import check_budget, check_cv, check_seed
        from mlcore.tuning import resolve_metric
        from mlcore.tuning import check_study
        from mlcore.tuning import resolve_method, study_labels

        method = resolve_method(tuning_method)
        check_budget(n_trials, timeout)
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                    or not 1 <= workers <= 64):
            raise ConfigError(f"workers must be a whole number from 1 to 64, got {workers!r}")
        check_cv(cv, splitter_ok=False)
        seed = check_seed(seed)
        data = self.selection_data(dataset_id, target_column, task_type, recipe)
        info, target, frame, task = data.info, data.target, data.frame, data.task
        features_and_groups(frame, target, cv_kind, group_column)  # refuse a bad CV request before the job
        spec = get_algorithm(algorithm, task)
        storage_url = storage or self.optuna_storage
        shown_storage = hide_password(storage_url)  # what is recorded: never a database password
        name = study_name or f"{spec.name}-{method}-{uuid.uuid4().hex[:8]}"
        config = {"dataset_id": info.id, "target_column": target, "task_type": task, "algorithm": spec.name,
                  "tuning_method": method, "n_trials": n_trials, "timeout": timeout, "cv": cv, "metric": metric,
                  "storage": shown_storage, "study_name": name, "recipe": recipe, "test_size": test_size,
                  "seed": seed, "pruning": pruning, "cv_kind": cv_kind, "group_column": group_column,
                  "resolved_preparation": data.prep.to_dict(), "workers": workers}
        split = split_frame(frame, target, test_size=test_size, validation_size=0.0,
                            stratify=task == "classification", seed=seed, task=task)
        # a reused study_name must name a study of this same search: refuse before a job is made
        dataset_attrs = {"dataset_id": info.id, "dataset_hash": info.content_hash}
        if study_name:
            X_fit, y_fit = frame.drop(columns=[target]).iloc[split.train_index], frame[target].iloc[split.train_index]
            check_study(storage_url, name, study_labels(spec.name, task, resolve_metric(metric, task), X_fit, y_fit,
                                                        dataset_attrs))
        job_id = self.runner.create("tune", config, info)
        experiment_id = self.experiments.add_experiment(id=str(uuid.uuid4()), job_id=job_id, name=name,
                                                        method=method, algorithm=spec.name, study_name=name,
                                                        storage=shown_storage)
        run_config = dict(config, storage=storage_url, study_attrs=dict(dataset_attrs, job_id=job_id))

        def body(run: JobRun) -> TuneResult:
            return self._tune_body(run, data, spec.name, method, split, run_config, t0)

        def partial(run: JobRun) -> dict[str, Any]:
            return dict(_trial_partial(run), storage=shown_storage, task_type=task)

        outcome = self.runner.outcome("tune", config, body, ctx=ctx, job_id=job_id, partial=partial)
        if outcome.status == "completed":
            done = outcome.result
            self.experiments.finish_experiment(experiment_id, "completed", best_params=done.best_params,
                                               best_score=done.best_score, trials=json_safe(done.trials))
        elif outcome.status == "cancelled":
            p = outcome.partial
            self.experiments.finish_experiment(experiment_id, "cancelled", best_params=p.get("best_params") or None,
                                               best_score=p.get("best_score"), trials=p.get("trials"))
        else:
            self.experiments.finish_experiment(experiment_id, "failed")
        outcome.unwrap()
        return self.jobs.get_job(job_id)

    def _tune_body(self, run: JobRun, data: SelectionData, algorithm: str, method: str, split: Any,
                   config: dict, started: float | None = None) -> TuneResult:
        from mlcore.deployment import build_schema
        from mlcore.training import evaluate_splits
        from mlcore.models import usable_cores
        from mlcore.tuning import WorkerPool, prepare_storage, tune

        X_all, groups = features_and_groups(data.frame, data.target, config["cv_kind"], config["group_column"])
        y_all = data.frame[data.target]
        X_train, y_train = X_all.iloc[split.train_index], y_all.iloc[split.train_index]
        X_test, y_test = X_all.iloc[split.test_index], y_all.iloc[split.test_index]
        storage = config["storage"]
        pool = WorkerPool()
        workers = config.get("workers")
        # N processes on this machine share its cores: each fit gets its share of threads
        threads = max(1, usable_cores() // workers) if workers else None
        try:
            if workers:  # the tables exist before any worker opens the storage (creating them races)
                prepare_storage(storage)
            # started first: a worker loads its data while this process does, then waits for the study
            for index in range(1, workers or 1):
                pool.add(index, *self._start_worker(run.id, storage, index, run.folder, threads))
            result = tune(X_train, y_train, data.task, algorithm, method=method, n_trials=config["n_trials"],
                          timeout=config["timeout"], cv=config["cv"], metric=config["metric"], recipe=data.prep,
                          seed=config["seed"], storage=storage, study_name=config["study_name"],
                          pruning=config["pruning"], ctx=run.sub(0.0, 0.9), study_attrs=config.get("study_attrs"),
                          cv_kind=config["cv_kind"],
                          groups=None if groups is None else groups.iloc[split.train_index].to_numpy(),
                          workers=workers, pool=pool, n_jobs=threads, started=started,
                          evaluate_rows=len(X_test))
        finally:
            pool.stop(grace=0.0)  # normally all gone already; after an early error, none is left behind
        run.progress(0.92, "evaluating on the test rows")
        evaluation = evaluate_splits(result.pipeline, data.task, {"test": (X_test, y_test)}, config["seed"],
                                     deadline=result.evaluation_deadline)
        drawn = evaluation.get("test", {}).get("bootstrap_resamples")
        if drawn is not None:
            result.notes.append(f"the test metrics' intervals use {drawn} bootstrap resamples (not 200) to end "
                                f"within the {config['timeout']:g} s budget")
        run.save_pipeline(result.pipeline, {"train": split.train_index, "validation": split.validation_index,
                                            "test": split.test_index})
        removed = int(result.preparation_applied.get("removed_outlier_rows_refit", 0))
        summary = {"task_type": data.task, "algorithm": algorithm, "method": method, "metric": result.metric,
                   "cv": result.n_splits, "best_score": result.best_score, "best_std": result.best_std,
                   "best_trial": result.best_trial, "n_trials": len(result.trials),
                   "n_complete": result.count("complete"), "n_pruned": result.count("pruned"),
                   "n_failed": result.count("fail"), "tuning_seconds": round(result.seconds, 3),
                   "features_in": int(X_all.shape[1]), "notes": result.notes,
                   "preparation_applied": result.preparation_applied,
                   "removed_outlier_rows": removed,
                   "class_weight": result.preparation_applied.get("class_weight"),
                   "rows": {"train": int(len(X_train)) - removed, "validation": 0, "test": int(len(X_test))}}
        classes = getattr(result.pipeline, "classes_", None)
        run.progress(1.0, "done")
        return TuneResult(
            task_type=data.task, evaluation=evaluation, training_history=result.history(),
            training_summary=json_safe(summary), feature_names=[str(c) for c in X_all.columns],
            classes=list(classes) if data.task == "classification" and classes is not None else None,
            input_schema=build_schema(X_train, data.target).to_dict(), best_params=json_safe(result.best_params),
            best_score=json_safe(result.best_score), trials=json_safe(result.trials), method=method,
            metric=result.metric, study_name=result.study_name,
        )

    def _start_worker(self, job_id: str, storage: str, index: int, folder: Path,
                      threads: int | None = None) -> tuple[Any, Path]:
        """Worker ``index`` of tune job ``job_id`` as a `mlcore worker` process (its output in the job folder)."""
        log = folder / f"worker-{index}.log"
        cmd = [sys.executable, "-c", "import sys; from mlcore.cli import main; sys.exit(main())",
               "--home", str(self.home), "--quiet", "worker", "--job", job_id, "--worker-index", str(index)]
        # the storage URL may hold a password: the environment, not the command line (ps shows that)
        env = dict(os.environ, MLWB_WORKER_STORAGE=storage, MLWB_WORKER_PARENT=str(os.getpid()),
                   PYTHONUNBUFFERED="1")
        if threads:
            env["MLWB_WORKER_THREADS"] = str(threads)
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                env.setdefault(var, str(threads))
        if self.db_url:
            env["MLWB_DB_URL"] = self.db_url
        if self.store_url:
            env["MLWB_STORE_URL"] = self.store_url
        with open(log, "wb") as out:
            handle = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        return handle, log

    def join_tune(self, job_id: str | None = None, study_name: str | None = None, storage: str | None = None,
                  worker_index: int | None = None, ctx: JobContext | None = None) -> dict[str, Any]:
        """Work on a running tune job's study as one more worker (by ``job_id``, or by ``study_name`` in
        ``storage``) until the study's budget is spent or its job ends; what this worker did.

        The data, split, search space and folds are the job's: rebuilt from its dataset and seed, and
        checked against the study's fingerprint of the rows.
        """
        from mlcore.models import get_algorithm
        from mlcore.prep import split_frame
        from mlcore.tuning import study_job, tune

        if job_id is None:
            if not study_name:
                raise ConfigError("Name a tune job (--job ID) or a study (--study NAME --storage URL) to join.")
            job_id = study_job(storage or self.optuna_storage, study_name)
        job = self.jobs.get_job(job_id)
        if job.kind != "tune":
            raise ConfigError(f"Job {job_id} is a {job.kind} job, not a tune job; only a tune job has workers.")
        config = job.config
        if not config.get("workers"):
            raise ConflictError(f"Tune job {job_id} was started without workers; start the tune with "
                                f"`--workers N` (1 or more) to let other workers join it.")
        if job.status not in ("pending", "running"):
            raise ConflictError(f"Tune job {job_id} is {job.status}; only a running tune job can be joined.")
        storage_url = storage or os.environ.get("MLWB_WORKER_STORAGE") or (
            self.optuna_storage if config["storage"] == hide_password(self.optuna_storage) else config["storage"])
        if "***" in storage_url:
            raise ConfigError(f"Tune job {job_id} records its Optuna storage without the password "
                              f"({storage_url}); give the full URL with --storage.")
        data = self.selection_data(config["dataset_id"], config["target_column"], config["task_type"],
                                   config.get("recipe"))
        split = split_frame(data.frame, data.target, test_size=config["test_size"], validation_size=0.0,
                            stratify=data.task == "classification", seed=config["seed"], task=data.task)
        X_all, groups = features_and_groups(data.frame, data.target, config["cv_kind"], config["group_column"])
        index = int(worker_index) if worker_index is not None else 1000 + os.getpid() % 100_000
        spec = get_algorithm(config["algorithm"], data.task)
        result = tune(X_all.iloc[split.train_index], data.frame[data.target].iloc[split.train_index], data.task,
                      spec.name, method=config["tuning_method"], n_trials=config["n_trials"], cv=config["cv"],
                      metric=config["metric"], recipe=data.prep, seed=config["seed"], storage=storage_url,
                      study_name=config["study_name"], pruning=config["pruning"], ctx=ctx,
                      study_attrs={"dataset_id": data.info.id, "dataset_hash": data.info.content_hash},
                      cv_kind=config["cv_kind"], refit=False, join_as=index,
                      # a worker started by the tune gets its share of this machine's cores; one
                      # joining from another machine gets all of its own
                      n_jobs=int(os.environ["MLWB_WORKER_THREADS"]) if os.environ.get("MLWB_WORKER_THREADS")
                      else None,
                      parent_pid=int(os.environ["MLWB_WORKER_PARENT"]) if os.environ.get("MLWB_WORKER_PARENT")
                      else None,
                      groups=None if groups is None else groups.iloc[split.train_index].to_numpy())
        return json_safe({"job_id": job_id, "study_name": result.study_name, "worker": index,
                          "n_trials": len(result.trials), "n_complete": result.count("complete"),
                          "n_pruned": result.count("pruned"), "n_failed": result.count("fail"),
                          "seconds": round(result.seconds, 3), "stopped": result.cancelled, "notes": result.notes})

    # -- automl ---------------------------------------------------------------------
    def automl(self, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
               time_budget: float = 60, metric: str | None = None, seed: int = 42, recipe: str | None = None,
               test_size: float = 0.2, ctx: JobContext | None = None) -> JobInfo:
        """Best model in one click: an "automl" job searching model families under ``time_budget`` seconds.

        The test rows are split off first; the search sees only the training rows; the winner (one
        pipeline, maybe an ensemble) is evaluated on the test rows and saved like a training job's
        model. The budget counts from this call: loading, search, test evaluation and saving fit in it.
        A cancel keeps the best model found so far (the job completes with ``stopped_by_user``).
        """
        t0 = time.perf_counter()
        from mlcore.prep import split_frame
        from mlcore.tuning import automl_default_metric, check_seed, resolve_metric

        if isinstance(time_budget, bool) or not isinstance(time_budget, (int, float)) or not time_budget >= 5:
            raise ConfigError(f"time_budget must be a number of seconds, at least 5, got {time_budget!r}")
        if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
            raise ConfigError(f"test_size must be a fraction between 0 and 1, got {test_size!r}")
        seed = check_seed(seed)
        data = self.selection_data(dataset_id, target_column, task_type, recipe)
        n_classes = int(data.frame[data.target].nunique()) if data.task == "classification" else 0
        metric = resolve_metric(metric or automl_default_metric(data.task, n_classes), data.task)
        split = split_frame(data.frame, data.target, test_size=test_size, validation_size=0.0,
                            stratify=data.task == "classification", seed=seed, task=data.task)
        config = {"dataset_id": data.info.id, "target_column": data.target, "task_type": data.task,
                  "algorithm": "automl", "time_budget": float(time_budget), "metric": metric, "seed": seed,
                  "recipe": recipe, "test_size": test_size,
                  "resolved_preparation": data.prep.to_dict() if recipe else None}

        def body(run: JobRun) -> AutoMLResult:
            return self._automl_body(run, data, metric, split, float(time_budget), seed,
                                     data.prep if recipe else None, t0)

        job_id = self.runner.create("automl", config, data.info)
        self.runner.run("automl", config, body, ctx=ctx, job_id=job_id)
        return self.jobs.get_job(job_id)

    def _automl_body(self, run: JobRun, data: SelectionData, metric: str, split: Any, budget: float, seed: int,
                     recipe: Any, t0: float) -> AutoMLResult:
        from mlcore.deployment import build_schema
        from mlcore.training import evaluate_splits
        from mlcore.tuning import run_automl

        from mlcore.artifacts import save_artifact  # noqa: F401 - imported now, inside the budget, not after it
        from mlcore.evaluation import evaluate_pipeline  # noqa: F401

        X_all, y_all = data.frame.drop(columns=[data.target]), data.frame[data.target]
        X_train, y_train = X_all.iloc[split.train_index], y_all.iloc[split.train_index]
        X_test, y_test = X_all.iloc[split.test_index], y_all.iloc[split.test_index]
        # what follows the search (test evaluation, saving) gets a slice of the budget too; the clock
        # started when the job was asked for, so loading and these first imports are already counted
        after = 1.0 + 0.04 * budget + 2e-5 * len(X_test)
        search_budget = max(1.0, budget - (time.perf_counter() - t0) - after)
        result = run_automl(X_train, y_train, data.task, time_budget=search_budget, metric=metric, seed=seed,
                            recipe=recipe, ctx=run.sub(0.0, 0.92))
        run.progress(0.93, "evaluating on the test rows")
        evaluation = evaluate_splits(result.model, data.task, {"test": (X_test, y_test)}, seed)
        run.save_pipeline(result.model, {"train": split.train_index, "validation": split.validation_index,
                                         "test": split.test_index})
        best = result.leaderboard[result.best_trial]
        summary = {"task_type": data.task, "algorithm": "automl", "metric": metric, "best_model": best.model,
                   "best_family": best.family, "best_score": result.best_score, "final_score": result.final_score,
                   "used_ensemble": result.used_ensemble, "n_trials": len(result.leaderboard),
                   "validation": result.validation, "search_seconds": round(result.seconds, 3),
                   "time_budget": budget, "seconds": round(time.perf_counter() - t0, 3),
                   "stopped_by_user": result.cancelled, "notes": result.notes, "features_in": int(X_all.shape[1]),
                   "rows": {"train": int(len(X_train)), "validation": 0, "test": int(len(X_test))}}
        run.progress(1.0, "done")
        return AutoMLResult(
            task_type=data.task, evaluation=evaluation, training_history=[], training_summary=json_safe(summary),
            feature_names=[str(c) for c in X_all.columns], input_schema=build_schema(X_train, data.target).to_dict(),
            classes=json_safe(result.classes), best_params=json_safe({"family": best.family, **best.params}),
            automl=json_safe(result.to_dict()),
        )
