"""Every failure as JSON ``{"status": "error", "message": ...}``: user errors 4xx, never a traceback."""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mlcore.errors import (ArtifactIntegrityError, ConfigError, ConflictError, DataImportError,
                           DataValidationError, MLWorkbenchError, NotFoundError, SchemaError)

log = logging.getLogger(__name__)

__all__ = ["install_error_handlers", "error_response", "json_response", "ApiError"]

_STATUS = [(NotFoundError, 404), (ConflictError, 409), (DataImportError, 400), (DataValidationError, 422),
           (ConfigError, 422), (ArtifactIntegrityError, 500), (SchemaError, 500)]


_ORJSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class ApiError(Exception):
    """An HTTP-level refusal (auth, size) raised by the server itself."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def _clean(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if getattr(value, "ndim", 0) and hasattr(value, "tolist"):  # an array
        return value.tolist()
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return str(value)


class FastJSONResponse(JSONResponse):
    """orjson (numpy arrays written directly, NaN -> null) without FastAPI's recursive encoder, which
    costs ms on big batches; json.dumps for what orjson refuses (integers beyond 64 bits)."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, default=_default, option=_ORJSON_OPTIONS)
        except (TypeError, orjson.JSONEncodeError):
            pass
        try:
            text = json.dumps(content, default=_default, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        except ValueError:  # a NaN or infinity somewhere: walk once to replace them
            text = json.dumps(_clean(json.loads(json.dumps(content, default=_default))), ensure_ascii=False,
                              separators=(",", ":"))
        return text.encode("utf-8")


def json_response(payload: Any, status_code: int = 200) -> FastJSONResponse:
    return FastJSONResponse(payload, status_code=status_code)


def error_response(status_code: int, message: str, **extra: Any) -> FastJSONResponse:
    return FastJSONResponse({"status": "error", "message": message, **extra}, status_code=status_code)


def _status_of(exc: MLWorkbenchError) -> int:
    for kind, code in _STATUS:
        if isinstance(exc, kind):
            return code
    return 400


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        if err.get("type") == "json_invalid":
            return f"The request body is not valid JSON: {err.get('ctx', {}).get('error', err.get('msg'))}."
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "body"
        parts.append(f"{where}: {err.get('msg')}")
    more = len(exc.errors()) - len(parts)
    return "Invalid request: " + "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MLWorkbenchError)
    async def _engine_error(request: Request, exc: MLWorkbenchError):
        code = _status_of(exc)
        if code >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc)
        return error_response(code, str(exc))

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(exc.status_code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        invalid_json = any(e.get("type") == "json_invalid" for e in exc.errors())
        return error_response(400 if invalid_json else 422, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, default=str)
        if exc.status_code == 404 and message == "Not Found":
            message = f"No endpoint {request.method} {request.url.path}; see /docs."
        return error_response(exc.status_code, message, ) if exc.status_code >= 400 else JSONResponse(
            exc.detail, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(500, f"Internal error ({type(exc).__name__}); the server log has the details.")
