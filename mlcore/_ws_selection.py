"""Workspace operations of model selection: compare models and tune hyperparameters as jobs."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from sqlalchemy import select

from mlcore.errors import ConfigError, DataValidationError, JobCancelled
from mlcore.jobs import JobContext
from mlcore.registry import orm, store
from mlcore.registry.entities import ExperimentInfo, JobInfo
from mlcore.registry.orm import utcnow
from mlcore.vocab import DEFAULT_MODELS

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.prep import PrepRecipe


# what compare cross-validates when no models are named, by task
COMPARE_DEFAULTS = DEFAULT_MODELS


def _features_and_groups(frame: "pd.DataFrame", target: str, cv_kind: str,
                         group_column: str | None) -> tuple["pd.DataFrame", "pd.Series | None"]:
    """The feature columns and, for group CV, the group labels (a group column is never a feature)."""
    from mlcore.prep._split import CV_KINDS

    if cv_kind not in CV_KINDS:
        raise ConfigError(f"cross-validation kind {cv_kind!r} is not valid; allowed: {', '.join(CV_KINDS)}")
    if cv_kind == "group":
        if not group_column:
            raise ConfigError("Group cross-validation needs a group column (e.g. a customer id).")
        if group_column not in frame.columns or group_column == target:
            raise DataValidationError(f"No group column {group_column!r} among the features; columns are "
                                      f"{[c for c in frame.columns if c != target]}.")
        return frame.drop(columns=[target, group_column]), frame[group_column]
    return frame.drop(columns=[target]), None


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not an SQLAlchemy URL (e.g. a journal file storage): keep it
        return url


class SelectionOps:
    home: Path

    # -- shared -------------------------------------------------------------------
    def _selection_data(self, dataset_id: str, target_column: str | None, task_type: str | None,
                        recipe: str | None) -> tuple[Any, str, "pd.DataFrame", str, "PrepRecipe"]:
        """(dataset info, target, frame without missing-target rows, task, recipe)."""
        from mlcore.models import detect_task, validate_target
        from mlcore.prep import PrepRecipe

        info = self.get_dataset(dataset_id)
        target = target_column or info.target_column
        if not target:
            raise ConfigError(f"No target column given and dataset {info.name!r} has none set.")
        frame = self.load_frame(info.id)
        if target not in frame.columns:
            raise DataValidationError(f"Target column {target!r} is not in dataset {info.name!r}; "
                                      f"columns are {list(frame.columns)}.")
        frame = frame[frame[target].notna()].reset_index(drop=True)
        if frame.empty:
            raise DataValidationError(f"Target column {target!r} of dataset {info.name!r} is empty.")
        if task_type not in (None, "classification", "regression"):
            raise ConfigError(f"task_type must be 'classification' or 'regression', not {task_type!r}.")
        task = task_type or detect_task(frame[target])
        validate_target(frame[target], task, target)
        prep = PrepRecipe.from_dict(dict(self.get_recipe(recipe).recipe)) if recipe else PrepRecipe()
        prep.validate()
        return info, target, frame, task, prep

    # -- compare --------------------------------------------------------------------
    def compare(self, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
                models: Sequence[str] | str | None = None, cv: int = 5,
                metric: str | None = None, recipe: str | None = None, seed: int = 42,
                ctx: JobContext | None = None, cv_kind: str = "auto",
                group_column: str | None = None) -> dict[str, Any]:
        """Cross-validate several models as a "compare" job (seed: POST /models/compare).

        ``models`` None: the defaults of the detected task (COMPARE_DEFAULTS). ``cv_kind`` is
        auto | kfold | stratified | timeseries | group; ``group`` needs ``group_column``, whose
        values keep rows of one group in one fold (the column is not used as a feature).
        """
        from mlcore.tuning._cv import check_cv, check_seed
        from mlcore.tuning.compare import compare_models

        ctx = ctx or JobContext()
        check_cv(cv, splitter_ok=False)
        seed = check_seed(seed)
        info, target, frame, task, prep = self._selection_data(dataset_id, target_column, task_type, recipe)
        if isinstance(models, str):
            models = [m.strip() for m in models.split(",") if m.strip()]
        names = list(COMPARE_DEFAULTS[task] if models is None else models)
        features, groups = _features_and_groups(frame, target, cv_kind, group_column)
        config = {"dataset_id": info.id, "target_column": target, "task_type": task, "models": names,
                  "cv": cv, "cv_kind": cv_kind, "group_column": group_column, "metric": metric, "recipe": recipe,
                  "seed": seed, "resolved_preparation": prep.to_dict()}
        job_id = self._create_job("compare", config, info.id, info.content_hash)

        def body(tap: JobContext) -> dict[str, Any]:
            result = compare_models(features, frame[target], task, names, cv=cv, metric=metric, recipe=prep,
                                    seed=seed, ctx=tap, cv_kind=cv_kind, groups=groups)
            return dict(result.to_dict(), task_type=task)

        try:
            job = self._run_job(job_id, ctx, body)
        except JobCancelled as exc:
            partial = getattr(exc, "partial_result", None)
            if partial is not None:
                self._update_job(job_id, results=dict(partial.to_dict(), task_type=task))
            raise
        return {"status": "success", "job_id": job.id, **(job.results or {})}

    # -- tune -----------------------------------------------------------------------
    def tune(self, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
             algorithm: str = "random_forest", tuning_method: str = "optuna", n_trials: int | None = 50,
             timeout: float | None = None, cv: int = 5, metric: str | None = None, storage: str | None = None,
             recipe: str | None = None, test_size: float = 0.2, seed: int = 42, study_name: str | None = None,
             pruning: bool = True, ctx: JobContext | None = None, cv_kind: str = "auto",
             group_column: str | None = None) -> JobInfo:
        """Tune one algorithm as a "tune" job (seed: POST /models/tune); blocks until done or cancelled.

        The test rows are split off first; the search cross-validates on the training rows; the best
        configuration is refitted on all training rows, evaluated on the test rows and saved like a
        training job's model, so ``deploy(job_id, ...)`` works on it.
        """
        from mlcore.models import get_algorithm
        from mlcore.prep import split_frame
        from mlcore.tuning._cv import check_budget, check_cv, check_seed
        from mlcore.tuning._metrics import resolve_metric
        from mlcore.tuning._study import check_study
        from mlcore.tuning.search import _method, study_labels

        ctx = ctx or JobContext()
        method = _method(tuning_method)
        check_budget(n_trials, timeout)
        check_cv(cv, splitter_ok=False)
        seed = check_seed(seed)
        info, target, frame, task, prep = self._selection_data(dataset_id, target_column, task_type, recipe)
        _features_and_groups(frame, target, cv_kind, group_column)  # refuse a bad CV request before the job
        spec = get_algorithm(algorithm, task)
        storage_url = storage or self.optuna_storage
        shown_storage = _hide_password(storage_url)  # what is recorded: never a database password
        name = study_name or f"{spec.name}-{method}-{uuid.uuid4().hex[:8]}"
        config = {"dataset_id": info.id, "target_column": target, "task_type": task, "algorithm": spec.name,
                  "tuning_method": method, "n_trials": n_trials, "timeout": timeout, "cv": cv, "metric": metric,
                  "storage": shown_storage, "study_name": name, "recipe": recipe, "test_size": test_size,
                  "seed": seed, "pruning": pruning, "cv_kind": cv_kind, "group_column": group_column,
                  "resolved_preparation": prep.to_dict()}
        split = split_frame(frame, target, test_size=test_size, validation_size=0.0,
                            stratify=task == "classification", seed=seed, task=task)
        # a reused study_name must name a study of this same search: refuse before a job is made
        dataset_attrs = {"dataset_id": info.id, "dataset_hash": info.content_hash}
        if study_name:
            X_fit, y_fit = frame.drop(columns=[target]).iloc[split.train_index], frame[target].iloc[split.train_index]
            check_study(storage_url, name, study_labels(spec.name, task, resolve_metric(metric, task), X_fit, y_fit,
                                                        dataset_attrs))
        job_id = self._create_job("tune", config, info.id, info.content_hash)
        experiment_id = str(uuid.uuid4())
        with self.db.session() as s:
            s.add(orm.MLExperiment(id=experiment_id, job_id=job_id, name=name, method=method, algorithm=spec.name,
                                   study_name=name, storage=shown_storage, status="running", trials=[]))

        def body(tap: JobContext) -> dict[str, Any]:
            return self._tune_body(tap, job_id, frame, target, task, spec.name, method, prep, split,
                                   dict(config, storage=storage_url, study_attrs=dataset_attrs))

        try:
            job = self._run_job(job_id, ctx, body)
        except JobCancelled as exc:
            partial = getattr(exc, "partial_result", None)
            if partial is not None:
                self._update_job(job_id, results=dict(partial.to_dict(), storage=shown_storage,
                                                      training_history=partial.history(),
                                                      evaluation={}, training_summary={}, task_type=task))
            self._finish_experiment(experiment_id, "cancelled", partial)
            raise
        except BaseException:
            self._finish_experiment(experiment_id, "failed", None)
            raise
        results = job.results or {}
        self._finish_experiment(experiment_id, "completed", None, results)
        return job

    def _tune_body(self, tap: JobContext, job_id: str, frame: "pd.DataFrame", target: str, task: str,
                   algorithm: str, method: str, prep: "PrepRecipe", split: Any, config: dict) -> dict[str, Any]:
        import numpy as np

        from mlcore.artifacts import save_artifact
        from mlcore.deployment.schema import build_schema
        from mlcore.training.run import _evaluate_splits
        from mlcore.tuning._cv import jsonable
        from mlcore.tuning.search import tune

        X_all, groups = _features_and_groups(frame, target, config["cv_kind"], config["group_column"])
        y_all = frame[target]
        X_train, y_train = X_all.iloc[split.train_index], y_all.iloc[split.train_index]
        X_test, y_test = X_all.iloc[split.test_index], y_all.iloc[split.test_index]
        result = tune(X_train, y_train, task, algorithm, method=method, n_trials=config["n_trials"],
                      timeout=config["timeout"], cv=config["cv"], metric=config["metric"], recipe=prep,
                      seed=config["seed"], storage=config["storage"], study_name=config["study_name"],
                      pruning=config["pruning"], ctx=tap.sub(0.0, 0.9), study_attrs=config.get("study_attrs"),
                      cv_kind=config["cv_kind"],
                      groups=None if groups is None else groups.iloc[split.train_index].to_numpy())
        tap.progress(0.92, "evaluating on the test rows")
        evaluation = _evaluate_splits(result.pipeline, task, {"test": (X_test, y_test)}, config["seed"])
        rel = Path("jobs") / job_id / "pipeline.joblib"
        digest = save_artifact(result.pipeline, self.home / rel)
        np.savez_compressed(self.home / "jobs" / job_id / "split.npz", train=split.train_index,
                            validation=split.validation_index, test=split.test_index)
        self._update_job(job_id, artifact_path=str(rel), artifact_sha256=digest)
        removed = int(result.preparation_applied.get("removed_outlier_rows_refit", 0))
        summary = {"task_type": task, "algorithm": algorithm, "method": method, "metric": result.metric,
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
        tap.progress(1.0, "done")
        return jsonable({
            "task_type": task, "evaluation": evaluation, "training_history": result.history(),
            "training_summary": summary, "feature_names": [str(c) for c in X_all.columns],
            "classes": [c for c in classes] if task == "classification" and classes is not None else None,
            "threshold": None, "best_params": result.best_params, "best_score": result.best_score,
            "trials": result.trials, "method": method, "metric": result.metric, "study_name": result.study_name,
            "input_schema": build_schema(X_train, target).to_dict(),
        })

    def _finish_experiment(self, experiment_id: str, status: str, partial: Any,
                           results: dict[str, Any] | None = None) -> None:
        from mlcore.tuning._cv import jsonable

        with self.db.session() as s:
            row = s.get(orm.MLExperiment, experiment_id)
            if row is None:  # pragma: no cover - removed with its job
                return
            row.status = status
            row.completed_at = utcnow()
            if results is not None:
                row.best_params = results.get("best_params")
                row.best_score = results.get("best_score")
                row.trials = results.get("trials")
            elif partial is not None:
                row.best_params = jsonable(partial.best_params) or None
                row.best_score = None if partial.best_score != partial.best_score else float(partial.best_score)
                row.trials = jsonable(partial.trials)

    def list_experiments(self, job_id: str | None = None) -> list[ExperimentInfo]:
        """Tuning runs, newest first (optionally those of one job)."""
        with self.db.session() as s:
            q = select(orm.MLExperiment).order_by(orm.MLExperiment.created_at.desc())
            if job_id:
                q = q.where(orm.MLExperiment.job_id == job_id)
            return [store.experiment(r) for r in s.scalars(q)]
