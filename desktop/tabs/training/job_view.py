"""What the Compare and Tune views share: one job at a time, its progress, clock and ending."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QTimer

from desktop.workers import JobWorker


class JobViewMixin:
    """Needs ``services``, ``worker``, ``progress``, ``time_label``, ``result_label``, ``_clock``,
    ``_on_event``, ``_on_finished``, ``_on_done`` and ``_set_running`` on the view."""

    def _start_job(self, title: str, fn: Callable[[Any], Any]) -> JobWorker:
        """Run ``fn(ctx)`` in a worker wired to this view's progress, events and ending."""
        s = self.services
        self.progress.setValue(0)
        self.worker = s.jobs.start(title, fn, on_finished=self._on_finished, on_done=self._on_done)
        self.worker.sig_event.connect(self._on_event)
        self.worker.sig_progress.connect(self._on_progress)
        self._set_running(True)
        # the events object is the timer's context: a closed window cancels the pending emit
        QTimer.singleShot(300, s.events, s.events.sig_jobs_changed.emit)
        return self.worker

    def _cancel_job(self, message: str) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.time_label.setText(message)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"%p%  {message}" if message else "%p%")

    def _update_time_label(self) -> None:
        if self.worker is not None:
            eta = self.worker.eta()
            eta_text = "—" if eta is None else f"{eta:.0f} s"
            self.time_label.setText(f"Elapsed {self.worker.elapsed():.1f} s · ETA {eta_text}")

    def _end_job(self, cancelled_text: str) -> str:
        """Show how the job ended (status, time, error or what was kept); return the status."""
        worker, self.worker = self.worker, None
        status = worker.status if worker is not None else "completed"
        elapsed = worker.elapsed() if worker is not None else 0.0
        self.time_label.setText(f"{status.capitalize()} after {elapsed:.1f} s")
        if status == "completed":
            self.progress.setValue(1000)
        elif status == "failed":
            error = worker.error if worker is not None else None
            self.result_label.setText(f"Failed: {error}" if error is not None else "Failed.")
        elif status == "cancelled":
            self.result_label.setText(cancelled_text)
        self._set_running(False)
        self.services.events.sig_jobs_changed.emit()
        return status
