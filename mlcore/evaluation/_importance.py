"""Feature importance: the model's own (trees, coefficients) or permutation importance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError
from mlcore.evaluation._common import check_task
from mlcore.jobs import JobContext


def _split(pipeline: Any) -> tuple[Any, Any]:
    """(everything before the estimator or None, the estimator)."""
    steps = getattr(pipeline, "steps", None)
    if steps:
        return (pipeline[:-1] if len(steps) > 1 else None), steps[-1][1]
    return None, pipeline


def _input_columns(pipeline: Any, X: Any) -> list[str] | None:
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    names = getattr(pipeline, "feature_names_in_", None)
    return None if names is None else [str(c) for c in names]


def _model_feature_names(front: Any, model: Any, n: int) -> list[str]:
    """Names of the columns the estimator saw, from the preprocessing when it can say."""
    candidates = []
    if front is not None:
        try:
            candidates.append(list(front.get_feature_names_out()))
        except Exception:  # noqa: BLE001 - a step without get_feature_names_out: fall through
            pass
    names = getattr(model, "feature_names_in_", None)
    if names is not None:
        candidates.append(list(names))
    for c in candidates:
        if len(c) == n:
            return [str(v) for v in c]
    return [f"feature_{i}" for i in range(n)]


def trace_to_input(name: str, inputs: list[str] | None) -> str | None:
    """The raw input column an output feature came from ('cat__color_red' -> 'color')."""
    if not inputs:
        return None
    bare = name.split("__")[-1] if "__" in name else name
    if bare in inputs:
        return bare
    if name in inputs:
        return name
    # one-hot / derived columns: "colour_red" (sklearn), "colour=red", "when.year" (mlcore.prep)
    prefixes = [c for c in inputs if any(bare.startswith(c + sep) for sep in ("=", ".", "_"))]
    return max(prefixes, key=len) if prefixes else None


def _prep_origins(pipeline: Any) -> dict[str, str]:
    """Output-name -> input-column map from mlcore.prep's preprocessor, when the pipeline has one."""
    prep = getattr(pipeline, "named_steps", {}).get("prep")
    if prep is None:
        return {}
    try:
        from mlcore.prep import input_feature_names

        return {str(k): str(v) for k, v in input_feature_names(prep).items()}
    except Exception:  # noqa: BLE001 - another kind of preprocessing: use the name heuristic
        return {}


def _native(model: Any) -> tuple[np.ndarray, str] | None:
    """The estimator's own importance, looking through fitted wrappers (label encoders, target transforms)."""
    values = getattr(model, "feature_importances_", None)
    if values is not None:
        return np.asarray(values, dtype=float), "native"
    coef = getattr(model, "coef_", None)
    if coef is not None:
        coef = np.abs(np.asarray(coef, dtype=float))
        return (coef.mean(axis=0) if coef.ndim == 2 else coef), "coefficients"
    for inner in ("estimator_", "regressor_", "best_estimator_"):
        wrapped = getattr(model, inner, None)
        if wrapped is not None and wrapped is not model:
            return _native(wrapped)
    return None


def feature_importance(
    pipeline: Any,
    X: Any = None,
    y: Any = None,
    task: str | None = None,
    n_repeats: int = 5,
    seed: int = 0,
    ctx: JobContext | None = None,
    max_rows: int = 5000,
) -> pd.DataFrame:
    """Importance per feature, sorted: columns feature, importance, std, source, input_column.

    "native" (tree importances) and "coefficients" (mean |coef| over classes) come from the
    estimator; otherwise "permutation" importance on the raw input columns of ``X``: the drop
    in the model's own score (accuracy or R²) when a column is shuffled, ``n_repeats`` times.
    """
    if task is not None:
        check_task(task)
    front, model = _split(pipeline)
    native = _native(model)
    inputs = _input_columns(pipeline, X)
    if native is not None:
        values, source = native
        names = _model_feature_names(front, model, len(values))
        if front is not None:
            short = [n.split("__")[-1] for n in names]
            names = short if len(set(short)) == len(short) else names
        origins = _prep_origins(pipeline)
        traced = [origins.get(n) or trace_to_input(n, inputs) for n in names]
        df = pd.DataFrame(
            {"feature": names, "importance": values, "std": np.nan, "source": source, "input_column": traced}
        )
    else:
        df = _permutation(pipeline, X, y, n_repeats, seed, ctx, max_rows)
    return df.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _permutation(pipeline, X, y, n_repeats, seed, ctx, max_rows) -> pd.DataFrame:
    from sklearn.inspection import permutation_importance

    if X is None or y is None:
        raise ConfigError(
            "this model has no built-in feature importance; pass evaluation rows X and y "
            "to compute permutation importance"
        )
    if len(X) != len(y):
        raise DataValidationError(f"X has {len(X)} rows but y has {len(y)}")
    ctx = ctx or JobContext()
    if len(X) > max_rows:  # permutation cost grows with rows x columns x repeats
        pick = np.random.default_rng(seed).choice(len(X), size=max_rows, replace=False)
        X = X.iloc[pick] if hasattr(X, "iloc") else np.asarray(X)[pick]
        y = y.iloc[pick] if hasattr(y, "iloc") else np.asarray(y)[pick]
    ctx.check_cancelled()
    ctx.progress(0.0, "permutation importance")
    res = permutation_importance(pipeline, X, y, n_repeats=n_repeats, random_state=seed)
    ctx.progress(1.0, "permutation importance")
    names = _input_columns(pipeline, X) or [f"feature_{i}" for i in range(len(res.importances_mean))]
    return pd.DataFrame(
        {
            "feature": names,
            "importance": res.importances_mean,
            "std": res.importances_std,
            "source": "permutation",
            "input_column": names,
        }
    )
