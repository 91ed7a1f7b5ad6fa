"""Workspace operations of deployment: A/B tests, prediction (rows and files), outcomes, export."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from mlcore.errors import ConfigError, ConflictError, DataValidationError, NotFoundError
from mlcore.jobs import JobContext
from mlcore.registry import orm, store
from mlcore.registry.entities import ABTestInfo, ModelVersionInfo
from mlcore.registry.orm import utcnow

if TYPE_CHECKING:
    import pandas as pd


def _user_key(value: Any) -> str | None:
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


def _plain(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    return value


class DeploymentOps:
    # -- A/B tests ----------------------------------------------------------------
    def create_ab_test(self, model_a_id: str, model_b_id: str, test_name: str,
                       split_ratio: float = 0.5) -> ABTestInfo:
        """Set up an A/B test between two versions (seed: POST /models/ab-test)."""
        from mlcore.deployment.naming import validate_name

        name = validate_name(test_name)
        if not 0.0 < float(split_ratio) < 1.0:
            raise ConfigError(f"split_ratio is the share of users for model A and must be between 0 and 1, "
                              f"got {split_ratio!r}.")
        a, b = self.get_model(model_a_id), self.get_model(model_b_id)
        if a.id == b.id:
            raise ConfigError("An A/B test needs two different model versions.")
        if a.task_type != b.task_type:
            raise ConfigError(f"Model A is {a.task_type} and model B is {b.task_type}; an A/B test compares "
                              "models of the same task.")
        with self.db.session() as s:
            if s.scalars(select(orm.MLABTest).where(orm.MLABTest.name == name)).first() is not None:
                raise ConflictError(f"An A/B test named {name!r} already exists.")
            row = orm.MLABTest(id=str(uuid.uuid4()), name=name, model_a_id=a.id, model_b_id=b.id,
                               split_ratio=float(split_ratio), salt=secrets.token_hex(16), status="running")
            s.add(row)
            s.flush()
            return store.ab_test(row)

    setup_ab_test = create_ab_test

    def _ab_row(self, s, name: str) -> orm.MLABTest:
        row = s.scalars(select(orm.MLABTest).where(orm.MLABTest.name == name)).first()
        if row is None:
            row = s.get(orm.MLABTest, name)
        if row is None:
            raise NotFoundError(f"No A/B test named {name!r}.")
        return row

    def get_ab_test(self, name: str) -> ABTestInfo:
        with self.db.session() as s:
            row = self._ab_row(s, name)
            counts = dict(s.execute(select(orm.MLPredictionLog.arm, func.count()).where(
                orm.MLPredictionLog.ab_test_id == row.id).group_by(orm.MLPredictionLog.arm)).all())
            return store.ab_test(row, {k: int(v) for k, v in counts.items() if k})

    def list_ab_tests(self) -> list[ABTestInfo]:
        with self.db.session() as s:
            names = s.scalars(select(orm.MLABTest.name).order_by(orm.MLABTest.created_at)).all()
        return [self.get_ab_test(n) for n in names]

    def stop_ab_test(self, name: str) -> ABTestInfo:
        with self.db.session() as s:
            row = self._ab_row(s, name)
            row.status = "stopped"
            row.stopped_at = utcnow()
        return self.get_ab_test(name)

    def record_outcomes(self, test_name: str, outcomes: "pd.DataFrame | list[dict[str, Any]]") -> dict[str, Any]:
        """Attach outcomes to logged predictions, by ``prediction_id`` or by ``user_id``."""
        import pandas as pd

        frame = outcomes if isinstance(outcomes, pd.DataFrame) else pd.DataFrame(list(outcomes))
        if "outcome" not in frame.columns:
            raise DataValidationError(f"Outcomes need an 'outcome' column; got columns {list(frame.columns)}.")
        key = "prediction_id" if "prediction_id" in frame.columns else "user_id" if "user_id" in frame.columns else None
        if key is None:
            raise DataValidationError("Outcomes need a 'prediction_id' or a 'user_id' column to match predictions.")
        words = {"yes": 1, "no": 0, "true": 1, "false": 0, "y": 1, "n": 0}
        raw = frame["outcome"]
        as_text = raw.map(lambda v: words.get(v.strip().lower(), v) if isinstance(v, str) else v)
        values = pd.to_numeric(as_text.map(lambda v: int(v) if isinstance(v, bool) else v), errors="coerce")
        bad = raw[values.isna() & raw.notna()]
        if len(bad):
            raise DataValidationError(f"Outcome {bad.iloc[0]!r} is not a number (or yes/no, true/false).")
        if key == "prediction_id":
            ids = pd.to_numeric(frame[key], errors="coerce")
            bad_ids = frame.loc[ids.isna() | (ids % 1 != 0), key]
            if len(bad_ids):
                raise DataValidationError(f"prediction_id {bad_ids.iloc[0]!r} is not a whole number.")
            keys = [int(i) for i in ids]
        else:
            keys = [_user_key(u) for u in frame[key]]
        now = utcnow()
        matched = 0
        with self.db.session() as s:
            test = self._ab_row(s, test_name)
            for ident, value in zip(keys, values):
                if value != value or ident is None:  # no outcome yet, or no user to match
                    continue
                col = orm.MLPredictionLog.id if key == "prediction_id" else orm.MLPredictionLog.user_id
                res = s.execute(update(orm.MLPredictionLog).where(
                    orm.MLPredictionLog.ab_test_id == test.id, col == ident).values(outcome=float(value),
                                                                                    outcome_at=now))
                matched += res.rowcount or 0
        return {"status": "success", "rows": int(len(frame)), "matched_predictions": int(matched)}

    def record_outcomes_file(self, test_name: str, path: str | os.PathLike) -> dict[str, Any]:
        from mlcore.data import read_table

        return self.record_outcomes(test_name, read_table(Path(path)).frame)

    def analyse_ab_test(self, name: str, higher_is_better: bool = True) -> dict[str, Any]:
        """Rows per arm, sample-ratio check, outcome per arm with intervals, test, p-value, lift."""
        import pandas as pd

        from mlcore.deployment.ab import analyse_outcomes

        info = self.get_ab_test(name)
        with self.db.session() as s:
            rows = s.execute(select(orm.MLPredictionLog.arm, orm.MLPredictionLog.outcome).where(
                orm.MLPredictionLog.ab_test_id == info.id)).all()
        frame = pd.DataFrame(rows, columns=["arm", "outcome"])
        result = analyse_outcomes(frame, split_ratio=info.split_ratio, higher_is_better=higher_is_better)
        result.update(test_name=info.name, status=info.status, model_a_id=info.model_a_id,
                      model_b_id=info.model_b_id, split_ratio=info.split_ratio)
        return result

    def promote_ab_winner(self, name: str, force_arm: str | None = None) -> ModelVersionInfo:
        """Stop the test and promote the winning arm's model to production."""
        if force_arm not in (None, "A", "B"):
            raise ConfigError(f"An A/B test has arms 'A' and 'B', not {force_arm!r}.")
        analysis = self.analyse_ab_test(name)
        arm = force_arm or analysis.get("winner")
        if arm not in ("A", "B"):
            raise ConflictError(f"A/B test {name!r} has no significant winner yet (p = {analysis.get('p_value')}); "
                                "record more outcomes or choose an arm explicitly.")
        self.stop_ab_test(name)
        with self.db.session() as s:
            test = self._ab_row(s, name)
            test.winner = arm
            model_id = test.model_a_id if arm == "A" else test.model_b_id
        return self.promote(model_id, reason=f"winner of A/B test {name}")

    # -- prediction ---------------------------------------------------------------
    def _resolve_model(self, model_id: str | None, name: str | None) -> ModelVersionInfo:
        if model_id:
            return self.get_model(model_id)
        if name:
            return self.production_model(name)
        raise ConfigError("Say which model predicts: a model id, a model name (its production version) "
                          "or an A/B test name.")

    def predict(self, features: "dict[str, Any] | list[dict[str, Any]] | pd.DataFrame", model_id: str | None = None,
                ab_test_name: str | None = None, user_id: str | None = None,
                name: str | None = None) -> dict[str, Any]:
        """Predict rows given as feature dicts and log them (seed: POST /models/predict)."""
        import pandas as pd

        if isinstance(features, pd.DataFrame):
            frame = features
        else:
            frame = pd.DataFrame([features] if isinstance(features, dict) else list(features))
        arm = None
        if ab_test_name:
            from mlcore.deployment.ab import assign_arm

            test = self.get_ab_test(ab_test_name)
            if test.status != "running":
                raise ConflictError(f"A/B test {test.name!r} is stopped; predict with a model instead.")
            arm = assign_arm(test.salt, user_id, test.split_ratio)
            model_id = test.model_a_id if arm == "A" else test.model_b_id
        info = self._resolve_model(model_id, name)
        out, _ = self._predict_with(info, frame, "request", JobContext())
        t_ms = out.attrs.get("latency_ms")
        log_ids = self._log_predictions(info, out, ab_test_name and self.get_ab_test(ab_test_name).id, arm,
                                        [_user_key(user_id)] * len(out), t_ms)
        proba_cols = [c for c in out.columns if c.startswith("proba_")]
        return {
            "status": "success", "model_id": info.id, "model_name": info.name, "version": info.version,
            "arm": arm, "prediction_ids": log_ids,
            "prediction": [_plain(v) for v in out["prediction"].tolist()],
            "prediction_proba": out[proba_cols].to_numpy().tolist() if proba_cols else None,
        }

    def _predict_with(self, info: ModelVersionInfo, frame: "pd.DataFrame", source: str,
                      ctx: JobContext) -> tuple["pd.DataFrame", dict[str, Any]]:
        from mlcore.deployment.predict import predict_frame
        from mlcore.deployment.schema import InputSchema, check_frame, drift_report

        pipeline, _ = self.load_model(info.id)
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

    def _log_predictions(self, info: ModelVersionInfo, out: "pd.DataFrame", ab_test_id: str | None,
                         arm: "str | list[str] | None", user_ids: list[Any], latency_ms: float | None) -> list[int]:
        arms = arm if isinstance(arm, list) else [arm] * len(out)
        preds = [_plain(v) for v in out["prediction"].tolist()]
        now = utcnow()
        rows = [{"model_version_id": info.id, "ab_test_id": ab_test_id, "arm": arms[i],
                 "user_id": user_ids[i], "prediction": preds[i],
                 "latency_ms": latency_ms, "created_at": now} for i in range(len(out))]
        with self.db.session() as s:
            ids = s.scalars(insert(orm.MLPredictionLog).returning(orm.MLPredictionLog.id,
                                                                  sort_by_parameter_order=True), rows).all()
        return [int(i) for i in ids]

    def predict_file(self, input_path: str | os.PathLike, output_path: str | os.PathLike | None = None, *,
                     model_id: str | None = None, name: str | None = None, ab_test_name: str | None = None,
                     user_column: str | None = None, ctx: JobContext | None = None) -> dict[str, Any]:
        """Predict every row of a file; write input + prediction (+ probabilities, + arm) to CSV/Excel/Parquet."""
        import pandas as pd

        from mlcore.data import read_table
        from mlcore.deployment.predict import write_output

        from mlcore.deployment.predict import OUTPUT_FORMATS

        ctx = ctx or JobContext()
        path = Path(input_path)
        if output_path is not None:
            if Path(output_path).suffix.lower() not in OUTPUT_FORMATS:
                raise ConfigError(f"cannot write '{Path(output_path).name}': the output must end in "
                                  ".csv, .xlsx or .parquet")
            if path.exists() and Path(output_path).resolve() == path.resolve():
                raise ConfigError(f"The output file would overwrite the input {path.name}; choose another name.")
        ctx.progress(0.0, f"reading {path.name}")
        frame = read_table(path).frame
        ctx.check_cancelled()
        pending_logs: list = []
        if ab_test_name:
            result, out, pending_logs = self._predict_ab_file(frame, path.name, ab_test_name, user_column,
                                                              ctx.sub(0.1, 0.9))
        else:
            info = self._resolve_model(model_id, name)
            preds, report = self._predict_with(info, frame, path.name, ctx.sub(0.1, 0.9))
            out = pd.concat([frame.reset_index(drop=True), preds.reset_index(drop=True)], axis=1)
            result = {"model_id": info.id, "model_name": info.name, "version": info.version, **report}
        ctx.progress(0.92, "writing output")
        if output_path is not None:
            written = write_output(out, output_path)
            result["output_path"] = str(written)
        for log_args in pending_logs:  # logged only once the predictions were delivered
            self._log_predictions(*log_args)
        ctx.progress(1.0, "done")
        result.update(status="success", rows=int(len(out)), preview=out.head(20))
        result["frame"] = out
        return result

    def _predict_ab_file(self, frame: "pd.DataFrame", source: str, test_name: str, user_column: str | None,
                         ctx: JobContext) -> tuple[dict[str, Any], "pd.DataFrame", list]:
        import numpy as np
        import pandas as pd

        from mlcore.deployment.ab import assign_arm

        test = self.get_ab_test(test_name)
        if test.status != "running":
            raise ConflictError(f"A/B test {test.name!r} is stopped.")
        if user_column and user_column not in frame.columns:
            raise DataValidationError(f"{source}: no user-id column {user_column!r}; columns are "
                                      f"{list(map(str, frame.columns))}.")
        users = [_user_key(u) for u in frame[user_column]] if user_column else [None] * len(frame)
        arms = np.array([assign_arm(test.salt, u, test.split_ratio) for u in users], dtype=object)
        parts, reports, logs = [], {}, []
        for arm, model_id in (("A", test.model_a_id), ("B", test.model_b_id)):
            mask = arms == arm
            if not mask.any():
                continue
            info = self.get_model(model_id)
            preds, report = self._predict_with(info, frame[mask], source, ctx)
            preds["arm"] = arm
            preds["model_version"] = f"{info.name}:{info.version}"
            reports[arm] = report
            parts.append(preds)
            logs.append((info, preds, test.id, arm, [users[i] for i in np.flatnonzero(mask)],
                         preds.attrs.get("latency_ms")))
        preds = pd.concat(parts).loc[frame.index]
        out = pd.concat([frame.reset_index(drop=True), preds.reset_index(drop=True)], axis=1)
        warnings = sorted({w for r in reports.values() for w in r["warnings"]})
        return {"ab_test": test.name, "arms": {a: int((arms == a).sum()) for a in ("A", "B")},
                "warnings": warnings, "reports": reports}, out, logs

    # -- export -------------------------------------------------------------------
    def model_metadata(self, key: str) -> dict[str, Any]:
        return self.get_model(key).to_dict()

    def export_model(self, key: str, fmt: str, output: str | os.PathLike, ctx: JobContext | None = None
                     ) -> dict[str, Any]:
        """Export a version as joblib bundle, skops, ONNX (with parity check) or a Markdown model card."""
        from mlcore.deployment import export as ex

        fmt = fmt.lower()
        if fmt not in ("joblib", "skops", "onnx", "card"):
            raise ConfigError(f"Export format must be joblib, skops, onnx or card, not {fmt!r}.")
        ctx = ctx or JobContext()
        pipeline, info = self.load_model(key)
        meta = info.to_dict()
        if hasattr(pipeline, "classes_"):
            meta.setdefault("classes", [str(c) for c in pipeline.classes_])
        output = Path(output)
        if output.is_dir() or not output.suffix:
            output.mkdir(parents=True, exist_ok=True)
            suffix = {"joblib": ".joblib", "skops": ".skops", "onnx": ".onnx", "card": ".md"}[fmt]
            output = output / f"{info.name}-{info.version}{suffix}"
        ctx.progress(0.1, f"exporting {fmt}")
        result: dict[str, Any] = {"status": "success", "format": fmt, "model_id": info.id}
        if fmt == "joblib":
            result["path"] = str(ex.export_joblib(pipeline, meta, output))
        elif fmt == "skops":
            result["path"] = str(ex.export_skops(pipeline, output, meta))
        elif fmt == "card":
            from mlcore.deployment.card import model_card

            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(model_card(meta), encoding="utf-8")
            result["path"] = str(output)
        else:
            from mlcore.deployment.onnx_export import export_onnx

            sample = self._sample_rows(info, 200)
            result.update(export_onnx(pipeline, sample, output, task=info.task_type, threshold=info.threshold))
        ctx.progress(1.0, "exported")
        return result

    def _sample_rows(self, info: ModelVersionInfo, n: int) -> "pd.DataFrame":
        import pandas as pd

        if info.dataset_id:
            try:
                frame = self.load_frame(info.dataset_id)
                frame = frame.drop(columns=[c for c in [info.target_name] if c in frame.columns])
                return frame.sample(min(n, len(frame)), random_state=0)
            except NotFoundError:
                pass
        if info.input_schema and info.input_schema.get("example_row"):
            return pd.DataFrame([info.input_schema["example_row"]])
        raise ConfigError(f"{info.name} {info.version}: no data to check the export on (its dataset is gone).")

    def import_model_file(self, path: str | os.PathLike, *, name: str, version: str | None = None,
                          task_type: str, algorithm: str = "imported", trusted: list[str] | None = None
                          ) -> ModelVersionInfo:
        """Register a model file from outside: skops only, after a type audit (never plain unpickling)."""
        from mlcore.deployment.export import import_skops

        pipeline, _untrusted = import_skops(path, trusted=trusted)
        return self.register_model(pipeline, name=name, version=version, task_type=task_type,
                                   algorithm=algorithm, description=f"imported from {Path(path).name}")

    # -- benchmarking versions ----------------------------------------------------
    def compare_versions(self, keys: list[str], dataset_id: str, ctx: JobContext | None = None
                         ) -> list[dict[str, Any]]:
        """Evaluate several versions on one dataset: metrics and latency per row, side by side."""
        from mlcore.evaluation import evaluate_pipeline

        ctx = ctx or JobContext()
        if not keys:
            raise ConfigError("Choose at least one model version to compare.")
        from mlcore._ws_evaluation import check_labels

        rows = []
        for i, key in enumerate(keys):
            ctx.check_cancelled()
            info = self.get_model(key)
            src = self._evaluation_source(info.id)
            pipeline = src["pipeline"]
            # on its own training data a version is scored on its held-out test rows only
            split = "test" if dataset_id == info.dataset_id and info.job_id else "all"
            data = self._evaluation_rows(src, dataset_id, split)
            target = info.target_name
            X, y = data.drop(columns=[target]), data[target]
            y = check_labels(pipeline, y, info.task_type, f"{info.name} {info.version}")
            t0 = time.perf_counter()
            result = evaluate_pipeline(pipeline, X, y, info.task_type, threshold=info.threshold, n_boot=200)
            seconds = time.perf_counter() - t0
            rows.append({"model_id": info.id, "name": info.name, "version": info.version, "status": info.status,
                         "algorithm": info.algorithm, "metrics": result.metrics,
                         "confidence_intervals": result.intervals,
                         "latency_ms_per_row": 1000 * seconds / max(1, len(X)), "rows": int(len(X)),
                         "rows_used": "held-out test rows" if split == "test" else "all rows"})
            ctx.progress((i + 1) / len(keys), f"evaluated {info.name} {info.version}")
        return rows
