"""The task (classification / regression) of a dataset's target, detected once and shared.

On selecting a dataset the Train, Compare and Tune views each asked the workspace to detect the
task, i.e. each read the target column of the whole dataset (three reads of a 10 M-row file at
once). ``TaskCache.detect`` is called from those views' worker threads: the first caller reads,
concurrent callers for the same key wait for its answer, later callers get it at once. The key
holds the dataset's content hash, so a dataset whose rows change is detected again.
"""

from __future__ import annotations

import threading
from typing import Any


class TaskCache:
    """Thread-safe ``(dataset id, content hash, target) -> task`` memo over ``workspace.detect_task``."""

    def __init__(self, workspace: Any) -> None:
        self._workspace = workspace
        self._lock = threading.Lock()
        self._tasks: dict[tuple, str] = {}
        self._pending: dict[tuple, threading.Event] = {}

    def detect(self, dataset_id: str, target: str) -> str:
        """The task of ``target`` in ``dataset_id`` (reads the column once per dataset version)."""
        info = self._workspace.get_dataset(dataset_id)
        key = (info.id, getattr(info, "content_hash", None), target)
        while True:
            with self._lock:
                if key in self._tasks:
                    return self._tasks[key]
                waiting = self._pending.get(key)
                if waiting is None:
                    self._pending[key] = threading.Event()
                    break
            waiting.wait()  # another view is reading it; on its failure, try ourselves
        try:
            task = self._workspace.detect_task(info.id, target)
            with self._lock:
                self._tasks[key] = task
            return task
        finally:
            with self._lock:
                self._pending.pop(key).set()

    def forget(self, dataset_id: str | None = None) -> None:
        """Drop what is known (of one dataset, or all)."""
        with self._lock:
            for key in [k for k in self._tasks if dataset_id is None or k[0] == dataset_id]:
                del self._tasks[key]
