"""Train/validation/test splits (stratified or time-ordered) and cross-validation splitters."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError, shown

from mlcore.vocab import CV_KINDS


@dataclass
class SplitResult:
    """Positional row indices of each part (into the frame given to split_frame)."""

    train_index: np.ndarray
    validation_index: np.ndarray
    test_index: np.ndarray
    stratified: bool = False
    time_ordered: bool = False
    excluded_index: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The seed's /data/split response counts."""
        return {"train_samples": int(len(self.train_index)),
                "validation_samples": int(len(self.validation_index)),
                "test_samples": int(len(self.test_index))}


def _check_sizes(test_size: float, validation_size: float) -> None:
    for name, value in (("test_size", test_size), ("validation_size", validation_size)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{name}={value!r} must be a fraction between 0 and 1")
        if value < 0 or value >= 1:
            raise ConfigError(f"{name}={value} must be a fraction in [0, 1)")
    if test_size + validation_size >= 1:
        raise ConfigError(
            f"test_size ({test_size}) + validation_size ({validation_size}) = {test_size + validation_size:g} "
            "leaves no training rows; their sum must be below 1"
        )


def _looks_continuous(y: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(y.dtype):
        return False
    values = y.dropna().to_numpy(dtype=float)
    return bool(len(np.unique(values)) > 20 or not np.all(np.mod(values, 1) == 0))


def _part_sizes(n: int, test_size: float, validation_size: float) -> tuple[int, int, int]:
    n_test = math.ceil(test_size * n) if test_size > 0 else 0
    n_val = math.ceil(validation_size * n) if validation_size > 0 else 0
    return n - n_test - n_val, n_val, n_test


def split_frame(df: pd.DataFrame, target: str, test_size: float = 0.2, validation_size: float = 0.1,
                stratify: bool = True, seed: int = 0, time_column: str | None = None,
                task: str | None = None) -> SplitResult:
    """Split rows into train/validation/test parts (the seed's /data/split).

    Part sizes: test = ceil(test_size·n), validation = ceil(validation_size·n), train = the rest.
    ``stratify`` keeps class proportions (ignored for a continuous target or ``task='regression'``,
    noted in the result). ``time_column`` orders rows by time: train earliest, test latest, no
    shuffle. Rows with a missing target are left out (``excluded_index``).
    """
    if target not in df.columns:
        raise DataValidationError(f"target column {target!r} is not in the data; columns: {list(df.columns)}")
    _check_sizes(test_size, validation_size)
    y = df[target].reset_index(drop=True)
    missing = y.isna().to_numpy()
    usable = np.flatnonzero(~missing)
    notes: list[str] = []
    if missing.any():
        notes.append(f"{int(missing.sum())} row(s) with a missing target left out")
    n = len(usable)
    n_train, n_val, n_test = _part_sizes(n, test_size, validation_size)
    for part, size, asked in (("test", n_test, test_size), ("validation", n_val, validation_size)):
        if asked > 0 and size < 1:
            raise DataValidationError(f"{part} part would be empty: {n} usable row(s) x {asked}")
    if n_train < 1:
        raise DataValidationError(
            f"training part would be empty: {n} usable row(s) with test_size={test_size}, "
            f"validation_size={validation_size}"
        )
    excluded = np.flatnonzero(missing)

    if time_column is not None:
        if time_column not in df.columns:
            raise DataValidationError(f"time column {time_column!r} is not in the data; columns: {list(df.columns)}")
        times = df[time_column].reset_index(drop=True).iloc[usable]
        if times.isna().any():
            raise DataValidationError(
                f"time column {time_column!r} has {int(times.isna().sum())} missing value(s); "
                "rows cannot be ordered in time"
            )
        if not pd.api.types.is_numeric_dtype(times.dtype) and not pd.api.types.is_datetime64_any_dtype(times.dtype):
            from mlcore.prep._transformers import to_datetime_series

            parsed = to_datetime_series(times)
            if parsed.isna().any():
                bad = times[parsed.isna().to_numpy()].iloc[0]
                raise DataValidationError(f"time column {time_column!r} has a value that is not a date: {shown(bad)}")
            times = parsed
        order = usable[np.argsort(times.to_numpy(), kind="stable")]
        if stratify:
            notes.append("time-ordered split: stratification not applied")
        return SplitResult(order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:],
                           stratified=False, time_ordered=True, excluded_index=excluded, notes=notes)

    from sklearn.model_selection import train_test_split

    labels = None
    if stratify and (task == "regression" or _looks_continuous(y)):
        notes.append("continuous target: stratification not applied")
    elif stratify:
        labels = y.iloc[usable].astype(str).to_numpy()
        _check_stratifiable(labels, n_train, n_val, n_test, target)
    rest, test = (usable, usable[:0]) if n_test == 0 else train_test_split(
        usable, test_size=n_test, random_state=seed, stratify=labels)
    if n_val == 0:
        train, val = rest, rest[:0]
    else:
        rest_labels = None if labels is None else y.iloc[rest].astype(str).to_numpy()
        train, val = train_test_split(rest, test_size=n_val, random_state=seed, stratify=rest_labels)
    return SplitResult(np.sort(train), np.sort(val), np.sort(test), stratified=labels is not None,
                       time_ordered=False, excluded_index=excluded, notes=notes)


def _check_stratifiable(labels: np.ndarray, n_train: int, n_val: int, n_test: int, target: str) -> None:
    classes, counts = np.unique(labels, return_counts=True)
    parts = 1 + (n_val > 0) + (n_test > 0)
    smallest = int(np.argmin(counts))
    if counts[smallest] < parts:
        raise DataValidationError(
            f"cannot stratify on {target!r}: class {classes[smallest]!r} has only {counts[smallest]} row(s) "
            f"but {parts} parts need at least {parts}; drop or merge that class, or split without stratify"
        )
    for part, size in (("test", n_test), ("validation", n_val), ("training", n_train)):
        if 0 < size < len(classes):
            raise DataValidationError(
                f"cannot stratify on {target!r}: the {part} part has {size} row(s) but the target has "
                f"{len(classes)} classes; enlarge that part or split without stratify"
            )


class CVSplitter:
    """A cross-validation splitter that checks its data first and says clearly what does not fit.

    Works wherever scikit-learn accepts ``cv=`` (it has ``split`` and ``get_n_splits``). For the
    ``group`` kind, groups come from ``groups=`` or from column ``groups_column`` of X.
    """

    def __init__(self, kind: str, n_splits: int, seed: int, groups_column: str | None) -> None:
        self.kind = kind
        self.n_splits = n_splits
        self.seed = seed
        self.groups_column = groups_column
        self.splitter = self._make()

    def _make(self):
        from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

        if self.kind == "kfold":
            return KFold(self.n_splits, shuffle=True, random_state=self.seed)
        if self.kind == "stratified":
            return StratifiedKFold(self.n_splits, shuffle=True, random_state=self.seed)
        if self.kind == "timeseries":
            return TimeSeriesSplit(self.n_splits)
        return GroupKFold(self.n_splits)

    def __repr__(self) -> str:
        return f"CVSplitter({self.splitter!r})"

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def _groups(self, X: Any, groups: Any) -> np.ndarray:
        if groups is None and self.groups_column is not None and isinstance(X, pd.DataFrame):
            if self.groups_column not in X.columns:
                raise DataValidationError(
                    f"group column {self.groups_column!r} is not in the data; columns: {list(X.columns)}")
            groups = X[self.groups_column]
        if groups is None:
            raise ConfigError("group cross-validation needs a group column (groups_column) or groups=")
        groups = pd.Series(np.asarray(groups, dtype=object))
        if groups.isna().any():
            raise DataValidationError(f"group column has {int(groups.isna().sum())} missing value(s)")
        return groups.astype(str).to_numpy()

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = len(X)
        if self.kind == "timeseries":
            if n < self.n_splits + 1:
                raise DataValidationError(
                    f"time-series CV with {self.n_splits} splits needs at least {self.n_splits + 1} rows; got {n}")
        elif n < self.n_splits:
            raise DataValidationError(f"{self.n_splits}-fold CV needs at least {self.n_splits} rows; got {n}")
        if self.kind == "stratified":
            if y is None:
                raise ConfigError("stratified cross-validation needs the target y")
            classes, counts = np.unique(np.asarray(pd.Series(np.asarray(y, dtype=object)).astype(str)),
                                        return_counts=True)
            i = int(np.argmin(counts))
            if counts[i] < self.n_splits:
                raise DataValidationError(
                    f"stratified {self.n_splits}-fold CV needs at least {self.n_splits} rows per class; "
                    f"class {classes[i]!r} has {counts[i]}; use fewer splits"
                )
        if self.kind == "group":
            groups = self._groups(X, groups)
            n_groups = len(np.unique(groups))
            if n_groups < self.n_splits:
                raise DataValidationError(
                    f"group {self.n_splits}-fold CV needs at least {self.n_splits} distinct groups; got {n_groups}")
            yield from self.splitter.split(X, y, groups)
            return
        yield from self.splitter.split(X, y)


def make_cv(kind: str = "auto", n_splits: int = 5, task: str = "classification", seed: int = 0,
            groups_column: str | None = None) -> CVSplitter:
    """Cross-validation splitter: kfold | stratified | timeseries | group | auto (by task)."""
    if kind not in CV_KINDS:
        raise ConfigError(f"cross-validation kind {kind!r} is not valid; allowed: {', '.join(CV_KINDS)}")
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ConfigError(f"n_splits={n_splits!r} must be an integer >= 2")
    if kind == "auto":
        if task not in ("classification", "regression"):
            raise ConfigError(f"task {task!r} is not valid; allowed: classification, regression")
        kind = "stratified" if task == "classification" else "kfold"
    if kind == "stratified" and task == "regression":
        raise ConfigError("stratified cross-validation needs a classification target; use kfold for regression")
    if kind == "group" and not groups_column:
        raise ConfigError("group cross-validation needs groups_column (the column whose values form the groups)")
    return CVSplitter(kind, int(n_splits), seed, groups_column)
