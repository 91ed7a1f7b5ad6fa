"""Prediction on a checked frame in chunks, and writing the result to CSV, Excel or Parquet safely."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlcore.errors import ConfigError, DataValidationError, MLWorkbenchError
from mlcore.jobs import JobContext

__all__ = ["predict_frame", "predict_prepared", "write_output", "output_bytes", "neutralise_formulas", "proba_column",
           "OUTPUT_FORMATS"]

OUTPUT_FORMATS = {".csv": "csv", ".xlsx": "excel", ".parquet": "parquet"}
EXCEL_MAX_ROWS = 1_048_575  # one row is the header
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# estimators whose predict() is not the argmax of predict_proba() (Platt scaling on top of a decision function)
_PREDICT_DIFFERS_FROM_PROBA = {"SVC", "NuSVC"}


def proba_column(label: Any) -> str:
    """Name of the probability column for one class label."""
    return f"proba_{label}"


def _final_step(pipeline: Any) -> Any:
    steps = getattr(pipeline, "steps", None)
    return steps[-1][1] if steps else pipeline


def _split(pipeline: Any) -> tuple[Any | None, Any]:
    """(preprocessing or None, final estimator) so preprocessing runs once per chunk."""
    steps = getattr(pipeline, "steps", None)
    if steps and len(steps) > 1:
        return pipeline[:-1], steps[-1][1]
    return None, _final_step(pipeline)


def _model_kind(pipeline: Any, final: Any, classes: list[Any] | None,
                threshold: float | None) -> tuple[bool, np.ndarray, bool]:
    """(is a classifier, class labels, prediction is the argmax of the probabilities); checks the threshold."""
    is_classifier = hasattr(final, "predict_proba") and hasattr(pipeline, "classes_")
    labels = np.asarray(classes if classes is not None else (pipeline.classes_ if is_classifier else []), dtype=object)
    if is_classifier and classes is not None and len(classes) != len(pipeline.classes_):
        raise ConfigError(f"{len(classes)} class labels given but the model has {len(pipeline.classes_)} classes")
    if threshold is not None:
        if not is_classifier or len(labels) != 2:
            raise ConfigError("a decision threshold applies only to binary classifiers")
        if not 0.0 < float(threshold) < 1.0:
            raise ConfigError(f"decision threshold must be between 0 and 1, got {threshold}")
    use_argmax = is_classifier and type(final).__name__ not in _PREDICT_DIFFERS_FROM_PROBA
    return is_classifier, labels, use_argmax


def _predict_chunk(final: Any, features: Any, is_classifier: bool, threshold: float | None, use_argmax: bool,
                   rows: tuple[int, int]) -> tuple[np.ndarray, np.ndarray | None]:
    """(class positions or predicted values, probabilities or None) of the final estimator on prepared rows."""
    try:
        if is_classifier:
            proba = np.asarray(final.predict_proba(features), dtype=float)
            if threshold is not None:  # class positions; labels are attached once at the end
                return (proba[:, 1] >= float(threshold)).astype(np.int64), proba
            if use_argmax:
                return np.argmax(proba, axis=1), proba
            return np.asarray(final.predict(features)), proba
        return np.asarray(final.predict(features)), None
    except MLWorkbenchError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise DataValidationError(f"the model could not predict rows {rows[0]}-{rows[1]}: {exc}") from exc


def _labelled(pipeline: Any, classes: list[Any] | None, pred: Any, is_classifier: bool, threshold: float | None,
              use_argmax: bool) -> Any:
    """Class positions as the class labels (a categorical for text labels); other predictions unchanged."""
    if is_classifier and (threshold is not None or use_argmax):
        class_values = np.asarray(pipeline.classes_ if classes is None else classes)
        if class_values.dtype.kind in "OUS":  # text labels: a categorical is built from the positions at no cost
            return pd.Categorical.from_codes(pred, categories=[str(c) for c in class_values])
        return class_values[pred]  # numeric labels keep their dtype
    return pred


def predict_prepared(pipeline: Any, features: Any, *, threshold: float | None = None) -> tuple[list[Any], Any]:
    """(predictions as a list, class probabilities or None) for rows already prepared for the final estimator.

    The same values as :func:`predict_frame`'s "prediction" and "proba_*" columns: a compiled preparation
    (:mod:`mlcore.deployment.compiled`) hands its array here instead of a frame to the pipeline.
    """
    final = _final_step(pipeline)
    is_classifier, _, use_argmax = _model_kind(pipeline, final, None, threshold)
    n = len(features)
    if n == 0:
        return [], (np.zeros((0, len(pipeline.classes_))) if is_classifier else None)
    pred, proba = _predict_chunk(final, features, is_classifier, threshold, use_argmax, (1, n))
    return _labelled(pipeline, None, pred, is_classifier, threshold, use_argmax).tolist(), proba


def predict_frame(pipeline: Any, frame: pd.DataFrame, *, threshold: float | None = None,
                  classes: list[Any] | None = None, ctx: JobContext | None = None,
                  chunk_rows: int = 100_000, prepare: Any = None) -> pd.DataFrame:
    """Predict `frame` chunk by chunk: a "prediction" column plus one "proba_<class>" column per class.

    ``prepare``: a callable giving the final estimator's input for a chunk (or None: then the pipeline's
    own preparation runs), e.g. a compiled preparation proved equal to the pipeline's.
    """
    ctx = ctx or JobContext()
    if chunk_rows < 1:
        raise ConfigError(f"chunk_rows must be at least 1, got {chunk_rows}")
    prep, final = _split(pipeline)
    is_classifier, labels, use_argmax = _model_kind(pipeline, final, classes, threshold)
    n = len(frame)
    if n == 0:
        columns = {"prediction": np.asarray([], dtype=object)}
        columns.update({proba_column(label): np.asarray([], dtype=float) for label in labels})
        return pd.DataFrame(columns, index=frame.index)
    n_chunks = -(-n // chunk_rows)
    predictions: list[np.ndarray] = []
    probas: list[np.ndarray] = []
    ctx.progress(0.0, f"predicting {n} rows")
    for i in range(n_chunks):
        ctx.check_cancelled()
        chunk = frame.iloc[i * chunk_rows:(i + 1) * chunk_rows]
        try:
            features = prepare(chunk) if prepare is not None else None
            if features is None:
                features = prep.transform(chunk) if prep is not None else chunk
        except MLWorkbenchError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise DataValidationError(f"the model could not predict rows {i * chunk_rows + 1}-"
                                      f"{i * chunk_rows + len(chunk)}: {exc}") from exc
        pred, proba = _predict_chunk(final, features, is_classifier, threshold, use_argmax,
                                     (i * chunk_rows + 1, i * chunk_rows + len(chunk)))
        predictions.append(pred)
        if proba is not None:
            probas.append(proba)
        ctx.progress((i + 1) / n_chunks, f"predicted {min(n, (i + 1) * chunk_rows)} of {n} rows")
    pred = _labelled(pipeline, classes, np.concatenate(predictions), is_classifier, threshold, use_argmax)
    columns: dict[str, Any] = {"prediction": pred}
    if is_classifier:
        proba_all = np.concatenate(probas) if probas else np.zeros((0, len(labels)))
        for j, label in enumerate(labels):
            columns[proba_column(label)] = proba_all[:, j]
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    return out


def _needs_neutralising(text: pd.Series) -> np.ndarray:
    """Positions of cells a spreadsheet would read as a formula (signed numbers such as "-1.5" are not)."""
    starts = text.str.startswith(_FORMULA_START, na=False).to_numpy(dtype=bool, copy=True)
    if starts.any():
        pos = np.flatnonzero(starts)
        numeric = text.iloc[pos].str.fullmatch(_PLAIN_NUMBER, na=False).to_numpy(dtype=bool)
        starts[pos[numeric]] = False
    return starts


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix "'" to text cells (and headers) a spreadsheet would run as a formula; numbers are left alone."""
    out = df.copy(deep=False)
    renamed = [f"'{c}" if isinstance(c, str) and c.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(c)
               else c for c in out.columns]
    for j in range(out.shape[1]):
        series = out.iloc[:, j]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype("str")
        elif not (pd.api.types.is_string_dtype(series.dtype) or pd.api.types.is_object_dtype(series.dtype)):
            continue
        if pd.api.types.is_object_dtype(series.dtype):
            is_text = np.fromiter((isinstance(v, str) for v in series.to_numpy()), dtype=bool, count=len(series))
        else:
            is_text = series.notna().to_numpy(dtype=bool)
        text = series.where(is_text).astype("str")
        mask = _needs_neutralising(text) & is_text
        if mask.any():
            values = series.to_numpy(dtype=object, copy=True)
            values[mask] = ["'" + v for v in text.to_numpy(dtype=object)[mask]]
            series = pd.Series(values, index=series.index, name=series.name)
        if series is not out.iloc[:, j]:
            out.isetitem(j, series)
    out.columns = renamed
    return out


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy(deep=False)
    for name in out.columns:
        s = out[name]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out[name] = s.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            out[name] = s.map(lambda v: _ILLEGAL_XLSX.sub("", v) if isinstance(v, str) else v, na_action="ignore")
    return out


