"""The job protocol: how long operations report progress and learn they must stop.

A long operation is a plain function taking a :class:`JobContext`. It calls
``ctx.progress``/``ctx.metric``/``ctx.log``/``ctx.event`` and polls ``ctx.check_cancelled()``
in every loop. It never knows who listens: the desktop turns these calls into Qt signals,
the CLI into a progress bar, the tests into lists.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from mlcore.errors import JobCancelled
from mlcore.vocab import metric_kind

__all__ = [
    "JobCancelled",
    "JobContext",
    "RecordingContext",
    "ConsoleContext",
    "MetricEvent",
]


@dataclass(frozen=True)
class MetricEvent:
    """One point of a curve; ``kind`` is "loss" (lower is better) or "score", from :mod:`mlcore.vocab`."""

    step: int
    name: str
    value: float
    split: str
    kind: str = "score"


class JobContext:
    """Base context: every report is a no-op; cancellation is a thread-safe flag.

    Subclasses override the ``_on_*`` hooks. ``sub(start, end)`` returns a child context
    whose progress 0..1 maps onto ``start..end`` of this one (sharing the cancel flag),
    so a step can report its own 0..1 without knowing where it sits in the whole job.
    """

    def __init__(self) -> None:
        self._cancel = threading.Event()

    # -- cancellation -------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise JobCancelled("cancelled by the user")

    # -- reporting ----------------------------------------------------------------
    def progress(self, fraction: float, message: str = "") -> None:
        self._on_progress(min(1.0, max(0.0, float(fraction))), message)

    def metric(self, step: int, name: str, value: float, split: str = "validation") -> None:
        self._on_metric(MetricEvent(int(step), name, float(value), split, metric_kind(name)))

    def log(self, message: str) -> None:
        self._on_log(message)

    def event(self, kind: str, **data: Any) -> None:
        """A structured event that is neither progress nor a curve point (e.g. a tuning trial)."""
        self._on_event(kind, data)

    def sub(self, start: float, end: float) -> "JobContext":
        return _SubContext(self, start, end)

    # -- hooks for subclasses -------------------------------------------------------
    def _on_progress(self, fraction: float, message: str) -> None:
        pass

    def _on_metric(self, event: MetricEvent) -> None:
        pass

    def _on_log(self, message: str) -> None:
        pass

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        pass


class _SubContext(JobContext):
    def __init__(self, parent: JobContext, start: float, end: float) -> None:
        self._parent = parent
        self._start = start
        self._span = end - start

    # share the parent's flag instead of owning one
    @property
    def _cancel(self) -> threading.Event:  # type: ignore[override]
        return self._parent._cancel

    def _on_progress(self, fraction: float, message: str) -> None:
        self._parent.progress(self._start + self._span * fraction, message)

    def _on_metric(self, event: MetricEvent) -> None:
        self._parent._on_metric(event)

    def _on_log(self, message: str) -> None:
        self._parent.log(message)

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        self._parent._on_event(kind, data)


class RecordingContext(JobContext):
    """Keeps every report in lists; for tests. ``cancel_when`` cancels on a condition."""

    def __init__(self, cancel_when: Any = None) -> None:
        super().__init__()
        self.progress_events: list[tuple[float, str]] = []
        self.metrics: list[MetricEvent] = []
        self.logs: list[str] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._cancel_when = cancel_when
        self.cancelled_at: float | None = None

    def _maybe_cancel(self) -> None:
        if self._cancel_when is not None and not self.cancel_requested and self._cancel_when(self):
            self.cancelled_at = time.perf_counter()
            self.cancel()

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress_events.append((fraction, message))
        self._maybe_cancel()

    def _on_metric(self, event: MetricEvent) -> None:
        self.metrics.append(event)
        self._maybe_cancel()

    def _on_log(self, message: str) -> None:
        self.logs.append(message)

    def _on_event(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))
        self._maybe_cancel()

    def metric_values(self, name: str, split: str) -> list[float]:
        return [m.value for m in self.metrics if m.name == name and m.split == split]


@dataclass
class ConsoleContext(JobContext):
    """A one-line progress bar with elapsed time and ETA on a terminal stream (the CLI's)."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)
    width: int = 30
    quiet: bool = False

    def __post_init__(self) -> None:
        JobContext.__init__(self)
        self._t0 = time.monotonic()
        self._last_draw = 0.0
        self._last_fraction = 0.0

    def _on_progress(self, fraction: float, message: str) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        tty = getattr(self.stream, "isatty", lambda: False)()
        # a terminal gets a redrawn bar; a log file or pipe gets a plain line every few seconds
        since = now - (self._last_draw or (0.0 if tty else self._t0))
        if fraction < 1.0 and since < (0.1 if tty else 5.0):
            return
        self._last_draw = now
        self._last_fraction = fraction
        elapsed = now - self._t0
        eta = elapsed * (1 - fraction) / fraction if fraction > 0.001 else float("nan")
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        eta_s = "--" if eta != eta else f"{eta:5.0f}s"
        line = f"[{bar}] {fraction * 100:5.1f}%  {elapsed:5.0f}s elapsed  ETA {eta_s}  {message[:40]:<40}"
        self.stream.write(f"\r{line}" if tty else f"{line.rstrip()}\n")
        if fraction >= 1.0 and tty:
            self.stream.write("\n")
        self.stream.flush()

    def _on_log(self, message: str) -> None:
        if not self.quiet:
            self.stream.write(f"\r{message}\n")
            self.stream.flush()

    def finish(self) -> None:
        tty = getattr(self.stream, "isatty", lambda: False)()
        if not self.quiet and tty and self._last_fraction < 1.0 and self._last_draw:
            self.stream.write("\n")
            self.stream.flush()
