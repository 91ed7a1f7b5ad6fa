"""Import scikit-learn once, in one thread, before jobs that need it run in parallel.

Two worker threads importing scikit-learn for the first time at the same moment can see
each other's half-initialised modules ("cannot import name 'clone' from partially
initialized module 'sklearn.base'"). Jobs therefore finish that first import under a lock.
"""

from __future__ import annotations

import importlib
import threading

PRELOAD_MODULES = ("sklearn", "sklearn.base", "sklearn.pipeline", "sklearn.model_selection")

_lock = threading.Lock()
_done = False


def ensure_ml_imported() -> None:
    """Import PRELOAD_MODULES completely (once per process; later calls return at once)."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        for name in PRELOAD_MODULES:
            importlib.import_module(name)
        _done = True
