"""Model comparison: cross-validate several catalog models on the same folds and rank them.

Every model is a Pipeline (preparation + estimator) fitted inside each fold, so nothing is
learnt from held-out rows. Each row has the mean and std of the primary metric, the means of
the secondary metrics, the fit time, and the Nadeau–Bengio corrected resampled t-test p-value
against the best model (1.0 for the best itself): a small p says the gap is more than fold noise.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from mlcore.errors import ConfigError, JobCancelled, MLWorkbenchError
from mlcore.jobs import JobContext
from mlcore.tuning._cv import (check_cv, check_seed, cv_splits, error_text, jsonable, model_factory, prepare_inputs,
                              score_fold)
from mlcore.tuning._metrics import NEEDS_PROBABILITIES, higher_is_better, resolve_metric, task_metrics
from mlcore.tuning._rows import RowPolicy, class_weight_note, outlier_note
from mlcore.tuning.stats import corrected_resampled_ttest

if TYPE_CHECKING:
    import pandas as pd

    from mlcore.prep import PrepRecipe

__all__ = ["ComparisonResult", "compare_models", "rank_rows"]


@dataclass
class ComparisonResult:
    """Rows best first (failed rows last); ``best_model`` is the name of the top row."""

    rows: list[dict[str, Any]]
    task: str
    metric: str
    higher_is_better: bool
    n_splits: int
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    preparation_applied: dict[str, Any] = field(default_factory=dict)

    @property
    def best_model(self) -> str | None:
        ok = [r for r in self.rows if r["status"] == "ok"]
        return ok[0]["model"] if ok else None

    def to_dict(self) -> dict[str, Any]:
        """The seed's /models/compare response body (plus the metric and fold count)."""
        return {"comparison": jsonable(self.rows), "metric": self.metric, "higher_is_better": self.higher_is_better,
                "task_type": self.task, "cv": self.n_splits, "best_model": self.best_model,
                "notes": list(self.notes), "preparation_applied": jsonable(self.preparation_applied)}

    def to_frame(self) -> "pd.DataFrame":
        """One row per model: model, status, mean_score, std_score, p_value, fit_time, secondary metrics."""
        import pandas as pd

        records = []
        for r in self.rows:
            rec = {k: r.get(k) for k in ("model", "status", "mean_score", "std_score", "p_value", "fit_time")}
            rec.update({k: v for k, v in (r.get("metrics") or {}).items() if k != self.metric})
            if r.get("error"):
                rec["error"] = r["error"]
            records.append(rec)
        return pd.DataFrame.from_records(records)


def _row(name: str, label: str, metric: str, folds: list, n_splits: int, class_weight: str | None) -> dict[str, Any]:
    per_metric = {m: [f.scores[m] for f in folds] for m in folds[0].scores}
    primary = np.asarray(per_metric[metric], dtype=float)
    means = {m: float(np.nanmean(v)) if not np.all(np.isnan(v)) else math.nan for m, v in per_metric.items()}
    return {
        "model": name, "label": label, "status": "ok", "metric": metric,
        "mean_score": float(primary.mean()), "std_score": float(primary.std(ddof=1)) if len(primary) > 1 else 0.0,
        "fold_scores": [float(s) for s in primary], "metrics": means,
        "metrics_std": {m: float(np.nanstd(v, ddof=1)) if np.sum(~np.isnan(v)) > 1 else math.nan
                        for m, v in per_metric.items()},
        "fit_time": float(np.mean([f.fit_seconds for f in folds])),
        "score_time": float(np.mean([f.score_seconds for f in folds])),
        "total_fit_time": float(np.sum([f.fit_seconds for f in folds])),
        "n_splits": n_splits, "p_value": None, "t_statistic": None, "rank": None, "error": None,
        "class_weight": class_weight,
    }


def _failed_row(name: str, label: str, metric: str, reason: str, n_splits: int) -> dict[str, Any]:
    return {"model": name, "label": label, "status": "failed", "metric": metric, "mean_score": None,
            "std_score": None, "fold_scores": [], "metrics": {}, "metrics_std": {}, "fit_time": None,
            "score_time": None, "total_fit_time": None, "n_splits": n_splits, "p_value": None,
            "t_statistic": None, "rank": None, "error": reason, "class_weight": None}


