"""JobManager: starts JobWorkers, keeps the list of jobs, routes failures to one handler."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop.workers.worker import JobFunction, JobWorker

ErrorSink = Callable[[BaseException, str], None]


class JobManager(QObject):
    """Owns every background job of a window; the status bar and close logic read it."""

    sig_jobs_changed = Signal()

    def __init__(self, on_error: ErrorSink, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_error = on_error
        self._workers: list[JobWorker] = []

    def start(
        self,
        title: str,
        fn: JobFunction,
        *,
        on_finished: Callable[[Any], None] | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_done: Callable[[], None] | None = None,
        light: bool = False,
    ) -> JobWorker:
        """Run ``fn(ctx)`` in a new worker thread; callbacks run on the UI thread.

        ``light``: the job never imports scikit-learn (so it need not wait for that import).
        """
        worker = JobWorker(title, fn, self, preload=not light)
        if on_finished is not None:
            worker.sig_finished.connect(on_finished)
        worker.sig_failed.connect(lambda exc, tb: self._on_error(exc, tb))
        if on_failed is not None:
            worker.sig_failed.connect(lambda exc, tb: on_failed(exc))
        if on_cancelled is not None:
            worker.sig_cancelled.connect(on_cancelled)
        if on_done is not None:
            worker.sig_done.connect(on_done)
        worker.sig_done.connect(lambda: self._on_worker_done(worker))
        worker.sig_progress.connect(lambda *_: self.sig_jobs_changed.emit())
        self._workers.append(worker)
        worker.start()
        self.sig_jobs_changed.emit()
        return worker

    def running(self) -> list[JobWorker]:
        """Jobs whose thread has not ended yet."""
        return [w for w in self._workers if w.status in ("pending", "running", "cancelling")]

    def all(self) -> list[JobWorker]:
        return list(self._workers)

    def cancel_all(self) -> None:
        for worker in self.running():
            worker.cancel()
        self.sig_jobs_changed.emit()

    def wait_all(self, timeout_ms: int = 10000) -> bool:
        """Block until every thread ended (True) or the timeout passed (False)."""
        ok = True
        for worker in list(self._workers):
            if worker.isRunning():
                ok = worker.wait(timeout_ms) and ok
        return ok

    def shutdown(self, timeout_ms: int = 10000) -> bool:
        """Cancel everything and wait for the threads; what a closing window calls."""
        self.cancel_all()
        return self.wait_all(timeout_ms)

    def _on_worker_done(self, worker: JobWorker) -> None:
        # keep finished jobs listed for a while, but do not grow without bound
        done = [w for w in self._workers if w.status not in ("pending", "running", "cancelling")]
        for old in done[:-50]:
            self._workers.remove(old)
            old.deleteLater()
        self.sig_jobs_changed.emit()