_PARTIAL = re.compile(r"^\..+?(?:\.(\d+))?\.partial$")


def sweep_partials(folder: Path) -> list[Path]:
    """Remove hidden ``.<name>.<pid>.partial`` files that a killed write left (their process is gone)."""
    import psutil

    removed = []
    for path in folder.glob(".*.partial"):
        match = _PARTIAL.match(path.name)
        pid = int(match.group(1)) if match and match.group(1) else None
        if pid is not None and pid != os.getpid() and psutil.pid_exists(pid):
            continue  # another process is writing it right now
        if pid == os.getpid():
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass  # gone already, or not ours to remove: the next run tries again
    return removed


def _check_output(df: pd.DataFrame, name: str, suffix: str) -> None:
    """Refuse an output format other than csv/xlsx/parquet, and more rows than Excel holds."""
    if suffix not in OUTPUT_FORMATS:
        raise ConfigError(f"cannot write '{name}': the output must end in .csv, .xlsx or .parquet")
    if suffix == ".xlsx" and len(df) > EXCEL_MAX_ROWS:
        raise ConfigError(f"cannot write '{name}': {len(df)} rows exceed Excel's limit of {EXCEL_MAX_ROWS}; "
                          "use .csv or .parquet")


def _write(df: pd.DataFrame, target: Any, suffix: str) -> None:
    """``df`` to a path or a binary buffer as .csv, .xlsx or .parquet (formulas neutralised in CSV/Excel)."""
    if suffix == ".csv":
        neutralise_formulas(df).to_csv(target, index=False)
    elif suffix == ".xlsx":
        _excel_ready(neutralise_formulas(df)).to_excel(target, index=False, engine="openpyxl")
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        # dictionary-encode text columns only: trying it on float columns (every value distinct) costs
        # most of the write (10,000 rows x 15 columns: 12 ms -> 5 ms) and makes the file larger
        text = [field.name for field in table.schema
                if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
                or pa.types.is_string_view(field.type) or pa.types.is_dictionary(field.type)]
        pq.write_table(table, target, use_dictionary=text)


def output_bytes(df: pd.DataFrame, fmt: str) -> bytes:
    """``df`` as the bytes of a .csv, .xlsx or .parquet file (``fmt``: no dot), as :func:`write_output` writes it."""
    import io

    suffix = "." + fmt.lower().lstrip(".")
    _check_output(df, f"predictions{suffix}", suffix)
    buffer = io.BytesIO()
    _write(df, buffer, suffix)
    return buffer.getvalue()


def write_output(df: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write `df` as .csv, .xlsx or .parquet by the extension (formulas neutralised in CSV/Excel); return the path."""
    target = Path(path)
    suffix = target.suffix.lower()
    _check_output(df, target.name, suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_partials(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        _write(df, tmp, suffix)
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"cannot write '{target}': {exc.strerror or exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
