"""Shared plumbing of compare and tune: inputs, model factory, fixed CV folds, one scored fold."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from mlcore.jsonsafe import json_safe
from mlcore.errors import ConfigError, DataValidationError

if TYPE_CHECKING:
    from mlcore.models import AlgorithmSpec
    from mlcore.prep import PrepRecipe

# "recipe": the project's full preprocessor (raw DataFrames); "impute": median imputation only
# (the SDK, whose users pass already-prepared numeric features); "none": the bare estimator.
PREP_MODES = ("recipe", "impute", "none")


def prepare_inputs(X: Any, y: Any, task: str | None) -> tuple[Any, np.ndarray, str]:
    """(X with a clean 0..n-1 index, y as an array, task) checked for size and target validity."""
    import pandas as pd

    from mlcore.models import detect_task, validate_target

    if isinstance(X, pd.DataFrame):
        X = X.reset_index(drop=True)
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise DataValidationError(f"X must be a 2-D table of features, got shape {X.shape}")
    y_series = pd.Series(np.asarray(y)).reset_index(drop=True)
    if len(X) != len(y_series):
        raise DataValidationError(f"X has {len(X)} rows but the target has {len(y_series)}")
    if y_series.isna().any():
        raise DataValidationError(f"the target has {int(y_series.isna().sum())} missing value(s); drop those rows first")
    task = task or detect_task(y_series)
    validate_target(y_series, task, "target")
    return X, y_series.to_numpy(), task


MAX_SEED = 2**32 - 1


def check_seed(seed: Any) -> int:
    """``seed`` as an int; ConfigError unless it is an integer from 0 to 2**32 - 1 (what sklearn accepts)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise ConfigError(f"seed must be an integer from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


def check_cv(cv: Any, splitter_ok: bool = True) -> None:
    """ConfigError unless ``cv`` is a whole number of folds >= 2 (or, when allowed, a splitter object)."""
    if splitter_ok and not isinstance(cv, (str, bytes)) and hasattr(cv, "split"):
        return
    if isinstance(cv, bool) or not isinstance(cv, (int, np.integer)) or int(cv) < 2:
        raise ConfigError(f"cv must be a whole number of folds, 2 or more, got {cv!r}")


def check_budget(n_trials: Any, timeout: Any) -> None:
    """ConfigError unless ``n_trials`` is an int >= 1 (or None) and ``timeout`` a number > 0 (or None)."""
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer))
                                 or int(n_trials) < 1):
        raise ConfigError(f"n_trials must be a whole number, at least 1 (or None for no limit), got {n_trials!r}")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float, np.number))
                                or not float(timeout) > 0):
        raise ConfigError(f"timeout must be a positive number of seconds (or None for no limit), got {timeout!r}")


def take(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def model_factory(spec: "AlgorithmSpec", X: Any, task: str, recipe: "PrepRecipe | None", seed: int,
                  n_jobs: int | None = None, prep: str = "recipe") -> Callable[[dict | None], Any]:
    """A function ``params -> unfitted model`` (Pipeline of prep + estimator, or the bare estimator)."""
    if prep not in PREP_MODES:
        raise ConfigError(f"prep={prep!r} is not valid; allowed: {', '.join(PREP_MODES)}")
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    template = None
    if prep == "recipe":
        import pandas as pd

        from mlcore.prep import PrepRecipe, build_preprocessor

        if not isinstance(X, pd.DataFrame):
            raise DataValidationError("the preparation recipe needs the features as a pandas DataFrame")
        template = build_preprocessor(recipe or PrepRecipe(), X, task, seed)
    elif prep == "impute":
        from sklearn.impute import SimpleImputer

        template = SimpleImputer(strategy="median", keep_empty_features=True)

    # the recipe's class_weight='balanced' reaches estimators with a native class_weight parameter;
    # the others get balanced sample weights at fit time (see _rows.RowPolicy)
    balanced = bool(recipe is not None and recipe.class_weight == "balanced" and task == "classification"
                    and spec.abilities.class_weight)

    def make(params: dict | None = None) -> Any:
        if balanced:
            params = {"class_weight": "balanced", **(params or {})}
        est = spec.build(params, seed=seed, n_jobs=n_jobs)
        if template is None:
            return est
        return Pipeline([("prep", clone(template)), ("model", est)])

    return make


def cv_splits(X: Any, y: np.ndarray, task: str, cv: Any = 5, cv_kind: str = "auto", seed: int = 0,
              groups: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The fixed folds every model and trial is scored on (the same folds make scores comparable).

    ``cv`` is a number of folds or any splitter with ``split``; ``groups`` a column name of X or
    one group label per row (for ``cv_kind='group'``).
    """
    from mlcore.prep import make_cv

    check_cv(cv)
    if hasattr(cv, "split"):
        splitter, group_values = cv, None if isinstance(groups, str) else groups
    else:
        column = groups if isinstance(groups, str) else ("<groups>" if groups is not None else None)
        kind = "group" if groups is not None and cv_kind == "auto" else cv_kind
        splitter = make_cv(kind, int(cv), task, seed, groups_column=column)
        group_values = None if isinstance(groups, str) else groups
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y, group_values)]
    if len(folds) < 2:
        raise ConfigError(f"cross-validation needs at least 2 folds, got {len(folds)}")
    return folds


@dataclass
class FoldScore:
    scores: dict[str, float]
    fit_seconds: float
    score_seconds: float


def score_fold(make: Callable[[dict | None], Any], params: dict | None, X: Any, y: np.ndarray,
               fold: tuple[np.ndarray, np.ndarray], task: str, weighted: bool = False,
               deadline: Any = None) -> FoldScore:
    """Fit a fresh model on the fold's training rows (prep included) and score its held-out rows.

    ``weighted``: fit with balanced sample weights of the fold's training labels; ``deadline``: a
    ``DeadlineFit`` that stops a booster's fit when it passes.
    """
    from mlcore.tuning._metrics import fold_scores
    from mlcore.tuning._rows import fit_model

    train, test = fold
    model = make(params)
    t0 = time.perf_counter()
    fit_model(model, take(X, train), y[train], weighted, deadline)
    t1 = time.perf_counter()

    scores = fold_scores(model, take(X, test), y[test], task)
    return FoldScore(scores, t1 - t0, time.perf_counter() - t1)


def error_text(exc: BaseException) -> str:
    """A one-line reason for a failed fit."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


jsonable = json_safe  # the one JSON-safety helper, under its old name here
