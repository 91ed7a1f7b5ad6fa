"""A compiled copy of a fitted preparation pipeline: rows straight to the model's numeric array.

A scikit-learn ``ColumnTransformer`` on a few rows costs milliseconds of checks, frame copies and
per-step dispatch (most of a one-row prediction). :func:`compile_preparation` reads the fitted
attributes of the steps our pipelines are built from (``ToFloat``/``AsText``, ``OutlierClipper``,
``SimpleImputer``, the three scalers, ``OneHotEncoder``/``OrdinalEncoder``/``FrequencyEncoder``,
``FeatureSelector``) and replays the same numpy operations on column arrays. It is used only when
it is *proved* equal: at compile time its output on probe rows (every level, an unseen one, missing
values, extremes) must equal the pipeline's own ``transform`` exactly, else it returns None and
callers keep the Pipeline. Anything it does not know (another step, a setting such as
infrequent categories, a model fitted on named columns) also returns None.
"""

from __future__ import annotations

import logging
from itertools import repeat
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["CompiledPreparation", "compile_preparation"]

log = logging.getLogger(__name__)

_MISSING_LEVEL = "\0missing"  # FrequencyEncoder's key for a missing value


class _NotCompilable(Exception):
    """A step or setting this module does not replay; the Pipeline is used."""


def _as_text(values: Any) -> np.ndarray:
    """AsText on one column: object array, missing (None, NaN, NA, NaT) as np.nan, the rest ``str(v)``."""
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    out = series.astype(object).to_numpy(copy=True)
    missing = pd.isna(series).to_numpy()
    out[missing] = np.nan
    present = ~missing
    out[present] = [str(v) for v in out[present]]
    return out


def _as_float(values: Any) -> np.ndarray:
    """ToFloat on one column (the prep module's own conversion)."""
    from mlcore.prep import column_as_float

    if isinstance(values, np.ndarray) and values.dtype == np.float64:
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind in "iub":
        return values.astype(np.float64)
    return column_as_float(values if isinstance(values, pd.Series) else pd.Series(values))


# -- the steps: each takes and returns an (n, k) matrix -------------------------------------------

def _imputer(step: Any, text: bool) -> Callable[[np.ndarray], np.ndarray]:
    if getattr(step, "add_indicator", False) or not getattr(step, "keep_empty_features", False):
        raise _NotCompilable("SimpleImputer with an indicator or dropping empty features")
    missing = step.missing_values
    if not (isinstance(missing, float) and np.isnan(missing)):
        raise _NotCompilable("SimpleImputer with a missing marker other than NaN")
    stats = np.asarray(step.statistics_, dtype=object if text else np.float64)

    def impute(X: np.ndarray) -> np.ndarray:
        mask = (X != X) if text else np.isnan(X)  # sklearn's own test for NaN in object arrays
        if mask.any():
            X = X.copy()
            rows, cols = np.nonzero(mask)
            X[rows, cols] = stats[cols]
        return X

    return impute


def _float_step(step: Any) -> Callable[[np.ndarray], np.ndarray]:
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

    from mlcore.prep import OutlierClipper

    kind = type(step)
    if kind is SimpleImputer:
        return _imputer(step, text=False)
    if kind is OutlierClipper:
        lower, upper = np.asarray(step.lower_), np.asarray(step.upper_)
        return lambda X: np.clip(X, lower, upper)
    if kind is StandardScaler:
        return _centre_and_scale(step.mean_ if step.with_mean else None, step.scale_ if step.with_std else None)
    if kind is MinMaxScaler:
        if step.clip:
            raise _NotCompilable("MinMaxScaler(clip=True)")
        scale, minimum = np.asarray(step.scale_, dtype=np.float64), np.asarray(step.min_, dtype=np.float64)

        def minmax(X: np.ndarray) -> np.ndarray:
            X = X * scale
            X += minimum
            return X

        return minmax
    if kind is RobustScaler:
        return _centre_and_scale(step.center_ if step.with_centering else None,
                                 step.scale_ if step.with_scaling else None)
    raise _NotCompilable(f"numeric step {kind.__name__}")


