"""Prediction: rows as JSON (one, a list, or columns) and whole files answered with a file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote
from typing import Any

import orjson
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from mlcore.errors import ConfigError, DataValidationError
from mlcore.server.errors import json_response
from mlcore.server.schemas import PredictFields, PredictRequest
from mlcore.server.serving import SMALL_BATCH
from mlcore.server.uploads import display_name, saved_upload

__all__ = ["router", "PredictFastPath"]

PARSE_IN_THREAD = 256 * 1024  # bodies this big are parsed off the event loop
_SCALARS = (str, int, float, bool, type(None))
PREDICT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": PredictRequest.model_json_schema(ref_template="#/components/schemas/{model}")}}}}


def parse_predict(raw: bytes) -> PredictFields:
    """The request body, its small fields validated; ``features`` is checked by the serving layer."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": str(exc),
                                       "ctx": {"error": str(exc)}}]) from None
    try:
        return PredictFields.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False, include_input=False)) from None


def row_count(features: Any) -> int:
    """Rows in ``features``; raises DataValidationError when it is none of the three accepted shapes."""
    if type(features) is list:
        return len(features)
    if type(features) is dict:
        if features and type(next(iter(features.values()))) is list:
            return len(next(iter(features.values())))
        return 1
    raise DataValidationError(f"features must be one row {{column: value}}, a list of rows or {{column: [values]}}, "
                              f"not {type(features).__name__}.")


def check_features(features: Any) -> None:
    """What the fast path declined: every value a JSON scalar, in one of the three shapes."""
    def scalars(row: Any, where: str) -> None:
        if type(row) is not dict:
            raise DataValidationError(f"features{where} must be an object {{column: value}}, not {type(row).__name__}.")
        for column, value in row.items():
            if not isinstance(value, _SCALARS):
                raise DataValidationError(f"features{where}: column {column!r} holds a {type(value).__name__}; "
                                          "values must be numbers, text, true/false or null.")

    if type(features) is list:
        for i, row in enumerate(features):
            scalars(row, f"[{i}]")
    elif type(features) is dict and features and all(type(v) is list for v in features.values()):
        for column, values in features.items():
            for value in values:
                if not isinstance(value, _SCALARS):
                    raise DataValidationError(f"features: column {column!r} holds a {type(value).__name__}; "
                                              "values must be numbers, text, true/false or null.")
    else:
        scalars(features, "")


async def fast_answer(models, body: PredictFields):
    """The answer of a request the batcher can take (a cached model, rows of the trained types), else None."""
    rows = row_count(body.features)
    if rows > models.max_rows:
        models.check_rows(rows)  # refused before any work on the rows, with the full path's message
    if body.ab_test_name or not 0 < rows <= SMALL_BATCH:
        return None
    model = models.cached(body.model_id, body.model_name)
    checked = models.checked_columns(model, body.features) if model is not None else None
    if checked is None:
        return None
    predictions, proba, per_row = await asyncio.wrap_future(models.submit(model, checked, rows))
    return json_response(models.answer(model, None, None, predictions, proba, per_row, body.user_id, []))


class PredictFastPath:
    """Plain ASGI in front of FastAPI's routing for ``POST /api/ml/models/predict`` requests the batcher
    can take: a one-row answer skips a dozen layers of routing, dependency and exception machinery
    (more time than the prediction). Anything else, including every error, is handed to the route
    with the body replayed, so its answers and messages stay the route's own.
    """

    PATH = "/api/ml/models/predict"

    def __init__(self, app, *, models) -> None:
        self.app = app
        self._models = models

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != self.PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        try:
            if len(raw) < PARSE_IN_THREAD:
                answer = await fast_answer(self._models, parse_predict(raw))
            else:  # a big batch: parsed, checked, predicted and encoded in one trip to a worker thread
                answer = await run_in_threadpool(self._big_answer, raw)
        except Exception:  # noqa: BLE001 - the route answers it again, with its error handling
            answer = None
        if answer is not None:
            await answer(scope, receive, send)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _big_answer(self, raw: bytes):
        """The answer of a big request without an A/B test (its logged ids come from the route), else None."""
        body = parse_predict(raw)
        if body.ab_test_name:
            return None
        return json_response(self._models.predict(body.features, model_id=body.model_id, model_name=body.model_name,
                                                  user_id=body.user_id, check=check_features))


OUTPUT_MEDIA = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def attachment(filename: str) -> str:
    """A Content-Disposition header for a download named ``filename`` (RFC 6266; non-ASCII names as filename*)."""
    quoted = quote(filename)
    if quoted != filename:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{filename}"'


def router(state) -> APIRouter:
    ws, models = state.workspace, state.models
    api = APIRouter(prefix="/api/ml/models", tags=["predict"])

    def predict_slow(body: PredictFields):
        return models.predict(body.features, model_id=body.model_id, model_name=body.model_name,
                              ab_test_name=body.ab_test_name, user_id=body.user_id, check=check_features)

    @api.post("/predict", openapi_extra=PREDICT_BODY)
    async def predict(request: Request):
        """Predict one row or many with a version, a name's production version, or an A/B test (by user_id).

        The body is a PredictRequest. Rows of a cached model that need no conversion are predicted
        together with those of concurrent requests (no waiting); the rest take the full schema check.
        """
        raw = await request.body()
        body = parse_predict(raw) if len(raw) < PARSE_IN_THREAD else await run_in_threadpool(parse_predict, raw)
        answer = await fast_answer(models, body)
        return answer if answer is not None else json_response(await run_in_threadpool(predict_slow, body))

    @api.post("/predict/file", response_class=Response,
              responses={200: {"content": {"text/csv": {}, "application/octet-stream": {}}}})
    def predict_file(file: UploadFile = File(..., description="CSV, TSV, TXT, Excel or Parquet rows"),
                     model_id: str | None = Form(None), model_name: str | None = Form(None),
                     ab_test_name: str | None = Form(None), user_column: str | None = Form(None),
                     output_format: str = Form("csv", description="csv, xlsx or parquet")):
        """Predict every row of an uploaded file; answer with the rows plus prediction columns (formula-safe)."""
        from mlcore.data import read_table
        from mlcore.deployment import output_bytes

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
        # at most max_rows rows: answered from memory (no temporary file to write, read back and remove)
        content = output_bytes(out, fmt)
        headers = {"Content-Disposition": attachment(f"{Path(shown).stem or 'rows'}-predictions.{fmt}"),
                   "X-Rows": str(report["rows"]), "X-Warnings": str(len(report["warnings"]))}
        if report.get("model_id"):
            headers["X-Model-Id"] = report["model_id"]
        return Response(content, media_type=OUTPUT_MEDIA[fmt], headers=headers)

    return api
