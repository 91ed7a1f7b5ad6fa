"""QtJobContext: a JobContext whose reports leave the worker thread as throttled Qt signals."""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from mlcore.jobs import JobContext, MetricEvent

# a UI frame is ~16 ms; batching metrics at ~30 ms keeps the UI thread's queue short even
# when a job reports thousands of points per second
FLUSH_INTERVAL_S = 0.03
PROGRESS_STEP = 0.001


class ContextSignals(Protocol):
    """What a QtJobContext emits through (the JobWorker's signals)."""

    def emit_progress(self, fraction: float, message: str) -> None: ...
    def emit_metrics(self, events: list[MetricEvent]) -> None: ...
    def emit_log(self, message: str) -> None: ...
    def emit_event(self, kind: str, data: dict[str, Any]) -> None: ...


class QtJobContext(JobContext):
    """Buffers reports under a lock; ``flush`` sends only real changes, at most every 30 ms.

    The worker thread calls ``flush(force=False)`` after each report (cheap when not due);
    the owner also calls it from a UI-thread timer so that the tail of a burst is not held
    back while the job is quiet, and with ``force=True`` when the job ends.
    """

    def __init__(self, signals: ContextSignals) -> None:
        super().__init__()
        self._signals = signals
        # emitting under the lock keeps batches in order when both threads flush
        self._lock = threading.RLock()
        self._metrics: list[MetricEvent] = []
        self._progress: tuple[float, str] | None = None
        self._sent_progress: tuple[float, str] = (-1.0, "")
        self._last_flush = 0.0
        self.metric_count = 0
        self.started_at = time.monotonic()

    # -- hooks (worker thread) ---------------------------------------------------------
    def _on_progress(self, fraction: float, message: str) -> None:
        sent_fraction, sent_message = self._sent_progress
        if abs(fraction - sent_fraction) < PROGRESS_STEP and message == sent_message and fraction < 1.0:
            return
        with self._lock:
            self._progress = (fraction, message)
        self._flush_if_due()

    def _on_metric(self, event: MetricEvent) -> None:
        with self._lock:
            self._metrics.append(event)
            self.metric_count += 1
        self._flush_if_due()

    def _on_log(self, message: str) -> None:
        self.flush(force=True)  # keep log lines in order with the points before them
        self._signals.emit_log(message)

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        self.flush(force=True)
        self._signals.emit_event(kind, dict(data))

    # -- draining (either thread) -------------------------------------------------------
    def _flush_if_due(self) -> None:
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush(force=True)

    def flush(self, force: bool = False) -> None:
        """Emit the buffered metrics and the latest progress, if any (and if due unless forced)."""
        if not force and time.monotonic() - self._last_flush < FLUSH_INTERVAL_S:
            return
        with self._lock:
            metrics, self._metrics = self._metrics, []
            progress, self._progress = self._progress, None
            self._last_flush = time.monotonic()
            if metrics:
                self._signals.emit_metrics(metrics)
            if progress is not None and progress != self._sent_progress:
                self._sent_progress = progress
                self._signals.emit_progress(*progress)
