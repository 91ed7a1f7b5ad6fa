"""One monitored training run: split, prepare (fitted on training rows only), fit, evaluate."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mlcore.jsonsafe import json_safe
from mlcore.errors import DataValidationError, JobCancelled
from mlcore.jobs import JobContext
from mlcore.training.config import TrainConfig

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.prep import PrepRecipe


@dataclass
class TrainOutcome:
    pipeline: Any
    task: str
    history: list[dict[str, Any]]
    summary: dict[str, Any]
    evaluation: dict[str, Any]
    split: dict[str, np.ndarray]
    feature_names_in: list[str]
    classes: list[Any] | None = None
    selected_features: list[dict[str, Any]] = field(default_factory=list)
    input_schema: dict[str, Any] | None = None  # what a prediction file must look like (deploy keeps it)


def resolve_recipe(config: TrainConfig, saved: dict[str, Any] | None) -> "PrepRecipe":
    """The preparation recipe of a job: saved recipe < explicit options < top-level seed fields."""
    from mlcore.prep import PrepRecipe

    options: dict[str, Any] = dict(saved or {})
    options.update(config.preparation or {})
    if config.scaling_method is not None:
        options["scaling"] = config.scaling_method
    if config.feature_selection:
        options["feature_selection"] = config.feature_selection.get("method")
        options["n_features"] = config.feature_selection.get("n_features")
    if config.class_weight is not None:
        options["class_weight"] = config.class_weight
    recipe = PrepRecipe.from_dict(options)
    recipe.validate()
    return recipe


_jsonable = json_safe  # the one JSON-safety helper


def train_pipeline(frame: "pd.DataFrame", config: TrainConfig, recipe: "PrepRecipe",
                   ctx: JobContext | None = None) -> TrainOutcome:
    """Train one model on ``frame``; raise JobCancelled (with ``partial_history``) when cancelled."""
    from sklearn.pipeline import Pipeline

    from mlcore.deployment.schema import build_schema
    from mlcore.models import detect_task, get_algorithm, validate_target
    from mlcore.prep import (balanced_sample_weight, build_preprocessor, native_categorical_mask, outlier_row_mask,
                             selected_features, split_frame)
    from mlcore.training.monitor import fit_monitored

    ctx = ctx or JobContext()
    target = config.target_column
    if target not in frame.columns:
        raise DataValidationError(f"Target column {target!r} is not in the dataset; columns are {list(frame.columns)}.")
    missing_target = int(frame[target].isna().sum())
    if missing_target == len(frame):
        raise DataValidationError(f"Target column {target!r} is empty: every value is missing.")
    if missing_target:
        ctx.log(f"dropped {missing_target} row(s) whose target {target!r} is missing")
        frame = frame[frame[target].notna()]
    frame = frame.reset_index(drop=True)
    y_all = frame[target]
    task = config.task_type or detect_task(y_all)
    validate_target(y_all, task, target)
    spec = get_algorithm(config.algorithm, task)
    ctx.progress(0.02, "splitting")
    split = split_frame(frame, target, test_size=config.test_size, validation_size=config.validation_size,
                        stratify=config.stratify and task == "classification" and not config.time_column,
                        seed=config.seed, time_column=config.time_column)
    X_all = frame.drop(columns=[target])
    X_train, y_train = X_all.iloc[split.train_index], y_all.iloc[split.train_index]
    X_val, y_val = X_all.iloc[split.validation_index], y_all.iloc[split.validation_index]
    X_test, y_test = X_all.iloc[split.test_index], y_all.iloc[split.test_index]

    removed_outliers = 0
    if recipe.outlier_method != "none" and recipe.outlier_action == "remove":
        keep = outlier_row_mask(X_train, recipe.outlier_method, recipe.outlier_threshold)
        removed_outliers = int((~keep).sum())
        X_train, y_train = X_train[keep], y_train[keep]
        if removed_outliers:
            ctx.log(f"removed {removed_outliers} outlier training row(s) ({recipe.outlier_method})")
    ctx.check_cancelled()

    ctx.progress(0.05, "preparing features")
    t0 = time.perf_counter()
    native = spec.abilities.native_categorical
    prep = build_preprocessor(recipe, X_train, task, seed=config.seed, native_categorical=native)
    Xt_train = prep.fit_transform(X_train, y_train)
    Xt_val = prep.transform(X_val)
    categorical = native_categorical_mask(prep) if native else None
    prep_seconds = time.perf_counter() - t0
    ctx.check_cancelled()

    params = dict(config.hyperparameters)
    sample_weight = None
    class_weight_how = None
    if task == "classification" and recipe.class_weight == "balanced":
        if spec.abilities.class_weight:
            params.setdefault("class_weight", "balanced")
            class_weight_how = "estimator class_weight='balanced'"
        else:
            sample_weight = balanced_sample_weight(y_train)
            class_weight_how = "balanced sample weights"

    fit = fit_monitored(spec, params, Xt_train, y_train, Xt_val, y_val, ctx.sub(0.1, 0.8),
                        early_stopping=config.early_stopping, patience=int(config.early_stopping_patience),
                        seed=config.seed, sample_weight=sample_weight, n_jobs=config.n_jobs,
                        categorical=categorical)
    pipeline = Pipeline([("prep", prep), ("model", fit.estimator)])

    ctx.progress(0.82, "evaluating on the validation rows")
    # the validation rows are scored by the model that never saw them, before any refit
    evaluation = _evaluate_splits(pipeline, task, {"validation": (X_val, y_val)}, config.seed)
    refit_info = {"scheme": "none: trained on the training rows only", "rows": int(len(X_train))}
    if config.refit and len(X_val):
        from mlcore.training._refit import refit_on_train_and_validation

        pipeline, prep, refit_info = refit_on_train_and_validation(
            spec, params, recipe, task, X_train, y_train, X_val, y_val, fit.summary, config, ctx.sub(0.82, 0.92))
        Xt_train = prep.transform(X_train.iloc[:1])
    ctx.progress(0.92, "evaluating")
    evaluation.update(_evaluate_splits(pipeline, task, {"test": (X_test, y_test)}, config.seed))
    try:
        names_out = [str(n) for n in prep.get_feature_names_out()]
    except Exception:  # a transformer without names: count only
        names_out = [f"f{i}" for i in range(Xt_train.shape[1])]
    summary = dict(fit.summary)
    summary.update(
        task_type=task, algorithm=spec.name, preparation_seconds=round(prep_seconds, 4),
        features_in=int(X_train.shape[1]), features_out=int(Xt_train.shape[1]),
        rows={"train": int(len(X_train)), "validation": int(len(X_val)), "test": int(len(X_test))},
        removed_outlier_rows=removed_outliers, dropped_missing_target_rows=missing_target,
        class_weight=class_weight_how, feature_names_out=names_out[:500], refit=refit_info,
    )
    ctx.progress(1.0, "done")
    classes = [c.item() if isinstance(c, np.generic) else c for c in getattr(pipeline, "classes_", [])] or None
    return TrainOutcome(
        pipeline=pipeline, task=task, history=_jsonable(fit.history), summary=_jsonable(summary),
        evaluation=_jsonable(evaluation),
        split={"train": split.train_index, "validation": split.validation_index, "test": split.test_index},
        feature_names_in=[str(c) for c in X_all.columns], classes=classes if task == "classification" else None,
        selected_features=_jsonable(selected_features(prep)),
        input_schema=build_schema(X_all.iloc[split.train_index], target).to_dict(),
    )


BOOTSTRAP_RESAMPLES = 200  # per evaluated split: the intervals' resamples


def _evaluate_splits(pipeline, task: str, parts: dict[str, tuple], seed: int,
                     deadline: float | None = None) -> dict[str, Any]:
    """Metrics with bootstrap intervals per split, predicted in a thread of their own.

    A job scores the validation rows between its fit and its refit: predicting in the job's own
    thread would leave an OpenMP team there that throttles the refit (see ``run_in_fresh_thread``).
    """
    from mlcore.training._recorder import run_in_fresh_thread

    return run_in_fresh_thread(lambda: _evaluate(pipeline, task, parts, seed, deadline))


def _evaluate(pipeline, task: str, parts: dict[str, tuple], seed: int, deadline: float | None) -> dict[str, Any]:
    from mlcore.evaluation import evaluate_pipeline

    out: dict[str, Any] = {}
    for split_name, (X, y) in parts.items():
        if len(X) == 0:
            continue
        result = evaluate_pipeline(pipeline, X, y, task, n_boot=BOOTSTRAP_RESAMPLES, seed=seed, deadline=deadline)
        out[split_name] = {"metrics": result.metrics, "confidence_intervals": result.intervals,
                           "n_rows": int(len(X))}
        if result.meta.get("bootstrap_resamples", BOOTSTRAP_RESAMPLES) < BOOTSTRAP_RESAMPLES:
            out[split_name]["bootstrap_resamples"] = result.meta["bootstrap_resamples"]
    return out



__all__ = ["TrainOutcome", "train_pipeline", "resolve_recipe", "JobCancelled"]
