"""The "automl" job: split off test rows, search under the time budget, evaluate, save one model.

A function of the workspace (not a mixin) so that it ports onto the service layer as it is: it
uses only ``_selection_data``, ``_create_job``, ``_run_job``, ``_update_job`` and ``home``. Its
job is saved like a training job's (``jobs/<id>/pipeline.joblib`` + ``split.npz``), so deploy,
evaluate and export work on it. The budget counts from the call: loading, the search, the test
evaluation and saving all fit in it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.errors import ConfigError
from mlcore.jobs import JobContext

if TYPE_CHECKING:
    from mlcore.registry.entities import JobInfo


def run_automl_job(ws: Any, dataset_id: str, target_column: str | None = None, task_type: str | None = None,
                   time_budget: float = 60, metric: str | None = None, seed: int = 42, recipe: str | None = None,
                   test_size: float = 0.2, ctx: JobContext | None = None) -> "JobInfo":
    """Run AutoML on a dataset as an "automl" job; blocks until done. Cancel keeps the best so far."""
    t0 = time.perf_counter()
    from mlcore.prep import split_frame
    from mlcore.tuning._cv import check_seed
    from mlcore.tuning._metrics import resolve_metric
    from mlcore.tuning.automl import default_metric

    ctx = ctx or JobContext()
    if isinstance(time_budget, bool) or not isinstance(time_budget, (int, float)) or not time_budget >= 5:
        raise ConfigError(f"time_budget must be a number of seconds, at least 5, got {time_budget!r}")
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ConfigError(f"test_size must be a fraction between 0 and 1, got {test_size!r}")
    seed = check_seed(seed)
    info, target, frame, task, prep = ws._selection_data(dataset_id, target_column, task_type, recipe)
    n_classes = int(frame[target].nunique()) if task == "classification" else 0
    metric = resolve_metric(metric or default_metric(task, n_classes), task)
    split = split_frame(frame, target, test_size=test_size, validation_size=0.0,
                        stratify=task == "classification", seed=seed, task=task)
    config = {"dataset_id": info.id, "target_column": target, "task_type": task, "algorithm": "automl",
              "time_budget": float(time_budget), "metric": metric, "seed": seed, "recipe": recipe,
              "test_size": test_size, "resolved_preparation": prep.to_dict() if recipe else None}
    job_id = ws._create_job("automl", config, info.id, info.content_hash)

    def body(tap: JobContext) -> dict[str, Any]:
        return _automl_body(ws, tap, job_id, frame, target, task, metric, split, float(time_budget), seed,
                            prep if recipe else None, t0)

    return ws._run_job(job_id, ctx, body)


def _automl_body(ws: Any, tap: JobContext, job_id: str, frame: Any, target: str, task: str, metric: str,
                 split: Any, budget: float, seed: int, recipe: Any, t0: float) -> dict[str, Any]:
    import numpy as np

    from mlcore.artifacts import save_artifact
    from mlcore.deployment.schema import build_schema
    from mlcore.evaluation import evaluate_pipeline  # noqa: F401 - imported now, inside the search's share
    from mlcore.training.run import _evaluate_splits
    from mlcore.tuning._cv import jsonable
    from mlcore.tuning.automl import run_automl

    X_all, y_all = frame.drop(columns=[target]), frame[target]
    X_train, y_train = X_all.iloc[split.train_index], y_all.iloc[split.train_index]
    X_test, y_test = X_all.iloc[split.test_index], y_all.iloc[split.test_index]
    # what follows the search (test evaluation, saving) gets a slice of the budget too
    after = 1.0 + 0.04 * budget + 2e-5 * len(X_test)
    search_budget = max(1.0, budget - (time.perf_counter() - t0) - after)
    result = run_automl(X_train, y_train, task, time_budget=search_budget, metric=metric, seed=seed, recipe=recipe,
                        ctx=tap.sub(0.0, 0.92))
    tap.progress(0.93, "evaluating on the test rows")
    evaluation = _evaluate_splits(result.model, task, {"test": (X_test, y_test)}, seed)
    rel = Path("jobs") / job_id / "pipeline.joblib"
    digest = save_artifact(result.model, ws.home / rel)
    np.savez_compressed(ws.home / "jobs" / job_id / "split.npz", train=split.train_index,
                        validation=split.validation_index, test=split.test_index)
    ws._update_job(job_id, artifact_path=str(rel), artifact_sha256=digest)
    best = result.leaderboard[result.best_trial]
    summary = {"task_type": task, "algorithm": "automl", "metric": metric, "best_model": best.model,
               "best_family": best.family, "best_score": result.best_score, "final_score": result.final_score,
               "used_ensemble": result.used_ensemble, "n_trials": len(result.leaderboard),
               "validation": result.validation, "search_seconds": round(result.seconds, 3),
               "time_budget": budget, "seconds": round(time.perf_counter() - t0, 3),
               "stopped_by_user": result.cancelled, "notes": result.notes, "features_in": int(X_all.shape[1]),
               "rows": {"train": int(len(X_train)), "validation": 0, "test": int(len(X_test))}}
    tap.progress(1.0, "done")
    return jsonable({
        "task_type": task, "evaluation": evaluation, "training_history": [], "training_summary": summary,
        "feature_names": [str(c) for c in X_all.columns], "classes": result.classes, "threshold": None,
        "best_params": {"family": best.family, **best.params}, "automl": result.to_dict(),
        "input_schema": build_schema(X_train, target).to_dict(),
    })
