"""The project's exception types.

Every error a user can cause raises one of these, with a message a person can act on
(it names the file, column or value). The CLI prints ``str(error)`` on one line; the
desktop shows it in a dialog. Anything else reaching those layers is a bug.
"""

from __future__ import annotations


def shown(value: object) -> str:
    """``repr`` of a data value as a person reads it: numpy scalars as plain Python (True, 3, 'a')."""
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        try:
            value = item()
        except (TypeError, ValueError):
            pass
    return repr(value)


class MLWorkbenchError(Exception):
    """Base of every error the user can cause or fix."""


class DataImportError(MLWorkbenchError):
    """A file could not be read as a table (format, encoding, empty, corrupt ...)."""


class DataValidationError(MLWorkbenchError):
    """The data does not fit the request: missing column, single-class target, bad split ..."""


class ConfigError(MLWorkbenchError):
    """A request's options are invalid or contradict each other."""


class NotFoundError(MLWorkbenchError):
    """A dataset, job, model version, recipe or A/B test id/name does not exist."""


class DataTooLargeError(MLWorkbenchError):
    """A partitioned dataset does not fit in this machine's memory for an in-memory operation."""


class ConflictError(MLWorkbenchError):
    """The request conflicts with the stored state (e.g. dataset still used by models)."""


class SchemaError(MLWorkbenchError):
    """The workspace database has a schema this version cannot use."""


class ArtifactIntegrityError(MLWorkbenchError):
    """A stored model artifact does not match its recorded checksum, or is untrusted."""


class JobCancelled(Exception):
    """Raised inside a job when cancellation was requested. Not an error: a normal end."""
