"""EvaluationService: metrics with intervals, figures, error analysis, thresholds, reports, version benchmarks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.errors import ConfigError, DataValidationError, NotFoundError
from mlcore.jobs import JobContext
from mlcore.service.handle import ModelHandle, ModelHandles
from mlcore.service.models import ModelService
from mlcore.service.runner import JobRun, JobRunner

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class EvaluationBundle:
    """Everything the Evaluation tab, the CLI and the HTML report show for one model on one set of rows."""

    result: Any                      # mlcore.evaluation.EvaluationResult
    title: str
    source: dict[str, Any]           # kind (job|model), id, name, dataset_id, split, rows
    history: list[dict[str, Any]] = field(default_factory=list)
    importance: "pd.DataFrame | None" = None
    worst: "pd.DataFrame | None" = None
    examples: "dict[str, pd.DataFrame] | None" = None
    X: "pd.DataFrame | None" = None
    job_id: str | None = None

    def figure_kinds(self) -> list[str]:
        from mlcore.evaluation import available_figure_kinds

        return available_figure_kinds(self.result, history=self.history or None, importance=self.importance)

    def figure(self, kind: str):
        from mlcore.evaluation import make_figure

        return make_figure(kind, self.result, history=self.history or None, importance=self.importance)

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict()
        out["source"] = self.source
        if self.importance is not None:
            out["feature_importance"] = self.importance.head(50).to_dict(orient="records")
        return out


def check_labels(pipeline: Any, y: "pd.Series", task: str, name: str) -> "pd.Series":
    """``y`` with its labels mapped onto the classifier's own classes; refuse labels it never learned.

    Another file can spell the same label with another type (True vs "True", 1 vs "1"); matching
    on the text keeps those, while a label the model cannot predict is an error, not a crash.
    """
    import pandas as pd

    classes = list(getattr(pipeline, "classes_", []))
    if task != "classification" or not classes:
        return y
    by_text = {str(c): c for c in classes}
    texts = y.map(lambda v: None if pd.isna(v) else str(v))
    unseen = sorted(set(texts.dropna()) - set(by_text))
    if unseen:
        raise DataValidationError(
            f"{name} knows the classes {sorted(by_text)}, but the evaluation data's target also holds "
            f"{unseen[:10]}{' ...' if len(unseen) > 10 else ''}; evaluate on data labelled like its training data.")
    return texts.map(by_text)


AT_DEFAULT = "at_default_threshold"  # in a metrics dict: the 0.5-threshold values of metrics shown at another


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class EvaluationService:
    def __init__(self, handles: ModelHandles, models: ModelService, runner: JobRunner) -> None:
        self.handles = handles
        self.models = models
        self.runner = runner

    def evaluate(self, key: str, dataset_id: str | None = None, split: str = "test",
                 threshold: float | None = None, n_boot: int = 1000, importance: bool = True,
                 ctx: JobContext | None = None) -> EvaluationBundle:
        """Evaluate a job or model version on a split of its data, or on another dataset (split='all')."""
        model = self.handles.resolve(key)
        if not model.rows.is_own(dataset_id) and split != "all":
            split = "all"  # another dataset has no stored split: every row is evaluation data
        rows = model.rows.rows(split, dataset_id)
        model.pipeline  # noqa: B018 - loaded (and checked) here: a missing artifact fails before the job row
        config = {"model": model.id, "model_kind": model.kind, "dataset_id": dataset_id or model.dataset_id,
                  "split": split, "threshold": threshold, "n_boot": n_boot, "importance": importance}

        def body(run: JobRun) -> EvaluationBundle:
            return self._evaluate(model, rows, split, threshold, n_boot, importance, run)

        return self.runner.run("evaluate", config, body, ctx=ctx)

    def _evaluate(self, model: ModelHandle, rows: "pd.DataFrame", split: str, threshold: float | None, n_boot: int,
                  importance: bool, ctx: JobContext) -> EvaluationBundle:
        from mlcore.evaluation import evaluate_pipeline, feature_importance, prediction_examples, worst_predictions

        X, y = rows.drop(columns=[model.target]), rows[model.target]
        y = check_labels(model.pipeline, y, model.task, model.name)
        ctx.progress(0.05, "predicting")
        used_threshold = threshold if threshold is not None else model.threshold
        result = evaluate_pipeline(model.pipeline, X, y, model.task, threshold=used_threshold, n_boot=n_boot,
                                   ctx=ctx.sub(0.05, 0.6))
        ctx.check_cancelled()
        imp = None
        if importance:
            ctx.progress(0.6, "feature importance")
            try:
                imp = feature_importance(model.pipeline, X, y, task=model.task, ctx=ctx.sub(0.6, 0.95))
            except (ConfigError, DataValidationError) as exc:
                ctx.log(f"feature importance not available: {exc}")
        worst = worst_predictions(X, result.y_true, result.y_pred, result.proba, result.classes, model.task, n=20)
        examples = prediction_examples(X, result.y_true, result.y_pred, n=5, task=model.task)
        ctx.progress(1.0, "evaluated")
        source = {"kind": model.kind, "id": model.id, "name": model.name, "task": model.task,
                  "target": model.target, "dataset_id": model.dataset_id, "split": split, "rows": int(len(rows)),
                  "threshold": used_threshold}
        return EvaluationBundle(result=result, title=f"Evaluation of {model.name} ({split} rows)", source=source,
                                history=model.history, importance=imp, worst=worst, examples=examples, X=X)

    def choose_threshold(self, key: str, by: str = "f1") -> dict[str, Any]:
        """Choose a binary decision threshold on the validation rows; store it with the job/model."""
        from mlcore.evaluation import choose_threshold

        model = self.handles.resolve(key)
        rows = model.rows.rows("validation" if model.job_id else "all")
        pipeline = model.pipeline
        classes = list(getattr(pipeline, "classes_", []))
        if model.task != "classification" or len(classes) != 2 or not hasattr(pipeline, "predict_proba"):
            raise ConfigError(f"{model.name}: a decision threshold applies to binary classifiers with probabilities.")
        proba = pipeline.predict_proba(rows.drop(columns=[model.target]))[:, 1]
        choice = choose_threshold(rows[model.target].to_numpy(), proba, by=by, positive_label=classes[1])
        self._store_threshold(model, float(choice["threshold"]))
        return dict(choice, chosen_on="validation rows" if model.job_id else "all rows", by=by)

    def set_threshold(self, key: str, threshold: float | None) -> None:
        """Store a decision threshold; every later prediction of this job/model uses it."""
        if threshold is not None and not 0.0 < float(threshold) < 1.0:
            raise ConfigError(f"A decision threshold is a probability between 0 and 1, not {threshold!r}.")
        self._store_threshold(self.handles.resolve(key), threshold)

    def set_model_threshold(self, key: str, threshold: float | None) -> Any:
        """Store a model version's decision threshold (its metrics recomputed at it); the version."""
        if threshold is not None and not 0.0 < float(threshold) < 1.0:
            raise ConfigError(f"A decision threshold is a probability between 0 and 1, not {threshold!r}.")
        model = self.handles.of_version(key)
        self._store_threshold(model, threshold)
        return self.models.get_model(model.id)

    def _store_threshold(self, model: ModelHandle, threshold: float | None) -> None:
        """Store the threshold with the test metrics recomputed at it (once, here: every list shows them)."""
        if model.kind == "model":
            current = self.models.get_model(model.id).metrics
            self.models.set_model_threshold(model.id, threshold, metrics=self._metrics_at(model, current, threshold))
        else:
            results = self.handles.jobs.get_job(model.id).results or {}
            current = ((results.get("evaluation") or {}).get("test") or {}).get("metrics")
            metrics = self._metrics_at(model, current, threshold) if current else None
            self.handles.jobs.set_job_threshold(model.id, threshold, test_metrics=metrics)

    def _metrics_at(self, model: ModelHandle, current: dict[str, Any] | None, threshold: float | None
                    ) -> dict[str, Any]:
        """``current`` test metrics with the threshold-dependent ones (accuracy, F1, MCC ...) at ``threshold``;
        their values at the usual 0.5 are kept under ``at_default_threshold`` where they differ."""
        from mlcore.evaluation import evaluate_pipeline

        base = {k: v for k, v in (current or {}).items() if k not in (AT_DEFAULT, "threshold")}
        base.update((current or {}).get(AT_DEFAULT) or {})
        if threshold is None or not model.job_id:
            return base  # back at 0.5, or no held-out rows to recompute on (a version registered from outside)
        rows = model.rows.rows("test")
        X, y = rows.drop(columns=[model.target]), rows[model.target]
        y = check_labels(model.pipeline, y, model.task, model.name)
        at_t = evaluate_pipeline(model.pipeline, X, y, model.task, threshold=threshold, n_boot=0).metrics
        out, before = dict(base), {}
        for key, value in at_t.items():
            old = base.get(key)
            if _is_number(value) and _is_number(old) and abs(float(value) - float(old)) > 1e-12:
                out[key], before[key] = float(value), old
        if before:
            out[AT_DEFAULT] = before
        out["threshold"] = float(threshold)
        return out

    def write_report(self, bundle: EvaluationBundle, path: str | Path) -> Path:
        from mlcore.evaluation import write_html_report

        meta = {"model": bundle.source["name"], "dataset": self._dataset_label(bundle.source["dataset_id"]),
                "split": bundle.source["split"], "rows": bundle.source["rows"],
                "decision threshold": bundle.source["threshold"]}
        return write_html_report(bundle.result, path, title=bundle.title, history=bundle.history or None,
                                 importance=bundle.importance, worst=bundle.worst, examples=bundle.examples,
                                 meta=meta)

    def _dataset_label(self, dataset_id: str | None) -> str | None:
        """A dataset as a person knows it: its name, with the id for lookups."""
        if dataset_id is None:
            return None
        try:
            return f"{self.handles.datasets.get_dataset(dataset_id).name} ({dataset_id[:8]})"
        except NotFoundError:
            return dataset_id

    def save_plots(self, bundle: EvaluationBundle, folder: str | Path) -> list[Path]:
        from mlcore.evaluation import save_figure

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [save_figure(bundle.figure(kind), folder / f"{kind}.png") for kind in bundle.figure_kinds()]

    def compare_versions(self, keys: list[str], dataset_id: str, ctx: JobContext | None = None
                         ) -> list[dict[str, Any]]:
        """Evaluate several versions on one dataset: metrics and latency per row, side by side."""
        from mlcore.evaluation import evaluate_pipeline

        ctx = ctx or JobContext()
        if not keys:
            raise ConfigError("Choose at least one model version to compare.")
        rows = []
        for i, key in enumerate(keys):
            ctx.check_cancelled()
            model = self.handles.of_version(key)
            info = self.models.get_model(model.id)
            # on its own training data a version is scored on its held-out test rows only
            split = "test" if dataset_id == info.dataset_id and info.job_id else "all"
            data = model.rows.rows(split, dataset_id)
            X, y = data.drop(columns=[model.target]), data[model.target]
            y = check_labels(model.pipeline, y, model.task, model.name)
            t0 = time.perf_counter()
            result = evaluate_pipeline(model.pipeline, X, y, model.task, threshold=model.threshold, n_boot=200)
            seconds = time.perf_counter() - t0
            rows.append({"model_id": info.id, "name": info.name, "version": info.version, "status": info.status,
                         "algorithm": info.algorithm, "metrics": result.metrics,
                         "confidence_intervals": result.intervals,
                         "latency_ms_per_row": 1000 * seconds / max(1, len(X)), "rows": int(len(X)),
                         "rows_used": "held-out test rows" if split == "test" else "all rows"})
            ctx.progress((i + 1) / len(keys), f"evaluated {info.name} {info.version}")
        return rows
