"""Workspace evaluation: metrics with intervals, figures, error analysis, thresholds, reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.errors import ConfigError, DataValidationError, NotFoundError
from mlcore.jobs import JobContext

if TYPE_CHECKING:
    import pandas as pd

SPLITS = ("test", "validation", "train", "all")


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


class EvaluationOps:
    def _evaluation_source(self, key: str) -> dict[str, Any]:
        """Resolve a job id or a model version into what evaluation needs."""
        try:
            job = self.get_job(key)
        except NotFoundError:
            job = None
        if job is not None:
            if job.status != "completed":
                raise ConfigError(f"Job {job.id[:8]} is {job.status}; only a completed job can be evaluated.")
            results = job.results or {}
            return {"kind": "job", "id": job.id, "job_id": job.id, "name": f"job {job.id[:8]} "
                    f"({job.config.get('algorithm')})", "pipeline": self.load_job_pipeline(job.id),
                    "task": results.get("task_type"), "target": job.config.get("target_column"),
                    "dataset_id": job.dataset_id, "threshold": results.get("threshold"),
                    "history": results.get("training_history") or []}
        info = self.get_model(key)
        pipeline, _ = self.load_model(info.id)
        history = []
        if info.job_id:
            try:
                history = (self.get_job(info.job_id).results or {}).get("training_history") or []
            except NotFoundError:
                history = []
        return {"kind": "model", "id": info.id, "job_id": info.job_id, "name": f"{info.name} {info.version}",
                "pipeline": pipeline, "task": info.task_type, "target": info.target_name,
                "dataset_id": info.dataset_id, "threshold": info.threshold, "history": history}

    def _evaluation_rows(self, src: dict[str, Any], dataset_id: str | None, split: str) -> "pd.DataFrame":
        if split not in SPLITS:
            raise ConfigError(f"split must be one of {list(SPLITS)}, not {split!r}.")
        ds = dataset_id or src["dataset_id"]
        if ds is None:
            raise ConfigError(f"{src['name']}: say which dataset to evaluate on (its training dataset is gone).")
        frame = self.load_frame(ds)
        target = src["target"]
        if target not in frame.columns:
            raise DataValidationError(f"The dataset has no column {target!r}, the model's target.")
        frame = frame[frame[target].notna()].reset_index(drop=True)
        same_data = dataset_id is None or dataset_id == src["dataset_id"]
        if split != "all" and same_data and src["job_id"]:
            idx = self.job_split(src["job_id"])[split]
            if len(idx) == 0:
                raise DataValidationError(f"The {split} split of {src['name']} has no rows.")
            return frame.iloc[idx]
        return frame

    def evaluate(self, key: str, dataset_id: str | None = None, split: str = "test",
                 threshold: float | None = None, n_boot: int = 1000, importance: bool = True,
                 ctx: JobContext | None = None) -> EvaluationBundle:
        """Evaluate a job or model version on a split of its data, or on another dataset (split='all')."""
        from mlcore.evaluation import evaluate_pipeline, feature_importance, prediction_examples, worst_predictions

        ctx = ctx or JobContext()
        src = self._evaluation_source(key)
        if dataset_id is not None and dataset_id != src["dataset_id"] and split != "all":
            split = "all"  # another dataset has no stored split: every row is evaluation data
        rows = self._evaluation_rows(src, dataset_id, split)
        target = src["target"]
        X, y = rows.drop(columns=[target]), rows[target]
        y = check_labels(src["pipeline"], y, src["task"], src["name"])
        ctx.progress(0.05, "predicting")
        used_threshold = threshold if threshold is not None else src["threshold"]
        result = evaluate_pipeline(src["pipeline"], X, y, src["task"], threshold=used_threshold, n_boot=n_boot,
                                   ctx=ctx.sub(0.05, 0.6))
        ctx.check_cancelled()
        imp = None
        if importance:
            ctx.progress(0.6, "feature importance")
            try:
                imp = feature_importance(src["pipeline"], X, y, task=src["task"], ctx=ctx.sub(0.6, 0.95))
            except (ConfigError, DataValidationError) as exc:
                ctx.log(f"feature importance not available: {exc}")
        worst = worst_predictions(X, result.y_true, result.y_pred, result.proba, result.classes, src["task"], n=20)
        examples = prediction_examples(X, result.y_true, result.y_pred, n=5, task=src["task"])
        ctx.progress(1.0, "evaluated")
        source = {k: src[k] for k in ("kind", "id", "name", "task", "target", "dataset_id")}
        source.update(split=split, rows=int(len(rows)), threshold=used_threshold)
        return EvaluationBundle(result=result, title=f"Evaluation of {src['name']} ({split} rows)", source=source,
                                history=src["history"], importance=imp, worst=worst, examples=examples, X=X)

    def choose_threshold(self, key: str, by: str = "f1") -> dict[str, Any]:
        """Choose a binary decision threshold on the validation rows; store it with the job/model."""
        from mlcore.evaluation import choose_threshold

        src = self._evaluation_source(key)
        rows = self._evaluation_rows(src, None, "validation" if src["job_id"] else "all")
        pipeline = src["pipeline"]
        classes = list(getattr(pipeline, "classes_", []))
        if src["task"] != "classification" or len(classes) != 2 or not hasattr(pipeline, "predict_proba"):
            raise ConfigError(f"{src['name']}: a decision threshold applies to binary classifiers with probabilities.")
        proba = pipeline.predict_proba(rows.drop(columns=[src["target"]]))[:, 1]
        choice = choose_threshold(rows[src["target"]].to_numpy(), proba, by=by, positive_label=classes[1])
        self.set_threshold(key, float(choice["threshold"]))
        return dict(choice, chosen_on="validation rows" if src["job_id"] else "all rows", by=by)

    def set_threshold(self, key: str, threshold: float | None) -> None:
        """Store a decision threshold; every later prediction of this job/model uses it."""
        if threshold is not None and not 0.0 < float(threshold) < 1.0:
            raise ConfigError(f"A decision threshold is a probability between 0 and 1, not {threshold!r}.")
        src = self._evaluation_source(key)
        if src["kind"] == "model":
            self.set_model_threshold(src["id"], threshold)
        else:
            job = self.get_job(src["id"])
            self._update_job(job.id, results=dict(job.results or {}, threshold=threshold))

    def write_report(self, bundle: EvaluationBundle, path: str | Path) -> Path:
        from mlcore.evaluation import write_html_report

        meta = {"model": bundle.source["name"], "dataset": bundle.source["dataset_id"],
                "split": bundle.source["split"], "rows": bundle.source["rows"],
                "decision threshold": bundle.source["threshold"]}
        return write_html_report(bundle.result, path, title=bundle.title, history=bundle.history or None,
                                 importance=bundle.importance, worst=bundle.worst, examples=bundle.examples,
                                 meta=meta)

    def save_plots(self, bundle: EvaluationBundle, folder: str | Path) -> list[Path]:
        from mlcore.evaluation import save_figure

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [save_figure(bundle.figure(kind), folder / f"{kind}.png") for kind in bundle.figure_kinds()]
