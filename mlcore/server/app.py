"""The FastAPI application: built around one Workspace, its job manager and its model server."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from mlcore.server.errors import install_error_handlers
from mlcore.server.jobs import JobManager
from mlcore.server.middleware import GuardMiddleware, ServerStats
from mlcore.server.serving import ModelServer

__all__ = ["create_app", "ServerSettings", "ServerState"]

API_DESCRIPTION = """The specification's REST API over an ML Workbench workspace.

Long operations (train, compare, tune) answer with a `job_id` at once; poll
`GET /api/ml/models/train/{job_id}`, follow `GET /api/ml/jobs/{job_id}/events` (Server-Sent Events)
or cancel with `POST /api/ml/jobs/{job_id}/cancel`. Every error is
`{"status": "error", "message": ...}`.
"""


@dataclass
class ServerSettings:
    max_upload_bytes: int = 200 * 1024 * 1024
    max_rows: int = 100_000           # rows per predict call (JSON or file)
    max_running_jobs: int = 4
    registry_check_interval: float = 0.5  # seconds between checks for another process's promote
    cors_origins: list[str] = field(default_factory=list)  # empty: CORS off
    # after each model load, move the process's live objects out of the cycle collector's sight: a full
    # collection of a server with a model loaded walks ~250,000 objects (150+ ms on this machine), and a
    # 10,000-row JSON request allocates enough to start one every few requests. `mlcore serve` sets it;
    # it is process-wide, so an app embedded in another program leaves it off.
    freeze_gc: bool = False


@dataclass
class ServerState:
    """What the routes use, handed to each router's factory (no globals)."""

    workspace: Any
    jobs: JobManager
    models: ModelServer
    stats: ServerStats
    settings: ServerSettings


def _freeze_gc() -> None:
    import gc

    gc.collect()
    gc.freeze()


def create_app(workspace: Any, token: str | None = None, settings: ServerSettings | None = None) -> FastAPI:
    """The REST app over ``workspace``; with ``token`` every request needs ``Authorization: Bearer <token>``."""
    from mlcore.server import routes_data, routes_jobs, routes_models, routes_predict

    settings = settings or ServerSettings()
    stats = ServerStats()
    state = ServerState(
        workspace=workspace,
        jobs=JobManager(workspace, max_running=settings.max_running_jobs),
        models=ModelServer(workspace, check_interval=settings.registry_check_interval, max_rows=settings.max_rows,
                           after_load=_freeze_gc if settings.freeze_gc else None, busy=stats.busy),
        stats=stats,
        settings=settings,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        state.jobs.shutdown(timeout=5.0)  # running jobs are cancelled, not left half-written
        state.models.close()  # queued prediction logs are written

    app = FastAPI(title="ML Workbench API", version="1.0", description=API_DESCRIPTION, lifespan=lifespan)
    app.state.ml = state
    install_error_handlers(app)
    for module in (routes_data, routes_jobs, routes_models, routes_predict):
        app.include_router(module.router(state))

    @app.get("/api/ml/health", tags=["server"])
    def health() -> dict[str, Any]:
        return {"status": "success", "workspace": str(workspace.home), "running_jobs": state.jobs.running()}

    @app.get("/api/ml/server/stats", tags=["server"])
    def server_stats() -> dict[str, Any]:
        batcher = state.models.batcher
        return {"status": "success", **state.stats.snapshot(), "running_jobs": state.jobs.running(),
                "batched_rows": batcher.predicted, "batch_rounds": batcher.rounds}

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type"])
    from mlcore.server.routes_predict import PredictFastPath

    app.add_middleware(PredictFastPath, models=state.models)  # inside the guard: token, size and stats apply
    app.add_middleware(GuardMiddleware, token=token, max_body=settings.max_upload_bytes, stats=state.stats)
    return app