def rank_rows(rows: list[dict[str, Any]], metric: str, n_train: float, n_test: float) -> list[dict[str, Any]]:
    """Rows sorted best first (failed last), ranked, each with its corrected t-test p-value vs the best."""
    sign = 1.0 if higher_is_better(metric) else -1.0
    ok = sorted((r for r in rows if r["status"] == "ok"), key=lambda r: -sign * r["mean_score"])
    failed = [r for r in rows if r["status"] != "ok"]
    if ok:
        best = np.asarray(ok[0]["fold_scores"], dtype=float)
        for rank, r in enumerate(ok, start=1):
            r["rank"] = rank
            if rank == 1:
                r["p_value"], r["t_statistic"] = 1.0, 0.0
                continue
            diffs = sign * (best - np.asarray(r["fold_scores"], dtype=float))  # > 0: the best is better
            t, p = corrected_resampled_ttest(diffs, n_train, n_test)
            r["p_value"] = None if p != p else p
            r["t_statistic"] = None if t != t else t
    return ok + failed


def compare_models(
    X: Any, y: Any, task: str | None, models: Sequence[str], cv: Any = 5, metric: str | None = None,
    recipe: "PrepRecipe | None" = None, seed: int = 0, ctx: JobContext | None = None, cv_kind: str = "auto",
    groups: Any = None, n_jobs: int | None = None, prep: str = "recipe",
) -> ComparisonResult:
    """Cross-validate ``models`` (catalog or ensemble names) on the same folds, best first.

    A model whose fit fails becomes a ``status="failed"`` row with the reason. Cancelling raises
    JobCancelled carrying ``partial_rows`` (the finished models, ranked) and ``partial_result``.
    The recipe's row steps apply as in Workspace.train: outlier rows leave each fold's training
    rows (never its scoring rows); class_weight='balanced' reaches estimators without a native
    ``class_weight`` as balanced sample weights. ``notes`` and ``preparation_applied`` say what ran.
    """
    from mlcore.models import get_algorithm

    ctx = ctx or JobContext()
    t_start = time.perf_counter()
    check_cv(cv)
    seed = check_seed(seed)
    names = [str(m).strip() for m in models if str(m).strip()]
    if not names:
        raise ConfigError("compare needs at least one model name")
    if len(set(names)) != len(names):
        raise ConfigError(f"model names repeat in {names}; list each model once")
    X, y, task = prepare_inputs(X, y, task)
    metric = resolve_metric(metric, task)
    specs = [get_algorithm(n, task) for n in names]  # unknown names fail before any fitting
    folds = cv_splits(X, y, task, cv, cv_kind, seed, groups)
    rows_policy = RowPolicy.from_recipe(recipe, task)
    folds, removed = rows_policy.trim_folds(X, folds)
    notes = [n for n in [outlier_note(rows_policy, removed)] if n]
    if notes:
        ctx.log(notes[0])
    applied = dict(rows_policy.describe(removed), class_weight={})
    k = len(folds)
    n_train = float(np.mean([len(tr) for tr, _ in folds]))
    n_test = float(np.mean([len(te) for _, te in folds]))
    secondary = task_metrics(task)

    rows: list[dict[str, Any]] = []

    def result() -> ComparisonResult:
        return ComparisonResult(rank_rows(rows, metric, n_train, n_test), task, metric, higher_is_better(metric), k,
                                time.perf_counter() - t_start, list(notes), applied)

    for i, spec in enumerate(specs):
        scored = []
        reason = None
        how = rows_policy.class_weight_how(spec)
        note = class_weight_note(spec.name, how)
        if note:
            notes.append(note)
            applied["class_weight"][spec.name] = how
            ctx.log(note)
        try:
            make = model_factory(spec, X, task, recipe, seed, n_jobs, prep)
            for j, fold in enumerate(folds):
                ctx.check_cancelled()
                ctx.progress((i + j / k) / len(specs), f"{spec.name}: fold {j + 1}/{k}")
                scored.append(score_fold(make, None, X, y, fold, task, rows_policy.weighted(spec)))
        except JobCancelled as exc:
            partial = result()
            exc.partial_rows = partial.rows  # type: ignore[attr-defined]
            exc.partial_result = partial  # type: ignore[attr-defined]
            raise
        except MLWorkbenchError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - any fit failure (memory, convergence ...) becomes a row
            reason = error_text(exc)
        if reason is None:
            row = _row(spec.name, spec.label, metric, scored, k, how)
            if math.isnan(row["mean_score"]):
                need = " (it needs predicted probabilities, which this model does not give)" \
                    if metric in NEEDS_PROBABILITIES else ""
                row = _failed_row(spec.name, spec.label, metric, f"{metric} could not be computed{need}", k)
        else:
            row = _failed_row(spec.name, spec.label, metric, reason, k)
            ctx.log(f"{spec.name} failed: {reason}")
        row["metrics"] = {m: row["metrics"].get(m) for m in secondary} if row["status"] == "ok" else {}
        rows.append(row)
        ctx.event("compare_row", **jsonable(row))
        ctx.progress((i + 1) / len(specs), f"{spec.name} done")
    return result()
