"""JobWorker: runs one ``fn(ctx)`` in its own QThread and reports through signals."""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QThread, QTimer, Signal

from desktop.workers.context import FLUSH_INTERVAL_S, QtJobContext
from desktop.workers.preload import ensure_ml_imported
from mlcore.errors import JobCancelled
from mlcore.jobs import JobContext, MetricEvent

JobFunction = Callable[[JobContext], Any]


class JobWorker(QThread):
    """One background job. Signals are emitted from the worker thread and queued to the UI.

    ``sig_metrics`` carries a list of :class:`MetricEvent` (batched, see QtJobContext);
    ``sig_metric`` is the same stream one event at a time, for slow listeners that want it.
    Exactly one of ``sig_finished``/``sig_failed``/``sig_cancelled`` fires at the end.
    """

    sig_progress = Signal(float, str)
    sig_metrics = Signal(object)  # list[MetricEvent]
    sig_log = Signal(str)
    sig_event = Signal(str, object)  # kind, dict
    sig_finished = Signal(object)
    sig_failed = Signal(object, str)  # exception, traceback text
    sig_cancelled = Signal()
    sig_done = Signal()  # after any of the three above, on the UI side

    def __init__(self, title: str, fn: JobFunction, parent: Any = None, preload: bool = True) -> None:
        """``preload``: finish importing scikit-learn (under a lock) before ``fn`` runs; False for
        jobs that never touch it (reading a file, loading a frame)."""
        super().__init__(parent)
        self.title = title
        self._fn = fn
        self._preload = preload
        self.ctx = QtJobContext(self)
        self.status = "pending"
        self.fraction = 0.0
        self.message = ""
        self.started_at: float | None = None
        self.ended_at: float | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.sig_progress.connect(self._remember_progress)
        self.finished.connect(self._on_thread_finished)
        # the UI-side tick drains the tail of a burst while the job is quiet
        self._drain = QTimer(self)
        self._drain.setInterval(int(FLUSH_INTERVAL_S * 1000) * 2)
        self._drain.timeout.connect(self.ctx.flush)

    # -- ContextSignals ---------------------------------------------------------------
    def emit_progress(self, fraction: float, message: str) -> None:
        self.sig_progress.emit(fraction, message)

    def emit_metrics(self, events: list[MetricEvent]) -> None:
        self.sig_metrics.emit(events)

    def emit_log(self, message: str) -> None:
        self.sig_log.emit(message)

    def emit_event(self, kind: str, data: dict[str, Any]) -> None:
        self.sig_event.emit(kind, data)

    # -- control (UI thread) -------------------------------------------------------------
    def start(self, *args: Any) -> None:  # type: ignore[override]
        self.status = "running"
        self.started_at = time.monotonic()
        self._drain.start()
        super().start(*args)

    def cancel(self) -> None:
        """Ask the job to stop; it ends at its next ``check_cancelled``."""
        self.ctx.cancel()
        if self.status == "running":
            self.status = "cancelling"

    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return (self.ended_at or time.monotonic()) - self.started_at

    def eta(self) -> float | None:
        """Seconds left, extrapolated from progress so far (None before there is any)."""
        if self.fraction <= 0.01 or self.ended_at is not None:
            return None
        return self.elapsed() * (1.0 - self.fraction) / self.fraction

    # -- worker thread -------------------------------------------------------------------
    def run(self) -> None:
        outcome: tuple[str, Any, str] = ("cancelled", None, "")
        try:
            self.ctx.check_cancelled()
            if self._preload:
                ensure_ml_imported()
                self.ctx.check_cancelled()
            result = self._fn(self.ctx)
            outcome = ("finished", result, "")
        except JobCancelled:
            outcome = ("cancelled", None, "")
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the error handler
            outcome = ("failed", exc, traceback.format_exc())
        self.ctx.flush(force=True)
        self._outcome = outcome

    def _on_thread_finished(self) -> None:
        # runs on the UI thread once run() returned: the thread is really over now
        self._drain.stop()
        self.ctx.flush(force=True)
        self.ended_at = time.monotonic()
        kind, value, tb = getattr(self, "_outcome", ("failed", RuntimeError("worker ended without result"), ""))
        if kind == "finished":
            self.status = "completed"
            self.fraction = 1.0
            self.result = value
            self.sig_finished.emit(value)
        elif kind == "failed":
            self.status = "failed"
            self.error = value
            self.sig_failed.emit(value, tb)
        else:
            self.status = "cancelled"
            self.sig_cancelled.emit()
        self.sig_done.emit()

    def _remember_progress(self, fraction: float, message: str) -> None:
        self.fraction = fraction
        self.message = message