def _centre_and_scale(centre: Any, scale: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``(X - centre) / scale`` as StandardScaler and RobustScaler compute it (either may be off: None)."""
    centre = None if centre is None else np.asarray(centre, dtype=np.float64)
    scale = None if scale is None else np.asarray(scale, dtype=np.float64)

    def centre_and_scale(X: np.ndarray) -> np.ndarray:
        X = X.copy()
        if centre is not None:
            X -= centre
        if scale is not None:
            X /= scale
        return X

    return centre_and_scale


def _text_encoder(step: Any) -> tuple[Callable[[np.ndarray], np.ndarray], bool]:
    """(encode, output is numeric) for a step after AsText."""
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    from mlcore.prep import FrequencyEncoder

    kind = type(step)
    if kind is SimpleImputer:
        return _imputer(step, text=True), False
    if kind is OneHotEncoder:
        if (step.drop is not None or getattr(step, "_infrequent_enabled", False) or step.handle_unknown != "ignore"
                or getattr(step, "sparse_output", True) or np.dtype(step.dtype) != np.float64):
            raise _NotCompilable("OneHotEncoder setting")
        tables = [_level_table(levels) for levels in step.categories_]
        widths = [len(levels) for levels in step.categories_]
        offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)

        def onehot(X: np.ndarray) -> np.ndarray:
            out = np.zeros((X.shape[0], int(offsets[-1])), dtype=np.float64)
            for j, table in enumerate(tables):
                codes = np.fromiter(map(table.get, X[:, j], repeat(-1)), dtype=np.int64, count=X.shape[0])
                rows = np.flatnonzero(codes >= 0)
                out[rows, offsets[j] + codes[rows]] = 1.0
            return out

        return onehot, True
    if kind is OrdinalEncoder:
        if (step.handle_unknown != "use_encoded_value" or getattr(step, "_infrequent_enabled", False)
                or np.dtype(step.dtype) != np.float64):
            raise _NotCompilable("OrdinalEncoder setting")
        tables = [_level_table(levels) for levels in step.categories_]
        unknown = float(step.unknown_value)

        def ordinal(X: np.ndarray) -> np.ndarray:
            out = np.empty(X.shape, dtype=np.float64)
            for j, table in enumerate(tables):
                codes = np.fromiter(map(table.get, X[:, j], repeat(-1)), dtype=np.int64, count=X.shape[0])
                out[:, j] = np.where(codes >= 0, codes, unknown)
            return out

        return ordinal, True
    if kind is FrequencyEncoder:
        tables = [dict(table) for table in step.frequencies_]

        def frequency(X: np.ndarray) -> np.ndarray:
            out = np.empty(X.shape, dtype=np.float64)
            for j, table in enumerate(tables):
                out[:, j] = [table.get(_MISSING_LEVEL if v != v else v, 0.0) for v in X[:, j]]
            return out

        return frequency, True
    raise _NotCompilable(f"text step {kind.__name__}")


def _level_table(levels: Any) -> dict[str, int]:
    """Level -> position. Values reaching an encoder are str or NaN (AsText), all hashable; NaN is no level."""
    if not all(type(level) is str for level in levels):
        raise _NotCompilable("non-text levels")
    return {level: i for i, level in enumerate(levels)}


@dataclass
class _Branch:
    columns: list[str]
    text: bool  # True: AsText first (object matrix), False: ToFloat first (float matrix)
    steps: list[Callable[[np.ndarray], np.ndarray]]


def _branch(name: str, transformer: Any, columns: Any) -> _Branch | None:
    from sklearn.pipeline import Pipeline

    from mlcore.prep import AsText, ToFloat

    if isinstance(transformer, str):
        if transformer == "drop":
            return None
        raise _NotCompilable(f"branch {name!r} is {transformer!r}")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise _NotCompilable(f"branch {name!r} selects columns by something other than names")
    if not columns:
        return None
    steps = [s for _, s in transformer.steps] if type(transformer) is Pipeline else [transformer]
    if any(s is None or isinstance(s, str) for s in steps):
        raise _NotCompilable(f"branch {name!r} has a passthrough step")
    first, rest = steps[0], steps[1:]
    if type(first) is ToFloat:
        return _Branch(list(columns), False, [_float_step(s) for s in rest])
    if type(first) is AsText:
        out, numeric = [], False
        for s in rest:
            if numeric:
                out.append(_float_step(s))  # a scaler after ordinal codes or frequencies
            else:
                fn, numeric = _text_encoder(s)
                out.append(fn)
        if not numeric:
            raise _NotCompilable(f"branch {name!r} ends in text")
        return _Branch(list(columns), True, out)
    raise _NotCompilable(f"branch {name!r} starts with {type(first).__name__}")


class CompiledPreparation:
    """The preparation of a fitted pipeline as plain numpy operations (build with :func:`compile_preparation`).

    Input is either a checked frame (:meth:`transform_frame`, as ``check_frame`` returns it) or the
    columns of the one-row fast path (:meth:`transform_columns`: float64/int64 arrays, text as object
    arrays or lists of str, category columns as int64 codes into their schema levels).
    """

    def __init__(self, branches: list[_Branch], select: np.ndarray | None, levels: dict[str, np.ndarray],
                 n_out: int, finite_required: bool) -> None:
        self._branches = branches
        self._select = select
        self._levels = levels  # category column -> its levels (codes index them)
        self.n_features_out = n_out
        self.finite_required = finite_required  # a step after it (feature selection) refuses NaN
        self.probe: np.ndarray | None = None  # the pipeline's own output on the probe rows it was proved on

    def _run(self, inputs: Callable[[str, bool], np.ndarray], n: int) -> np.ndarray:
        parts = []
        for branch in self._branches:
            if branch.text:
                X = np.empty((n, len(branch.columns)), dtype=object)
            else:
                X = np.empty((n, len(branch.columns)), dtype=np.float64)
            for j, name in enumerate(branch.columns):
                X[:, j] = inputs(name, branch.text)
            for step in branch.steps:
                X = step(X)
            parts.append(X)
        out = parts[0] if len(parts) == 1 else np.hstack(parts)
        return out[:, self._select] if self._select is not None else out

    def transform_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's input array for a checked frame (equal to the pipeline's preparation)."""
        def inputs(name: str, text: bool) -> np.ndarray:
            series = frame[name]
            return _as_text(series) if text else _as_float(series)

        return self._run(inputs, len(frame))

    def transform_columns(self, columns: dict[str, Any]) -> np.ndarray:
        """The same for the fast path's checked columns (no missing values: they took the full check)."""
        n = len(next(iter(columns.values())))

        def inputs(name: str, text: bool) -> np.ndarray:
            values = columns[name]
            levels = self._levels.get(name)
            if levels is not None:  # category codes
                values = levels[values]
                return values if text else _as_float(pd.Series(values))
            if text:
                if isinstance(values, np.ndarray) and values.dtype == object:
                    return values
                if isinstance(values, list) and all(type(v) is str for v in values):
                    return np.array(values, dtype=object)
                return _as_text(values)
            return _as_float(values)

        return self._run(inputs, n)


    def prepare_frame(self, frame: pd.DataFrame) -> np.ndarray | None:
        """:meth:`transform_frame`, or None where the pipeline must run (it would refuse missing values)."""
        return self._finite(self.transform_frame(frame))

    def prepare_columns(self, columns: dict[str, Any]) -> np.ndarray | None:
        """:meth:`transform_columns`, or None where the pipeline must run."""
        return self._finite(self.transform_columns(columns))

    def _finite(self, X: np.ndarray) -> np.ndarray | None:
        return None if self.finite_required and not np.isfinite(X).all() else X


def _preparation_steps(pipeline: Any) -> tuple[list[Any], Any]:
    """(the preparation steps flattened, the final estimator)."""
    from sklearn.pipeline import Pipeline

    if type(pipeline) is not Pipeline or len(pipeline.steps) < 2:
        raise _NotCompilable("not a Pipeline with preparation steps")
    flat: list[Any] = []

    def walk(steps: list[Any]) -> None:
        for _, step in steps:
            if type(step) is Pipeline:
                walk(step.steps)
            elif step is None or isinstance(step, str):
                raise _NotCompilable("a passthrough step")
            else:
                flat.append(step)

    walk(pipeline.steps[:-1])
    return flat, pipeline.steps[-1][1]


def _build(pipeline: Any, schema: Any) -> CompiledPreparation:
    from sklearn.compose import ColumnTransformer

    from mlcore.prep import FeatureSelector

    steps, final = _preparation_steps(pipeline)
    if hasattr(final, "feature_names_in_"):
        raise _NotCompilable("the model was fitted on named columns")
    if not steps or type(steps[0]) is not ColumnTransformer:
        raise _NotCompilable("preparation does not start with a ColumnTransformer")
    ct, rest = steps[0], steps[1:]
    if getattr(ct, "_sklearn_output_config", {}).get("transform") not in (None, "default"):
        raise _NotCompilable("the ColumnTransformer outputs frames")
    if ct.sparse_threshold != 0.0:
        raise _NotCompilable("the ColumnTransformer may output sparse matrices")
    branches = [b for b in (_branch(name, trans, cols) for name, trans, cols in ct.transformers_) if b is not None]
    if not branches:
        raise _NotCompilable("no branch")
    select, finite = None, False
    for step in rest:
        if type(step) is FeatureSelector:
            mask = np.asarray(step.support_)
            support = np.flatnonzero(mask) if mask.dtype == bool else mask.astype(np.int64)
            select = support if select is None else select[support]
            finite = True  # its validate_data refuses NaN and infinity
        else:
            raise _NotCompilable(f"step {type(step).__name__} after the columns")
    levels: dict[str, np.ndarray] = {}
    for col in schema.columns:
        if col["dtype"] == "category":
            levels[col["name"]] = np.array(list(col.get("categories") or []), dtype=object)
    n_out = sum(len(b.columns) for b in branches)
    return CompiledPreparation(branches, select, levels, n_out, finite)


def probe_frame(schema: Any, rows: int = 64, seed: int = 0) -> pd.DataFrame:
    """Rows that touch every level, an unseen level, missing values and extremes of each column,
    with the dtypes ``check_frame`` gives them."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    for col in schema.columns:
        name, kind, dtype = col["name"], col["dtype"], col.get("pandas_dtype")
        example = schema.example_row.get(name)
        if kind in ("numeric", "integer"):
            stats = col.get("stats") or {}
            pool = [v for v in [example, stats.get("min"), stats.get("max"), stats.get("mean"), 0, 1, -1,
                                *(col.get("bins") or [])] if isinstance(v, (int, float)) and np.isfinite(v)]
            pool += [1e9, -1e9, 0.5, 123.456]
            if kind == "numeric":
                pool.append(np.nan)
                values = pd.array(rng.choice(np.asarray(pool, dtype=np.float64), rows), dtype=dtype or "float64")
            else:
                ints = np.asarray([int(v) for v in pool if abs(v) < 2**53], dtype=np.int64)
                values = pd.array(rng.choice(ints, rows), dtype=dtype or "int64")
        elif kind in ("category", "text"):
            levels = list(col.get("categories") or [])
            pool = levels + ([None] if kind == "category" else ["\0unseen level", None])
            picked = [pool[i % len(pool)] for i in rng.permutation(max(rows, len(pool)))[:rows]]
            if kind == "category":  # a level outside the dtype is missing in a categorical
                values = pd.Categorical(picked, categories=levels)
            else:
                values = pd.array(picked, dtype="str")
        else:
            raise _NotCompilable(f"column kind {kind}")
        columns[name] = values
    return pd.DataFrame(columns)


def _equal(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def compile_preparation(pipeline: Any, schema: Any, check_columns: Callable[[pd.DataFrame], Any] | None = None
                        ) -> CompiledPreparation | None:
    """The compiled preparation of ``pipeline`` when it is proved equal to ``pipeline[:-1].transform``, else None.

    ``check_columns``: turns a probe frame into the fast path's checked columns (or None for rows it
    declines); when given, :meth:`CompiledPreparation.transform_columns` is proved equal too.
    """
    if schema is None:
        return None
    try:
        compiled = _build(pipeline, schema)
        probe = probe_frame(schema)
    except _NotCompilable as exc:
        log.debug("preparation not compiled: %s", exc)
        return None
    except Exception as exc:  # noqa: BLE001 - an odd fitted object: keep the Pipeline
        log.debug("preparation not compiled: %r", exc)
        return None
    prep = pipeline[:-1]
    complete = probe.notna().all(axis=1).to_numpy(copy=True)
    for column in probe.columns:  # rows the fast path can take: no unseen level either
        if isinstance(probe[column].dtype, pd.CategoricalDtype) or probe[column].dtype == "str":
            complete &= ~probe[column].astype(object).isin(["\0unseen level"]).to_numpy()
    frames = [probe, probe[complete].reset_index(drop=True)]
    if compiled.finite_required:
        frames = [f[f.notna().all(axis=1).to_numpy()].reset_index(drop=True) for f in frames]
    try:
        for frame in frames:
            if len(frame) == 0:
                continue
            expected = prep.transform(frame)
            if not _equal(compiled.transform_frame(frame), expected):
                log.info("compiled preparation differs from the pipeline's; the pipeline is used")
                return None
            for i in range(min(len(frame), 3)):  # one row at a time too
                if not _equal(compiled.transform_frame(frame.iloc[[i]].reset_index(drop=True)), expected[[i]]):
                    return None
        if check_columns is not None and complete.any():
            rows = probe[complete].reset_index(drop=True)
            checked = check_columns(rows)
            if checked is None or not _equal(compiled.transform_columns(checked), prep.transform(rows)):
                log.info("compiled preparation of checked columns differs from the pipeline's; not used")
                return None
        compiled.probe = prep.transform(frames[0]) if len(frames[0]) else None
    except Exception as exc:  # noqa: BLE001 - the pipeline itself failed on the probe: keep it
        log.debug("preparation not verified: %r", exc)
        return None
    return compiled
