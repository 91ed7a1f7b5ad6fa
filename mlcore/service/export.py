"""ExportService: a version as a joblib bundle, skops, ONNX (with a parity check) or a Markdown card."""

from __future__ import annotations

import os
from pathlib import Path

from mlcore import vocab
from mlcore.errors import ConfigError, NotFoundError
from mlcore.jobs import JobContext
from mlcore.service.handle import ModelHandle, ModelHandles
from mlcore.service.results import ExportResult
from mlcore.service.runner import JobRun, JobRunner

SUFFIXES = {"joblib": ".joblib", "skops": ".skops", "onnx": ".onnx", "card": ".md"}
PARITY_ROWS = 200  # rows the ONNX export is checked on


class ExportService:
    def __init__(self, handles: ModelHandles, runner: JobRunner) -> None:
        self.handles = handles
        self.runner = runner

    def export_model(self, key: str, fmt: str, output: str | os.PathLike, ctx: JobContext | None = None
                     ) -> ExportResult:
        """Export a version as an "export" job: joblib bundle, skops, ONNX (with parity check) or model card."""
        fmt = fmt.lower()
        if fmt not in vocab.EXPORT_FORMATS:
            raise ConfigError(f"Export format must be joblib, skops, onnx or card, not {fmt!r}.")
        model = self.handles.of_version(key)
        info = self.handles.models.get_model(model.id)
        output = Path(output)
        if output.is_dir() or not output.suffix:
            output.mkdir(parents=True, exist_ok=True)
            output = output / f"{info.name}-{info.version}{SUFFIXES[fmt]}"

        meta = self._card_facts(info.to_dict())
        model.pipeline  # noqa: B018 - loaded (and checked) here: a missing artifact fails before the job row

        def body(run: JobRun) -> ExportResult:
            return self._export(model, meta, fmt, output, run)

        return self.runner.run("export", {"model_id": model.id, "format": fmt, "output": str(output)}, body,
                               ctx=ctx)

    def _export(self, model: ModelHandle, meta: dict, fmt: str, output: Path, ctx: JobContext) -> ExportResult:
        from mlcore.deployment import export_joblib, export_skops

        pipeline = model.pipeline
        if hasattr(pipeline, "classes_"):
            meta.setdefault("classes", [str(c) for c in pipeline.classes_])
        ctx.progress(0.1, f"exporting {fmt}")
        result = ExportResult(format=fmt, model_id=model.id)
        if fmt == "joblib":
            result.path = str(export_joblib(pipeline, meta, output))
        elif fmt == "skops":
            result.path = str(export_skops(pipeline, output, meta))
        elif fmt == "card":
            from mlcore.deployment import model_card

            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(model_card(meta), encoding="utf-8")
            result.path = str(output)
        else:
            from mlcore.deployment import export_onnx

            details = export_onnx(pipeline, self._parity_rows(model), output, task=model.task,
                                  threshold=model.threshold)
            result.path = str(details.pop("path", output))
            result.details = details
        ctx.progress(1.0, "exported")
        return result

    def _card_facts(self, meta: dict) -> dict:
        """A version's metadata plus what the card names from elsewhere: its dataset's name, the
        iteration early stopping kept (from its job's training summary)."""
        if meta.get("dataset_id"):
            try:
                meta["dataset_name"] = self.handles.datasets.get_dataset(meta["dataset_id"]).name
            except NotFoundError:
                pass
        if meta.get("job_id"):
            try:
                summary = (self.handles.jobs.get_job(meta["job_id"]).results or {}).get("training_summary") or {}
            except NotFoundError:
                summary = {}
            if summary.get("best_iteration") is not None and summary.get("stopped_early"):
                meta["training_summary"] = {"best_iteration": summary["best_iteration"]}
        return meta

    def _parity_rows(self, model: ModelHandle):
        """Rows to check the ONNX export on: a sample read from the dataset file, else the schema's example row."""
        import pandas as pd

        sample = model.rows.sample(PARITY_ROWS)
        if sample is not None and len(sample):
            return sample
        if model.schema and model.schema.get("example_row"):
            return pd.DataFrame([model.schema["example_row"]])
        raise ConfigError(f"{model.name}: no data to check the export on (its dataset is gone).")
