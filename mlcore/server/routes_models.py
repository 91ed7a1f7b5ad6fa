"""The registry: deploy, list, promote, rollback, history, export, evaluate, A/B tests."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from mlcore.server.errors import json_response
from mlcore.server.schemas import ABTestRequest, DeployRequest, EvaluateRequest, OutcomesRequest

__all__ = ["router"]

EXPORT_MEDIA = {"joblib": "application/octet-stream", "skops": "application/octet-stream",
                "onnx": "application/octet-stream", "card": "text/markdown; charset=utf-8"}


def _ab_config(test) -> dict[str, Any]:
    out = test.to_dict()
    out.pop("salt", None)  # knowing the salt lets a client pick its arm
    out["test_name"] = out.pop("name")
    return out


def router(state) -> APIRouter:
    ws, models = state.workspace, state.models
    api = APIRouter(prefix="/api/ml/models", tags=["models"])

    @api.post("/deploy")
    def deploy(body: DeployRequest):
        """Register a completed training or tuning job as a model version (staged, or production)."""
        info = ws.deploy(body.training_job_id, body.model_name, version=body.version, description=body.description,
                         tags=body.tags, promote_to_production=body.promote_to_production)
        models.invalidate()
        return json_response({"status": "success", "model_id": info.id, "message": "Model deployed successfully",
                              "model": info.summary()})

    @api.get("/deployed")
    def deployed(name: str | None = None,
                 status: str | None = Query(None, description="training, staged, production, archived")):
        """Model versions, newest first, optionally of one name and/or one status."""
        return json_response({"status": "success", "models": [m.summary() for m in ws.list_models(name, status)]})

    @api.post("/ab-test")
    def create_ab_test(body: ABTestRequest):
        """Start an A/B test: users (by user_id) are split between two versions, sticky per user."""
        test = ws.create_ab_test(body.model_a_id, body.model_b_id, body.test_name, body.split_ratio)
        models.invalidate()
        return json_response({"status": "success", "config": _ab_config(test)})

    @api.get("/ab-test/{test_name}")
    def analyse_ab_test(test_name: str, higher_is_better: bool = True):
        """Rows and outcomes per arm, sample-ratio check, the test, p-value, lift and winner."""
        config = _ab_config(ws.get_ab_test(test_name))
        analysis = ws.analyse_ab_test(test_name, higher_is_better=higher_is_better)
        return json_response({"status": "success", "config": config, "analysis": analysis})

    @api.post("/ab-test/{test_name}/outcomes")
    def record_outcomes(test_name: str, body: OutcomesRequest):
        """Attach observed outcomes to logged predictions, by prediction_id or by user_id."""
        return json_response(ws.record_outcomes(test_name, body.outcomes))

    @api.post("/evaluate")
    def evaluate(body: EvaluateRequest):
        """Metrics with confidence intervals of a version or a job on a split of its data (or another dataset)."""
        from mlcore.errors import ConfigError

        key = body.model_id or body.job_id
        if not key:
            raise ConfigError("Say what to evaluate: model_id or job_id.")
        bundle = ws.evaluate(key, dataset_id=body.dataset_id, split=body.split, threshold=body.threshold,
                             n_boot=body.n_boot, importance=False)
        return json_response({"status": "success", **bundle.to_dict()})

    @api.post("/{model_id}/promote")
    def promote(model_id: str):
        """Make a version the production one of its name (the previous one is archived)."""
        info = ws.promote(model_id)
        models.invalidate()
        return json_response({"status": "success", "message": "Model promoted to production", "model_id": info.id,
                              "name": info.name, "version": info.version})

    @api.post("/{model_name}/rollback")
    def rollback(model_name: str, to_version: str | None = Query(None, description="default: the previous one")):
        """Make an earlier version of a name production again."""
        info = ws.rollback(model_name, to_version)
        models.invalidate()
        return json_response({"status": "success", "model_id": info.id, "version": info.version,
                              "message": f"Rolled back to model {info.id}"})

    @api.get("/{model_name}/history")
    def history(model_name: str):
        """Every stage transition of a model name, oldest first."""
        rows = [t.to_dict() for t in ws.history(model_name)]
        return json_response({"status": "success", "name": model_name, "transitions": rows})

    @api.get("/{model_id}/export", response_class=FileResponse,
             responses={200: {"content": {"application/octet-stream": {}}}})
    def export(model_id: str, format: str = Query("joblib", description="joblib, skops, onnx or card")):
        """Download a version as a joblib bundle, skops file, ONNX graph (parity checked) or model card."""
        folder = Path(tempfile.mkdtemp(prefix="mlwb-export-"))
        try:
            result = ws.export_model(model_id, format, folder)
            path = Path(result["path"])
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return FileResponse(path, filename=path.name, media_type=EXPORT_MEDIA.get(result["format"]),
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))

    return api
