"""select_features on raw input columns (the seed's /data/select-features)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError
from mlcore.prep._recipe import SELECTION_METHODS, PrepRecipe

_SUMMED = ("tree_importance",)  # importances add up over the encoded columns of one input column


def select_features(X: pd.DataFrame, y, method: str, n_features: int, task: str,
                    seed: int = 0) -> tuple[list[str], list[dict[str, Any]]]:
    """Rank the input columns of X for predicting y; return the top ``n_features`` names and every score.

    Columns are encoded as a training pipeline would (median/mode imputation, one-hot, datetime
    parts; min-max scaling so chi2 works), scored per encoded column, then folded back onto the
    input column: summed for tree importance, the best one otherwise. ID-like and all-missing
    columns are not candidates. Rows with a missing target are ignored.
    """
    if method not in SELECTION_METHODS:
        raise ConfigError(f"feature selection method {method!r} is not valid; allowed: {', '.join(SELECTION_METHODS)}")
    if task not in ("classification", "regression"):
        raise ConfigError(f"task {task!r} is not valid; allowed: classification, regression")
    if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ConfigError(f"n_features={n_features!r} must be an integer >= 1")
    if not isinstance(X, pd.DataFrame):
        raise DataValidationError("select_features needs the features as a pandas DataFrame")
    y = pd.Series(np.asarray(y, dtype=object) if not isinstance(y, pd.Series) else y.to_numpy(dtype=object))
    if len(y) != len(X):
        raise DataValidationError(f"target has {len(y)} rows but the features have {len(X)}")
    has_target = y.notna().to_numpy()
    if has_target.sum() < 2:
        raise DataValidationError("select_features needs at least 2 rows with a target value")
    X = X.loc[has_target].reset_index(drop=True)
    y_values = y[has_target].to_numpy()
    if task == "regression":
        try:
            y_values = y_values.astype(np.float64)
        except (TypeError, ValueError):
            raise DataValidationError("regression target must be numeric; use task 'classification'") from None
    elif len(pd.unique(y_values)) < 2:
        raise DataValidationError(f"target has a single class ({y_values[0]!r}); nothing to select features for")
    else:
        y_values = y_values.astype(str)

    from mlcore.prep._preprocessor import _encoded_input_columns, build_preprocessor

    recipe = PrepRecipe(scaling="minmax", feature_selection=method, n_features=n_features)
    prep = build_preprocessor(recipe, X, task, seed=seed)
    columns = prep.named_steps["columns"]
    selector = prep.named_steps["select"]
    encoded = columns.fit_transform(X, y_values)
    # score every encoded column: the pipeline's n_features counts encoded columns, not input ones
    selector.set_params(n_features=encoded.shape[1] if method != "rfe" else min(n_features, encoded.shape[1]))
    selector.fit(encoded, y_values)
    origin = _encoded_input_columns(columns)
    scores: dict[str, float] = {}
    for col, score in zip(origin, selector.scores_):
        score = float(score)
        if method in _SUMMED:
            scores[col] = scores.get(col, 0.0) + score
        else:
            scores[col] = max(scores.get(col, 0.0), score)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    importance = [{"feature": name, "score": score} for name, score in ranked]
    selected = [name for name, _ in ranked[:n_features]]
    return selected, importance
