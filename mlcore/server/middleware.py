"""One plain ASGI layer in front of the routes: bearer token, body size limit, request statistics.

Plain ASGI (not Starlette's BaseHTTPMiddleware) because it sits on the prediction hot path.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import deque
from typing import Any

from starlette.exceptions import HTTPException

__all__ = ["GuardMiddleware", "ServerStats"]


class ServerStats:
    """Request count, latency percentiles over the last requests, and the last errors.

    The monitoring endpoints themselves (stats, health) are not counted: a panel polling them
    once a second would otherwise be most of the traffic it shows.
    """

    UNCOUNTED = frozenset({"/api/ml/server/stats", "/api/ml/health"})

    def __init__(self, window: int = 5000, errors: int = 20) -> None:
        self._lock = threading.Lock()
        self.started_at = time.time()
        self.requests = 0
        self.failed = 0
        self._latencies: deque[float] = deque(maxlen=window)
        self._errors: deque[dict[str, Any]] = deque(maxlen=errors)
        self.in_flight = 0  # requests being handled now (event streams, open for minutes, are not counted)

    def busy(self) -> bool:
        """A request is being handled: background work (the prediction log writer) waits for a quiet moment."""
        return self.in_flight > 0

    def record(self, method: str, path: str, status: int, seconds: float, message: str | None) -> None:
        if path in self.UNCOUNTED and status < 400:
            return
        with self._lock:
            self.requests += 1
            self._latencies.append(seconds * 1000)
            if status >= 400:
                self.failed += 1
                self._errors.append({"time": time.time(), "method": method, "path": path, "status": status,
                                     "message": (message or "")[:300]})

    def snapshot(self) -> dict[str, Any]:
        import numpy as np

        with self._lock:
            lat = np.asarray(self._latencies, dtype=float)
            errors = list(self._errors)
            requests, failed = self.requests, self.failed
        p50, p99 = (float(np.percentile(lat, 50)), float(np.percentile(lat, 99))) if len(lat) else (None, None)
        return {"requests": requests, "failed": failed, "latency_ms_p50": p50, "latency_ms_p99": p99,
                "latency_window": int(len(lat)), "last_errors": errors[::-1],
                "uptime_s": round(time.time() - self.started_at, 1)}


class _TooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI's body parsing passes it on."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)


async def _send_json(send, status: int, payload: dict[str, Any], headers: list | None = None) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                + (headers or [])})
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """Refuse requests without the bearer token (when one is set) or with a body over ``max_body``."""

    def __init__(self, app, *, token: str | None, max_body: int, stats: ServerStats) -> None:
        self.app = app
        self._token = token.encode() if token else None
        self._max_body = max_body
        self._stats = stats

    def _authorised(self, scope) -> bool:
        if self._token is None:
            return True
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, given = value.partition(b" ")
                return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self._token)
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        method, path = scope.get("method", ""), scope.get("path", "")
        outcome = {"status": 500, "message": None}
        counted = not path.endswith("/events")
        if counted:  # only the event loop's thread changes it: no lock
            self._stats.in_flight += 1

        async def tracking_send(message):
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
            elif message["type"] == "http.response.body" and outcome["status"] >= 400 and outcome["message"] is None:
                try:
                    outcome["message"] = json.loads(message.get("body") or b"{}").get("message")
                except (ValueError, AttributeError):
                    outcome["message"] = None
            await send(message)

        try:
            if not self._authorised(scope):
                await _send_json(tracking_send, 401, {"status": "error", "message":
                                 "Missing or wrong bearer token: send 'Authorization: Bearer <token>'."},
                                 [(b"www-authenticate", b"Bearer")])
                return
            length = next((v for k, v in scope.get("headers", ()) if k == b"content-length"), None)
            if length is not None and length.isdigit() and int(length) > self._max_body:
                await _send_json(tracking_send, 413, {"status": "error", "message": self._too_large()})
                return
            received = 0

            async def limited_receive():
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self._max_body:
                        raise _TooLarge(self._too_large())
                return message

            try:
                await self.app(scope, limited_receive, tracking_send)
            except _TooLarge:
                if outcome["status"] == 500 and outcome["message"] is None:
                    await _send_json(tracking_send, 413, {"status": "error", "message": self._too_large()})
        finally:
            if counted:
                self._stats.in_flight -= 1
            self._stats.record(method, path, outcome["status"], time.perf_counter() - t0, outcome["message"])

    def _too_large(self) -> str:
        return (f"The request body is larger than this server's limit of {self._max_body / 1e6:g} MB "
                "(start it with a larger --max-upload-mb).")
