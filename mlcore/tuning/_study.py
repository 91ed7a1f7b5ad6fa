"""The Optuna study of a tune: labelled with what it searches, refused when reused for another search.

Optuna's ``load_if_exists=True`` silently continues a study of the same name, keeping its old
direction and trials: a study of accuracy reused for RMSE would make TPE hunt for a higher RMSE.
So a new study stores what it is about as user attributes (algorithm, task, metric, direction,
the dataset and a fingerprint of the rows), and a study loaded again must match them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from mlcore.errors import ConfigError, ConflictError

T = TypeVar("T")

# compared in this order; a key a study lacks (made elsewhere, or by an older version) is not compared
STUDY_KEYS = ("algorithm", "task", "metric", "direction", "dataset_id", "dataset_hash", "data_hash")


def data_fingerprint(X: Any, y: Any) -> str | None:
    """A short hash of the rows (features, column names and target); None when they cannot be hashed."""
    import pandas as pd

    try:
        h = hashlib.sha256()
        if isinstance(X, pd.DataFrame):
            h.update(repr([str(c) for c in X.columns]).encode())
            h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
        else:
            arr = np.ascontiguousarray(np.asarray(X))
            h.update(repr((arr.shape, str(arr.dtype))).encode())
            h.update(pd.util.hash_pandas_object(pd.DataFrame(arr), index=False).to_numpy().tobytes())
        h.update(pd.util.hash_pandas_object(pd.Series(np.asarray(y)), index=False).to_numpy().tobytes())
    except (TypeError, ValueError):  # e.g. unhashable cells: the other attributes still guard the study
        return None
    return h.hexdigest()[:16]


def _directions(study: Any) -> str:
    return ",".join(d.name.lower() for d in study.directions)


def _mismatches(study: Any, attrs: dict[str, Any]) -> list[str]:
    stored = dict(study.user_attrs)
    stored["direction"] = _directions(study)  # what Optuna optimises, whatever the attributes say
    out = []
    for key in STUDY_KEYS:
        new, old = attrs.get(key), stored.get(key)
        if new is not None and old is not None and old != new:
            out.append(f"{key} {old!r} (this run: {new!r})")
    return out


def _conflict(name: str, mismatches: list[str]) -> ConflictError:
    return ConflictError(f"Optuna study {name!r} already exists for a different search: its "
                         f"{'; '.join(mismatches)}. Use another study_name, or leave it empty for a new study.")


def _shown(storage: Any) -> str:
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", str(storage))  # never print a password


def _in_storage(storage: Any, action: Callable[[], T], retries: int = 0) -> T:
    """Run an Optuna call on ``storage``; a URL that cannot be opened becomes one ConfigError line.

    ``retries``: a database error is tried again that many times (0.2 s, 0.4 s, ...): two processes
    opening a brand-new storage at once both try to create its tables, and one of them loses.
    """
    import time

    for attempt in range(retries + 1):
        try:
            return action()
        except ImportError as exc:
            raise ConfigError(f"cannot open the Optuna storage {_shown(storage)!r}: its database driver is not "
                              f"installed ({str(exc).splitlines()[0]})") from None
        except Exception as exc:  # noqa: BLE001 - only SQLAlchemy's errors are translated, the rest re-raised
            if not type(exc).__module__.startswith("sqlalchemy"):
                raise
            if attempt < retries:
                time.sleep(0.2 * 2 ** attempt)
                continue
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise ConfigError(f"cannot open the Optuna storage {_shown(storage)!r}: {reason}") from None
    raise AssertionError("unreachable")


def prepare_storage(storage: Any) -> None:
    """Create the Optuna tables of ``storage`` now, once, before any worker process opens it."""
    import optuna

    _in_storage(storage, lambda: optuna.storages.get_storage(storage), retries=4)


def check_study(storage: Any, name: str, attrs: dict[str, Any]) -> None:
    """ConflictError when ``storage`` holds a study ``name`` made for another search (nothing when none)."""
    if storage is None:
        return
    import optuna

    try:
        study = _in_storage(storage, lambda: optuna.load_study(study_name=name, storage=storage))
    except KeyError:  # no such study yet
        return
    mismatches = _mismatches(study, attrs)
    if mismatches:
        raise _conflict(name, mismatches)


def open_study(storage: Any, name: str, sampler: Any, pruner: Any, attrs: dict[str, Any]) -> Any:
    """Create study ``name`` labelled with ``attrs``, or load it when its labels match (ConflictError if not)."""
    import optuna

    study = _in_storage(storage, lambda: optuna.create_study(
        storage=storage, study_name=name, load_if_exists=True, sampler=sampler, pruner=pruner,
        direction=attrs["direction"]), retries=4)
    mismatches = _mismatches(study, attrs)
    if mismatches:
        raise _conflict(name, mismatches)
    stored = study.user_attrs
    for key in STUDY_KEYS:
        if attrs.get(key) is not None and key not in stored:
            study.set_user_attr(key, attrs[key])
    return study


def study_trials(storage: Any, name: str, to_params: Callable[[dict[str, Any]], dict[str, Any]] | None = None
                 ) -> dict[str, Any] | None:
    """The finished trials of a stored study (records shaped like a tune's), its best value and params;
    None when the storage holds no such study. ``to_params`` maps search params to pipeline params."""
    import optuna

    try:
        study = _in_storage(storage, lambda: optuna.load_study(study_name=name, storage=storage))
    except KeyError:
        return None
    maximize = _directions(study) == "maximize"
    trials, best, best_params = [], None, {}
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("beyond_budget"):  # asked for after a shared study's cap: never run
            continue
        state = t.state.name.lower()
        value = None if t.value is None or t.value != t.value else float(t.value)
        params = t.user_attrs.get("search_params", t.params)
        params = to_params(params) if to_params is not None else params
        if state == "complete" and value is not None and (best is None or (value > best if maximize else value < best)):
            best, best_params = value, params
        trials.append({"number": t.number, "params": params, "value": value, "state": state,
                       "duration": t.duration.total_seconds() if t.duration else None,
                       "fold_scores": t.user_attrs.get("fold_scores", []), "std": t.user_attrs.get("std"),
                       "error": t.user_attrs.get("error"), "best_so_far": best,
                       **({"worker": t.user_attrs["worker"]} if "worker" in t.user_attrs else {})})
    return {"trials": trials, "best_score": best, "best_params": best_params}


def study_job(storage: Any, name: str) -> str:
    """The tune job that started study ``name`` for workers; NotFoundError/ConflictError when there is none."""
    import optuna

    from mlcore.errors import NotFoundError

    try:
        study = _in_storage(storage, lambda: optuna.load_study(study_name=name, storage=storage))
    except KeyError:
        raise NotFoundError(f"No Optuna study {name!r} in {_shown(storage)}.") from None
    job_id = study.user_attrs.get("job_id")
    if not job_id:
        raise ConflictError(f"Optuna study {name!r} was not started by `mlcore tune --workers N`; it names no "
                            f"tune job to join.")
    return str(job_id)
