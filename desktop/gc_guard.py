"""Python's cyclic garbage collection runs on the UI thread only while a window is open.

The collector runs in whichever thread happens to allocate when a threshold is crossed. If
that is a worker thread and the garbage holds Qt widgets (a closed dialog, an old menu), the
widgets are destroyed off the UI thread: Qt takes its object mutex, PySide then waits for
the GIL, while the UI thread holds the GIL waiting for that mutex — a deadlock (seen here in
a test: a worker writing Excel, the UI thread deleting a menu). So while windows are open,
automatic collection is off and a UI-thread timer collects whenever the counts say it would
have. Reference counting, which frees almost everything, is untouched.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_INTERVAL_MS = 500


class UiThreadGarbageCollector(QObject):
    """Owns the collection while acquired (by each open window); gives it back at the last release."""

    _instance: "UiThreadGarbageCollector | None" = None

    def __init__(self) -> None:
        super().__init__()
        self._users = 0
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)

    @classmethod
    def shared(cls) -> "UiThreadGarbageCollector":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def acquire(self) -> None:
        if self._users == 0:
            self._was_enabled = gc.isenabled()
            self._thresholds = gc.get_threshold()
            gc.disable()
            self._timer.start()
        self._users += 1

    def release(self) -> None:
        if self._users == 0:
            return
        self._users -= 1
        if self._users == 0:
            self._timer.stop()
            gc.collect()
            if self._was_enabled:
                gc.enable()

    def collect_if_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if self._thresholds[generation] and counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return
