"""Datasets and data preparation: upload, info, list, clean, select features, split."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, UploadFile

from mlcore.server.errors import json_response
from mlcore.server.schemas import CleanRequest, SelectFeaturesRequest, SplitRequest
from mlcore.server.uploads import display_name, saved_upload

__all__ = ["router"]


def router(state) -> APIRouter:
    ws = state.workspace
    api = APIRouter(prefix="/api/ml", tags=["data"])

    @api.post("/datasets/upload")
    def upload_dataset(file: UploadFile = File(..., description="CSV, TSV, TXT, Excel or Parquet file"),
                       name: str | None = Form(None), target_column: str | None = Form(None)):
        """Import a table file as a dataset (stored as Parquet in the workspace)."""
        shown = display_name(file.filename)
        with saved_upload(file, file.filename) as path:
            info = ws.import_dataset(path, name=(name or "").strip() or shown, target=target_column or None)
        return json_response({"status": "success", **info.summary(), "duplicate_of": info.import_info.get("duplicate_of"),
                              "warnings": info.import_info.get("warnings", [])})

    @api.get("/datasets")
    def list_datasets():
        """Every dataset's summary, oldest first."""
        return json_response([d.summary() for d in ws.list_datasets()])

    @api.get("/datasets/{dataset_id}")
    def get_dataset(dataset_id: str):
        """Columns, dtypes, missing values, numeric and categorical statistics, lineage."""
        return json_response(ws.get_dataset(dataset_id).details())

    @api.post("/data/clean")
    def clean(body: CleanRequest):
        """Clean a dataset into a new dataset (its lineage records the parent and the options)."""
        return json_response(ws.clean(body.dataset_id, missing_strategy=body.missing_strategy,
                                      outlier_method=body.outlier_method, outlier_threshold=body.outlier_threshold,
                                      name=body.name))

    @api.post("/data/select-features")
    def select_features(body: SelectFeaturesRequest):
        """Rank the input columns against the target and keep the best n_features."""
        return json_response(ws.select_features(body.dataset_id, body.target_column, method=body.method,
                                                n_features=body.n_features, task_type=body.task_type))

    @api.post("/data/split")
    def split(body: SplitRequest):
        """Row counts of the train / validation / test split these options give."""
        return json_response(ws.split(body.dataset_id, body.target_column, test_size=body.test_size,
                                      validation_size=body.validation_size, stratify=body.stratify,
                                      time_column=body.time_column))

    return api
