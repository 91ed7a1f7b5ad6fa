"""PredictionService: predict rows or whole files with a version (or an A/B test's arms) and log them."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.errors import ConfigError, ConflictError, DataValidationError
from mlcore.jobs import JobContext
from mlcore.jsonsafe import json_safe
from mlcore.registry import ABStore, ABTestInfo, ModelVersionInfo
from mlcore.service.models import ModelService
from mlcore.service.results import PredictFileResult
from mlcore.service.runner import JobRun, JobRunner

if TYPE_CHECKING:
    import pandas as pd


def user_key(value: Any) -> str | None:
    """A user id as logged and matched: missing -> None, 5.0 -> "5", text stripped."""
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


class PredictionService:
    def __init__(self, models: ModelService, ab: ABStore, runner: JobRunner) -> None:
        self.models = models
        self.ab = ab
        self.runner = runner

    def _resolve_model(self, model_id: str | None, name: str | None) -> ModelVersionInfo:
        if model_id:
            return self.models.get_model(model_id)
        if name:
            return self.models.production_model(name)
        raise ConfigError("Say which model predicts: a model id, a model name (its production version) "
                          "or an A/B test name.")

    def _running_test(self, name: str) -> ABTestInfo:
        test = self.ab.get(name)
        if test.status != "running":
            raise ConflictError(f"A/B test {test.name!r} is stopped; predict with a model instead.")
        return test

    def predict(self, features: "dict[str, Any] | list[dict[str, Any]] | pd.DataFrame", model_id: str | None = None,
                ab_test_name: str | None = None, user_id: str | None = None,
                name: str | None = None) -> dict[str, Any]:
        """Predict rows given as feature dicts and log them (seed: POST /models/predict)."""
        import pandas as pd

        if isinstance(features, pd.DataFrame):
            frame = features
        else:
            frame = pd.DataFrame([features] if isinstance(features, dict) else list(features))
        arm, test = None, None
        if ab_test_name:
            from mlcore.deployment import assign_arm

            test = self._running_test(ab_test_name)
            arm = assign_arm(test.salt, user_id, test.split_ratio)
            model_id = test.model_a_id if arm == "A" else test.model_b_id
        info = self._resolve_model(model_id, name)
        out, _ = self.predict_with(info, frame, "request", JobContext())
        log_ids = self._log(info, out, test.id if test else None, arm, [user_key(user_id)] * len(out))
        proba_cols = [c for c in out.columns if c.startswith("proba_")]
        return {
            "status": "success", "model_id": info.id, "model_name": info.name, "version": info.version,
            "arm": arm, "prediction_ids": log_ids,
            "prediction": json_safe(out["prediction"].tolist()),
            "prediction_proba": out[proba_cols].to_numpy().tolist() if proba_cols else None,
        }

    def predict_with(self, info: ModelVersionInfo, frame: "pd.DataFrame", source: str,
                     ctx: JobContext) -> tuple["pd.DataFrame", dict[str, Any]]:
        """Predictions of ``frame`` by a version, after its input schema's checks; and the schema report."""
        from mlcore.deployment import predict_frame
        from mlcore.deployment import InputSchema, check_frame, drift_report

        pipeline, _ = self.models.load_model(info.id)
        report: dict[str, Any] = {"warnings": [], "unseen_categories": {}, "drift": []}
        if info.input_schema:
            schema = InputSchema.from_dict(info.input_schema)
            checked = check_frame(frame, schema, source=source)
            frame = checked.frame
            report.update(warnings=list(checked.warnings), unseen_categories=dict(checked.unseen_categories),
                          extra_columns=list(checked.extra_columns),
                          converted_columns=list(checked.converted_columns))
            if len(frame) >= 50:
                drift = drift_report(frame, schema)
                report["drift"] = drift
                report["warnings"] += [d["warning"] for d in drift if d.get("warning")]
        t0 = time.perf_counter()
        out = predict_frame(pipeline, frame, threshold=info.threshold, ctx=ctx)
        out.attrs["latency_ms"] = (time.perf_counter() - t0) * 1000 / max(1, len(frame))
        return out, report

    def _log(self, info: ModelVersionInfo, out: "pd.DataFrame", ab_test_id: str | None, arm: str | None,
             user_ids: list[Any]) -> list[int]:
        preds = json_safe(out["prediction"].tolist())
        latency = out.attrs.get("latency_ms")
        return self.ab.log_predictions([
            {"model_version_id": info.id, "ab_test_id": ab_test_id, "arm": arm, "user_id": user_ids[i],
             "prediction": preds[i], "latency_ms": latency} for i in range(len(out))])

    def predict_file(self, input_path: str | os.PathLike, output_path: str | os.PathLike | None = None, *,
                     model_id: str | None = None, name: str | None = None, ab_test_name: str | None = None,
                     user_column: str | None = None, ctx: JobContext | None = None) -> PredictFileResult:
        """Predict every row of a file as a "predict-file" job; write input + prediction (+ probabilities,
        + arm) to CSV/Excel/Parquet."""
        from mlcore.deployment import OUTPUT_FORMATS

        path = Path(input_path)
        if output_path is not None:
            if Path(output_path).suffix.lower() not in OUTPUT_FORMATS:
                raise ConfigError(f"cannot write '{Path(output_path).name}': the output must end in "
                                  ".csv, .xlsx or .parquet")
            if path.exists() and Path(output_path).resolve() == path.resolve():
                raise ConfigError(f"The output file would overwrite the input {path.name}; choose another name.")
        info = None if ab_test_name else self._resolve_model(model_id, name)
        if info is not None:  # a missing artifact fails here, before the job row
            self.models.model_file(info, needed_by=f"predicting {path.name}")
        config = {"input_path": str(path), "output_path": None if output_path is None else str(output_path),
                  "model_id": info.id if info else None, "ab_test_name": ab_test_name, "user_column": user_column}

        def body(run: JobRun) -> PredictFileResult:
            return self._predict_file(path, output_path, info, ab_test_name, user_column, run)

        return self.runner.run("predict-file", config, body, ctx=ctx)

    def predict_dataset(self, dataset_id: str, output_dir: str | os.PathLike, *, model_id: str | None = None,
                        name: str | None = None, dask: str = "local", dask_options: dict[str, Any] | None = None,
                        ctx: JobContext | None = None) -> PredictFileResult:
        """Predict every row of a (partitioned) dataset on Dask as a "predict-file" job; Parquet parts out."""
        from mlcore.deployment import predict_parts_dask

        datasets = self.models.datasets
        data = datasets.get_dataset(dataset_id)
        info = self._resolve_model(model_id, name)
        config = {"dataset_id": data.id, "output_path": str(output_dir), "model_id": info.id,
                  "dask": {"address": dask, **(dask_options or {})}}

        def body(run: JobRun) -> PredictFileResult:
            pipeline, _ = self.models.load_model(info.id)
            done = predict_parts_dask(datasets.partition_paths(data.id), output_dir, pipeline,
                                      schema=info.input_schema or None, threshold=info.threshold, address=dask,
                                      cluster=dask_options, ctx=run)
            return PredictFileResult(rows=done["rows"], model_id=info.id, model_name=info.name, version=info.version,
                                     output_path=done["output_path"])

        return self.runner.run("predict-file", config, body, ctx=ctx)

    def _predict_file(self, path: Path, output_path: str | os.PathLike | None, info: ModelVersionInfo | None,
                      ab_test_name: str | None, user_column: str | None, ctx: JobContext) -> PredictFileResult:
        import pandas as pd

        from mlcore.data import read_table
        from mlcore.deployment import write_output

        ctx.progress(0.0, f"reading {path.name}")
        frame = read_table(path).frame
        ctx.check_cancelled()
        pending_logs: list = []
        if ab_test_name:
            result, preds, pending_logs = self._predict_ab_file(frame, path.name, ab_test_name, user_column,
                                                                ctx.sub(0.1, 0.9))
        else:
            preds, report = self.predict_with(info, frame, path.name, ctx.sub(0.1, 0.9))
            result = PredictFileResult(rows=0, model_id=info.id, model_name=info.name, version=info.version,
                                       **report)
        out = pd.concat([frame.reset_index(drop=True), preds.reset_index(drop=True)], axis=1)
        ctx.progress(0.92, "writing output")
        if output_path is not None:
            result.output_path = str(write_output(out, output_path))
        for log_args in pending_logs:  # logged only once the predictions were delivered
            self._log(*log_args)
        ctx.progress(1.0, "done")
        result.rows, result.preview, result.frame = int(len(out)), out.head(20), out
        return result

    def _predict_ab_file(self, frame: "pd.DataFrame", source: str, test_name: str, user_column: str | None,
                         ctx: JobContext) -> tuple[PredictFileResult, "pd.DataFrame", list]:
        import numpy as np
        import pandas as pd

        from mlcore.deployment import assign_arm

        test = self.ab.get(test_name)
        if test.status != "running":
            raise ConflictError(f"A/B test {test.name!r} is stopped.")
        if user_column and user_column not in frame.columns:
            raise DataValidationError(f"{source}: no user-id column {user_column!r}; columns are "
                                      f"{list(map(str, frame.columns))}.")
        users = [user_key(u) for u in frame[user_column]] if user_column else [None] * len(frame)
        arms = np.array([assign_arm(test.salt, u, test.split_ratio) for u in users], dtype=object)
        parts, reports, logs = [], {}, []
        for arm, model_id in (("A", test.model_a_id), ("B", test.model_b_id)):
            mask = arms == arm
            if not mask.any():
                continue
            info = self.models.get_model(model_id)
            preds, report = self.predict_with(info, frame[mask], source, ctx)
            preds["arm"] = arm
            preds["model_version"] = f"{info.name}:{info.version}"
            reports[arm] = report
            parts.append(preds)
            logs.append((info, preds, test.id, arm, [users[i] for i in np.flatnonzero(mask)]))
        preds = pd.concat(parts).loc[frame.index]
        warnings = sorted({w for r in reports.values() for w in r["warnings"]})
        result = PredictFileResult(rows=0, ab_test=test.name, arms={a: int((arms == a).sum()) for a in ("A", "B")},
                                   warnings=warnings, reports=reports)
        return result, preds, logs
