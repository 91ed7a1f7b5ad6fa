"""Long operations as jobs: train, compare, tune; job status, live events (SSE) and cancel."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from mlcore.errors import ConflictError, NotFoundError
from mlcore.server.errors import json_response
from mlcore.server.schemas import CompareRequest, TrainRequest, TuneRequest

__all__ = ["router"]

KEEPALIVE_S = 15.0
JOB_STATUSES = ("pending", "running", "completed", "failed", "cancelled", "interrupted")


def _started(ws, job, message: str):
    status = "running" if job.thread.is_alive() else ws.get_job(job.id).status
    return json_response({"status": "success", "job_id": job.id, "kind": job.kind, "message": message,
                          "job_status": status,
                          "status_url": f"/api/ml/models/train/{job.id}",
                          "events_url": f"/api/ml/jobs/{job.id}/events"})


def _sse(event: dict[str, Any]) -> str:
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event, default=str)}\n\n"


def _stored_events(job) -> list[dict[str, Any]]:
    """A finished job not run by this server process: its stored history, then its end."""
    events = []
    for row in (job.results or {}).get("training_history") or []:
        step = row.get("iteration", row.get("step", 0))
        for key, value in row.items():
            if key in ("iteration", "step") or not isinstance(value, (int, float)):
                continue
            split, _, name = key.partition("_")
            events.append({"type": "metric", "step": step, "name": name or split, "value": value,
                           "split": split if name else "validation"})
    events.append({"type": "end", "status": job.status, "error": job.error})
    for i, event in enumerate(events, 1):
        event["seq"] = i
    return events


def router(state) -> APIRouter:
    ws, jobs = state.workspace, state.jobs
    api = APIRouter(prefix="/api/ml", tags=["jobs"])

    @api.post("/models/train")
    def train(body: TrainRequest):
        """Start training one model; answers at once with the job id (poll it, or follow its events)."""
        config = body.model_dump()
        job = jobs.submit("train", lambda ctx: ws.train(config, ctx=ctx))
        return _started(ws, job, "Training job started")

    @api.post("/models/compare")
    def compare(body: CompareRequest):
        """Start cross-validating several models; the ranking is in the job's results.comparison."""
        options = body.model_dump()
        job = jobs.submit("compare", lambda ctx: ws.compare(ctx=ctx, **options))
        return _started(ws, job, "Model comparison job started")

    @api.post("/models/tune")
    def tune(body: TuneRequest):
        """Start a hyperparameter search; the best model is saved like a training job's (deployable)."""
        options = body.model_dump()
        job = jobs.submit("tune", lambda ctx: ws.tune(ctx=ctx, **options))
        return _started(ws, job, "Hyperparameter tuning job started")

    @api.get("/models/train/{job_id}")
    def job_status(job_id: str):
        """Status (pending, running, completed, failed, cancelled, interrupted), times, results."""
        record = ws.get_job(job_id).record()
        live = jobs.get(record["job_id"])
        if live is not None:
            fraction, message = live.ctx.last_progress
            record.update(progress=fraction, progress_message=message, events=live.ctx.event_count)
        elif record["status"] == "completed":
            record.update(progress=1.0)
        record["results"] = record.get("results") or {}
        return json_response(record)

    @api.get("/jobs")
    def list_jobs(kind: str | None = Query(None, description="train, compare, tune"),
                  status: str | None = Query(None, description=", ".join(JOB_STATUSES))):
        """Jobs, newest first (records without their results)."""
        rows = [dict(j.record(), results=None) for j in ws.list_jobs(kind=kind, status=status)]
        return json_response({"status": "success", "jobs": rows})

    @api.post("/jobs/{job_id}/cancel")
    def cancel(job_id: str):
        """Ask a running job to stop; it ends at its next check (status 'cancelled', partial history kept)."""
        job = ws.get_job(job_id)
        if not jobs.cancel(job.id):
            if job.status in ("pending", "running"):
                raise ConflictError(f"Job {job.id[:8]} is run by another process; cancel it there.")
            raise ConflictError(f"Job {job.id[:8]} is {job.status}; only a running job can be cancelled.")
        return json_response({"status": "success", "job_id": job.id, "message": "Cancellation requested"})

    @api.get("/jobs/{job_id}/events", response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}}}})
    async def events(job_id: str, request: Request,
                     after: int = Query(0, ge=0, description="send events numbered above this"),
                     last_event_id: str | None = Header(None)):
        """Server-Sent Events: progress, metric (step, name, value, split), log, event, then end."""
        job = await asyncio.to_thread(ws.get_job, job_id)
        if job is None:  # pragma: no cover - get_job raises NotFoundError
            raise NotFoundError(f"No job with id {job_id!r}.")
        start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
        live = jobs.get(job.id)

        async def stream():
            if live is None:
                for event in _stored_events(job):
                    if event["seq"] > start:
                        yield _sse(event)
                return
            seq, last_sent = start, time.monotonic()
            while True:
                batch = live.ctx.events_after(seq, 0)
                for event in batch:
                    yield _sse(event)
                    seq = event["seq"]
                    if event["type"] == "end":
                        return
                if not batch:
                    if await request.is_disconnected():
                        return
                    if time.monotonic() - last_sent > KEEPALIVE_S:
                        yield ": keep-alive\n\n"
                        last_sent = time.monotonic()
                    await asyncio.sleep(0.1)
                else:
                    last_sent = time.monotonic()

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return api
