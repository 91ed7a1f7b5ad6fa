"""Background jobs for the desktop: a JobContext bridged to Qt signals, run in QThreads."""

from desktop.workers.context import QtJobContext
from desktop.workers.manager import JobManager
from desktop.workers.worker import JobWorker

__all__ = ["JobManager", "JobWorker", "QtJobContext"]
