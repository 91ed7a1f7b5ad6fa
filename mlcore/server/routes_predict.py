"""Prediction: rows as JSON (one, a list, or columns) and whole files answered with a file."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from mlcore.errors import ConfigError, DataValidationError
from mlcore.server.errors import json_response
from mlcore.server.schemas import PredictRequest
from mlcore.server.uploads import display_name, saved_upload

__all__ = ["router"]

OUTPUT_MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def router(state) -> APIRouter:
    ws, models = state.workspace, state.models
    api = APIRouter(prefix="/api/ml/models", tags=["predict"])

    @api.post("/predict")
    def predict(body: PredictRequest):
        """Predict one row or many with a version, a name's production version, or an A/B test (by user_id)."""
        features = body.features
        rows = len(features) if isinstance(features, list) else (
            len(next(iter(features.values()))) if features and isinstance(next(iter(features.values())), list) else 1)
        if rows > models.max_rows:
            raise DataValidationError(f"{rows} rows in one call; this server accepts at most {models.max_rows}.")
        result = models.predict(features, model_id=body.model_id, model_name=body.model_name,
                                ab_test_name=body.ab_test_name, user_id=body.user_id)
        return json_response(result)

    @api.post("/predict/file", response_class=FileResponse,
              responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}})
    def predict_file(file: UploadFile = File(..., description="CSV, TSV, TXT, Excel or Parquet rows"),
                     model_id: str | None = Form(None), model_name: str | None = Form(None),
                     ab_test_name: str | None = Form(None), user_column: str | None = Form(None),
                     output_format: str = Form("csv", description="csv, xlsx or parquet")):
        """Predict every row of an uploaded file; answer with the rows plus prediction columns (formula-safe)."""
        from mlcore.data import read_table
        from mlcore.deployment import write_output

        fmt = output_format.lower().lstrip(".")
        if fmt not in OUTPUT_MEDIA:
            raise ConfigError(f"output_format must be csv, xlsx or parquet, not {output_format!r}.")
        shown = display_name(file.filename)
        with saved_upload(file, file.filename) as path:
            frame = read_table(path).frame
        if len(frame) > models.max_rows:
            raise DataValidationError(f"{shown}: {len(frame)} rows; this server predicts at most {models.max_rows} "
                                      "rows per call.")
        out, report = models.predict_table(frame, model_id=model_id or None, model_name=model_name or None,
                                           ab_test_name=ab_test_name or None, user_column=user_column or None,
                                           source=shown)
        folder = Path(tempfile.mkdtemp(prefix="mlwb-predict-"))
        try:
            written = write_output(out, folder / f"predictions.{fmt}")
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        stem = Path(shown).stem or "rows"
        headers = {"X-Rows": str(report["rows"]), "X-Warnings": str(len(report["warnings"]))}
        if report.get("model_id"):
            headers["X-Model-Id"] = report["model_id"]
        return FileResponse(written, filename=f"{stem}-predictions.{fmt}", media_type=OUTPUT_MEDIA[fmt],
                            headers=headers, background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))

    return api
